"""The geoparser: acceptance on the article (English and French), gold-list scores, no false
places, metonyms, unresolved mentions, exports and the command line."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from typer.testing import CliRunner

from geoclaims import article, places, regions
from geoclaims.cli import app

TRUE = {  # lat, lon
    "Hasaka": (36.5024, 40.7477),
    "Der Zor": (35.3359, 40.1408),
    "Al Tanf": (33.5058, 38.6178),
}


@pytest.fixture(scope="module")
def art() -> article.Article:
    return article.load()


@pytest.fixture(scope="module")
def mentions(art):
    return places.geoparse(art)


def test_offsets_give_the_text_back(art, mentions):
    assert len(mentions) > 100
    for s, e, t in zip(mentions["start"], mentions["end"], mentions["text"]):
        assert art.text[s:e] == t
    assert list(mentions.columns[: len(places.COLUMNS)]) == places.COLUMNS
    assert mentions.crs.to_epsg() == 4326


@pytest.mark.parametrize("surface", ["Hasaka", "Der Zor", "Al Tanf"])
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_towns_found_in_both_languages_within_10_km(mentions, surface, lang):
    hits = mentions[(mentions["text"] == surface) & (mentions["lang"] == lang)]
    assert len(hits) >= 1, (surface, lang)
    lat, lon = TRUE[surface]
    for row in hits.itertuples():
        assert row.status == "resolved" and row.kind == "point"
        assert regions.distance_km(row.lat, row.lon, lat, lon) < 10
        assert isinstance(row.precision, float) and row.precision > 0
        assert row.source


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_merv_and_euphrates_found_in_both_languages(mentions, lang):
    m = mentions[mentions["lang"] == lang]
    merv = m[m["place_id"] == "rg:merv"]
    assert {"MERV"} <= set(merv["text"]) and len(merv) >= 2  # acronym and its expansion
    assert (merv["kind"] == "polygon").all()
    assert all(g.geom_type in ("Polygon", "MultiPolygon") for g in merv.geometry)
    river = m[m["place_id"] == "rg:euphrates"]
    assert len(river) >= 2
    assert (river["kind"] == "line").all()
    assert all(g.geom_type == "LineString" for g in river.geometry)
    assert (river["precision"] == "region").all()


def test_at_tanf_zone_is_a_polygon_mention():
    m = places.geoparse("Inside the 55-km zone around At-Tanf, aid is scarce.")
    zone = m[m["place_id"] == "rg:at-tanf-zone"].iloc[0]
    assert zone["kind"] == "polygon" and zone.geometry.geom_type == "Polygon"
    assert m[m["text"] == "At-Tanf"].iloc[0]["place_id"] == "cu:at-tanf-garrison"


@pytest.mark.parametrize(
    "surface,place_id",
    [
        ("west of the Euphrates River", "rg:syria-west-of-euphrates"),
        ("east of the Euphrates", "rg:syria-east-of-euphrates"),
        ("ouest de l’Euphrate", "rg:syria-west-of-euphrates"),
        ("est de l’Euphrate", "rg:syria-east-of-euphrates"),
        ("eastern Syria", "rg:eastern-syria"),
        ("Syrie orientale", "rg:eastern-syria"),
        ("est de la Syrie", "rg:eastern-syria"),
        ("northern Syria", "rg:northern-syria"),
        ("nord de la Syrie", "rg:northern-syria"),
        ("southeast Syria near the Iraqi border", "rg:southeast-syria-iraq-border"),
        ("Iraqi-Jordanian border", "rg:iraq-jordan-border-area"),
        ("frontière irako-jordanienne", "rg:iraq-jordan-border-area"),
        ("moyenne vallée du fleuve Euphrate", "rg:merv"),
    ],
)
def test_directional_phrases(mentions, surface, place_id):
    hits = mentions[mentions["text"] == surface]
    assert len(hits) >= 1, surface
    assert (hits["place_id"] == place_id).all()
    assert (hits["kind"] == "polygon").all()


def test_river_inside_a_directional_phrase_is_its_own_mention(mentions):
    phrase = mentions[mentions["text"] == "east of the Euphrates River"].iloc[0]
    anchors = mentions[mentions["part_of"] == phrase.name]
    assert list(anchors["text"]) == ["Euphrates River"]
    assert anchors.iloc[0]["place_id"] == "rg:euphrates"


@pytest.mark.parametrize(
    "surface,place_id",
    [("Syria", "adm0:SYR"), ("Iraq", "adm0:IRQ"), ("Turkey", "adm0:TUR"), ("Iran", "gn:130758"),
     ("Syrie", "adm0:SYR"), ("Irak", "adm0:IRQ"), ("Turquie", "adm0:TUR"),
     ("États-Unis", "gn:6252001"), ("United States", "gn:6252001")],
)
def test_countries_in_english_and_french(mentions, surface, place_id):
    hits = mentions[mentions["text"] == surface]
    assert len(hits) >= 1 and (hits["place_id"] == place_id).all()


def test_no_false_places(art, mentions):
    for name in ("Trump", "Islamic State", "Syrian Arab Army", "Pentagon", "White House",
                 "Cartalucci", "Eastern Outlook", "NATO", "ISIS", "Syrian"):
        for i in [i for i in range(len(art.text)) if art.text.startswith(name, i)]:
            inside = mentions[(mentions["start"] < i + len(name)) & (mentions["end"] > i)]
            assert inside.empty, (name, inside[["text", "start"]].to_dict("records"))


@pytest.mark.parametrize("surface", ["Washington", "Damascus", "Ankara", "Damas"])
def test_capitals_used_for_governments_are_metonyms(mentions, surface):
    hits = mentions[mentions["text"] == surface]
    assert len(hits) >= 1
    assert (hits["status"] == "metonym").all()
    assert hits["lat"].isna().all() and hits.geometry.isna().all()  # never mapped


def test_capital_as_a_location_is_resolved():
    m = places.geoparse("Officials met in Damascus and Tehran. Washington's plans changed.")
    st = dict(zip(m["text"], m["status"]))
    assert st == {"Damascus": "resolved", "Tehran": "resolved", "Washington": "metonym"}
    assert not math.isnan(m.iloc[0]["lat"])


def test_governorate_cue_picks_the_governorate():
    m = places.geoparse("Clashes in Raqqa province and in Deir ez-Zor city.")
    assert list(m["place_id"]) == ["adm1:SY11", "gn:170794"]


def test_unknown_places_are_listed_as_unresolved_not_dropped():
    m = places.geoparse("Fighters moved towards Xyzabad and near Qqqville, then to Hajin.")
    un = m[m["status"] == "unresolved"]
    assert set(un["text"]) == {"Xyzabad", "Qqqville"}
    assert (un["place_id"] == "").all() and un["lat"].isna().all()
    assert m[m["text"] == "Hajin"].iloc[0]["status"] == "resolved"


def test_matching_is_generic_not_tied_to_the_article():
    text = ("Strikes hit Al-Mayadin, Abu Kamal and the Rukban camp. "
            "Des frappes ont touché Boukamal et Deir Ezzor.")
    m = places.geoparse(text)
    assert list(m["place_id"]) == ["gn:173480", "gn:174448", "cu:rukban-camp", "gn:174448",
                                   "gn:170794"]
    assert list(m["lang"]) == ["en"] * 3 + ["fr"] * 2


def test_precision_and_recall_against_the_gold_list(mentions, fixtures):
    gold = places.read_gold(fixtures / "places" / "gold_mentions.csv")
    assert len(gold) >= 150
    r = places.evaluate(mentions, gold)
    assert r["precision"] >= 0.9, r["false_positives"]
    assert r["recall"] >= 0.9, r["false_negatives"]
    status = mentions.merge(gold, on=["start", "end"], suffixes=("", "_gold"))
    assert (status["status"] == status["status_gold"]).mean() >= 0.95


def test_precision_and_recall_on_held_out_text(fixtures):
    path = fixtures / "places" / "heldout.txt"
    m = places.geoparse(path)
    r = places.evaluate(m, places.read_gold(fixtures / "places" / "heldout_gold.csv"))
    assert r["precision"] >= 0.9 and r["recall"] >= 0.9, r


def test_evaluate_counts():
    gold = pd.DataFrame({"start": [0, 10, 20], "end": [5, 15, 25], "text": ["a", "b", "c"],
                         "place_id": ["x", "y", "z"]})
    pred = pd.DataFrame({"start": [0, 10, 30], "end": [5, 15, 35], "text": ["a", "b", "d"],
                         "place_id": ["x", "WRONG", "w"]})
    r = places.evaluate(pred, gold)
    assert (r["tp"], r["fp"], r["fn"]) == (1, 2, 2)
    assert r["precision"] == pytest.approx(1 / 3) and r["recall"] == pytest.approx(1 / 3)
    assert r["span_precision"] == pytest.approx(2 / 3)
    assert r["false_negatives"] == [(10, 15, "b", "y"), (20, 25, "c", "z")]


def test_summary(mentions):
    s = places.summary(mentions)
    assert s["mentions"].sum() == len(mentions)
    assert set(s["status"]) == {"resolved", "metonym"}


def test_geojson_export(mentions):
    doc = json.loads(places.to_geojson(mentions))
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == len(mentions)
    kinds = {f["geometry"]["type"] for f in doc["features"] if f["geometry"]}
    assert {"Point", "LineString", "Polygon"} <= kinds
    assert "GeoNames" in doc["properties"]["credits"]


# ----------------------------------------------------------------------------------- CLI

runner = CliRunner()


def test_cli_csv(tmp_path, art):
    out = tmp_path / "m.csv"
    res = runner.invoke(app, ["places", str(art.path), "--format", "csv", "-o", str(out)])
    assert res.exit_code == 0, res.output
    df = pd.read_csv(out, keep_default_na=False)
    for col in ("text", "start", "end", "lang", "place_id", "name", "kind", "lat", "lon",
                "source"):
        assert col in df.columns
    assert all(art.text[s:e] == t for s, e, t in zip(df["start"], df["end"], df["text"]))


def test_cli_geojson_to_stdout(art):
    res = runner.invoke(app, ["places", str(art.path), "--format", "geojson"])
    assert res.exit_code == 0
    assert json.loads(res.stdout)["type"] == "FeatureCollection"


@pytest.mark.parametrize(
    "content,message",
    [
        (b"", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "binary file"),
        (b"\xff\xfe\x81\x8d\x90 \x9d\x01\x02 garbage", "not UTF-8"),
    ],
)
def test_cli_bad_input(tmp_path, content, message):
    f = tmp_path / "bad.txt"
    f.write_bytes(content)
    res = runner.invoke(app, ["places", str(f)])
    assert res.exit_code != 0
    assert message in res.stderr and "bad.txt" in res.stderr


def test_cli_latin1_is_read_with_a_warning(tmp_path):
    f = tmp_path / "latin1.txt"
    f.write_bytes("Des combats près de Hassaké et à Deir ez-Zor.".encode("latin-1"))
    res = runner.invoke(app, ["places", str(f)])
    assert res.exit_code == 0
    assert "warning" in res.stderr and "Latin-1" in res.stderr
    assert "gn:173811" in res.stdout and "gn:170794" in res.stdout


def test_cli_missing_file_and_bad_format(tmp_path, art):
    res = runner.invoke(app, ["places", str(tmp_path / "nope.txt")])
    assert res.exit_code != 0 and "no such file" in res.stderr
    res = runner.invoke(app, ["places", str(art.path), "--format", "xml"])
    assert res.exit_code != 0 and "csv or geojson" in res.stderr


def test_short_capitalised_codes_are_not_places():
    m = places.geoparse("The ISO code SYR and the DIR listing are not places; MERV is an acronym.")
    assert list(m["text"]) == ["MERV"]


def test_languages_and_products_after_in_are_not_unresolved_places():
    m = places.geoparse("Names in Latin and in Natural Earth, loaded from CDNs.")
    assert m.empty


def test_mentions_by_place(mentions):
    by = places.mentions_by_place(mentions)
    assert by["place_id"].is_unique
    tanf = by[by["place_id"] == "cu:at-tanf-garrison"].iloc[0]
    assert (tanf["n"], tanf["n_en"], tanf["n_fr"]) == (2, 1, 1)
    assert "gn:4140963" not in set(by["place_id"])  # metonyms are never located
    assert "gn:6252001" not in set(by["place_id"])  # no geometry: outside the study area


def test_report_counts_what_was_set_aside(mentions):
    rep = mentions.attrs["report"]
    assert rep["mentions"] == len(mentions)
    assert rep["inside_longer_match"] >= 20  # 'Syria' inside 'eastern Syria', ...
    assert rep["status_resolved"] + rep["status_metonym"] == len(mentions)
    m = places.geoparse("Fighters of the Islamic State of Iraq and Syria left Raqqa.")
    assert list(m["text"]) == ["Raqqa"]
    assert m.attrs["report"]["inside_not_places"] == 2  # Iraq, Syria
