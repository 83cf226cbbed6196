"""Geoparser fixes by class (issue 12, fourth round): each test uses sentences written for it,
none taken from the held-out texts."""

from __future__ import annotations

import pytest

from geoclaims import gazetteer as gz
from geoclaims import places


def _found(text: str) -> list[tuple[str, str]]:
    m = places.parse(text)
    return [(r["text"], r["place_id"]) for r in m.rows]


# -- class 1: typographic variants read as their plain forms ---------------------------------

def test_plain_text_keeps_the_length_and_maps_typographic_forms():
    raw = "l’est d‘Alep\u00a0; « Raqqa\u202f» Qaʼim Syrian\u2011Iraqi"
    plain = gz.plain_text(raw)
    assert len(plain) == len(raw)
    assert plain == "l'est d'Alep ; « Raqqa » Qa'im Syrian-Iraqi"
    assert gz.plain_text("Maʿarrat") == "Maʿarrat"  # the ayn sign is a letter, not an apostrophe


@pytest.mark.parametrize("apostrophe", ["'", "’", "ʼ", "′"])
def test_governorate_cue_after_an_elision_of_any_apostrophe(apostrophe):
    text = f"Les frappes ont visé la province d{apostrophe}Idlib hier."
    assert _found(text) == [("Idlib", "adm1:SY07")]
    text = f"Un convoi est parti du gouvernorat d{apostrophe}Alep."
    assert _found(text) == [("Alep", "adm1:SY02")]


@pytest.mark.parametrize("space", [" ", "\u00a0", "\u202f"])
def test_no_break_spaces_inside_phrases_and_names(space):
    found = _found(f"Des renforts sont arrivés dans le nord-est{space}de la Syrie et près"
                   f"{space}de{space}Raqqa.")
    assert [pid for _, pid in found] == ["dir:ne:sector:adm0:SYR", "gn:172955"]
    assert found[0][0] == f"nord-est{space}de la Syrie"  # the span is cut from the original


def test_curly_apostrophes_in_endings_and_the_unicode_hyphen():
    assert _found("Iraq’s militias crossed the Syrian\u2011Iraqi border.") == [
        ("Iraq", "adm0:IRQ"), ("Syrian\u2011Iraqi border", "rg:syria-iraq-border")]
    assert _found("Des tirs à l’ouest de l’Euphrate.")[0][1] == "rg:syria-west-of-euphrates"


# -- class 2: world cities (diplomatic venues) ------------------------------------------------

@pytest.mark.parametrize("text, span, name", [
    ("Les délégations se sont retrouvées à Genève pour un nouveau cycle.", "Genève", "Geneva"),
    ("The envoy flew to Geneva on Tuesday.", "Geneva", "Geneva"),
    ("Un accord conclu à Sotchi entre Ankara et Moscou.", "Sotchi", "Sochi"),
    ("A ninth round of talks opened in Nur-Sultan.", "Nur-Sultan", "Astana"),
    ("Le processus d'Astana se poursuit à Nour-Soultan.", "Nour-Soultan", "Astana"),
    ("Experts met in Vienne last year.", "Vienne", "Vienna"),
])
def test_world_cities_are_found_with_their_french_and_english_names(text, span, name):
    rows = [r for r in places.parse(text).rows if r["text"] == span]
    assert len(rows) == 1 and rows[0]["name"] == name and rows[0]["status"] == "resolved"
    assert rows[0]["lat"] is not None


def test_world_city_alternates_are_spellings_not_other_names():
    assert gz._world_alternate_ok("Geneva", "Genève")
    assert gz._world_alternate_ok("Sochi", "Sotchi")
    assert not gz._world_alternate_ok("Vienna", "Vindobona")  # a historical name
    assert not gz._world_alternate_ok("Vienna", "Bec")  # too short, and another name
    assert not gz._world_alternate_ok("Moscow", "mo si ke")  # lower case romanisation


@pytest.mark.parametrize("text", [
    "Reading the statement, Mobile units were said to be moving.",  # ordinary words
    "Florence Parly a rappelé la position de la France.",  # a person (first name)
    "The Denver Post reported on the strike.",  # a world city inside a proper name
    "Shia militias and Sunni tribes were both present.",  # groups, not towns (Chía)
    "Russe ou Iranien, le conseiller est reparti.",
    "The envoy resigned. John Bolton then left.",  # a surname after a first name
    "Hamas issued a statement.",  # a movement named like a town's spelling (Hamm)
])
def test_world_city_names_that_are_words_or_part_of_proper_names_are_not_places(text):
    g = gz.gazetteer()
    rows = places.parse(text).rows
    assert not [r for r in rows if r["place_id"] in g.places
                and places._is_world_city(g.places[r["place_id"]])], rows


@pytest.mark.parametrize("text, span", [
    ("In Geneva, the envoys met again.", "Geneva"),  # a common word before it
    ("Since Sochi, the front line has not moved.", "Sochi"),
    ("The Sochi memorandum was signed in September.", "Sochi"),
])
def test_world_cities_after_a_capitalised_common_word_stay_places(text, span):
    assert span in [t for t, _ in _found(text)]


def test_world_cities_stay_behind_syrian_homonyms():
    # a Syrian place of the same name wins (rank: Syria, then neighbours, then the world)
    assert gz.search("Homs")[0].country == "SY"
    assert gz.search("Tripoli")[0].country in gz.COUNTRIES


# -- class 3: official long country names -----------------------------------------------------

@pytest.mark.parametrize("text, span, place_id", [
    ("A note from the Russian Federation was circulated.", "Russian Federation", "gn:2017370"),
    ("La Fédération de Russie a opposé son veto.", "Fédération de Russie", "gn:2017370"),
    ("The Syrian Arab Republic replied in writing.", "Syrian Arab Republic", "adm0:SYR"),
    ("La République arabe syrienne a répondu.", "République arabe syrienne", "adm0:SYR"),
    ("Un accord avec la République islamique d’Iran.", "République islamique d’Iran",
     "gn:130758"),
    ("the Islamic Republic of Iran and the Republic of Iraq", "Islamic Republic of Iran",
     "gn:130758"),
    ("the Islamic Republic of Iran and the Republic of Iraq", "Republic of Iraq", "adm0:IRQ"),
    ("Aid from the Hashemite Kingdom of Jordan arrived.", "Hashemite Kingdom of Jordan",
     "adm0:JOR"),
    ("Troops of the Republic of Türkiye crossed.", "Republic of Türkiye", "adm0:TUR"),
    ("Les États-Unis d'Amérique et la République libanaise.", "États-Unis d'Amérique",
     "gn:6252001"),
    ("Les États-Unis d'Amérique et la République libanaise.", "République libanaise",
     "adm0:LBN"),
])
def test_official_country_names_are_one_mention_of_the_country(text, span, place_id):
    found = _found(text)
    assert (span, place_id) in found
    # the short name inside is not a second mention
    inner = [t for t, _ in found if t != span and t in span]
    assert inner == []


# -- class 4: institutions named after a place ------------------------------------------------

@pytest.mark.parametrize("text, kept", [
    ("A bill passed by the United States Congress in March.", []),
    ("Data of the Syria Central Bureau of Statistics were used.", []),
    ("Lecturers from Aleppo University fled to Idlib.", ["Idlib"]),
    ("The Iraq Ministry of Oil and the Turkey Embassy... in Mosul.", ["Turkey", "Mosul"]),
    ("Syria TV broadcast from Azaz.", ["Azaz"]),
    ("Des chercheurs de l'Université de Damas et de la Banque de France.", []),
    ("The Autonomous Administration of North and East Syria runs Raqqa.", ["Raqqa"]),
    ("L’Administration autonome du Nord et de l’Est de la Syrie (AANES) gère Tabqa.",
     ["Tabqa"]),
])
def test_institutions_named_after_a_place_yield_no_place(text, kept):
    assert [t for t, _ in _found(text)] == kept


