"""`geoclaims control`: one clear line for an empty, ambiguous or impossible date; zones and
point answers written whole, an existing file replaced only with --force."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from geoclaims.cli import app


@pytest.mark.parametrize("date, message", [
    ("", "--date: an empty date; use YYYY-MM-DD"),
    ("01/02/2019", "--date: '01/02/2019' is ambiguous (day/month or month/day?); use YYYY-MM-DD"),
    ("04.02.2019", "--date: '04.02.2019' is ambiguous"),
    ("2019-02-30", "--date: '2019-02-30' is not a date; use YYYY-MM-DD"),
])
def test_bad_dates_end_in_one_line(date, message):
    r = CliRunner().invoke(app, ["control", "--date", date, "--at", "35.0192,40.4511"])
    assert r.exit_code == 1
    lines = [x for x in r.output.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("geoclaims: error: ")
    assert message in lines[0] and "--date-format" not in lines[0]
    assert "Traceback" not in r.output


def test_an_iso_date_answers():
    r = CliRunner().invoke(app, ["control", "--date", "2019-02-01", "--at", "35.0192,40.4511"])
    assert r.exit_code == 0, r.output
    assert "on 2019-02-01: syrian_government" in r.output


def test_zones_are_written_whole_and_an_existing_file_needs_force(tmp_path):
    import pyogrio

    out = tmp_path / "zones.geojson"
    args = ["control", "--date", "2019-02-01", "--format", "geojson", "-o", str(out)]
    assert CliRunner().invoke(app, args).exit_code == 0
    first = out.read_bytes()
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 1 and "--force" in r.output
    assert out.read_bytes() == first
    assert CliRunner().invoke(app, [*args, "--force"]).exit_code == 0
    assert [p.name for p in tmp_path.iterdir()] == ["zones.geojson"]  # no temporary file left

    gpkg = tmp_path / "layers.gpkg"
    import geopandas as gpd
    from shapely.geometry import Point

    gpd.GeoDataFrame({"name": ["a"]}, geometry=[Point(38, 35)], crs="EPSG:4326").to_file(
        gpkg, layer="mine", driver="GPKG")
    g = ["control", "--date", "2019-02-01", "--format", "gpkg", "-o", str(gpkg)]
    assert CliRunner().invoke(app, g).exit_code == 0
    assert sorted(str(n) for n in pyogrio.list_layers(gpkg)[:, 0]) == ["control", "mine"]
    r = CliRunner().invoke(app, g)
    assert r.exit_code == 1 and "layer 'control' already" in r.output
    assert CliRunner().invoke(app, [*g, "--force"]).exit_code == 0
    assert sorted(str(n) for n in pyogrio.list_layers(gpkg)[:, 0]) == ["control", "mine"]
