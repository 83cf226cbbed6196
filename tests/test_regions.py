"""Region geometries: kinds, the At-Tanf radius, the east/west partition, the MERV corridor."""

from __future__ import annotations

import math

import pytest
import shapely
from shapely.geometry import Point

from geoclaims import regions

# true coordinates (lat, lon)
RAQQA = (35.9528, 39.0079)
HASAKAH = (36.5024, 40.7477)
ALEPPO = (36.2021, 37.1343)
DAMASCUS = (33.5102, 36.2913)
DEIR_EZ_ZOR = (35.3359, 40.1408)
MAYADIN = (35.0192, 40.4519)
BUKAMAL = (34.4533, 40.9187)
BAGHUZ = (34.4586, 40.9506)
AT_TANF = (33.5058, 38.6178)
RUKBAN = (33.2960, 38.6500)


def pt(latlon: tuple[float, float]) -> Point:
    return Point(latlon[1], latlon[0])


def test_syria_is_a_polygon_of_the_right_size():
    s = regions.syria()
    assert s.geom_type in ("Polygon", "MultiPolygon")
    assert 180_000 < regions.area_km2(s) < 195_000  # ~185,000 km² (Golan drawn as Syrian)


def test_governorates_are_the_14_ocha_ones():
    g = regions.governorates()
    assert len(g) == 14
    assert list(g.columns[:3]) == ["id", "pcode", "name"]
    assert g.crs.to_epsg() == 4326
    assert (g["id"] == "adm1:" + g["pcode"]).all()
    dez = g[g["pcode"] == "SY09"].geometry.iloc[0]
    assert dez.contains(pt(DEIR_EZ_ZOR))


@pytest.mark.parametrize(
    "rid,kind",
    [
        ("rg:euphrates", "line"),
        ("rg:merv", "polygon"),
        ("rg:at-tanf-zone", "polygon"),
        ("rg:syria-east-of-euphrates", "polygon"),
        ("rg:syria-west-of-euphrates", "polygon"),
        ("rg:northern-syria", "polygon"),
        ("rg:eastern-syria", "polygon"),
        ("rg:southeast-syria-iraq-border", "polygon"),
        ("rg:iraq-jordan-border-area", "polygon"),
        ("adm1:SY09", "polygon"),
        ("adm0:IRQ", "polygon"),
    ],
)
def test_kinds_and_geometry_types(rid, kind):
    r = regions.region(rid)
    assert r.kind == kind
    assert r.construction and r.source and r.name
    want = ("LineString", "MultiLineString") if kind == "line" else ("Polygon", "MultiPolygon")
    assert r.geometry.geom_type in want
    assert r.geometry.is_valid and not r.geometry.is_empty


def test_all_regions_table():
    a = regions.all_regions()
    assert {"id", "name", "kind", "geometry", "construction", "source"} <= set(a.columns)
    assert a["id"].is_unique
    assert a.crs.to_epsg() == 4326
    assert {"rg:merv", "rg:at-tanf-zone", "rg:euphrates", "adm1:SY08", "adm0:SYR"} <= set(a["id"])
    a.loc[0, "name"] = "changed"  # a copy: the cache is not affected
    assert regions.all_regions().loc[0, "name"] != "changed"


def test_unknown_region_is_a_clear_error():
    with pytest.raises(regions.RegionError, match="unknown region 'rg:nowhere'"):
        regions.region("rg:nowhere")
    with pytest.raises(regions.RegionError, match="not a region id"):
        regions.region("gn:123")