def test_head_word_rule_leaves_places_around_it():
    # a country's abbreviation before an institution stays a place (the article's gold policy);
    # a sentence break before a capitalised head word is no institution name
    assert [t for t, _ in _found("The US Department of Defense said so.")] == ["US"]
    assert [t for t, _ in _found("Strikes hit Iraq. Congress then voted.")] == ["Iraq"]


# -- class 5: facilities and the autonomous administration's regions --------------------------

@pytest.mark.parametrize("text, span, place_id", [
    ("Engineers inspected the Euphrates Dam after the battle.", "Euphrates Dam", "cu:tabqa-dam"),
    ("Le niveau du lac Assad a baissé.", "lac Assad", "cu:lake-assad"),
    ("Water levels in Lake Assad fell.", "Lake Assad", "cu:lake-assad"),
    ("Jets took off from Kuweires airbase.", "Kuweires airbase", "cu:kuweires-airbase"),
    ("Le champ pétrolier d’al-Omar est gardé.", "champ pétrolier d’al-Omar",
     "cu:al-omar-oil-field"),
    ("Patrols near the Tanak oilfield resumed.", "Tanak oilfield", "cu:tanak-oil-field"),
    ("The council of the Manbij Region met.", "Manbij Region", "cu:aanes-manbij-region"),
])
def test_facilities_and_regions_are_curated_places(text, span, place_id):
    assert (span, place_id) in _found(text)


def test_a_facility_head_word_keeps_the_span_whole():
    # known facility: the curated point; "Tabqa" alone is never found inside it
    assert _found("A convoy crossed the Tabqa Dam at dawn.") == [("Tabqa Dam", "cu:tabqa-dam")]
    # a facility named after a town the gazetteer has no entry for: one mention, the area
    # around the town (a facility named after a town lies near it)
    found = _found("Shelling near the Qamishli refinery and the base aérienne de Manbij.")
    assert found == [("Qamishli refinery", "dir:all:area:gn:173377"),
                     ("base aérienne de Manbij", "dir:all:area:gn:167357")]
    m = places.geoparse("Shelling near the Qamishli refinery.")
    assert m.iloc[0]["kind"] == "polygon" and m.iloc[0].geometry.contains(
        __import__("shapely").Point(41.2316, 37.0522))  # the town is inside the area


def test_a_name_holding_a_not_a_place_name_is_still_a_place():
    # "Assad" (a person) is a not-a-place name; "Lake Assad" holds it and is a place
    assert _found("Bashar al-Assad visited Lake Assad.") == [("Lake Assad", "cu:lake-assad")]
    assert _found("The Islamic State of Iraq and Syria held Raqqa.") == [("Raqqa", "gn:172955")]


def test_lower_case_region_after_a_seat_stays_the_governorate_cue():
    assert _found("Fighting spread across the Tabqa region.") == [("Tabqa", "adm1:SY11")]


def test_elisions_apart_leaves_an_apostrophe_inside_a_name():
    assert gz.elisions_apart("champ pétrolier d’al-Omar") == "champ pétrolier d al-Omar"
    assert gz.elisions_apart("Dar'a") == "Dar'a"  # an ayn, not an elision
    assert _found("Le nom Dayrāʾ Zəʿōrtāʾ est ancien.") == []  # no false Daraa through a split


# -- class 6: function words that are also town names -----------------------------------------

@pytest.mark.parametrize("text", [
    "Cela n'a pas empêché les frappes.",
    "Ces villages ont été évacués.",
    "Quelle que soit l'issue, rien ne change.",
    "She said the convoy had left.",
    "Much of the valley was flooded.",
])
def test_function_words_at_the_start_of_a_sentence_are_not_towns(text):
    assert _found(text) == []


def test_function_word_list_keeps_the_towns_of_the_region():
    # the words left out of the list on purpose still reach their towns
    assert _found("Clashes near al-Tell and Al Mal.") == [("al-Tell", "gn:172349"),
                                                         ("Al Mal", "ged:al-mal")]
    assert {"cela", "ces", "she", "kuele"} <= gz.gazetteer().common_words


# -- class 7: a village named like a far town -------------------------------------------------

def test_a_homonym_near_the_sentence_context_is_preferred():
    m = places.parse("Mortars fell on Ramadi, a hamlet just north of Hajin, at night.")
    row = next(r for r in m.rows if r["text"] == "Ramadi")
    assert row["place_id"] == "ged:ar-ramadi" and "nearby-homonym" in row["match"]
    assert m.report["nearby_homonym"] == 1


def test_without_nearby_context_the_first_ranked_place_stays():
    # the Iraqi city, alone or beside other Iraqi places
    assert _found("Iraqi forces entered Ramadi.")[-1] == ("Ramadi", "gn:98717")
    assert ("Ramadi", "gn:98717") in _found("Convoys moved between Ramadi and Fallujah.")


def test_a_far_namesake_in_the_conflict_data_is_kept_as_a_homonym():
    g = gz.gazetteer()
    ids = [e.place_id for e in g.by_key[gz.normalize("Ramadi")]]
    assert "gn:98717" in ids and "ged:ar-ramadi" in ids
    assert g.rank(g.by_key[gz.normalize("Ramadi")])[0].place_id == "gn:98717"


# -- scholarly romanisation (DIN 31635 / ALA-LC letters) -------------------------------------

@pytest.mark.parametrize("a, b", [("aṯ-Ṯawrah", "Ath-Thawrah"), ("Dimašq", "Dimashq"),
                                  ("Ḫān Šayḫūn", "Khan Shaykhun"), ("Dayr az-Zawr", "Deir ez-Zor"),
                                  ("al-Ġūṭa", "Ghouta")])
def test_romanisation_letters_are_read_as_digraphs(a, b):
    assert gz.normalize(a) == gz.normalize(b)


def test_a_romanised_name_finds_its_town():
    assert _found("Les combats ont atteint Ḫān Šayḫūn.") == [("Ḫān Šayḫūn", "gn:168325")]


@pytest.mark.parametrize("text", [
    "Order was restored in the evening.",  # not Werder through the transliteration folding
    "Telling the story, the officer wept.",  # not Tieling
    "Progress was slow near the river.",  # not El Progreso
    "Bush administration officials disagreed.",  # a surname (Būsh)
])
def test_world_cities_match_only_as_written(text):
    g = gz.gazetteer()
    assert not [r for r in places.parse(text).rows if r["place_id"] in g.places
                and places._is_world_city(g.places[r["place_id"]])]


def test_literal_rule_is_the_letters_as_written():
    assert gz.letters_key("Genève") == gz.letters_key("Geneve") == "geneve"
    assert gz.letters_key("Sochi") != gz.letters_key("Sushi")


# -- speed: the disk cache loads with the garbage collector paused, then restored -------------

def test_cache_load_restores_the_garbage_collector_state():
    import gc

    gz.gazetteer()  # make sure the disk cache exists
    for enabled in (True, False):
        gz.gazetteer.cache_clear()
        (gc.enable if enabled else gc.disable)()
        try:
            g = gz.gazetteer()
            assert gc.isenabled() is enabled
            assert g.report.get("from disk cache") == 1
        finally:
            gc.enable()


