"""The offline gazetteer: transliteration-tolerant names, curated rows, stable ids."""

from __future__ import annotations

import pytest

from geoclaims import gazetteer as gz
from geoclaims import regions

TRUE = {  # lat, lon
    "gn:173811": (36.5024, 40.7477),  # Al-Hasakah
    "gn:170794": (35.3359, 40.1408),  # Deir ez-Zor
    "cu:at-tanf-garrison": (33.5058, 38.6178),
}


@pytest.mark.parametrize(
    "group",
    [
        ["Deir ez-Zor", "Dayr az-Zawr", "Der Zor", "Deir Ezzor", "Deir al-Zour", "Dayr az Zawr",
         "Deir ez-Zour", "DEIR EZ-ZOR", "Deir-ez-Zor"],
        ["Hasaka", "Hasakah", "Al-Hasakah", "Hassakeh", "Al-Hasakeh", "al Ḩasakah", "El-Hasaka"],
        ["Raqqa", "Rakka", "Ar-Raqqah", "ar-Raqqa", "Raqqah"],
        ["Mayadin", "Mayadeen", "Al-Mayadin", "Al Mayādīn", "Meyadin"],
        ["Tanf", "At-Tanf", "Al Tanf", "al-Tanf", "At Tanf"],
        ["Bukamal", "Al-Bukamal", "Al Bukamal"],
    ],
)
def test_normalize_reconciles_transliterations(group):
    keys = {gz.normalize(n) for n in group}
    assert len(keys) == 1, keys


def test_normalize_keeps_different_places_apart():
    assert gz.normalize("Raqqa") != gz.normalize("Hasaka")
    assert gz.normalize("Damascus") != gz.normalize("Damas")  # variant table bridges these
    assert gz.normalize("Tell Abyad") == "telabyad"


@pytest.mark.parametrize(
    "name,pid",
    [
        ("Hasaka", "gn:173811"), ("Hassakeh", "gn:173811"), ("Hassaké", "gn:173811"),
        ("Der Zor", "gn:170794"), ("Deir Ezzor", "gn:170794"), ("Dayr az-Zawr", "gn:170794"),
        ("Abu Kamal", "gn:174448"), ("Albu Kamal", "gn:174448"), ("Al-Bukamal", "gn:174448"),
        ("Boukamal", "gn:174448"),
        ("Tanf", "cu:at-tanf-garrison"), ("At-Tanf", "cu:at-tanf-garrison"),
        ("Al Tanf", "cu:at-tanf-garrison"),
        ("Raqqa", "gn:172955"), ("Rakka", "gn:172955"),
        ("Mayadin", "gn:173480"), ("Mayadeen", "gn:173480"),
        ("Hajin", "gn:174506"), ("Baghuz", "cu:al-baghuz-fawqani"),
        ("Rukban", "cu:rukban-camp"), ("MERV", "rg:merv"),
        ("Middle Euphrates River Valley", "rg:merv"), ("Euphrates", "rg:euphrates"),
        ("Euphrate", "rg:euphrates"), ("Syria", "adm0:SYR"), ("Syrie", "adm0:SYR"),
        ("Irak", "adm0:IRQ"), ("Turquie", "adm0:TUR"), ("États-Unis", "gn:6252001"),
        ("Etats-Unis", "gn:6252001"), ("Damas", "gn:170654"), ("Washington", "gn:4140963"),
    ],
)
def test_search_finds_the_place(name, pid):
    hits = gz.search(name)
    assert hits, name
    assert hits[0].id == pid


def test_search_lists_alternatives_and_filters_by_country():
    ids = [p.id for p in gz.search("Hasaka")]
    assert ids[0] == "gn:173811" and "adm1:SY08" in ids
    assert all(p.country == "SY" for p in gz.search("Raqqa", country="sy"))
    assert gz.search("Nowhereville") == []


@pytest.mark.parametrize("pid", sorted(TRUE))
def test_points_are_within_10_km_of_the_true_place(pid):
    p = gz.lookup(pid)
    assert p.kind == "point"
    lat, lon = TRUE[pid]
    assert regions.distance_km(p.lat, p.lon, lat, lon) < 10
    assert p.geometry.x == pytest.approx(p.lon) and p.geometry.y == pytest.approx(p.lat)
    assert p.precision_km and p.precision_km > 0
    assert p.source


def test_lookup_regions_and_countries():
    merv = gz.lookup("rg:merv")
    assert merv.kind == "polygon" and merv.precision == "region"
    assert gz.lookup("rg:euphrates").kind == "line"
    assert gz.lookup("adm1:SY09").feature == "governorate"
    syr = gz.lookup("adm0:SYR")
    assert syr.kind == "polygon" and syr.geometry is not None
    us = gz.lookup("gn:6252001")
    assert us.feature == "country" and us.geometry is None  # outside the study area


def test_lookup_is_stable_and_cached():
    assert gz.lookup("gn:173811") is gz.lookup("gn:173811")
    assert gz.gazetteer() is gz.gazetteer()
    with pytest.raises(gz.GazetteerError, match="unknown place id 'gn:0'"):
        gz.lookup("gn:0")


def test_capitals_are_flagged():
    assert gz.lookup("gn:4140963").capital_of == "US"
    assert gz.lookup("gn:170654").capital_of == "SY"
    assert gz.lookup("gn:173811").capital_of == ""


def test_curated_rows_each_have_a_source():
    rows = gz.read_curated()
    assert {r["id"] for r in rows} >= {"cu:at-tanf-garrison", "cu:al-baghuz-fawqani",
                                        "cu:rukban-camp", "cu:al-bukamal-al-qaim-crossing"}
    assert all(r["source"].strip() for r in rows)
    baghuz = gz.lookup("cu:al-baghuz-fawqani")
    assert (baghuz.lat, baghuz.lon) == (34.4586, 40.9506)


def test_bad_curated_row_names_file_row_and_field(tmp_path):
    f = tmp_path / "curated.csv"
    f.write_text(
        "id,name,lat,lon,precision_km,country,feature,source,note\n"
        "cu:x,X,34.0,40.0,2,SY,village,somewhere,\n"
        "cu:y,Y,34.0,40.0,2,SY,village,,\n",
        encoding="utf-8",
    )
    with pytest.raises(gz.GazetteerError, match=r"curated\.csv: row 3: field 'source' is empty"):
        gz.read_curated(f)
    f.write_text(
        "id,name,lat,lon,precision_km,country,feature,source,note\n"
        "cu:x,X,north,40.0,2,SY,village,somewhere,\n",
        encoding="utf-8",
    )
    with pytest.raises(gz.GazetteerError, match="row 2: lat/lon"):
        gz.read_curated(f)


def test_casing_rule():
    assert gz.casing_rule("MERV") == "exact"
    assert gz.casing_rule("U.S.") == "exact"
    assert gz.casing_rule("Al-Tanf") == "capitalised"
    assert gz.casing_rule("moyenne vallée du fleuve Euphrate") == "any"


def test_report_counts_what_was_built_and_skipped():
    r = gz.gazetteer().report
    assert r["geonames places"] > 5000
    assert r["curated points"] == len(gz.read_curated()) >= 4
    assert r["geonames names skipped (codes, < 3 letters)"] > 0


def test_variant_table_has_no_duplicates_and_known_ids():
    rows = gz.read_variants()
    pairs = [(r["place_id"], r["variant"]) for r in rows]
    assert len(pairs) == len(set(pairs))
    places = gz.gazetteer().places
    assert all(pid in places for pid, _ in pairs)
