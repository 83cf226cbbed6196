"""Studies as data: the synthetic third study (every test kind and rule on events with known
answers), the YAML-only variants, no study identifier in the package's code, the scaffold, the
bundled public-domain text and the second study's registry."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from shapely.geometry import box
from typer.testing import CliRunner

from geoclaims import claims, datasets

HERE = Path(__file__).parent
ROOT = HERE.parent
_spec = importlib.util.spec_from_file_location(
    "claims_synthetic_studies", HERE / "fixtures" / "claims" / "synthetic.py"
)
S = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(S)

STUDY = HERE / "fixtures" / "claims" / "study-synthetic"
WEST = box(36.1, 32.1, 38.9, 36.9)
EAST_SDF = box(39.1, 35.6, 41.9, 36.5)  # east, in SY08, south of the northern strip
MERV = box(40.0, 34.0, 41.5, 35.0)
TANF = box(38.45, 32.25, 38.75, 32.55)
BRACKETS = [(1, WEST, "2016-01-01", "2016-01-02", False),
            (1, WEST, "2019-11-30", "2019-12-01", False)]


@pytest.fixture(scope="module")
def reg() -> claims.Registry:
    return claims.load_registry(study=STUDY)


def evaluate(reg, spec, ids, *, zones=None, extra=None, columns=None):
    ev = S.make_events(spec + BRACKETS)
    if extra is not None:
        ev = pd.concat([ev, extra], ignore_index=True)
    ev = S.classify(ev, zones)
    for col, fn in (columns or {}).items():
        ev[col] = fn(ev)
    return claims.evaluate_all(ev, registry=reg, geo=S.SyntheticGeo(zones=zones), claims=ids)


def test_the_synthetic_study_loads_with_every_kind_and_rule(reg):
    assert {c.kind for c in reg.claims} == set(claims.TEST_KINDS)
    assert {c.rule["type"] for c in reg.claims} == {"share_at_least", "rate_at_most",
                                                     "ratio_above"}
    assert claims.span_text(reg.claim("S8").spans[0], claims.article_path(reg)) == (
        "It holds no ground any more.")


@pytest.mark.parametrize("cid, spec, want", [
    ("S1", [(100, EAST_SDF, "2019-02-05", "2019-11-29", True)], "supported"),
    ("S1", [(100, WEST, "2019-02-05", "2019-11-29", True)], "contradicted"),
    ("S2", [(60, EAST_SDF, "2019-02-05", "2019-11-29", True)], "supported"),
    ("S2", [(100, WEST, "2019-02-05", "2019-11-29", True)], "contradicted"),
    ("S3", [(60, EAST_SDF, "2018-12-25", "2019-03-15", True)], "supported"),
    ("S4", [(15, MERV, "2018-08-06", "2019-02-03", True),
            (80, MERV, "2019-08-05", "2019-11-29", True)], "supported"),
    ("S4", [(90, MERV, "2018-08-06", "2019-02-03", True),
            (10, MERV, "2019-08-05", "2019-11-29", True)], "contradicted"),
    ("S6", [(100, EAST_SDF, "2016-01-02", "2017-12-30", True)], "supported"),
    ("S6", [(100, WEST, "2016-01-02", "2017-12-30", True)], "mixed"),  # events west, ground east
    ("S7", [(60, TANF, "2019-02-05", "2019-11-29", True),
            (60, WEST, "2019-02-05", "2019-11-29", True)], "supported"),
    ("S7", [(100, EAST_SDF, "2019-02-05", "2019-11-29", True)], "contradicted"),
])
def test_each_kind_gives_the_known_answer(reg, cid, spec, want):
    r = evaluate(reg, spec, [cid]).results[cid]
    assert r.main.verdict == want, (cid, r.main.reason)


def test_two_part_claim_is_mixed_when_the_held_ground_disagrees(reg):
    west_only = S.ledger(isis_pocket=None, west_pocket=box(36.5, 33.0, 37.0, 33.5))
    r = evaluate(reg, [(60, EAST_SDF, "2018-12-25", "2019-03-15", True)], ["S3"],
                 zones=west_only).results["S3"]
    assert r.main.components["event_test_verdict"] == "supported"
    assert r.main.components["ledger_test_met"] is False
    assert r.main.verdict == "mixed"
    assert "area_share_east" in r.main.components  # named after the region's slug
    parts = claims.parts_table(evaluate(reg, [(60, EAST_SDF, "2018-12-25", "2019-03-15", True)],
                                        ["S3"]), "S3")
    assert list(parts["result"]) == ["supports the claim", "supported"]


def test_country_growth_ratio_and_its_missing_data_message(reg):
    iraq = S.make_events([(20, MERV, "2018-08-06", "2019-02-03", True),
                          (100, MERV, "2019-02-05", "2019-08-03", True)], seed=5, country="Iraq")
    iraq["event_id"] = "iq-" + iraq["event_id"]
    spec = [(50, EAST_SDF, "2018-08-06", "2019-02-03", True),
            (50, EAST_SDF, "2019-02-05", "2019-08-03", True)]
    r = evaluate(reg, spec, ["S5"], extra=iraq).results["S5"]
    assert r.main.verdict == "supported" and r.main.estimate > 3
    assert r.main.components["formula"] == "(w[iq_after] / w[iq_before]) / (w[sy_after] / w[sy_before])"
    none = evaluate(reg, spec, ["S5"]).results["S5"]
    assert none.main.verdict == "not testable"
    assert "hold no events in Iraq; the claim compares Iraq with Syria. load a dataset" in (
        none.main.reason)


def test_held_area_share_and_ratio(reg):
    out = evaluate(reg, [(20, EAST_SDF, "2019-02-05", "2019-11-29", True)], ["S8", "S9"])
    s8, s9 = out.results["S8"].main, out.results["S9"].main
    assert s8.verdict == "contradicted" and 0.004 < s8.estimate < 0.007  # 0.4 x 0.4 of 6 x 5 deg
    assert s9.verdict == "contradicted" and s9.estimate == pytest.approx(1.0)  # same ledger
    none = evaluate(reg, [(20, EAST_SDF, "2019-02-05", "2019-11-29", True)], ["S8", "S9"],
                    zones=S.ledger(isis_pocket=None))
    assert none.results["S8"].main.verdict == "supported"
    assert none.results["S9"].main.verdict == "not testable"  # no base area
    assert list(out.results["S8"].variants) == ["contested_in", "contested_out"]  # no events


def test_yaml_only_variants_filter_on_a_column_and_add_flagged_events_to_the_zone(reg):
    # half the events east (anchor 5 km), half west (anchor 50 km): main share 0.5
    out = evaluate(reg, [(80, EAST_SDF, "2019-02-05", "2019-11-29", True),
                         (80, WEST, "2019-02-05", "2019-11-29", True)], ["S1"],
                   columns={"anchor_km": lambda ev: ev["lon"].gt(39).map({True: 5.0, False: 50.0}),
                            "enclosed_pocket": lambda ev: ev["lon"].lt(39)})
    r = out.results["S1"]
    assert r.main.verdict == "contradicted"
    anchor = r.variants["anchor_15km"][1]
    assert anchor.verdict == "supported" and anchor.n_events == 80
    # 80 IS events and the 2 bracket events in the west
    assert any("removed 82 events without anchor_km <= 15" in n for n in anchor.notes)
    pockets = r.variants["pockets_in_zone"][1]
    assert pockets.verdict == "supported" and pockets.estimate == 1.0
    assert r.verdict == "mixed" and r.flipped_under == ["anchor_15km", "pockets_in_zone"]
    # without the column the variant is not testable and says which column is missing
    plain = evaluate(reg, [(80, EAST_SDF, "2019-02-05", "2019-11-29", True)], ["S1"])
    assert "no anchor_km column" in plain.results["S1"].variants["anchor_15km"][1].reason


def test_us_held_side_can_be_replaced(reg):
    spec = [(100, EAST_SDF, "2019-02-05", "2019-11-29", True)]
    ev = S.classify(S.make_events(spec + BRACKETS))
    other = claims.with_sides(reg, {"east_side": ["syrian_government"]})
    out = claims.evaluate_all(ev, registry=other, geo=S.SyntheticGeo(), claims=["S1"])
    assert out.results["S1"].main.verdict == "contradicted"


def _study_identifiers(study: Path) -> set[str]:
    """Claim ids, region ids and admin-1 codes a study's YAML names."""
    sdoc = yaml.safe_load((study / "study.yaml").read_text(encoding="utf-8"))
    cdoc = yaml.safe_load((study / "claims.yaml").read_text(encoding="utf-8"))
    text = yaml.safe_dump(cdoc["claims"])
    ids = {c["id"] for c in cdoc["claims"]} | set((sdoc.get("regions") or {}).keys())
    ids |= set(re.findall(r"\b(?:rg|adm1|adm0):[A-Za-z0-9-]+", text))
    ids |= set(re.findall(r"\bSY\d\d\b", text))
    return ids


