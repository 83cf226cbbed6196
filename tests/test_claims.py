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
    with pytest.raises(claims.ClaimsError, match=r"study\.yaml: article\.sha256: .*changed"):
        claims.load_registry(article=changed)


def _edited_registry(tmp_path, edit) -> Path:
    doc = yaml.safe_load((claims.study_dir() / "claims.yaml").read_text(encoding="utf-8"))
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
    parts = claims.parts_table(ev, "C3")
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
    card, c1 = claims.plot_scorecard(full), claims.plot_claim(full, "C1")
    files = claims.save_figure(card, "09_scorecard", tmp_path)
    files += claims.save_figure(c1, "claim_C1", tmp_path)
    assert all(p.stat().st_size > 1000 for p in files)
    # content: the claim figure's title names the claim and its verdict; the scorecard credits
    c1_titles = [ax.get_title() for ax in c1.axes if ax.get_title()]
    verdict = full.results["C1"].verdict
    assert any(t.startswith("C1: ") and f"verdict: {verdict}" in t for t in c1_titles), c1_titles
    assert any(claims.scorecard_credits(full) in t.get_text() for t in card.texts)


def test_scorecard_writes_png_and_svg_with_nothing_overlapping_or_cut(full, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    fig = claims.plot_scorecard(full)
    assert claims.scorecard_layout_problems(fig) == []
    fig.set_dpi(300)  # the PNG's resolution
    assert claims.scorecard_layout_problems(fig) == []
    credits = claims.scorecard_credits(full)
    assert "data/control_sources.csv" in credits and "2019-02-04 and 2019-03-22" in credits
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


# --------------------------------------------------------------------------------- review fixes

LATE = pd.Timestamp("2019-12-01")  # the day after the control ledger's last day


def test_events_after_the_control_ledger_do_not_change_c1_c2_and_the_cut_is_reported(registry):
    base = [(200, EAST_SDF, "2019-02-05", "2019-11-29", True),
            (40, WEST, "2019-02-05", "2019-11-29", True)]
    ref = run(base, registry, ids=["C1", "C2"])
    late = S.make_events([(120, WEST, "2019-12-01", "2020-06-29", True),
                          (1, WEST, "2020-06-30", "2020-07-01", False)], seed=21)
    ev = run(base, registry, ids=["C1", "C2"], extra=late)
    for cid in ("C1", "C2"):
        a, b = ref.results[cid].main, ev.results[cid].main
        assert (b.estimate, b.ci_low, b.ci_high, b.n_events) == (
            a.estimate, a.ci_low, a.ci_high, a.n_events), cid
        assert b.verdict == a.verdict
    assert ev.data["data_end"] == "2020-06-30" and ev.data["events_after_control_span"] == 121
    for cid in ("C1", "C2"):
        b = ev.results[cid].main
        c = b.components
        assert c["control_cut_events"] == 120 and c["control_cut_from"] == LATE
        assert c["control_cut_days"] == (pd.Timestamp("2020-07-01") - LATE).days
        assert c["period_end_exclusive"] == LATE
        assert f"left out 120 IS events and {c['control_cut_days']} days from 2019-12-01" in (
            b.reason)
        assert "control ledger ends on 2019-11-30" in b.reason
    entry = next(e for e in claims.findings(ev)["claims"] if e["id"] == "C2")
    assert entry["components"]["control_cut_events"] == 120
    assert "control ledger ends" in entry["reason"]
    # the per-variant runs are cut too (pub_latest, a boundary variant)
    for name in ("pub_latest", "boundary_10km"):
        assert ev.results["C1"].variants[name][1].components["control_cut_events"] == 120


def test_boundary_variants_of_other_claims_are_cut_at_the_ledger_end(registry):
    spec = [(100, box(36.0, 36.7, 42.0, 37.0), "2019-02-05", "2019-11-29", True),
            (40, MIDDLE, "2019-02-05", "2019-11-29", True)]
    late = S.make_events([(60, MIDDLE, "2019-12-01", "2020-03-30", True)], seed=22)
    ev = run(spec, registry, ids=["C7"], extra=late)
    r = ev.results["C7"]
    assert "control_cut_events" not in r.main.components  # C7's main test needs no control
    assert r.main.n_events == 200
    b10 = r.variants["boundary_10km"][1]
    assert b10.components["control_cut_events"] == 60 and "left out 60 IS events" in b10.reason


def test_c1_share_over_events_with_a_known_controller(registry):
    outside = box(42.1, 33.0, 42.9, 34.0)  # "Syria" by country, outside every ledger zone
    ev = run([(200, EAST_SDF, "2019-02-05", "2019-11-29", True),
              (20, outside, "2019-02-05", "2019-11-29", True)], registry, ids=["C1"])
    m = ev.results["C1"].main
    assert m.estimate == 1.0 and m.n_events == 200 and m.verdict == "supported"
    assert m.components["n_unknown_controller"] == 20
    assert "20 IS events in the period lie outside every zone" in m.reason
    # 20 of 220 is more than 5 %: the share's range is given as a sensitivity note
    assert "Sensitivity note: 9.1% of the IS events have no controller" in m.reason
    assert "all outside US-held ground the share would be 90.9%" in m.reason


def test_c2_reports_unknown_events_west_of_the_euphrates(registry):
    ev = run([(100, EAST_SDF, "2019-02-05", "2019-11-29", True)], registry, ids=["C2"])
    ev2 = S.classify(S.make_events([(100, EAST_SDF, "2019-02-05", "2019-11-29", True),
                                    (15, box(37.0, 33.0, 38.0, 34.0), "2019-02-05",
                                     "2019-11-29", True)] + BRACKETS))
    ev2.loc[ev2["lon"].between(37.0, 38.0) & ev2["isis"], "controller"] = "unknown"
    out = claims.evaluate_all(ev2, registry=registry, geo=S.SyntheticGeo(), claims=["C2"])
    m = out.results["C2"].main
    assert m.estimate == ev.results["C2"].main.estimate == 0.0
    assert m.components["n_unknown_controller_west"] == 15
    assert "15 IS events west of the Euphrates lie outside every zone" in m.reason
    assert "whole_west variant counts them" in m.reason
    assert out.results["C2"].variants["whole_west"][1].n_events == 15


def _two_releases(swap: bool):
    syria = S.make_events([(200, EAST_SDF, "2019-02-05", "2019-11-29", True)] + BRACKETS,
                          dataset="ucdp-ged-syria")
    glob = syria.copy()
    glob["dataset"] = "ucdp-ged-251"
    glob["deaths_best"] = glob["deaths_best"] + 3  # the newer release revised the deaths
    frames = [glob, syria] if swap else [syria, glob]
    return S.classify(pd.concat(frames, ignore_index=True))


def test_per_dataset_variants_keep_their_events_and_the_order_does_not_matter(registry):
    a = claims.evaluate_all(_two_releases(False), registry=registry, geo=S.SyntheticGeo(),
                            claims=["C1", "C2"])
    b = claims.evaluate_all(_two_releases(True), registry=registry, geo=S.SyntheticGeo(),
                            claims=["C1", "C2"])
    for out in (a, b):
        r = out.results["C1"]
        assert r.main.n_events == 200
        assert r.variants["dataset_ucdp-ged-syria"][1].n_events == 200
        assert r.variants["dataset_ucdp-ged-251"][1].n_events == 200
    assert claims.table_json(a.table) == claims.table_json(b.table)
    assert claims.table_json(a.sensitivity) == claims.table_json(b.sensitivity)
    pd.testing.assert_frame_equal(a.evidence("C1"), b.evidence("C1"))
    assert set(a.evidence("C1")["dataset"]) == {"ucdp-ged-251"}  # the newer release's copy
    assert claims.findings_json(a) == claims.findings_json(b)
    assert a.data["ucdp_duplicates_removed"] == 202
    assert a.data["ucdp_release_kept_first"] == ["ucdp-ged-251", "ucdp-ged-syria"]


def test_bootstrap_keeps_infinite_ratios_and_drops_only_undefined():
    after_days = pd.date_range("2019-01-01", periods=10)
    frame = pd.DataFrame({
        "day": list(after_days) * 10 + [pd.Timestamp("2018-12-25")],
        "group": ["after"] * 100 + ["before"], "w": 1.0})
    strata = [(stats.Stratum("a", pd.Timestamp("2019-01-01"), pd.Timestamp("2019-01-11")),
               ["after"]),
              (stats.Stratum("b", pd.Timestamp("2018-12-22"), pd.Timestamp("2019-01-01")),
               ["before"])]
    b = stats.bootstrap(frame, strata, lambda g: (g["after"] / 10) / (g["before"] / 10),
                        seed=7, n_boot=1000)
    assert b.estimate == 100.0
    assert b.ci_high == float("inf")  # about a third of replicates draw no "before" event
    assert b.n_valid == b.n_boot == 1000 and b.n_nan == 0
    rule = {"type": "ratio_above", "threshold": 1.0}
    assert stats.decide_boot(rule, b) == ("supported", "")
    # both groups sparse: 0 / 0 in many replicates -> not testable, with the count
    sparse = pd.DataFrame({"day": [pd.Timestamp("2019-01-03"), pd.Timestamp("2018-12-25")],
                           "group": ["after", "before"], "w": 1.0})
    b2 = stats.bootstrap(sparse, strata, lambda g: (g["after"] / 10) / (g["before"] / 10),
                         seed=7, n_boot=1000)
    assert 0 < b2.n_valid < 990
    verdict, why = stats.decide_boot(rule, b2)
    assert verdict == "not testable"
    assert f"{b2.n_nan} of 1000 bootstrap replicates" in why and "undefined" in why


def test_percentiles_with_infinite_values():
    inf = float("inf")
    assert stats.percentiles(np.array([1.0, 2.0, inf]), [0, 50, 75, 100]) == [1.0, 2.0, inf, inf]
    assert stats.percentiles(np.array([1.0, 2.0, 3.0]), [50, 75]) == [2.0, 2.5]
    with pytest.raises(ValueError):
        stats.percentiles(np.array([1.0, float("nan")]), [50])


def test_sparse_c4_keeps_infinite_upper_bounds_and_records_replicates(registry, tmp_path):
    # before: 12 events on two days of 182; after: many: the ratio's upper bound is infinite
    resurge = [(6, MERV, "2018-10-01", "2018-10-01", True), (6, MERV, "2018-11-01",
                                                               "2018-11-01", True),
               (150, MERV, "2019-08-05", "2019-11-29", True)]
    ev = run(resurge, registry, ids=["C4"])
    m = ev.results["C4"].main
    assert m.ci_high == float("inf") and m.n_boot == 2000 and m.n_valid == 2000
    assert m.verdict == "supported"
    sens = ev.sensitivity.set_index("variant")
    assert sens.loc["main", "ci_high"] == float("inf")
    assert sens.loc["main", "n_boot"] == 2000 and sens.loc["main", "n_valid"] == 2000
    doc = json.loads(claims.findings_json(ev))
    assert doc["claims"][0]["ci_high"] == "inf" and doc["claims"][0]["n_valid"] == 2000
    assert json.loads(claims.table_json(ev.table))[0]["ci_high"] == "inf"
    # both windows sparse (five events on one day each): many 0 / 0 replicates
    sparse = [(5, MERV, "2018-10-01", "2018-10-01", True),
              (5, MERV, "2019-09-01", "2019-09-01", True)]
    ev = run(sparse, registry, ids=["C4"])
    m = ev.results["C4"].main
    assert m.verdict == "not testable" and m.n_valid < 0.99 * m.n_boot
    assert "bootstrap replicates" in m.reason and "undefined" in m.reason


def test_deaths_variant_of_a_rate_rule_is_not_applicable(registry):
    after_too = [(150, WEST, "2018-01-01", "2019-01-31", True),
                 (100, EAST_SDF, "2019-02-05", "2019-11-29", True),
                 (80, WEST, "2019-02-05", "2019-11-29", True)]
    ev = run(after_too, registry, ids=["C2"])
    r = ev.results["C2"]
    d = r.variants["deaths"][1]
    assert d.verdict == "not applicable" and "deaths_threshold" in d.reason
    assert "deaths" not in r.flipped_under
    row = ev.sensitivity.set_index("variant").loc["deaths"]
    assert row["verdict"] == "not applicable" and row["reason"].startswith("not applicable")
    assert "not applicable" not in set(ev.table["verdict"])
    assert stats.combine("supported", {"deaths": "not applicable"}) == ("supported", [])
    # with a registered deaths threshold the variant is decided against it
    c2 = registry.claim("C2")
    rule = {**c2.rule, "deaths_threshold": 1e6}
    reg = dataclasses.replace(registry, claims=(dataclasses.replace(
        c2, test={**c2.test, "rule": rule}),))
    ev = claims.evaluate_all(S.classify(S.make_events(after_too + BRACKETS)), registry=reg,
                             geo=S.SyntheticGeo(), claims=["C2"])
    assert ev.results["C2"].variants["deaths"][1].verdict == "supported"
    assert ev.results["C2"].main.verdict == "contradicted"  # the events threshold is unchanged


def test_contested_variants_equal_to_main_are_labelled_and_not_flips(registry):
    ev = run([(200, EAST_SDF, "2019-02-05", "2019-11-29", True),
              (60, WEST, "2019-02-05", "2019-11-29", True)], registry, ids=["C1", "C2"])
    sens = ev.sensitivity.set_index(["id", "variant"])
    for cid in ("C1", "C2"):
        out, inn = sens.loc[(cid, "contested_out")], sens.loc[(cid, "contested_in")]
        assert out["same_as_main"] and out["reason"].startswith(
            "same as main: the main test already counts contested ground outside")
        assert inn["same_as_main"] and inn["reason"].startswith("same as main: no contested events")
        main = sens.loc[(cid, "main")]
        assert (out["ci_low"], out["ci_high"], out["verdict"]) == (
            main["ci_low"], main["ci_high"], main["verdict"])
    # with contested ground holding events, contested_in is a variant of its own
    zones = S.ledger()
    contested = box(38.0, 35.0, 39.0, 36.0)
    zones = pd.concat([pd.DataFrame({"controller": zones["controller"],
                                     "geometry": [g.difference(contested)
                                                  for g in zones["geometry"]]}),
                       pd.DataFrame({"controller": ["contested"], "geometry": [contested]})],
                      ignore_index=True)
    ev = run([(200, EAST_SDF, "2019-02-05", "2019-11-29", True),
              (60, contested, "2019-02-05", "2019-11-29", True)], registry, ids=["C1"],
             zones=zones)
    sens = ev.sensitivity.set_index("variant")
    assert not sens.loc["contested_in", "same_as_main"]
    assert sens.loc["contested_in", "estimate"] == 1.0
    assert sens.loc["contested_out", "same_as_main"]
    assert ev.results["C1"].main.components["n_contested"] == 60


@pytest.mark.parametrize("inclusive, want", [(True, "contradicted"), (False, "mixed")])
def test_ratio_above_inclusive(inclusive, want):
    rule = {"type": "ratio_above", "threshold": 1.0, "inclusive": inclusive}
    assert stats.decide(rule, 0.8, 0.6, 1.0) == want
    assert stats.decide(rule, 0.8, 0.6, 0.99) == "contradicted"


def test_bad_coordinates_and_events_outside_syria_and_iraq_are_reported(registry, monkeypatch):
    from geoclaims import control, events

    good = S.make_events([(50, EAST_SDF, "2019-02-05", "2019-11-29", True)] + BRACKETS)
    bad = S.make_events([(3, EAST_SDF, "2019-03-01", "2019-03-02", True)], seed=30)
    bad["event_id"] = "bad-" + bad["event_id"]
    bad["lat"] = ["not a number", None, "35.x"]
    abroad = S.make_events([(4, EAST_SDF, "2019-03-01", "2019-03-02", True)], seed=31,
                           country="Lebanon")
    abroad["event_id"] = "lb-" + abroad["event_id"]
    frame = pd.concat([good, bad, abroad], ignore_index=True)

    class Loaded:
        events = frame

    monkeypatch.setattr(events, "load", lambda name: Loaded())
    monkeypatch.setattr(control, "classify", lambda ev, **kw: S.classify(
        ev.assign(lat=pd.to_numeric(ev["lat"], errors="coerce"))))
    loaded = claims.load_classified(["synthetic"])
    assert loaded.attrs["claims_load"] == {"events_outside_kept_countries": 4}
    ev = claims.evaluate_all(loaded, registry=registry, geo=S.SyntheticGeo(), claims=["C1"])
    assert ev.data["events_outside_syria_iraq"] == 4
    assert ev.data["events_bad_coordinates"] == 3
    doc = claims.findings(ev)
    assert doc["data"]["events_bad_coordinates"] == 3
    lines = claims.data_lines(ev)
    assert "4 events outside Syria and Iraq left out" in lines
    assert any(x.startswith("3 events with missing or unparseable coordinates") for x in lines)


def test_markdown_literal_shows_third_party_text_as_written():
    import html as _html

    import markdown_it

    raw = "*a* _b_ [link](http://x.test) <b>bold</b> $x$ # h & `c` 1. \\ ~s~"
    text = claims.markdown_literal(raw)
    rendered = markdown_it.MarkdownIt("commonmark").enable("strikethrough").render("> " + text)
    for tag in ("<em>", "<strong>", "<a ", "<b>", "<code>", "<h1>", "<ol>", "<s>"):
        assert tag not in rendered, tag
    inner = rendered.split("<p>", 1)[1].rsplit("</p>", 1)[0]
    assert _html.unescape(inner) == raw
    assert "\\$x\\$" in text  # no math in Jupyter


def test_notebooks_escape_the_article_text():
    import nbformat

    for nb_path in sorted((claims.paths.ROOT / "notebooks").glob("0[4-7]_*.ipynb")):
        nb = nbformat.read(nb_path, as_version=4)
        src = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        assert "claims.markdown_literal(q.text)" in src, nb_path.name
        assert "{q.text}" not in src, nb_path.name
        assert "claims.data_lines(result)" in src, nb_path.name


def test_c4_boundary_variants_say_why_they_are_not_testable(registry):
    ev = S.classify(S.make_events([(80, MERV, "2018-08-06", "2019-02-03", True),
                                   (60, MERV, "2019-08-05", "2019-11-29", True)] + BRACKETS))
    ev.loc[ev["isis"], "dist_other_km"] = 3.0  # the MERV lies along the control line
    out = claims.evaluate_all(ev, registry=registry, geo=S.SyntheticGeo(), claims=["C4"])
    r = out.results["C4"]
    for name in ("boundary_10km", "boundary_25km"):
        o = r.variants[name][1]
        assert o.verdict == "not testable" and registry.claim("C4").note("boundary_variants") in o.reason
    assert "the boundary variants (boundary_10km, boundary_25km) are not testable" in (
        r.main.reason)
    assert "follows the Euphrates, which is itself the control line" in r.main.reason


def test_evidence_csv_neutralises_formulas_and_findings_count_them(registry, tmp_path):
    spec = [(100, EAST_SDF, "2019-02-05", "2019-11-29", True),
            (3, EAST_SDF, "2019-03-01", "2019-03-02", True,
             {"headline": "=HYPERLINK(\"http://x.test\")", "side_a": "+IS", "side_b": "@x"})]
    ev = run(spec, registry, ids=["C1"])
    written = claims.write_outputs(ev, tmp_path)
    text = written["evidence_C1"].read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text and ",'+IS," in text and "'@x" in text
    assert ",=HYPERLINK" not in text
    doc = json.loads(written["findings"].read_text(encoding="utf-8"))
    entry = doc["claims"][0]
    assert entry["evidence_csv_safe_cells"] == 9
    assert any("9 text cell(s)" in n for n in entry["notes"])
    evidence = pd.read_csv(written["evidence_C1"], dtype={"event_id": str})
    assert claims.recompute_from_evidence(entry, evidence) == pytest.approx(entry["estimate"])


def test_change_note_names_the_keys_that_exist():
    """The "to change this" note names the study file, keys that exist in the claim's test
    (with their values) and the --us-held option only where the claim's test uses us_held."""
    from geoclaims import claims

    reg = claims.load_registry(check_article=False)
    c7 = claims.change_note(reg, "C7")
    assert f"data/studies/{reg.study_id}/claims.yaml" in c7
    assert "`claims[C7].test.rule.threshold` (now `1.0`)" in c7
    assert "`claims[C7].test.in_zone.near_km` (now `25`)" in c7
    assert "--us-held" not in c7
    c1 = claims.change_note(reg, "C1")
    assert "sides.us_held.controllers" in c1 and "--us-held sdf,us_coalition" in c1
    assert "near_km" not in c1


def test_readable_table_units_and_three_significant_digits(full):
    """A share, a rate and a ratio never share a column without their unit; three digits."""
    t = claims.readable_table(full)
    assert list(t["claim"]) == list(full.table["id"])
    for row, raw in zip(t.itertuples(), full.table.itertuples()):
        assert row.unit == claims.unit(full.registry.claim(raw.id))
        if raw.estimate is not None and not pd.isna(raw.estimate):
            assert row.estimate == f"{raw.estimate:.3g}"
    assert set(t["unit"]) <= {"share", "ratio", "per quarter"} | {
        u for u in t["unit"] if u.startswith("per ")}


def test_two_part_chart_states_both_parts_and_density_claim_area_by_area(full):
    """The C3 chart carries the held-ground part as well as the plotted activity part; C7 is
    reported area by area, overlaps said, and its union row gives the main test's ratio."""
    import matplotlib

    matplotlib.use("Agg")
    fig = claims.plot_claim(full, "C3")
    foot = " ".join(t.get_text() for t in fig.texts)
    parts = claims.parts_table(full, "C3")
    assert len(parts) == 2
    assert "Part 1, held ground" in foot and "Part 2, activity" in foot
    assert parts.iloc[0]["result"] in foot
    areas = claims.area_table(full, "C7")
    assert len(areas)
    named = areas[areas["id"] != "-"]
    assert len(named) == 3 and "rest of Syria" in set(areas["area"])
    union = areas[areas["area"].str.startswith("all named areas")].iloc[0]
    assert union["vs_rest"] == f"{full.results['C7'].main.estimate:.3g}"
    assert claims.plot_areas(full, "C7") is not None