def test_arabic_not_place_names_are_compiled_only_for_arabic_text():
    places._compile_arabic_names.cache_clear()
    assert _found("Clashes in Raqqa.") == [("Raqqa", "gn:172955")]
    assert places._compile_arabic_names.cache_info().currsize == 0
    # an Arabic organisation name still blocks the place inside it
    assert [t for t, _ in _found("The council (مجلس الرقة المدني) met in Raqqa.")] == ["Raqqa"]
    assert places._compile_arabic_names.cache_info().currsize == 1


# == fifth round (issue 12): classes prompted by the misses of held-out set 3; the sentences
# == below are written for these tests, none is taken from a held-out text

# -- a homonym abroad does not replace a town of a country the sentence names ---------------

def test_a_far_namesake_is_not_chosen_against_the_countries_the_sentence_names():
    g = gz.gazetteer()
    ids = [e.place_id for e in g.rank(g.by_key[gz.normalize("Ras al-Ayn")])]
    assert ids[0] == "gn:165509" and "gn:293690" in ids  # the Syrian town, then Rosh HaAyin
    # "Raʾs" alone reads as a place near Rosh HaAyin; it must not pull the town abroad
    text = "Ras al-Ayn, also Raʾs, is a town of Hasakah Governorate in Syria."
    m = places.parse(text)
    row = next(r for r in m.rows if r["text"] == "Ras al-Ayn")
    assert row["place_id"] == "gn:165509" and "nearby-homonym" not in row["match"]


def test_the_nearby_homonym_rule_still_applies_inside_the_named_country():
    m = places.parse("Shells hit Ramadi, a hamlet just north of Hajin in Syria, at dawn.")
    assert next(r for r in m.rows if r["text"] == "Ramadi")["place_id"] == "ged:ar-ramadi"


# -- border compounds with any dash, plural borders -------------------------------------------

@pytest.mark.parametrize("text, span, place_id", [
    ("Patrols moved along the Syria–Turkey border at night.", "Syria–Turkey border",
     "rg:syria-turkey-border"),
    ("Patrols moved along the Turkey—Syria border at night.", "Turkey—Syria border",
     "rg:syria-turkey-border"),
    ("The Syria–Iraq border stayed closed.", "Syria–Iraq border", "rg:syria-iraq-border"),
    ("Units were sent to secure the Iraqi borders.", "Iraqi borders", "rg:syria-iraq-border"),
    ("Units held the Jordan–Syria border.", "Jordan–Syria border", "rg:syria-jordan-border"),
    ("Les renforts longent les frontières turques.", "frontières turques",
     "rg:syria-turkey-border"),
])
def test_border_compounds_with_unicode_dashes_and_plurals(text, span, place_id):
    assert _found(text) == [(span, place_id)]


# -- a river's lower-case cue word is outside its span; banks named by a compass side --------

def test_lower_case_river_is_outside_the_span_capitalised_river_inside():
    assert _found("Boats crossed the Euphrates river at dawn.") == [("Euphrates", "rg:euphrates")]
    assert _found("Boats crossed the Euphrates River at dawn.") == \
        [("Euphrates River", "rg:euphrates")]
    assert _found("Wells lie east of the Euphrates river, far from town.") == [
        ("east of the Euphrates river", "rg:syria-east-of-euphrates"),
        ("Euphrates", "rg:euphrates")]


@pytest.mark.parametrize("text, span, place_id", [
    ("Le village est sur la rive sud de l'Euphrate.", "rive sud de l'Euphrate",
     "rg:syria-west-of-euphrates"),
    ("Le village est sur la rive nord de l’Euphrate.", "rive nord de l’Euphrate",
     "rg:syria-east-of-euphrates"),
    ("Farms line the south bank of the Euphrates.", "south bank of the Euphrates",
     "rg:syria-west-of-euphrates"),
])
def test_banks_named_by_a_compass_side(text, span, place_id):
    found = _found(text)
    assert found[0] == (span, place_id) and found[1][1] == "rg:euphrates"


# -- scripts: ayn / hamza signs before a capital; names in scripts without letter case -------

def test_an_ayn_sign_before_a_capital_keeps_a_romanised_name_whole():
    assert _found("Its scholarly form is Raʾs al-ʿAyn, in Syria.")[0] == \
        ("Raʾs al-ʿAyn", "gn:165509")


def test_a_geonames_name_in_a_caseless_script_is_found():
    # GeoNames holds the Syriac name of Deir ez-Zor among its alternate names
    assert gz.casing_rule("ܕܝܪܐ ܙܥܘܪܬܐ") == "any"
    assert ("ܕܝܪܐ ܙܥܘܪܬܐ", "gn:170794") in _found("The Syriac ܕܝܪܐ ܙܥܘܪܬܐ is an old name.")


# -- an institution with its country in brackets; tribes and clans ----------------------------

@pytest.mark.parametrize("text", [
    "Figures from the Bureau of Statistics (Jordan) were revised.",
    "The Ministry of Defence (Turkey) issued a statement.",
    "Le Ministère de la Défense (Turquie) a publié un communiqué.",
])
def test_a_bracketed_country_after_an_institution_is_part_of_its_name(text):
    assert _found(text) == []


def test_a_bracketed_country_without_an_institution_stays_a_place():
    assert _found("The town lies in the north (Syria) near the border.") == \
        [("Syria", "adm0:SYR")]


@pytest.mark.parametrize("text, expected", [
    ("Gunmen from Al-Baggara clan reached Hajin at night.", [("Hajin", "gn:174506")]),
    ("Herders from Shammar Tribe camped near Hasakah.", [("Hasakah", "gn:173811")]),
    ("Des hommes de la tribu des Akidat sont rentrés à Hajin.", [("Hajin", "gn:174506")]),
    ("The elders of the clan (عشيرة البكارة) met in Hajin.", [("Hajin", "gn:174506")]),
])
def test_tribes_and_clans_are_neither_places_nor_unresolved(text, expected):
    assert _found(text) == expected


# -- camps named after a town: one facility mention; the town alone stays the town ------------

@pytest.mark.parametrize("text, span", [
    ("Aid trucks reached the Hajin refugee camp on Monday.", "Hajin refugee camp"),
    ("Aid trucks reached the Hajin IDP camp on Monday.", "Hajin IDP camp"),
    ("Aid trucks reached the Hajin displacement camp on Monday.", "Hajin displacement camp"),
    ("Les camions sont arrivés au camp de réfugiés de Hajin.", "camp de réfugiés de Hajin"),
    ("Les camions sont arrivés au camp de déplacés d'Hajin.", "camp de déplacés d'Hajin"),
    ("Aid reached the camp (مخيم هجين للاجئين) on Monday.", "مخيم هجين للاجئين"),
    ("Aid reached the camp (مخيم هجين) on Monday.", "مخيم هجين"),
])
def test_a_camp_named_after_a_town_is_one_mention_near_the_town(text, span):
    assert _found(text) == [(span, "dir:all:area:gn:174506")]


def test_the_town_of_a_camp_alone_is_still_the_town():
    assert _found("Families left the Hajin refugee camp for Hajin itself.") == [
        ("Hajin refugee camp", "dir:all:area:gn:174506"), ("Hajin", "gn:174506")]
    assert _found("Ils ont quitté هجين hier.") == [("هجين", "gn:174506")]


# -- macro-regions (datelines and general statements) -----------------------------------------