#: Modules of other stages that still name regions in docstrings or constants (their own
#: issues clean them): regions.py defines the id syntax with examples, control.py's docstring,
#: exports.py's layer names. Everything else in src/ must name no study identifier.
_OTHER_STAGES = {"regions.py", "control.py", "exports.py", "maps.py"}


def test_no_study_identifier_in_the_package_code():
    studies = sorted(p.parent for p in (ROOT / "data" / "studies").glob("*/study.yaml"))
    assert len(studies) >= 2
    found = []
    for study in [*studies, STUDY]:
        ids = _study_identifiers(study)
        assert ids, study
        pattern = re.compile(r"(?<![\w:-])(?:" + "|".join(re.escape(i) for i in sorted(ids))
                             + r")(?![\w-])")
        for path in sorted((ROOT / "src" / "geoclaims").rglob("*.py")):
            if path.name in _OTHER_STAGES:
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                for m in pattern.finditer(line):
                    found.append(f"{path.relative_to(ROOT)}:{n}: {m.group(0)} ({study.name})")
    assert not found, "\n".join(found)


def test_the_identifier_check_can_fail(tmp_path):
    ids = _study_identifiers(ROOT / "data" / "studies" / claims.DEFAULT_STUDY)
    assert {"C3", "rg:merv", "SY08"} <= ids


