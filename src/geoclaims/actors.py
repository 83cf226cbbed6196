"""Actor names as the sources write them -> normalised groups, from ``data/actor_aliases.csv``.

The alias table has one row per name or pattern:

``pattern``
    the name (``token``) or a Python regular expression matched against the whole name (``regex``)
``match``
    ``token`` (the whole name, after stripping spaces, equals ``pattern``) or ``regex``
    (``re.fullmatch``). Matching is case-sensitive and never looks for substrings, so the UCDP
    name ``IS`` matches the side ``IS`` and the token ``IS`` in ``"Ahrar al-Sham, IS"``, but not
    ``"ISIS"`` or ``"Syrian insurgents"``.
``group``
    one of :data:`GROUPS`
``source``
    ``ucdp``, ``acled`` or ``any``: the rows used for that source's names
``note``
    why the name belongs to the group
``affiliate`` (optional column)
    ``yes`` for a group that is an affiliate of the group named in ``group`` rather than part of
    it (e.g. a local group that pledged allegiance to the Islamic State). The main analysis counts
    an affiliate with its group; ``actor_map(..., affiliates="apart")`` and :func:`regroup` give
    the sensitivity variant in which affiliates are group ``other``.

No actor name appears in the code: every assignment comes from the table.

ACLED names follow conventions (ACLED codebook, "Actor Names, Types and Inter Codes"), so an ACLED
name is tried in several forms, in this order, and the first form the table knows decides:

1. the name as written;
2. state forces ``Military Forces of X (2000-) Unit`` / ``Police Forces of X (2016-)``: the name
   without the period and the unit (``Military Forces of X``); police, when the table has no row
   for them, as the same state's military;
3. ``ABBR: Full Name``: the full name, then the acronym alone;
4. ``Name (X)`` with a trailing qualifier (usually the country): the name without it.

Token rows of ACLED (and ``any``) names are compared loosely: case, accents, apostrophes,
hyphens and repeated spaces do not matter ("Hayat Tahrir al Sham" = "Hay'at Tahrir al-Sham").
UCDP names are compared exactly (``IS`` must stay apart from ``is`` and ``ISIS``).

Names the source itself leaves unidentified (ACLED ``Unidentified Armed Group (X)``) have their own
group ``unidentified``: they are counted, never mixed with ``unknown``. A side the source
writes as a list (UCDP: names separated by ``,``; ACLED associated actors: by ``;``) is split into
tokens; each token gets its group; when the tokens fall into several groups, the side's group is
the one listed first in :data:`GROUPS` (a coalition that includes the Islamic State is an
``isis`` side). Names the table does not know get the group ``unknown`` and are counted in
:attr:`ActorMap.unmapped`, never dropped.
"""

from __future__ import annotations

import csv
import hashlib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from geoclaims import paths

ALIASES_FILE = "actor_aliases.csv"

#: The normalised groups, in precedence order (for sides that are coalitions of several groups).
GROUPS: tuple[str, ...] = (
    "isis",
    "hts",
    "turkey_and_sna",
    "sdf",
    "us_coalition",
    "russia",
    "iran_backed",
    "syrian_government",
    "other_state",
    "other_opposition",
    "other",
    "civilians",
    "unidentified",
    "unknown",
    "none",
)
#: What each group means (for the data dictionary, the notebook and ``--help``).
GROUP_MEANING: dict[str, str] = {
    "isis": "the Islamic State (UCDP 'IS', ACLED 'Islamic State (...)')",
    "hts": "Hayat Tahrir al-Sham and its predecessor Jabhat Fateh al-Sham",
    "turkey_and_sna": "Turkish state forces and the Turkish-backed Syrian National Army",
    "sdf": "the Syrian Democratic Forces and their components (YPG/PYD, ...)",
    "us_coalition": "US forces and other states of the US-led coalition",
    "russia": "Russian state forces and Russian private military companies",
    "iran_backed": "Iranian state forces and Iran-backed groups (e.g. Hezbollah)",
    "syrian_government": "Syrian state forces and pro-government militias",
    "other_state": "other states' forces (Iraq, Israel, Jordan, ...)",
    "other_opposition": "the rest of the armed opposition",
    "other": "named actors in none of the groups above (clans, Palestinian groups, ...)",
    "civilians": "civilians (UCDP one-sided violence, ACLED 'Civilians (...)')",
    "unidentified": "actors the source itself does not identify (ACLED 'Unidentified Armed Group "
    "(X)')",
    "unknown": "names the alias table does not know (listed so the table can be extended)",
    "none": "the source names no actor on this side",
}
MATCH_TYPES = ("token", "regex")
SOURCES = ("ucdp", "acled", "any")
COLUMNS = ("pattern", "match", "group", "source", "note")
#: Optional columns of the alias table.
OPTIONAL_COLUMNS = ("affiliate",)
#: How affiliates are counted: with the group they are affiliated to (main) or as ``other``.
AFFILIATE_CHOICES = ("with_group", "apart")
#: The group affiliates get in the ``apart`` variant.
AFFILIATE_APART_GROUP = "other"
#: ACLED naming conventions (codebook): state forces with a period and an optional unit,
#: an acronym before the full name, a trailing qualifier in parentheses.
_STATE_FORCES = re.compile(r"(?P<base>(?:Military|Police) Forces of .+?) \((?:\d{4})-(?:\d{4})?\)"
                           r"(?: (?P<unit>.+))?")