@pytest.mark.parametrize("text, span, place_id", [
    ("SOUTHWEST ASIA — Partner forces cleared two villages.", "SOUTHWEST ASIA",
     "cu:southwest-asia"),
    ("Bases across Southwest Asia were put on alert.", "Southwest Asia", "cu:southwest-asia"),
    ("Oil prices in the Middle East rose.", "Middle East", "cu:middle-east"),
    ("La situation au Moyen-Orient reste tendue.", "Moyen-Orient", "cu:middle-east"),
    ("Trade routes of the Levant were old.", "Levant", "cu:levant"),
    ("La paix au Proche-Orient est loin.", "Proche-Orient", "cu:levant"),
])
def test_macro_regions_are_regions_with_a_representative_point(text, span, place_id):
    assert _found(text) == [(span, place_id)]
    p = gz.lookup(place_id)
    assert p.feature == "macro-region" and p.lat is not None and p.precision_km >= 500


def test_macro_region_names_inside_organisation_names_are_not_places():
    assert _found("Middle East Eye reported from Idlib.") == [("Idlib", "gn:169389")]
    assert _found("Fighters of the Islamic State of Iraq and the Levant fled.") == []


def test_a_dateline_in_capitals_keeps_its_city_and_country():
    assert _found("BAGHDAD, Iraq — Troops moved north.") == [("BAGHDAD", "gn:98182"),
                                                             ("Iraq", "adm0:IRQ")]


# -- a bare direction with the country implied -------------------------------------------------

SYRIA_TEXT = ("Les forces kurdes tiennent Raqqa, Hassaké et Qamichli, en Syrie. Elles assurent la "
              "sécurité dans le nord-est. Des déplacés vivent dans la zone du nord-est, mais aussi "
              "ailleurs.")


def test_a_bare_direction_in_a_text_about_one_country_is_that_countrys_part():
    found = _found(SYRIA_TEXT)
    assert found[-2:] == [("nord-est", "dir:ne:sector:adm0:SYR")] * 2
    found = _found("Troops hold Raqqa, Hasakah and Qamishli in Syria. Clashes went on in the "
                   "north-east, officials said.")
    assert found[-1] == ("north-east", "dir:ne:sector:adm0:SYR")


def test_a_bare_direction_without_a_dominant_country_is_left_alone():
    found = _found("Troops hold Raqqa and Mosul, Basra and Aleppo. Clashes went on in the "
                   "north-east, officials said.")
    assert [t for t, _ in found] == ["Raqqa", "Mosul", "Basra", "Aleppo"]


@pytest.mark.parametrize("tail", ["20 km au nord de la ville.", "vers le nord, puis à l'est.",
                                  "le nord-est syrien.", "venus du nord-est.",
                                  "then moved to the north-east."])
def test_relative_directions_and_longer_phrases_are_not_bare_directions(tail):
    found = _found("Les forces tiennent Raqqa, Hassaké et Qamichli, en Syrie. Elles vont " + tail)
    assert not any(pid.startswith("dir:") and t in ("nord", "nord-est") for t, pid in found)


def test_the_text_s_dominant_country():
    rows = places.parse(SYRIA_TEXT).rows
    assert places.dominant_country(rows) == "SY"
    assert places.dominant_country(places.parse("Raqqa and Mosul, Basra and Aleppo.").rows) == ""


def test_an_operation_name_in_a_headline_does_not_run_into_the_dateline():
    text = "Strikes Go On as Operation Harvest Ends\n\nSOUTHWEST ASIA — Partner forces moved."
    assert _found(text) == [("SOUTHWEST ASIA", "cu:southwest-asia")]


# -- a small namesake abroad gives way to the town of the text's dominant country -------------

def test_a_village_abroad_gives_way_to_a_town_in_the_text_s_country():
    g = gz.gazetteer()
    first = g.places[g.rank(g.by_key[gz.normalize("Sinjar")])[0].place_id]
    assert first.country == "SY" and first.population < places.SMALL_PLACE_POPULATION
    iraq = "Iraqi forces cleared Ramadi, Fallujah and Haditha in Iraq. Patrols then reached Sinjar."
    row = places.parse(iraq).rows[-1]
    assert (row["text"], row["place_id"]) == ("Sinjar", "gn:448149")
    assert "dominant-country" in row["match"]


def test_in_a_text_about_syria_the_syrian_village_stays():
    text = "Kurdish forces hold Hasakah, Qamishli and Raqqa in Syria. Patrols then reached Sinjar."
    assert _found(text)[-1] == ("Sinjar", "gn:164094")


def test_a_known_town_of_another_country_is_not_traded_for_a_namesake():
    text = "Iraqi forces cleared Ramadi, Fallujah and Haditha in Iraq. Fighters fled from Raqqa."
    assert _found(text)[-1] == ("Raqqa", "gn:172955")


# -- a wadi named like a place is a valley of its own ------------------------------------------

@pytest.mark.parametrize("text, span", [
    ("Patrols searched Wadi Hajin before dawn.", "Wadi Hajin"),
    ("Patrols searched the Wadi al-Raqqa before dawn.", "Wadi al-Raqqa"),
    ("La patrouille a fouillé l'Oued Hajin.", "Oued Hajin"),
])
def test_a_wadi_is_one_unresolved_mention_not_the_place_it_is_named_like(text, span):
    m = places.parse(text)
    assert [(r["text"], r["status"]) for r in m.rows] == [(span, "unresolved")]


def test_a_wadi_the_gazetteer_holds_keeps_its_place():
    assert _found("Troops entered Wadi al-Uyun at night.") == [("Wadi al-Uyun", "gn:162706")]


@pytest.mark.parametrize("text, span, place_id", [
    ("Its Kurdish name is زاخۆ, written in Arabic script.", "زاخۆ", "gn:89570"),
    ("Its Kurdish name is تەلەعفەر, written in Arabic script.", "تەلەعفەر", "gn:90393"),
    ("Its Syriac name is ܐܪܒܝܠ, an old form.", "ܐܪܒܝܠ", "gn:95446"),
])
def test_kurdish_in_arabic_script_and_syriac_names_geonames_holds(text, span, place_id):
    assert _found(text) == [(span, place_id)]


# == sixth round (prompted by set-4 misses; sentences written for these tests) ================

# -- country abbreviations and short forms -----------------------------------------------------

@pytest.mark.parametrize("text, span, place_id", [
    ("Officers from the UK joined the mission.", "UK", "gn:2635167"),
    ("Officers from the U.K. joined the mission.", "U.K.", "gn:2635167"),
    ("Troops of Great Britain and France landed.", "Great Britain", "gn:2635167"),
    ("La Grande-Bretagne a envoyé des avions.", "Grande-Bretagne", "gn:2635167"),
    ("Aid came from the UAE last week.", "UAE", "gn:290557"),
    ("Aid came from the U.A.E. last week.", "U.A.E.", "gn:290557"),
    ("Funds pledged by KSA arrived.", "KSA", "adm0:SAU"),
])
def test_country_abbreviations_and_short_forms(text, span, place_id):
    assert _found(text)[0] == (span, place_id)


def test_short_acronyms_between_capital_words_are_not_countries():
    # a line written in capitals: "US", "UK" there are as likely ordinary words
    assert _found("PLEASE LET US KNOW. A UK STATEMENT FOLLOWS.") == []
    # after a comma (a dateline), with full stops, or among ordinary words they stay countries
    assert [pid for _, pid in _found("LONDON, UK - The US and U.K. agreed.")][1:] == [
        "gn:2635167", "gn:6252001", "gn:2635167"]


def test_lower_case_or_mixed_forms_of_an_acronym_are_not_countries():
    assert _found("Uk and Ksa are not written so; the uae neither.") == []


# -- month and day names are never places -------------------------------------------------------