def test_euphrates_is_one_line_through_syria_oriented_downstream():
    line = regions.euphrates()
    assert line.geom_type == "LineString"
    (x0, y0), (x1, y1) = line.coords[0], line.coords[-1]
    assert y0 > 36.5 and x0 < 38.5  # starts at the Turkish border near Jarabulus
    assert y1 < 34.6 and x1 > 40.8  # ends at the Iraqi border near Al-Bukamal
    # everything inside Syria (clipped), within a metre of its outline
    assert regions.syria().buffer(1e-5).covers(line)
    assert 350 < regions.distance_km(y0, x0, y1, x1) < 400  # end to end, as the crow flies
    river_km = regions.gpd.GeoSeries([line], crs=4326).to_crs(32637).length.iloc[0] / 1000
    assert 500 < river_km < 650  # along the centre-line (Lake Assad included)


def test_at_tanf_zone_radius_is_55_km():
    zone = regions.region("rg:at-tanf-zone").geometry
    assert zone.contains(pt(AT_TANF))
    assert zone.contains(pt(RUKBAN))
    # every vertex 55 km from the garrison
    dists = [regions.distance_km(AT_TANF[0], AT_TANF[1], y, x) for x, y in zone.exterior.coords]
    assert min(dists) == pytest.approx(55, abs=0.3)
    assert max(dists) == pytest.approx(55, abs=0.3)
    assert regions.area_km2(zone) == pytest.approx(math.pi * 55**2, rel=0.01)


def test_east_and_west_partition_syria():
    east = regions.region("rg:syria-east-of-euphrates").geometry
    west = regions.region("rg:syria-west-of-euphrates").geometry
    total = regions.area_km2(regions.syria())
    assert regions.area_km2(east) + regions.area_km2(west) == pytest.approx(total, rel=1e-4)
    assert regions.area_km2(east.intersection(west)) < 1.0
    assert regions.area_km2(regions.syria().difference(shapely.union_all([east, west]))) < 1.0
    # the left (north-east) bank is the smaller part, about a quarter of Syria
    assert 0.2 < regions.area_km2(east) / total < 0.35


@pytest.mark.parametrize("place", [RAQQA, HASAKAH, BAGHUZ])
def test_east_of_euphrates(place):
    assert regions.region("rg:syria-east-of-euphrates").geometry.contains(pt(place))
    assert not regions.region("rg:syria-west-of-euphrates").geometry.contains(pt(place))


@pytest.mark.parametrize("place", [ALEPPO, DAMASCUS, DEIR_EZ_ZOR, MAYADIN, AT_TANF])
def test_west_of_euphrates(place):
    assert regions.region("rg:syria-west-of-euphrates").geometry.contains(pt(place))
    assert not regions.region("rg:syria-east-of-euphrates").geometry.contains(pt(place))


def test_merv_corridor():
    merv = regions.region("rg:merv").geometry
    for place in (DEIR_EZ_ZOR, MAYADIN, BUKAMAL, BAGHUZ):
        assert merv.contains(pt(place)), place
    for place in (RAQQA, HASAKAH, AT_TANF, ALEPPO):
        assert not merv.contains(pt(place)), place
    assert regions.syria().buffer(1e-6).covers(merv)
    assert 2_000 < regions.area_km2(merv) < 4_500


def test_directional_regions():
    north = regions.region("rg:northern-syria").geometry
    assert north.contains(pt(ALEPPO)) and north.contains(pt(HASAKAH))
    assert not north.contains(pt(DAMASCUS))
    se = regions.region("rg:southeast-syria-iraq-border").geometry
    assert se.contains(pt(AT_TANF)) and se.contains(pt(BUKAMAL))
    assert not se.contains(pt(DAMASCUS)) and not se.contains(pt(HASAKAH))
    ij = regions.region("rg:iraq-jordan-border-area").geometry
    assert ij.contains(pt(AT_TANF)) and ij.contains(pt(RUKBAN))
    assert not ij.contains(pt(BUKAMAL))
    east = regions.region("rg:eastern-syria").geometry
    assert east.contains(pt(DEIR_EZ_ZOR)) and not east.contains(pt(DAMASCUS))


def test_cached():
    assert regions.region("rg:merv") is regions.region("rg:merv")
