"""Exports: GeoPackage with every layer, GeoJSON per layer, CSV of events, sources sidecars."""

from __future__ import annotations

import json

import pandas as pd
import pyogrio
import pytest
from fixtures.maps import loader
from typer.testing import CliRunner

from geoclaims import exports, mapmaker, maps
from geoclaims.cli import app

LICENCES = ("CC BY 4.0", "Public domain")


def _layers():
    ev = loader.events()
    ev["controller"] = ["isis", "isis", "syrian_government", "syrian_government", "sdf",
                        "hts_and_opposition"]
    return loader.layers(events=ev)


def test_gpkg_has_every_layer_with_rows_and_a_sidecar(tmp_path):
    out = tmp_path / "all.gpkg"
    report = exports.export(_layers(), out)
    names = [name for name, _ in pyogrio.list_layers(out)]
    assert names == ["places", "events", "control_zones", "merv", "at_tanf_zone", "euphrates"]
    ev = pyogrio.read_dataframe(out, layer="events")
    assert len(ev) == 6 and "controller" in ev and ev.crs.to_epsg() == 4326
    assert list(ev["headline"]) == list(loader.events()["headline"])  # data, not escaped HTML
    zones = pyogrio.read_dataframe(out, layer="control_zones")
    assert sorted(pd.to_datetime(zones["date"]).dt.strftime("%Y-%m-%d").unique()) == [
        "2019-01-01", "2019-11-01"]
    sidecar = out.with_name("all.gpkg.sources.txt")
    assert sidecar in report.files
    text = sidecar.read_text(encoding="utf-8")
    for needle in ("UCDP GED", "GeoNames", "Natural Earth", *LICENCES, "Sundberg",
                   "events: 6", "control_zones: 9"):
        assert needle in text, needle


def test_gpkg_replaces_its_layers_and_keeps_the_others(tmp_path):
    # issue 16: a GeoPackage layer is added or replaced, never the whole file
    out = tmp_path / "all.gpkg"
    exports.export(_layers(), out)
    with pytest.raises(OSError, match="has layer.*events already; use --force"):
        exports.export(maps.MapLayers(events=loader.events().head(2)), out, force=False)
    assert len(pyogrio.read_dataframe(out, layer="events")) == 6  # untouched
    exports.export(maps.MapLayers(events=loader.events().head(2)), out, force=True)
    names = [n for n, _ in pyogrio.list_layers(out)]
    assert sorted(names) == sorted(["places", "events", "control_zones", "merv",
                                    "at_tanf_zone", "euphrates"])
    assert len(pyogrio.read_dataframe(out, layer="events")) == 2
    assert "kept as they were: places" in out.with_name("all.gpkg.sources.txt").read_text()


def test_geojson_one_file_per_layer_each_with_sidecar(tmp_path):
    out = tmp_path / "map.geojson"
    report = exports.export(_layers(), out)
    expected = {"map.geojson", "map.places.geojson", "map.control_zones.geojson",
                "map.merv.geojson", "map.at_tanf_zone.geojson", "map.euphrates.geojson"}
    written = {p.name for p in report.files}
    assert expected <= written
    for name in expected:
        assert name + ".sources.txt" in written
        data = json.loads((tmp_path / name).read_text(encoding="utf-8"))
        assert data["type"] == "FeatureCollection" and data["features"]
    events = json.loads(out.read_text(encoding="utf-8"))
    assert len(events["features"]) == 6
    # a layer's sidecar names that layer's sources only
    merv_side = (tmp_path / "map.merv.geojson.sources.txt").read_text(encoding="utf-8")
    assert "Natural Earth" in merv_side and "UCDP" not in merv_side


def test_csv_of_events_neutralises_spreadsheet_formulas(tmp_path):
    ev = loader.events()
    ev.loc[0, "headline"] = '=HYPERLINK("http://example.invalid","click")'
    ev.loc[1, "side_a"] = "@SUM(A1)"
    out = tmp_path / "events.csv"
    report = exports.export(maps.MapLayers(events=ev), out)
    back = pd.read_csv(out, dtype=str)
    assert len(back) == 6 and {"lat", "lon", "headline"} <= set(back.columns)
    assert back.loc[0, "headline"].startswith("'=")
    assert back.loc[1, "side_a"] == "'@SUM(A1)"
    assert back.loc[2, "headline"] == ev.loc[2, "headline"]  # other text unchanged
    side = out.with_name("events.csv.sources.txt").read_text(encoding="utf-8")
    assert "2 text cell(s)" in side and "UCDP GED" in side
    assert out.with_name("events.csv.sources.txt") in report.files


def test_export_rejects_unknown_suffix_and_empty(tmp_path):
    with pytest.raises(ValueError, match=r"\.gpkg, \.geojson and \.csv"):
        exports.export(_layers(), tmp_path / "x.shp")
    with pytest.raises(ValueError, match="nothing to export"):
        exports.export(maps.MapLayers(), tmp_path / "x.gpkg")
    with pytest.raises(ValueError, match="holds events"):
        exports.export(maps.MapLayers(places=loader.places()), tmp_path / "x.csv")


def test_notes_reach_the_sidecar(tmp_path):
    layers = maps.MapLayers(events=loader.events(), notes=["control zones left out: test"])
    exports.export(layers, tmp_path / "e.gpkg")
    assert "control zones left out: test" in (tmp_path / "e.gpkg.sources.txt").read_text()


def test_cli_map_gpkg_from_an_events_file(tmp_path):
    out = tmp_path / "m.gpkg"
    res = CliRunner().invoke(app, ["map", "--events", str(loader.HERE / "ucdp191_payloads.csv"),
                                   "--start", "2019-01-01", "--end", "2019-12-31",
                                   "--out", str(out)])
    assert res.exit_code == 0, res.output
    names = [n for n, _ in pyogrio.list_layers(out)]
    assert {"events", "merv", "at_tanf_zone"} <= set(names)
    assert (tmp_path / "m.gpkg.sources.txt").exists()


def test_map_files_get_a_sources_sidecar_too(tmp_path):
    files = mapmaker.write_map(_layers(), tmp_path / "m.html", title="t")
    assert files == [tmp_path / "m.html", tmp_path / "m.html.sources.txt"]
    text = files[1].read_text(encoding="utf-8")
    assert "OCHA COD-AB" in text and "CC BY-IGO 3.0" in text and "UCDP GED" in text


def test_sidecar_names_the_control_ledger_sources(tmp_path):
    import geoclaims.control  # noqa: F401  (the sidecar's note reads the ledger's sources)

    exports.export(_layers(), tmp_path / "z.gpkg")
    text = (tmp_path / "z.gpkg.sources.txt").read_text(encoding="utf-8")
    assert "Control zones: the geoclaims control ledger" in text
    assert "data/control_sources.csv" in text


def test_sidecar_records_no_run_date(tmp_path):
    """Same inputs, same files: a sidecar must not carry the date it was written."""
    import datetime as dt

    from geoclaims import exports

    side = exports._sidecar(tmp_path / "x.csv", {"events": 1}, [], [])
    text = side.read_text(encoding="utf-8")
    assert dt.date.today().isoformat() not in text
    assert not any(ch.isdigit() for ch in text.splitlines()[1]), text.splitlines()[1]