@pytest.mark.parametrize("text", [
    "The talks resumed in June and ended on a Monday.",
    "June was quiet; May was not.",
    "Les pourparlers ont repris en Juin, un Lundi.",
    "Mars fut calme. Avril aussi.",
])
def test_month_and_day_names_are_common_words(text):
    assert _found(text) == []


def test_month_names_do_not_block_the_place_after_them():
    assert _found("In June Raqqa was quiet.") == [("Raqqa", "gn:172955")]


# -- a direction relative to a town, without a distance ----------------------------------------

@pytest.mark.parametrize("text, span, place_id", [
    ("Patrols ran northwest of Manbij all day.", "northwest of Manbij", "dir:nw:around:gn:167357"),
    ("Shelling hit villages south-east of Raqqa.", "south-east of Raqqa",
     "dir:se:around:gn:172955"),
    ("Fighting went on east of the town of Manbij.", "east of the town of Manbij",
     "dir:e:around:gn:167357"),
    ("Les combats ont lieu au nord de la ville d'Alep.", "nord de la ville d'Alep",
     "dir:n:around:gn:170063"),
    ("Un camp se trouve à l'est de Raqqa.", "est de Raqqa", "dir:e:around:gn:172955"),
])
def test_a_direction_relative_to_a_town_is_its_surroundings_that_way(text, span, place_id):
    assert _found(text) == [(span, place_id)]


@pytest.mark.parametrize("text, span, place_id", [
    ("The village lies 30 km north of Raqqa.", "Raqqa", "gn:172955"),
    ("The dam lies 40 kilometres (25 mi) west of Raqqa.", "Raqqa", "gn:172955"),
    ("Le village est à 30 km à l'est d'Alep.", "Alep", "gn:170063"),
    ("Le champ est à environ 20 km à l'ouest de l'Euphrate.", "Euphrate", "rg:euphrates"),
])
def test_after_a_distance_the_town_alone_is_the_place(text, span, place_id):
    assert _found(text) == [(span, place_id)]


def test_parts_of_a_governorate_seat_stay_the_governorate_sector():
    # "eastern Aleppo", "the north of Aleppo", "l'est d'Alep" name a part, not a relative position
    ids = [pid for _, pid in _found("Eastern Aleppo, the north of Aleppo and l'est d'Alep.")]
    assert ids == ["dir:e:sector:adm1:SY02", "dir:n:sector:adm1:SY02", "dir:e:sector:adm1:SY02"]


def test_only_the_town_or_city_of_may_stand_between_the_direction_and_the_name():
    # any other words: the direction is not read, the town stays
    assert _found("Troops moved north of the old market of Raqqa.") == [("Raqqa", "gn:172955")]


def test_the_centre_of_a_place_is_not_a_direction_from_it():
    found = _found("The town is the seat and center of Hajin nahiya.")
    assert found == [("Hajin nahiya", found[0][1])] and not found[0][1].startswith("dir:c:")


# -- Kurdish and Turkish names of the towns of the north-east -----------------------------------

@pytest.mark.parametrize("name, place_id", [
    ("Efrîn", "gn:174186"), ("Cerablus", "gn:169179"), ("Serê Kaniyê", "gn:165509"),
    ("Girê Spî", "gn:163750"), ("Minbic", "gn:167357"), ("Dirbêsiyê", "gn:170887"),
    ("Amûdê", "gn:173230"), ("Kobanî", "gn:172256"), ("Qamişlo", "gn:173377"),
])
def test_kurdish_and_turkish_names_of_north_eastern_towns(name, place_id):
    assert _found(f"Its name in the local languages is {name}, a town in the region.") == [
        (name, place_id)]


def test_kurdish_and_turkish_letters_written_as_english_digraphs():
    assert gz.turkish_kurdish_digraphs("Qamişlo Hesîçe Çelik Şam") == "Qamishlo Hesîche Chelik Sham"
    # GeoNames' Qamişlo and Hesîçe as English texts write them
    assert _found("Crowds gathered in Qamishlo and in Hesiche.") == [
        ("Qamishlo", "gn:173377"), ("Hesiche", "gn:173811")]


# -- continents and world regions ---------------------------------------------------------------

@pytest.mark.parametrize("text, span, place_id", [
    ("Volunteers travelled from Europe to the front.", "Europe", "cu:europe"),
    ("Des volontaires venus d'Europe ont combattu.", "Europe", "cu:europe"),
    ("Traders from Asia bought the oil.", "Asia", "cu:asia"),
    ("Des marchands d'Asie ont acheté le pétrole.", "Asie", "cu:asia"),
    ("Grain was shipped to Africa.", "Africa", "cu:africa"),
    ("Le blé est parti vers l'Afrique.", "Afrique", "cu:africa"),
    ("Recruits from North Africa arrived.", "North Africa", "cu:north-africa"),
    ("Des recrues d'Afrique du Nord sont arrivées.", "Afrique du Nord", "cu:north-africa"),
])
def test_continents_and_world_regions_in_english_and_french(text, span, place_id):
    assert _found(text) == [(span, place_id)]


def test_continents_are_regions_with_a_point_inside_their_extent():
    g = gz.gazetteer()
    assert 35 < g.places["cu:europe"].lat < 72 and -10 < g.places["cu:europe"].lon < 67
    assert -35 < g.places["cu:africa"].lat < 38 and -18 < g.places["cu:africa"].lon < 52


def test_organisations_named_after_a_continent_are_not_places():
    assert _found("The Council of Europe and the European Union met; le Conseil de l'Europe.") \
        == []


# -- facilities with the head word first ----------------------------------------------------------

@pytest.mark.parametrize("text, span", [
    ("Rockets struck Camp Taji overnight.", "Camp Taji"),
    ("The unit flew home to Fort Bragg.", "Fort Bragg"),
    ("Drones hit Base Tower yesterday.", "Base Tower"),
])
def test_a_facility_named_head_word_first_is_one_unresolved_mention(text, span):
    m = places.parse(text)
    assert [(r["text"], r["status"]) for r in m.rows] == [(span, "unresolved")]


def test_a_facility_named_after_a_syrian_town_is_the_area_near_it():
    assert _found("Supplies reached Camp Manbij by road.") == [
        ("Camp Manbij", "dir:all:area:gn:167357")]


def test_head_words_without_a_name_after_them_are_not_facilities():
    assert places.parse("The Base Camp was empty; Camp North too.").rows == []


# -- rivers named with their head word ------------------------------------------------------------

@pytest.mark.parametrize("text, span", [
    ("Villages along the Khabur River were flooded.", "Khabur River"),
    ("Le village est sur la rivière Khabour.", "Khabour"),
    ("La rivière Khabour déborde.", "Khabour"),
    ("Farms line the Nahr al-Kabir in the west.", "Nahr al-Kabir"),
])
def test_a_river_the_gazetteer_lacks_is_one_unresolved_mention(text, span):
    m = places.parse(text)
    assert [(r["text"], r["status"]) for r in m.rows] == [(span, "unresolved")]


def test_a_river_named_like_a_country_is_not_the_country():
    m = places.parse("Troops crossed the Jordan River at dawn.")
    assert [(r["text"], r["status"]) for r in m.rows] == [("Jordan River", "unresolved")]


def test_a_river_the_gazetteer_holds_keeps_its_line():
    assert _found("Boats crossed the Euphrates River.") == [("Euphrates River", "rg:euphrates")]
    assert places.parse("The River was high; North River too.").rows == []


# -- a direction "of the country" and cantons -----------------------------------------------------