_ACRONYM = re.compile(r"(?P<abbr>[A-Z][A-Za-z0-9'&.\-]{0,11}): (?P<full>.+)")
_QUALIFIER = re.compile(r"(?P<base>.+?) \((?P<qualifier>[^()]+)\)")
_APOSTROPHES = str.maketrans("", "", "'\u2019\u2018`\u02bf\u02be\u00b4")


class AliasTableError(ValueError):
    """The alias table is malformed; the message names the file, row, column and value."""


@dataclass(frozen=True)
class Alias:
    """One row of the alias table (``row`` is the 1-based data row, header not counted)."""

    pattern: str
    match: str
    group: str
    source: str
    note: str
    row: int
    affiliate: bool = False

    def matches(self, name: str) -> bool:
        if self.match == "token":
            return name == self.pattern
        return re.fullmatch(self.pattern, name) is not None


@dataclass(frozen=True)
class Match:
    """How one name was matched: its group, the alias row (None: no row), the form of the name
    that matched and the naming rule that produced that form."""

    group: str
    row: int | None
    form: str
    rule: str
    affiliate: bool = False


def loose_key(name: str) -> str:
    """The key ACLED names are compared by: no accents, apostrophes, hyphens, case or extra spaces."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).translate(_APOSTROPHES)
    text = re.sub(r"[-\u2010-\u2015_]+", " ", text)
    return " ".join(text.split()).casefold()


def acled_forms(name: str) -> list[tuple[str, str]]:
    """The forms an ACLED name is tried in, with the rule that gives each (see module doc)."""
    name = " ".join(name.split())
    forms = [(name, "as written")]
    m = _STATE_FORCES.fullmatch(name)
    if m:
        forms.append((m["base"], "state forces: period and unit dropped"))
        if m["base"].startswith("Police "):
            forms.append(("Military " + m["base"][len("Police "):], "police counted with the state"))
    m = _ACRONYM.fullmatch(name)
    if m:
        forms.append((m["full"], "acronym prefix dropped"))
        forms.append((m["abbr"], "acronym alone"))
    for form, _ in list(forms):
        q = _QUALIFIER.fullmatch(form)
        if q:
            forms.append((q["base"], "qualifier in parentheses dropped"))
    seen: set[str] = set()
    return [(f, r) for f, r in forms if not (f in seen or seen.add(f))]


@dataclass
class ActorMap:
    """The alias table compiled for one source; remembers names it could not map.

    ``uses`` counts every name looked up through :meth:`record` (one per actor use), ``unmapped``
    those the table does not know. ``affiliates``: see :data:`AFFILIATE_CHOICES`.
    """

    source: str
    aliases: list[Alias]
    sha256: str = ""
    affiliates: str = "with_group"
    unmapped: Counter = field(default_factory=Counter)
    uses: Counter = field(default_factory=Counter)
    _cache: dict[str, Match] = field(default_factory=dict, repr=False)
    _tokens: dict[str, Alias] = field(default_factory=dict, repr=False)
    _regex: list[Alias] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if self.affiliates not in AFFILIATE_CHOICES:
            raise ValueError(
                f"affiliates must be one of {', '.join(AFFILIATE_CHOICES)}, not {self.affiliates!r}"
            )
        for a in self.aliases:
            if a.match == "token":
                key = a.pattern if self.source == "ucdp" else loose_key(a.pattern)
                self._tokens.setdefault(key, a)
            else:
                self._regex.append(a)

    def _hit(self, alias: Alias, form: str, rule: str) -> Match:
        group = alias.group
        if alias.affiliate and self.affiliates == "apart":
            group = AFFILIATE_APART_GROUP
        return Match(group, alias.row, form, rule, alias.affiliate)

    def match(self, name: str) -> Match:
        """How one actor name is matched (UCDP: exactly; ACLED: by its conventional forms)."""
        name = name.strip()
        if name in self._cache:
            return self._cache[name]
        forms = [(name, "as written")] if self.source == "ucdp" else acled_forms(name)
        hit = Match("unknown", None, name, "not in the table")
        for form, rule in forms:
            key = form if self.source == "ucdp" else loose_key(form)
            alias = self._tokens.get(key)
            if alias is None:
                alias = next((a for a in self._regex if a.matches(form)), None)
            if alias is not None:
                hit = self._hit(alias, form, rule)
                break
        self._cache[name] = hit
        return hit

    def lookup(self, name: str) -> tuple[str, int | None]:
        """(group, alias row) of one actor name; (``unknown``, None) if no row matches."""
        m = self.match(name)
        return m.group, m.row

    def record(self, name: str, n_uses: int = 1) -> Match:
        """Look up one name used ``n_uses`` times and count the uses (and the unmapped ones)."""
        name = name.strip()
        m = self.match(name)
        if name:
            self.uses[name] += int(n_uses)
            if m.row is None:
                self.unmapped[name] += int(n_uses)
        return m

    def group_of(self, name: str) -> str:
        """The group of one actor name (``unknown`` if the table does not know it)."""
        group, row = self.lookup(name)
        if row is None and name.strip():
            self.unmapped[name.strip()] += 1
        return group

    def groups_of_side(self, side: str, sep: str | None = ",") -> list[str]:
        """The groups of each token of a side (``sep=None``: the side is a single name)."""
        tokens = split_side(side, sep)
        return [self.group_of(t) for t in tokens]

    def side_group(self, side: str, sep: str | None = ",") -> str:
        """One group for a side: its tokens' group, or the first in :data:`GROUPS` if several."""
        groups = self.groups_of_side(side, sep)
        return resolve(groups)

    def is_group(self, side: str, group: str, sep: str | None = ",") -> bool:
        """True if any token of ``side`` belongs to ``group`` (e.g. the side includes IS)."""
        return group in self.groups_of_side(side, sep)

    def is_affiliate(self, side: str, sep: str | None = ",") -> bool:
        """True if any token of ``side`` is an affiliate row of the table."""
        return any(self.match(t).affiliate for t in split_side(side, sep))

    def unknown_share(self) -> float:
        """Share of the recorded actor uses whose name the table does not know (0 if none)."""
        total = sum(self.uses.values())
        return sum(self.unmapped.values()) / total if total else 0.0