def test_study_new_scaffolds_a_study_with_candidate_claims(tmp_path):
    from geoclaims.claims import scaffold

    text = tmp_path / "op-ed.txt"
    text.write_text("Intro line.\n\nIS will only survive in Syria near Raqqa. The weather was "
                    "mild.\n\nNothing else here.\n", encoding="utf-8")
    cues = yaml.safe_load((ROOT / "data" / "study_cues.yaml").read_text(encoding="utf-8"))
    found = scaffold.candidates(text.read_text(encoding="utf-8"), [(32, 37, "Syria")], cues)
    assert len(found) == 1 and found[0]["quantifiers"] == ["only"]
    assert found[0]["forecasts"] == ["will"] and found[0]["actors"] == ["IS"]
    assert found[0]["paragraph"] == 1
    result = CliRunner().invoke(__import__("geoclaims.cli", fromlist=["app"]).app,
                                ["study", "new", str(text), "--id", "my-study", "--root",
                                 str(tmp_path / "studies")])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "studies" / "my-study"
    sdoc = yaml.safe_load((folder / "study.yaml").read_text(encoding="utf-8"))
    assert (folder / sdoc["article"]["path"]).resolve() == text.resolve()
    cl = (folder / "claims.yaml").read_text(encoding="utf-8")
    assert "claims: []" in cl and "# candidate 1" in cl
    again = CliRunner().invoke(__import__("geoclaims.cli", fromlist=["app"]).app,
                               ["study", "new", str(text), "--id", "my-study", "--root",
                                str(tmp_path / "studies")])
    assert again.exit_code != 0 and "exists already" in again.output


def test_bundled_public_domain_text_is_fetched_and_checked(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets.paths, "CACHE", tmp_path / "cache")
    ds = datasets.get("white-house-statement-2018-12-19")
    assert ds.bundled and ds.licence.startswith("Public domain")
    path = datasets.fetch(ds.name, mirror=tmp_path / "no-mirror")
    assert datasets.sha256sum(path) == ds.sha256
    # the only texts shipped in the repository are public-domain ones
    for entry in datasets.load_registry().values():
        if entry.bundled:
            assert "Public domain" in entry.licence, entry.name


def test_second_study_registry_matches_its_text():
    reg = claims.load_registry(study="wh-2018-12-19-syria-statement")
    assert [c.id for c in reg.claims] == ["W1", "W2", "W3"]
    assert reg.publication_date == pd.Timestamp("2018-12-19")
    words = claims.span_text(reg.claim("W1").spans[0], claims.article_path(reg))
    assert "territorial caliphate" in words


def test_two_sources_each_evaluated_and_mixed_when_they_disagree(reg, tmp_path):
    from geoclaims.claims import sources

    east = S.classify(S.make_events([(100, EAST_SDF, "2019-02-05", "2019-11-29", True)]
                                    + BRACKETS, dataset="source-a"))
    west = S.classify(S.make_events([(100, WEST, "2019-02-05", "2019-11-29", True)] + BRACKETS,
                                    dataset="source-b", seed=9))
    evals = sources.evaluate_by_source({"source-a": east, "source-b": west}, registry=reg,
                                       geo=S.SyntheticGeo(), claims=["S1"])
    table = sources.by_source_table(evals)
    assert list(table["source"]) == ["source-a", "source-b", "all sources"]
    assert list(table["verdict"]) == ["supported", "contradicted", "mixed"]
    assert "the sources disagree" in table["reason"].iloc[-1]
    path = sources.write_by_source(table, reg, tmp_path)
    assert path.name == "claims-by-source.csv" and path.read_text().startswith("id,source,")
    assert sources.combined_verdict(["supported", "not testable"]) == "supported"
    assert sources.combined_verdict(["not testable"]) == "not testable"