def test_a_direction_of_the_country_is_the_dominant_countrys_part():
    text = ("Raqqa, Homs et Hama sont en Syrie. Les combats dans le Nord du pays et à l'est du "
            "pays continuent.")
    found = _found(text)
    assert found[-2:] == [("Nord du pays", "dir:n:sector:adm0:SYR"),
                          ("est du pays", "dir:e:sector:adm0:SYR")]
    found = _found("Raqqa, Homs and Hama lie in Syria. Raids hit the north-east of the country.")
    assert found[-1] == ("north-east of the country", "dir:ne:sector:adm0:SYR")


def test_a_direction_of_the_country_without_a_dominant_country_is_not_read():
    assert _found("Le Nord du pays est froid.") == []


def test_a_canton_named_after_its_seat_is_one_mention_of_the_district():
    found = _found("Elections were held in the Afrin Canton.")
    assert found == [("Afrin Canton", found[0][1])] and found[0][1] != "gn:174186"


# -- seventh round (prompted by held-out set 5; sentences written for these tests) ---------------

def _rows(text: str) -> list[tuple[str, str, str]]:
    return [(r["text"], r["place_id"], r["status"]) for r in places.parse(text).rows]


def test_a_distance_in_metres_or_without_its_unit_keeps_the_town_alone():
    assert _found("Le camp se trouve à 800 m au nord-est de Raqqa.") == [("Raqqa", "gn:172955")]
    assert _found("La ville est à 90 au sud-ouest de l'Euphrate.") == [
        ("Euphrate", "rg:euphrates")]
    # without a distance the direction is a region
    assert _found("Les combats au sud-ouest de Raqqa.")[0][1].startswith("dir:sw:")


def test_a_capital_located_from_by_a_compound_direction_is_the_city():
    assert _rows("The town lies 120 km northwest of Baghdad.") == [
        ("Baghdad", "gn:98182", "resolved")]
    assert _rows("La base est à 40 km au nord-est de Damas.") == [
        ("Damas", "gn:170654", "resolved")]
    assert _rows("Talks with Baghdad resumed.") == [("Baghdad", "gn:98182", "metonym")]


def test_a_governor_names_the_governorate():
    assert _found("Selon le gouverneur de Homs, la route est ouverte.") == [("Homs", "adm1:SY04")]
    assert _found("The Raqqa governor spoke on Monday.") == [("Raqqa", "adm1:SY11")]


def test_lower_case_ministries_and_adjectives_before_brackets_are_institutions():
    assert _found("Un communiqué du ministère de l'Europe et des affaires étrangères.") == []
    assert _found("Selon le Bureau central de statistique (Syrie), la ville a grandi.") == []
    assert _found("L'Europe a réagi.") == [("Europe", "cu:europe")]


def test_a_border_adjective_before_the_noun_it_qualifies_is_no_border():
    assert _found("Qusayr is a Lebanese-side town; Ramadi is not an Iraqi border town.") \
        == [("Qusayr", _found("Qusayr")[0][1]), ("Ramadi", _found("Ramadi")[0][1])]
    assert _found("Shelling near the Iraqi border.") == [("Iraqi border", "rg:syria-iraq-border")]
    found = _found("Tell Abyad is a Syria–Turkey border town.")
    assert ("Syria–Turkey border", "rg:syria-turkey-border") in found


def test_the_syrian_border_seen_from_a_neighbour():
    iraq = "Mosul, Ramadi and Fallujah lie in Iraq. Troops moved near the Syrian border."
    assert _found(iraq)[-1] == ("Syrian border", "rg:syria-iraq-border")
    turkey = "Gaziantep, Kilis and Sanliurfa are in Turkey. Trucks queued at the Syrian border."
    assert _found(turkey)[-1] == ("Syrian border", "rg:syria-turkey-border")
    # in a text about Syria which border is meant is not known: left alone
    syria = "Raqqa, Homs and Hama are in Syria. Trucks queued at the Syrian border."
    assert all(t != "Syrian border" for t, _ in _found(syria))


def test_a_settlement_word_before_an_unknown_name_finds_it_unresolved():
    rows = _rows("Ils ont atteint le village de Qubbatqar.")
    assert rows == [("Qubbatqar", "", "unresolved")]
    assert _rows("They reached the village of Qubbatqar.") == [("Qubbatqar", "", "unresolved")]


def test_a_place_named_abroad_that_the_text_never_names_gives_way_to_the_texts_country():
    syria = "Raqqa, Homs et Hama sont en Syrie. Le village d'Arak est à l'est."
    assert _found(syria)[-1] == ("Arak", "ged:arak")
    named = "Raqqa, Homs et Hama sont en Syrie, loin de l'Iran. Arak est une ville d'Iran."
    assert ("Arak", "gn:143127") in _found(named)


def test_consonant_keys():
    assert gz.consonant_key("tudmur") == gz.consonant_key("tadmur") == "tdmr"
    assert gz.consonant_key(gz.normalize("Tellebyad")) == gz.consonant_key(
        gz.normalize("Tell Abyad")) == "tlbd"
    assert gz.consonant_key(gz.normalize("Mumbuj")) == gz.consonant_key(gz.normalize("Manbij"))
    assert gz.consonant_key("تدمر") == ""


def test_a_spelling_that_differs_in_its_vowels_only_is_found():
    assert _found("La ville de Tudmur a été reprise.")[0] == ("Tudmur", "gn:163808")
    # three consonants are too few to tell a name from other words: not indexed
    assert _found("Mumbuj est loin.") == []
    # an ordinary capitalised word is never read this way
    assert _found("Relativement isolée, Tudmur dort.") == [("Tudmur", "gn:163808")]


def test_a_landmark_with_its_head_word_is_one_mention():
    rows = _rows("Fighters destroyed the historic al-Nuri mosque and al-Hadba minaret.")
    assert rows == [("al-Nuri mosque", "", "unresolved"), ("al-Hadba minaret", "", "unresolved")]
    assert _rows("Prayers at the Great Mosque.") == []
    # a landmark named after a Syrian town is the area near that town, not the town alone
    found = _found("Crowds gathered at the Raqqa stadium.")
    assert found == [("Raqqa stadium", "dir:all:area:gn:172955")]
    assert _rows("Ils ont visité la citadelle d'Alep.")[0][:2] == (
        "citadelle d'Alep", "dir:all:area:gn:170063")


def test_named_de_escalation_zones():
    assert _found("Fighting resumed in the southwest de-escalation zone.") == [
        ("southwest de-escalation zone", "cu:deesc-zone-south")]
    assert _found("Raids hit the Idlib de-escalation zone.") == [
        ("Idlib de-escalation zone", "cu:deesc-zone-idlib")]
    assert _found("La zone de désescalade du sud est menacée.") == [
        ("zone de désescalade du sud", "cu:deesc-zone-south")]


def test_a_bare_direction_after_a_direction_of_a_country_refers_to_that_country():
    text = ("The United States and Jordan watch southwest Syria. Russia and the United States "
            "talked; the situation in the southwest, they said, is calm.")
    found = _found(text)
    assert ("southwest", "dir:sw:sector:adm0:SYR") in found


def test_arabic_kobani_with_or_without_vowel_marks():
    assert _found("Kobani (كوباني) and كُوبَانِي.") == [
        ("Kobani", "gn:172256"), ("كوباني", "gn:172256"), ("كُوبَانِي", "gn:172256")]


# -- eighth round (prompted by held-out sets 6 and 7; sentences written for these tests) ----------

def test_a_dateline_capital_is_the_city():
    assert _rows("Washington, DC\nJuly 2, 2018\n\nTalks went on.") == [
        ("Washington", "gn:4140963", "resolved")]
    assert _rows("Talks with Washington went on.") == [("Washington", "gn:4140963", "metonym")]