def split_side(side: str | None, sep: str | None = ",") -> list[str]:
    """Tokens of a side as written by the source: split on ``sep``, stripped, empties dropped."""
    if side is None:
        return []
    side = str(side)
    parts = [side] if sep is None else side.split(sep)
    return [p.strip() for p in parts if p.strip()]


def resolve(groups: list[str]) -> str:
    """One group from a side's token groups: ``none`` if empty, else the first in GROUPS order."""
    if not groups:
        return "none"
    return min(groups, key=GROUPS.index)


def read_aliases(path: Path | None = None) -> tuple[list[Alias], str]:
    """Read and check the alias table; returns the rows and the file's sha256."""
    path = path or paths.data_file(ALIASES_FILE)
    raw = Path(path).read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    text = raw.decode("utf-8")
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise AliasTableError(f"{path}: header lacks column(s) {', '.join(missing)}")
    out: list[Alias] = []
    seen: dict[tuple[str, str, str], int] = {}
    for i, rec in enumerate(reader, start=1):
        pattern = (rec.get("pattern") or "").strip()
        match = (rec.get("match") or "").strip()
        group = (rec.get("group") or "").strip()
        source = (rec.get("source") or "").strip()
        where = f"{path}: row {i}"
        if not pattern:
            raise AliasTableError(f"{where}, column 'pattern': empty")
        if match not in MATCH_TYPES:
            raise AliasTableError(
                f"{where}, column 'match': {match!r} is not one of {', '.join(MATCH_TYPES)}"
            )
        if group not in GROUPS:
            raise AliasTableError(
                f"{where}, column 'group': {group!r} is not one of {', '.join(GROUPS)}"
            )
        if source not in SOURCES:
            raise AliasTableError(
                f"{where}, column 'source': {source!r} is not one of {', '.join(SOURCES)}"
            )
        if match == "regex":
            try:
                re.compile(pattern)
            except re.error as exc:
                raise AliasTableError(
                    f"{where}, column 'pattern': {pattern!r} is not a valid regex ({exc})"
                ) from exc
        key = (pattern, match, source)
        if key in seen:
            raise AliasTableError(f"{where}, column 'pattern': {pattern!r} repeats row {seen[key]}")
        seen[key] = i
        affiliate = (rec.get("affiliate") or "").strip().lower()
        if affiliate not in ("", "yes", "no"):
            raise AliasTableError(f"{where}, column 'affiliate': {affiliate!r} is not yes, no or empty")
        out.append(Alias(pattern, match, group, source, (rec.get("note") or "").strip(), i,
                         affiliate == "yes"))
    return out, digest


