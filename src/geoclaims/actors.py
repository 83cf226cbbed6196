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

No actor name appears in the code: every assignment comes from the table. A side the source
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
    "unknown": "unidentified actors, or names the alias table does not know",
    "none": "the source names no actor on this side",
}
MATCH_TYPES = ("token", "regex")
SOURCES = ("ucdp", "acled", "any")
COLUMNS = ("pattern", "match", "group", "source", "note")


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

    def matches(self, name: str) -> bool:
        if self.match == "token":
            return name == self.pattern
        return re.fullmatch(self.pattern, name) is not None


@dataclass
class ActorMap:
    """The alias table compiled for one source; remembers names it could not map."""

    source: str
    aliases: list[Alias]
    sha256: str = ""
    unmapped: Counter = field(default_factory=Counter)
    _cache: dict[str, tuple[str, int | None]] = field(default_factory=dict, repr=False)

    def lookup(self, name: str) -> tuple[str, int | None]:
        """(group, alias row) of one actor name; (``unknown``, None) if no row matches."""
        name = name.strip()
        if name in self._cache:
            return self._cache[name]
        hit: tuple[str, int | None] = ("unknown", None)
        for alias in self.aliases:
            if alias.matches(name):
                hit = (alias.group, alias.row)
                break
        self._cache[name] = hit
        return hit

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
        out.append(Alias(pattern, match, group, source, (rec.get("note") or "").strip(), i))
    return out, digest


def actor_map(source: str, path: Path | None = None) -> ActorMap:
    """The alias table for one source (``ucdp`` or ``acled``): its rows plus the ``any`` rows.

    Token rows are tried before regex rows, each in file order; the first match wins.
    """
    if source not in ("ucdp", "acled"):
        raise ValueError(f"source must be 'ucdp' or 'acled', not {source!r}")
    aliases, digest = read_aliases(path)
    mine = [a for a in aliases if a.source in (source, "any")]
    mine.sort(key=lambda a: (a.match != "token", a.row))
    return ActorMap(source, mine, digest)


def table_sha256(path: Path | None = None) -> str:
    """sha256 of the alias table (part of the events cache key)."""
    path = path or paths.data_file(ALIASES_FILE)
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