def test_titles_patronyms_and_the_family_name_are_people():
    assert _found("Une question à Monsieur Jean-Yves Le Drian.") == []
    assert _found("Les combattants de Khalid ibn al-Walid.") == []
    assert _found("Le régime de Bachar el-Assad tient Damas.") == [("Damas", "gn:170654")]


def test_the_border_between_two_countries_is_one_mention():
    assert _found("La frontière entre la Turquie et la Syrie est fermée.") == [
        ("frontière entre la Turquie et la Syrie", "rg:syria-turkey-border")]
    assert _found("The border between Syria and Iraq reopened.") == [
        ("border between Syria and Iraq", "rg:syria-iraq-border")]


def test_a_tell_in_another_spelling_and_an_unknown_tell_are_one_mention():
    assert _found("Near Tall Tamer.") == [("Tall Tamer", "gn:163434")]  # by its consonants
    assert _rows("Near Tal Qubbatqar.") == [("Tal Qubbatqar", "", "unresolved")]


def test_a_dam_with_a_foreign_head_word_is_the_dam():
    found = _found("It is called Sadd al-Furat, Bendava Firatê or Sadd at-Tabqa.")
    assert [pid for _, pid in found] == ["cu:tabqa-dam"] * 3
    assert [t for t, _ in found] == ["Sadd al-Furat", "Bendava Firatê", "Sadd at-Tabqa"]


def test_a_route_named_after_its_ends_is_one_unresolved_mention():
    assert _rows("Trucks use the Amman–Baghdad road.") == [
        ("Amman–Baghdad road", "", "unresolved")]
    assert _rows("Les camions prennent l'autoroute Alep-Damas.") == [
        ("autoroute Alep-Damas", "", "unresolved")]


def test_more_spellings():
    assert _found("La ville de Racca.") == [("Racca", "gn:172955")]
    assert _found("The plain of Upper Mesopotamia.") == [("Upper Mesopotamia", "cu:jazira")]


# -- ninth round (prompted by held-out set 8 and the rest of sets 6-7; sentences written here) ---

def test_a_name_read_by_its_consonants_needs_a_name_context():
    assert _found("The Muslim conquest reached the town.") == []
    assert _found("Also spelled al-Sukhanah, the town lies east.")[0] == (
        "al-Sukhanah", "gn:172425")


def test_country_names_in_french_from_cldr():
    assert _found("L'Inde et le Brésil ont voté.") == [("Inde", "gn:1269750"),
                                                         ("Brésil", "gn:3469034")]
    # small countries' French names are not read (often first names: Maurice)
    assert _found("Maurice est arrivé.") == []


def test_the_ministers_title_is_no_place():
    assert _found("Le ministre de l'Europe et des affaires étrangères a parlé.") == []


def test_a_river_after_le_fleuve_is_the_name_alone():
    assert _rows("La ville est sur le fleuve Oronte.") == [("Oronte", "", "unresolved")]
    assert _found("entre Hassaké et le fleuve Euphrate où")[-1] == ("Euphrate", "rg:euphrates")


def test_a_direction_of_a_governorate_known_by_a_point():
    found = _found("Raids in northern Ninewah and western Al Anbar.")
    assert found == [("northern Ninewah", "dir:n:sector:cu:iq-nineveh"),
                     ("western Al Anbar", "dir:w:sector:cu:iq-anbar")]
    north, nineveh = gz.lookup(found[0][1]), gz.lookup("cu:iq-nineveh")
    assert north.lat > nineveh.lat and north.kind == "polygon"


def test_named_parts_of_syria_are_whole_governorates():
    south = gz.lookup("dir:s:sector:adm0:SYR")
    daraa = gz.lookup("adm1:SY12")
    assert south.geometry.contains(daraa.geometry.representative_point())
    assert "Daraa" in south.name and "Wikipedia" in south.source
    sw = gz.lookup("dir:sw:sector:adm0:SYR")
    assert sw.geometry.area < south.geometry.area
    # the other directions stay wedges
    assert "part" in gz.lookup("dir:n:sector:adm0:SYR").name


def test_a_governorate_cue_after_the_name_stays_outside_the_span():
    assert _found("It belongs to the Idlib Governorate.") == [("Idlib", "adm1:SY07")]


def test_an_areas_point_is_its_centroid_when_inside():
    hasakah = gz.lookup("adm1:SY08")
    c = hasakah.geometry.centroid
    assert (round(hasakah.lat, 6), round(hasakah.lon, 6)) == (round(c.y, 6), round(c.x, 6))


# -- tenth round (prompted by held-out sets 9 and 10; sentences written for these tests) ----------

def test_a_battle_siege_or_capture_of_a_capital_is_the_city():
    for text, name in (("the capture of Baghdad in 2003", "Baghdad"),
                       ("après la bataille de Damas", "Damas"),
                       ("aux alentours de Damas", "Damas"),
                       ("in the centre of Damascus", "Damascus")):
        assert [(t, st) for t, _, st in _rows(text)] == [(name, "resolved")], text


def test_al_sham_in_group_names_is_not_damascus():
    assert _found("Fighters of Ahrar al-Sham and Jaysh al-Islam.") == []
    assert _found("Les rebelles de Faylaq al-Rahman et Ahrar al-Cham.") == []


def test_the_lebanese_border_and_the_tigris():
    assert _found("Shelling near the Lebanese border.") == [
        ("Lebanese border", "rg:syria-lebanon-border")]
    assert _found("the Syrian-Lebanese border") == [
        ("Syrian-Lebanese border", "rg:syria-lebanon-border")]
    tigris = gz.lookup("rg:tigris")
    assert tigris.kind == "line" and tigris.geometry.geom_type == "LineString"
    assert _found("The town lies on the Tigris; le Tigre.") == [
        ("Tigris", "rg:tigris"), ("Tigre", "rg:tigris")]


def test_the_centre_of_a_town_is_the_town_but_a_countrys_centre_a_region():
    assert _found("the centre of Raqqa")[0] == ("Raqqa", "gn:172955")
    assert _found("the centre of Syria") == [("centre of Syria", "dir:c:sector:adm0:SYR")]


def test_iraqi_towns_take_directions_and_facility_words():
    assert _found("Troops entered western Mosul and the eastern side of Mosul.") == [
        ("western Mosul", "dir:w:around:gn:99072"),
        ("eastern side of Mosul", "dir:e:around:gn:99072")]
    assert _found("They reached Qayyarah Airfield West.") == [
        ("Qayyarah Airfield West", "dir:all:area:gn:99003")]


def test_a_nahiya_word_before_a_town():
    assert _found("It is part of Nahiya Tell Rifaat.") == [
        ("Nahiya Tell Rifaat", "dir:all:area:gn:163476")]


def test_settlement_prefixes_make_one_name():
    assert _rows("They shelled Beit Qubbatqar and Kafr Qubbatqar.") == [
        ("Beit Qubbatqar", "", "unresolved"), ("Kafr Qubbatqar", "", "unresolved")]
    assert _rows("The Anti-Lebanon range.") == [("Anti-Lebanon", "", "unresolved")]


def test_names_in_an_announced_list_of_places():
    assert _rows("Nearby localities include Azaz to the north and Qubbatqar to the west.")[1] \
        == ("Qubbatqar", "", "unresolved")
    assert _rows("les quartiers de Qaboun, Barzeh et Qubbatqar") == [
        ("Qaboun", "", "unresolved"), ("Barzeh", "", "unresolved"),
        ("Qubbatqar", "", "unresolved")]
    # a list without a word announcing places: no guess
    assert [t for t, _, _ in _rows("Azaz and Peshmerga fighters.")] == ["Azaz"]