def actor_map(source: str, path: Path | None = None, *, affiliates: str = "with_group") -> ActorMap:
    """The alias table for one source (``ucdp`` or ``acled``): its rows plus the ``any`` rows.

    For each form of a name (ACLED: see the module doc), token rows are tried before regex rows,
    each in file order; the first match wins. ``affiliates="apart"``: the sensitivity variant.
    """
    if source not in ("ucdp", "acled"):
        raise ValueError(f"source must be 'ucdp' or 'acled', not {source!r}")
    aliases, digest = read_aliases(path)
    mine = [a for a in aliases if a.source in (source, "any")]
    mine.sort(key=lambda a: (a.match != "token", a.row))
    return ActorMap(source, mine, digest, affiliates)


def table_sha256(path: Path | None = None) -> str:
    """sha256 of the alias table (part of the events cache key)."""
    path = path or paths.data_file(ALIASES_FILE)
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def event_source(events):
    """``ucdp`` or ``acled`` for each event of the common schema, from the precision code it was
    loaded with (``where_prec=`` is UCDP's, ``geo_precision=`` ACLED's); ``unknown`` otherwise."""
    import pandas as pd

    col = events["loc_precision_source"].astype("string").fillna("")
    out = pd.Series("unknown", index=events.index, dtype="object")
    out[col.str.startswith("where_prec=")] = "ucdp"
    out[col.str.startswith("geo_precision=")] = "acled"
    return out


def regroup(events, *, affiliates: str = "apart", path: Path | None = None):
    """The events (common schema) with ``side_a_group``, ``side_b_group`` and ``isis`` computed
    again from the names with ``affiliates`` (the sensitivity variant: ``apart``), plus a column
    ``is_affiliate`` (either side names an affiliate row). The input is not changed.

    UCDP sides are comma-separated lists, ACLED sides single names (the loader's rules)."""
    out = events.copy()
    source = event_source(events)
    a_group, b_group, isis, affil = [], [], [], []
    maps = {s: actor_map(s, path, affiliates=affiliates) for s in ("ucdp", "acled")}
    for src, a, b in zip(source, events["side_a"], events["side_b"]):
        amap = maps.get(src)
        if amap is None:
            raise ValueError(f"cannot tell the source of an event (loc_precision_source): {src!r}")
        sep = "," if src == "ucdp" else None
        ga = [amap.match(t).group for t in split_side(a if isinstance(a, str) else "", sep)]
        gb = [amap.match(t).group for t in split_side(b if isinstance(b, str) else "", sep)]
        a_group.append(resolve(ga))
        b_group.append(resolve(gb))
        isis.append("isis" in ga or "isis" in gb)
        affil.append(any(amap.is_affiliate(s if isinstance(s, str) else "", sep) for s in (a, b)))
    out["side_a_group"] = a_group
    out["side_b_group"] = b_group
    out["side_a_group"] = out["side_a_group"].astype("string")
    out["side_b_group"] = out["side_b_group"].astype("string")
    out["isis"] = isis
    out["is_affiliate"] = affil
    return out
