"""Claims registry, decision rules and verdicts on synthetic events whose right answer is known."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from shapely.geometry import box

from geoclaims import claims, stats

HERE = Path(__file__).parent
_spec = importlib.util.spec_from_file_location(
    "claims_synthetic", HERE / "fixtures" / "claims" / "synthetic.py"
)
S = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(S)

PUB = pd.Timestamp("2019-02-04")
WEST = box(36.1, 32.1, 38.9, 36.9)
EAST_SDF = box(39.1, 35.6, 41.9, 36.9)  # east, inside SY08, away from the IS pocket
MERV = box(40.0, 34.0, 41.5, 35.0)
MIDDLE = box(37.0, 33.5, 38.0, 35.5)  # west, away from every entry area
BRACKETS = [  # non-IS events that fix the data's first and last day
    (1, WEST, "2016-01-01", "2016-01-02", False),
    (1, WEST, "2019-11-30", "2019-12-01", False),
]


def article_file() -> Path:
    mirror = os.environ.get("GEOCLAIMS_DATA_MIRROR")
    path = Path(mirror or "/nonexistent") / "article" / "us-syria-withdrawal-isis-return.txt"
    if not path.exists():
        pytest.skip("article file not available (GEOCLAIMS_DATA_MIRROR)")
    return path


@pytest.fixture(scope="module")
def registry() -> claims.Registry:
    return claims.load_registry(article=article_file())


def run(spec, registry, *, zones=None, ids=None, classify_zones=None, extra=None):
    ev = S.make_events(spec + BRACKETS)
    if extra is not None:
        ev = pd.concat([ev, extra], ignore_index=True)
    ev = S.classify(ev, classify_zones if classify_zones is not None else zones)
    geo = S.SyntheticGeo(zones=zones)
    return claims.evaluate_all(ev, registry=registry, geo=geo, claims=ids)


# --------------------------------------------------------------------------------- registry


def test_registry_has_the_seven_claims_with_checked_spans(registry):
    assert [c.id for c in registry.claims] == ["C1", "C2", "C3", "C4", "C5", "C6", "C7"]
    text = article_file().read_text(encoding="utf-8")
    for c in registry.claims:
        assert c.spans_in("en"), c.id
        for s in c.spans:
            assert claims.span_text(s, article_file()) == text[s.start : s.end]
    # spot checks on single words only (the article's text is never copied here)
    assert "MERV" in claims.span_text(registry.claim("C4").spans_in("en")[0], article_file())
    assert "Hasaka" in claims.span_text(registry.claim("C6").spans_in("en")[0], article_file())
    assert "Tanf" in claims.span_text(registry.claim("C7").spans_in("fr")[0], article_file())
    assert registry.publication_date == PUB
    assert registry.publication_latest > registry.publication_date


def test_changed_article_is_detected(tmp_path):
    raw = bytearray(article_file().read_bytes())
    raw[10] = ord("X") if raw[10] != ord("X") else ord("Y")
    changed = tmp_path / "article.txt"
    changed.write_bytes(bytes(raw))
    with pytest.raises(claims.ClaimsError, match=r"claims\.yaml: article\.sha256: .*changed"):
        claims.load_registry(article=changed)


def _edited_registry(tmp_path, edit) -> Path:
    doc = yaml.safe_load(claims.paths.data_file("claims.yaml").read_text(encoding="utf-8"))
    edit(doc)
    p = tmp_path / "claims.yaml"
    p.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return p


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda d: d["claims"][1].pop("paraphrase"), r"claim C2: field 'paraphrase' is missing"),
        (lambda d: d["claims"][2]["test"].pop("rule"), r"claim C3: field 'test.rule' is missing"),
        (lambda d: d["claims"][0]["spans"][0].update(end=10**7),
         r"claim C1: field 'spans\[0\]\.end' = 10000000 is past the end"),
        (lambda d: d["claims"][3]["spans"][0].update(start=d["claims"][3]["spans"][0]["start"] + 1),
         r"claim C4: field 'spans\[0\]\.sha256'"),
        (lambda d: d["claims"][4]["spans"][1].update(paragraph=0),
         r"claim C5: field 'spans\[1\]\.paragraph' = 0"),
        (lambda d: d["claims"][5]["test"]["rule"].update(type="roughly"),
         r"claim C6: field 'test.rule.type' is 'roughly'"),
        (lambda d: d["claims"][6]["test"].update(kind="vibes"), r"claim C7: field 'test.kind'"),
    ],
)
def test_registry_errors_name_file_claim_and_field(tmp_path, edit, message):
    path = _edited_registry(tmp_path, edit)
    with pytest.raises(claims.ClaimsError, match=message) as info:
        claims.load_registry(path, article=article_file())
    assert str(path) in str(info.value)


# --------------------------------------------------------------------------------- rules


@pytest.mark.parametrize(
    "rule, est, lo, hi, want",
    [
        ({"type": "share_at_least", "threshold": 0.95}, 0.99, 0.96, 1.0, "supported"),
        ({"type": "share_at_least", "threshold": 0.95}, 0.80, 0.70, 0.90, "contradicted"),
        ({"type": "share_at_least", "threshold": 0.95}, 0.95, 0.90, 0.99, "mixed"),
        ({"type": "ratio_above", "threshold": 1.0}, 2.0, 1.5, 2.5, "supported"),
        ({"type": "ratio_above", "threshold": 1.0}, 0.5, 0.3, 0.8, "contradicted"),
        ({"type": "ratio_above", "threshold": 1.0}, 1.1, 0.8, 1.4, "mixed"),
        ({"type": "rate_at_most", "threshold": 1.0}, 0.2, 0.0, 0.6, "supported"),
        ({"type": "rate_at_most", "threshold": 1.0}, 5.0, 3.0, 7.0, "contradicted"),
        ({"type": "rate_at_most", "threshold": 1.0}, 1.0, 0.5, 1.6, "mixed"),
        ({"type": "ratio_above", "threshold": 1.0}, float("nan"), 1.0, 2.0, "not testable"),
    ],
)
def test_decide(rule, est, lo, hi, want):
    assert stats.decide(rule, est, lo, hi) == want


def test_combine_reports_a_flip_as_mixed():
    assert stats.combine("supported", {"a": "supported", "b": "not testable"}) == ("supported", [])
    assert stats.combine("supported", {"b": "contradicted", "a": "supported"}) == ("mixed", ["b"])
    assert stats.combine("not testable", {"a": "supported"}) == ("not testable", [])


def test_day_bootstrap_resamples_empty_days_and_is_seeded():
    days = pd.to_datetime(["2019-01-01"] * 5 + ["2019-01-03"] * 5)
    frame = pd.DataFrame({"day": days, "group": "zone", "w": 1.0})
    st = [(stats.Stratum("p", pd.Timestamp("2019-01-01"), pd.Timestamp("2019-01-11")), ["zone"])]
    a = stats.bootstrap(frame, st, lambda g: g["zone"] / 10.0, seed=3, n_boot=500)
    b = stats.bootstrap(frame, st, lambda g: g["zone"] / 10.0, seed=3, n_boot=500)
    assert a == b
    assert a.estimate == 1.0
    assert a.ci_low == 0.0  # eight of ten days are empty: a replicate can draw none with events
    assert a.ci_low <= a.estimate <= a.ci_high


# --------------------------------------------------------------------------------- verdicts


def _verdict(ev, cid):
    r = ev.results[cid]
    return r.main.verdict, r.verdict


def test_c1_both_directions(registry):
    only_us = [(200, EAST_SDF, "2019-02-05", "2019-11-29", True)]
    ev = run(only_us, registry, ids=["C1"])
    assert _verdict(ev, "C1") == ("supported", "supported")
    assert ev.results["C1"].main.estimate == 1.0
    spread = only_us + [(200, WEST, "2019-02-05", "2019-11-29", True)]
    ev = run(spread, registry, ids=["C1"])
    assert _verdict(ev, "C1") == ("contradicted", "contradicted")
    assert 0.4 < ev.results["C1"].main.estimate < 0.6


def test_c1_flip_under_a_variant_is_reported_as_mixed(registry):
    precise_us = S.make_events([(200, EAST_SDF, "2019-02-05", "2019-11-29", True)], seed=5)
    vague_west = S.make_events([(120, WEST, "2019-02-05", "2019-11-29", True)], seed=6,
                               dataset="vague")
    vague_west["precise"] = False
    ev = run([], registry, ids=["C1"], extra=pd.concat([precise_us, vague_west]))
    r = ev.results["C1"]
    assert r.main.verdict == "contradicted"
    assert r.variants["precise_only"][1].verdict == "supported"
    assert r.verdict == "mixed" and "precise_only" in r.flipped_under
    row = ev.table.set_index("id").loc["C1"]
    assert row["verdict"] == "mixed" and "precise_only" in row["reason"]


def test_c2_both_directions(registry):
    before_only = [(150, WEST, "2018-01-01", "2019-01-31", True),
                   (100, EAST_SDF, "2019-02-05", "2019-11-29", True)]
    ev = run(before_only, registry, ids=["C2"])
    assert _verdict(ev, "C2") == ("supported", "supported")
    assert ev.results["C2"].main.estimate == 0.0
    after_too = before_only + [(80, WEST, "2019-02-05", "2019-11-29", True)]
    ev = run(after_too, registry, ids=["C2"])
    assert _verdict(ev, "C2") == ("contradicted", "contradicted")
    q = ev.results["C2"].main.tables["by_quarter"]
    assert q["west_government_held"].sum() >= 80


def test_c3_both_directions(registry):
    near = [(60, box(41.6, 34.0, 42.0, 34.4), "2019-01-01", "2019-03-15", True),
            (60, EAST_SDF, "2019-01-01", "2019-03-15", True)]
    ev = run(near, registry, ids=["C3"])
    assert _verdict(ev, "C3") == ("supported", "supported")
    assert ev.results["C3"].main.components["area_share_east"] == pytest.approx(1.0)
    west_zones = S.ledger(isis_pocket=None, west_pocket=box(37.0, 34.0, 37.5, 34.5))
    far = [(120, box(37.0, 34.0, 37.5, 34.5), "2019-01-01", "2019-03-15", True)]
    ev = run(far, registry, ids=["C3"], zones=west_zones)
    assert _verdict(ev, "C3") == ("contradicted", "contradicted")
    assert ev.results["C3"].main.components["area_share_east"] == pytest.approx(0.0)


def test_c3_mixed_reason_says_which_part_holds(registry):
    # the ledger's IS pocket lies east, by US-held ground; IS activity is mostly in the west
    split = [(20, box(41.6, 34.0, 42.0, 34.4), "2019-01-01", "2019-03-15", True),
             (100, WEST, "2019-01-01", "2019-03-15", True)]
    ev = run(split, registry, ids=["C3"])
    assert ev.results["C3"].main.verdict == "mixed"
    reason = ev.results["C3"].main.reason
    assert "Where IS held ground" in reason and "this part supports the claim" in reason
    assert "Where IS was active" in reason and "(event part: contradicted)" in reason
    assert "not where its last stronghold lay" in reason and "verdict is 'mixed'" in reason
    parts = claims.stronghold_parts(ev, "C3")
    assert list(parts["result"]) == ["supports the claim", "contradicted"]
    both = run([(60, box(41.6, 34.0, 42.0, 34.4), "2019-01-01", "2019-03-15", True)], registry,
               ids=["C3"])
    assert "Both parts of the registered rule agree: supported" in both.results["C3"].main.reason


def test_c3_not_testable_without_is_held_ground(registry):
    no_pocket = S.ledger(isis_pocket=None)
    ev = run([(60, EAST_SDF, "2019-01-01", "2019-03-15", True)], registry, ids=["C3"],
             zones=no_pocket)
    assert ev.results["C3"].verdict == "not testable"
    assert "no IS-held zone" in ev.results["C3"].main.reason


def test_c4_both_directions(registry):
    resurge = [(20, MERV, "2018-08-06", "2019-02-03", True),
               (150, MERV, "2019-08-05", "2019-11-29", True)]
    ev = run(resurge, registry, ids=["C4"])
    assert _verdict(ev, "C4")[0] == "supported"
    assert "territory cannot be seen" in ev.results["C4"].main.reason
    quiet = [(200, MERV, "2018-08-06", "2019-02-03", True),
             (10, MERV, "2019-08-05", "2019-11-29", True)]
    ev = run(quiet, registry, ids=["C4"])
    assert _verdict(ev, "C4")[0] == "contradicted"


def _two_countries(iraq_before, iraq_after, syria_before, syria_after):
    def make(n, start, end, country, seed):
        return S.make_events([(n, EAST_SDF, start, end, True)], seed=seed, country=country,
                             dataset="ucdp-ged-251")

    return pd.concat([
        make(iraq_before, "2018-08-06", "2019-02-03", "Iraq", 11),
        make(iraq_after, "2019-02-04", "2019-08-03", "Iraq", 12),
        make(syria_before, "2018-08-06", "2019-02-03", "Syria", 13),
        make(syria_after, "2019-02-04", "2019-08-03", "Syria", 14),
    ], ignore_index=True)


def test_c5_not_testable_with_syria_only_then_both_directions(registry):
    ev = run([(100, EAST_SDF, "2018-08-06", "2019-08-03", True)], registry, ids=["C5"])
    r = ev.results["C5"]
    assert r.verdict == "not testable"
    assert "not testable with these data" in r.main.reason and "ucdp-ged-251" in r.main.reason
    ev = run([], registry, ids=["C5"], extra=_two_countries(50, 150, 150, 50))
    assert _verdict(ev, "C5") == ("supported", "supported")
    ev = run([], registry, ids=["C5"], extra=_two_countries(150, 50, 50, 150))
    assert _verdict(ev, "C5") == ("contradicted", "contradicted")


def test_c6_both_directions(registry):
    east_pocket = S.ledger(isis_pocket=box(40.0, 33.0, 41.5, 35.0))  # inside SY09
    east = [(200, box(39.1, 32.1, 41.9, 36.9), "2016-01-01", "2017-12-31", True)]
    ev = run(east, registry, ids=["C6"], zones=east_pocket)
    assert _verdict(ev, "C6") == ("supported", "supported")
    table = ev.results["C6"].main.tables["by_governorate"]
    assert set(table["pcode"]) == {"SY02", "SY04", "SY08", "SY09"}
    west_pocket = S.ledger(isis_pocket=None, west_pocket=box(36.5, 33.0, 38.5, 36.0))
    west = [(200, WEST, "2016-01-01", "2017-12-31", True)]
    ev = run(west, registry, ids=["C6"], zones=west_pocket)
    assert _verdict(ev, "C6") == ("contradicted", "contradicted")


def test_c7_both_directions(registry):
    entry = [(100, box(36.0, 36.7, 42.0, 37.0), "2019-02-05", "2019-11-29", True),
             (40, box(41.5, 33.0, 42.0, 34.0), "2019-02-05", "2019-11-29", True),
             (30, box(38.4, 32.2, 38.8, 32.6), "2019-02-05", "2019-11-29", True),
             (20, MIDDLE, "2019-02-05", "2019-11-29", True)]
    ev = run(entry, registry, ids=["C7"])
    assert _verdict(ev, "C7") == ("supported", "supported")
    areas = ev.results["C7"].main.tables["by_area"].set_index("region")
    assert areas.loc["rg:at-tanf-zone", "is_events"] >= 30  # At-Tanf itself is counted
    middle = [(200, MIDDLE, "2019-02-05", "2019-11-29", True)]
    ev = run(middle, registry, ids=["C7"])
    assert _verdict(ev, "C7") == ("contradicted", "contradicted")


def test_missing_upstream_makes_a_claim_not_testable(registry):
    class NoRegions(S.SyntheticGeo):
        def region(self, region_id):
            raise claims.GeoUnavailable(f"regions.region('{region_id}'): not built")

    ev = S.classify(S.make_events([(50, MERV, "2018-08-06", "2019-11-29", True)] + BRACKETS))
    out = claims.evaluate_all(ev, registry=registry, geo=NoRegions(), claims=["C4"])
    assert out.results["C4"].verdict == "not testable"
    assert "regions.region('rg:merv')" in out.results["C4"].main.reason


def test_control_columns_missing_makes_c1_not_testable(registry):
    ev = S.make_events([(50, EAST_SDF, "2019-02-05", "2019-11-29", True)] + BRACKETS)
    out = claims.evaluate_all(ev, registry=registry, geo=S.SyntheticGeo(), claims=["C1"])
    assert out.results["C1"].verdict == "not testable"
    assert "control.classify" in out.results["C1"].main.reason


# --------------------------------------------------------------------------------- outputs

FULL = [
    (150, box(39.1, 32.1, 41.9, 36.9), "2019-02-05", "2019-11-29", True),
    (40, WEST, "2019-02-05", "2019-11-29", True),
    (80, MERV, "2018-08-01", "2019-02-03", True),
    (60, box(39.1, 32.1, 41.9, 36.9), "2016-01-01", "2017-12-31", True),
    (30, WEST, "2016-01-01", "2017-12-31", True),
    (50, WEST, "2017-01-01", "2019-11-29", False),
]


@pytest.fixture(scope="module")
def full(registry):
    return run(FULL, registry)


def test_same_inputs_give_a_byte_identical_verdict_table(registry, full, tmp_path):
    again = run(FULL, registry)
    assert claims.table_json(full.table) == claims.table_json(again.table)
    assert claims.table_csv(full.table) == claims.table_csv(again.table)
    a = claims.write_outputs(full, tmp_path / "a")
    b = claims.write_outputs(again, tmp_path / "b")
    assert a.keys() == b.keys()
    for key in a:
        assert a[key].read_bytes() == b[key].read_bytes(), key
    assert a["findings"].name == "findings-2019-11-30.json"  # the data's last day


def test_table_fields_and_cli_json(full, monkeypatch):
    from typer.testing import CliRunner

    from geoclaims import cli

    t = full.table
    for col in ("id", "verdict", "estimate", "ci_low", "ci_high", "n_events", "rule"):
        assert col in t.columns
    assert set(t["verdict"]) <= set(stats.VERDICTS)
    monkeypatch.setattr(claims, "run", lambda *a, **k: full)
    res = CliRunner().invoke(cli.app, ["claims", "--format", "json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert [r["id"] for r in rows] == list(t["id"])
    c1 = next(r for r in rows if r["id"] == "C1")
    assert c1["estimate"] == pytest.approx(full.results["C1"].main.estimate, abs=1e-6)
    res = CliRunner().invoke(cli.app, ["claims", "--format", "csv"])
    assert res.exit_code == 0 and res.output.splitlines()[0].startswith("id,title,verdict")


def test_every_scorecard_number_traces_to_evidence_ids(full, tmp_path):
    written = claims.write_outputs(full, tmp_path)
    doc = json.loads(written["findings"].read_text(encoding="utf-8"))
    card = full.table.set_index("id")
    checked = 0
    for entry in doc["claims"]:
        cid = entry["id"]
        if entry["estimate"] is None:
            assert pd.isna(card.loc[cid, "estimate"])
        else:
            assert entry["estimate"] == pytest.approx(card.loc[cid, "estimate"], abs=1e-9)
        if not entry["evidence_file"]:
            assert entry["verdict"] == "not testable"
            continue
        evidence = pd.read_csv(tmp_path / entry["evidence_file"], dtype={"event_id": str})
        assert evidence["event_id"].notna().all()
        assert not evidence.duplicated(["dataset", "event_id"]).any()
        assert entry["n_events"] == len(evidence) or entry["components"].get("w_zone") == len(
            evidence
        )
        recomputed = claims.recompute_from_evidence(entry, evidence)
        assert recomputed == pytest.approx(entry["estimate"], abs=1e-5), cid
        checked += 1
    assert checked >= 5
    # the C1 share by hand: IS events flagged in the numerator over all listed
    c1 = pd.read_csv(tmp_path / "evidence" / "claim_C1.csv", dtype={"event_id": str})
    assert (c1["group"] == "numerator").mean() == pytest.approx(card.loc["C1", "estimate"],
                                                                abs=1e-6)


def test_sensitivity_table_lists_every_variant(full):
    sens = full.sensitivity
    c1 = set(sens.loc[sens["id"] == "C1", "variant"])
    assert {"main", "deaths", "precise_only", "boundary_10km", "boundary_25km", "contested_in",
            "contested_out", "pub_latest"} <= c1
    assert {"near_0km", "near_50km"} <= set(sens.loc[sens["id"] == "C7", "variant"])
    assert "baseline_after_baghuz" in set(sens.loc[sens["id"] == "C4", "variant"])
    assert np.isin(sens["verdict"], stats.VERDICTS).all()


def test_scorecard_and_claim_figures(full, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    files = claims.save_figure(claims.plot_scorecard(full), "09_scorecard", tmp_path)
    files += claims.save_figure(claims.plot_claim(full, "C1"), "claim_C1", tmp_path)
    assert all(p.stat().st_size > 1000 for p in files)


def test_scorecard_writes_png_and_svg_with_nothing_overlapping_or_cut(full, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    fig = claims.plot_scorecard(full)
    assert claims.scorecard_layout_problems(fig) == []
    fig.set_dpi(300)  # the PNG's resolution
    assert claims.scorecard_layout_problems(fig) == []
    credits = claims.scorecard_credits(full)
    assert "data/control_sources.csv" in credits and "2019-02-04 to 2019-03-22" in credits
    assert "synthetic (not in the dataset registry" in credits  # the fixture's dataset
    assert f"{full.data['data_start']} to {full.data['data_end']}" in credits
    assert any(credits in t.get_text() for t in fig.texts)
    as_ucdp = dataclasses.replace(full, data={**full.data, "datasets": ["ucdp-ged-syria"]})
    assert "UCDP GED (ucdp-ged-syria), CC BY 4.0" in claims.scorecard_credits(as_ucdp)
    files = claims.save_figure(fig, "09_scorecard", tmp_path)
    assert [p.name for p in files] == ["09_scorecard.png", "09_scorecard.svg"]
    assert all(p.stat().st_size > 1000 for p in files)
    # the check can fail: a panel moved onto the table, a cell text too long for its cell
    panel = next(a for a in fig.axes if a.get_label() == claims.SCORECARD_PANEL_LABEL)
    panel.set_position((0.3, 0.3, 0.3, 0.3))
    cell = fig.axes[0].tables[0][1, 6]
    cell.get_text().set_text("baseline_after_baghuz, " * 4)
    problems = claims.scorecard_layout_problems(fig)
    assert "the table overlaps the estimate panel" in problems
    assert any("(1, 6)" in p and "leaves its cell" in p for p in problems)


def test_two_ucdp_releases_are_deduplicated_and_cut_to_common_coverage(registry):
    syria = S.make_events([(200, EAST_SDF, "2019-02-05", "2019-11-29", True)] + BRACKETS,
                          dataset="ucdp-ged-syria")
    glob = syria.iloc[[*range(48), -2, -1]].copy()  # the same events (same UCDP ids), 2016-2019
    glob["dataset"] = "ucdp-ged-251"
    later = S.make_events([(30, WEST, "2021-01-01", "2021-12-31", True)], seed=9,
                          dataset="ucdp-ged-251")
    later["event_id"] = "g-" + later["event_id"]
    ev = S.classify(pd.concat([syria, glob, later], ignore_index=True))
    out = claims.evaluate_all(ev, registry=registry, geo=S.SyntheticGeo(), claims=["C1"])
    assert out.data["ucdp_duplicates_removed"] == 50
    assert out.data["events_outside_common_coverage"] == 30
    assert out.data["data_end"] == "2019-11-30"
    assert out.results["C1"].main.n_events == 200


def test_undefined_estimate_names_the_empty_group(registry):
    only_syria_after = _two_countries(0, 40, 40, 40)
    ev = run([], registry, ids=["C5"], extra=only_syria_after)
    r = ev.results["C5"]
    assert r.verdict == "not testable"
    assert "no events in iq_before" in r.main.reason