def test_languages_titles_and_quoted_operations_are_no_places():
    assert _rows("It means a throne in Aramaic.") == []
    assert _found("Lieutenant General Riyadh Jalal Tawfiq spoke.") == []
    assert _found('Operation "We Are Coming, Nineveh" began.') == []


def test_two_towns_joined_by_a_hyphen_are_one_name():
    assert _rows("in the Baalbek-Hermel Governorate") == [("Baalbek-Hermel", "", "unresolved")]


def test_a_homonym_abroad_does_not_make_the_texts_country():
    rows = places.parse("Sinjar lies near Mosul, Tal Afar and Rabia, in northern Iraq. "
                        "Sinjar was taken in 2015.").rows
    assert {r["place_id"] for r in rows if r["text"] == "Sinjar"} == {"gn:448149"}


# -- eleventh round (prompted by held-out sets 11 and 12; sentences written for these tests) ------

def test_the_kurdistan_region_and_kurdish_organisations():
    assert _found("Le Kurdistan irakien et Erbil.")[0] == (
        "Kurdistan irakien", "cu:kurdistan-region-iraq")
    assert _found("The Kurdistan Regional Government’s forces.") == []


def test_a_corner_of_the_country():
    text = "Qamishli, Hasakah and Amuda lie in Syria, in the northeastern corner of the country."
    assert ("northeastern corner of the country", "dir:ne:sector:adm0:SYR") in _found(text)


def test_institutions_and_capitalised_operations_are_no_places():
    assert _rows("under special authorization from Congress and the Senate") == []
    assert _found("REPORTERS ON OPERATION WRATH OF EUPHRATES, THE COALITION") == []


def test_french_country_names_of_several_words_for_small_countries_too():
    assert _found("Le Sahara occidental et le Timor oriental.") == [
        ("Sahara occidental", "gn:2461445"), ("Timor oriental", "gn:1966436")]


# -- twelfth round (prompted by held-out sets 13 and 14; sentences written for these tests) -------

def test_a_direction_with_an_elided_article_is_a_locative_cue():
    assert _rows("à environ 90 kilomètres à l'ouest de Bagdad") == [
        ("Bagdad", "gn:98182", "resolved")]


def test_a_journeys_end_and_a_list_after_it_are_the_cities():
    assert [st for _, _, st in _rows("She traveled to Ankara, Jerusalem, and Brussels.")] \
        == ["resolved"] * 3


def test_historical_states_named_like_a_country_are_not_it():
    assert _found("A fortress of Assyria on the Euphrates.") == [("Euphrates", "rg:euphrates")]


def test_landforms_and_seas_with_their_head_word():
    assert _rows("From the Mediterranean Sea to the Persian Gulf; Cape Qubbatqar.") == [
        ("Mediterranean Sea", "", "unresolved"), ("Persian Gulf", "", "unresolved"),
        ("Cape Qubbatqar", "", "unresolved")]
    assert _rows("le golfe Persique et la plaine de Ninive") == [
        ("golfe Persique", "", "unresolved"), ("plaine de Ninive", "", "unresolved")]
    assert _rows("The Sea was calm.") == []
    assert _found("Lake Assad is a reservoir.") == [("Lake Assad", "cu:lake-assad")]


# -- thirteenth round (prompted by held-out sets 15 and 16; sentences written for these tests) ----

def test_kurdish_letters_of_the_arabic_script():
    assert gz.normalize("مەنبج") == gz.normalize("منبج")
    assert _found("Kobani (کۆبانی)") == [("Kobani", "gn:172256"), ("کۆبانی", "gn:172256")]


def test_syrie_du_nord_est_and_other_kurdistans():
    assert _found("en Syrie du Nord-Est et en Syrie du Nord.") == [
        ("Syrie du Nord-Est", "dir:ne:sector:adm0:SYR"), ("Syrie du Nord", "rg:northern-syria")]
    assert _rows("le Kurdistan syrien") == [("Kurdistan syrien", "", "unresolved")]


def test_a_railway_named_after_its_ends_and_a_caliph():
    assert _rows("le chemin de fer Berlin-Bagdad") == [
        ("chemin de fer Berlin-Bagdad", "", "unresolved")]
    assert _found("le calife Haroun al-Rachid") == []


# -- fourteenth round (prompted by held-out sets 17 and 18; sentences written for these tests) ----

def test_country_names_with_the_article_and_can():
    assert _found("Canada, the Netherlands and Denmark.") == [
        ("Canada", "gn:6251999"), ("Netherlands", "gn:2750405"), ("Denmark", "gn:2623032")]
    assert _found("Can the talks go on?") == []


def test_arabic_governorate_and_district_words():
    assert _rows("(Arabic: محافظة ريف دمشق)") == [("ريف دمشق", "adm1:SY03", "resolved")]
    assert _rows("(Arabic: منطقة دير الزور)")[0][:2] == (
        "منطقة دير الزور", "dir:all:area:gn:170794")


def test_a_part_of_the_country_and_a_neighbours_position():
    text = ("Deraa, Quneitra et Damas sont en Syrie, dans la partie sud-ouest du pays. "
            "Elle touche Homs au nord.")
    assert ("partie sud-ouest du pays", "dir:sw:sector:adm0:SYR") in _found(text) or \
        ("sud-ouest du pays", "dir:sw:sector:adm0:SYR") in _found(text)
    text = "Raqqa, Homs and Hama lie in Syria. It borders Homs in the north and Jordan in the south."
    assert all(not pid.startswith("dir:") for _, pid in _found(text))


def test_the_countryside_of_damascus_is_rif_dimashq():
    assert _found("in the Countryside of Damascus") == [
        ("Countryside of Damascus", "adm1:SY03")]


# -- fifteenth round (prompted by held-out sets 19 and 20; sentences written for these tests) -----

def test_a_bracketed_abbreviation_does_not_make_an_institution_of_the_country():
    assert _found("Government of the Russian Federation (GoRF) airstrikes") == [
        ("Russian Federation", "gn:2017370")]
    assert _found("the Central Bureau of Statistics (Syria) said") == []


def test_offices_before_a_name_are_people():
    assert _found("Prime Minister Abadi and Ambassador Jeffrey spoke.") == []


def test_banks_peninsulas_and_crossings_the_gazetteer_lacks():
    assert _rows("on the west bank of the Tigris; la rive droite du fleuve") == [
        ("west bank of the Tigris", "", "unresolved"), ("rive droite du fleuve", "", "unresolved")]
    assert _rows("the Qubbatqar border crossing and the péninsule arabique") == [
        ("Qubbatqar border crossing", "", "unresolved"), ("péninsule arabique", "", "unresolved")]
    # the Euphrates' banks keep their regions
    assert _found("the east bank of the Euphrates")[0] == (
        "east bank of the Euphrates", "rg:syria-east-of-euphrates")


def test_baghdad_takes_directions_and_religions_are_no_places():
    assert _found("a town north of Baghdad") == [("north of Baghdad", "dir:n:around:gn:98182")]
    assert _found("the north-east corner of Syria") == [
        ("north-east corner of Syria", "dir:ne:sector:adm0:SYR")]
    assert _found("of the Muslim world") == []


def test_more_variants():
    assert _found("la vallée du Moyen Euphrate") == [("vallée du Moyen Euphrate", "rg:merv")]
    assert _found("in the Kurdistan region") == [("Kurdistan region", "cu:kurdistan-region-iraq")]
