"""ACLED: the forms its data come in, its event types, how it compares with UCDP, and an optional
API client.

Forms :func:`geoclaims.events.load` reads (the layout is detected from the columns, the form from
the first bytes): the export tool's CSV (dates like ``02 June 2023``, notes with quotes and line
breaks, UTF-8 with or without a byte-order mark, CRLF or LF line ends), the API's CSV (ISO dates)
and the API's JSON (``{"status": 200, "success": true, "data": [...]}``, read by
:func:`json_table`). An export filtered to some event types loads as it is; :func:`event_type_counts`
says which types it holds and :func:`missing_event_types` / :func:`missing_types_warning` tell a
claim's test which of the types it needs are absent.

How ACLED differs from UCDP GED (notebook ``08_two_sources``): :func:`compare_sources` tabulates
both side by side; :func:`comparable_events` keeps the ACLED events closest to UCDP's coding
(political violence with at least one reported death).

The API client downloads events for a country and date range with a user's own account, writes
them as a CSV export, and loads that through :func:`geoclaims.events.load`.

ACLED data may not be redistributed: the downloaded file stays in the user's cache
(``paths.CACHE/acled/``) and is never committed.

Credentials come only from the environment:

- ``ACLED_EMAIL`` and ``ACLED_PASSWORD``: the current OAuth flow (password grant at
  ``https://acleddata.com/oauth/token``, client id ``acled``; the bearer token is then sent to
  ``https://acleddata.com/api/acled/read``).
- ``ACLED_EMAIL`` and ``ACLED_KEY``: the older key-based API (``key``/``email`` query
  parameters), for accounts that still have a key.

Credentials and tokens are never logged, never part of a ``repr`` and never part of an error
message: errors name the host, the HTTP status and ACLED's own message (with any credential
value blanked out), never the request URL with its query string.
"""

from __future__ import annotations

import csv
import json
import logging
import os
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
import requests

from geoclaims import actors, events, paths

log = logging.getLogger(__name__)

TOKEN_URL = "https://acleddata.com/oauth/token"
READ_URL = "https://acleddata.com/api/acled/read"
LEGACY_READ_URL = "https://api.acleddata.com/acled/read"
PAGE_SIZE = 5000
TIMEOUT_S = 60


class AcledError(RuntimeError):
    """The ACLED API could not be used; the message never contains a credential."""


@dataclass(frozen=True)
class Credentials:
    """An ACLED account from the environment; ``repr`` shows only which kind it is."""

    email: str = field(repr=False)
    password: str | None = field(default=None, repr=False)
    key: str | None = field(default=None, repr=False)

    @property
    def kind(self) -> str:
        return "oauth" if self.password else "key"

    def __repr__(self) -> str:
        return f"Credentials(kind={self.kind!r}, email=<hidden>, secret=<hidden>)"

    __str__ = __repr__

    def secrets(self) -> list[str]:
        return [s for s in (self.email, self.password, self.key) if s]

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Credentials:
        env = dict(os.environ if env is None else env)
        email = env.get("ACLED_EMAIL", "").strip()
        password = env.get("ACLED_PASSWORD", "").strip() or None
        key = env.get("ACLED_KEY", "").strip() or None
        if not email or not (password or key):
            raise AcledError(
                "no ACLED credentials: set ACLED_EMAIL and ACLED_PASSWORD (OAuth) or ACLED_EMAIL "
                "and ACLED_KEY (older key-based API) in the environment"
            )
        return cls(email=email, password=password, key=key)


def _scrub(text: str, creds: Credentials, extra: list[str] = ()) -> str:
    for secret in [*creds.secrets(), *extra]:
        if secret:
            text = text.replace(secret, "<hidden>")
    return text


@contextmanager
def _quiet_urllib3():
    """urllib3 logs request URLs (with a key in the query) at DEBUG: keep it quiet meanwhile."""
    logger = logging.getLogger("urllib3")
    level = logger.level
    logger.setLevel(max(level, logging.INFO))
    try:
        yield
    finally:
        logger.setLevel(level)


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


@dataclass
class Client:
    """A small ACLED API client. ``session`` may be any ``requests.Session``-like object."""

    credentials: Credentials
    token_url: str = TOKEN_URL
    read_url: str | None = None
    session: requests.Session = field(default_factory=requests.Session, repr=False)
    _token: str | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        return f"Client({self.credentials!r}, read={_host(self._read_url())!r})"

    def _read_url(self) -> str:
        if self.read_url:
            return self.read_url
        return READ_URL if self.credentials.kind == "oauth" else LEGACY_READ_URL

    def _fail(self, what: str, url: str, resp=None, exc: Exception | None = None) -> AcledError:
        extra = [self._token] if self._token else []
        if exc is not None:
            detail = type(exc).__name__  # str(exc) may hold the URL with its query: not shown
        else:
            try:
                body = resp.json()
                detail = str(body.get("error_description") or body.get("error") or body)[:200]
            except ValueError:
                detail = resp.text[:200]
            detail = f"HTTP {resp.status_code}: {detail}"
        return AcledError(
            _scrub(f"ACLED {what} at {_host(url)} failed ({detail})", self.credentials, extra)
        )

    def token(self) -> str:
        """An OAuth access token (password grant), fetched once per client."""
        if self._token:
            return self._token
        data = {
            "username": self.credentials.email,
            "password": self.credentials.password,
            "grant_type": "password",
            "client_id": "acled",
        }
        try:
            with _quiet_urllib3():
                resp = self.session.post(self.token_url, data=data, timeout=TIMEOUT_S)
        except requests.RequestException as exc:
            raise self._fail("login", self.token_url, exc=exc) from None
        if resp.status_code != 200:
            raise self._fail("login", self.token_url, resp)
        token = resp.json().get("access_token")
        if not token:
            raise AcledError(f"ACLED login at {_host(self.token_url)} returned no access_token")
        self._token = token
        return token

    def read(self, country: str, start: str, end: str, page_size: int = PAGE_SIZE) -> list[dict]:
        """All events for ``country`` with event_date in [start, end] (YYYY-MM-DD), all pages."""
        url = self._read_url()
        params: dict[str, object] = {
            "country": country,
            "event_date": f"{start}|{end}",
            "event_date_where": "BETWEEN",
            "limit": page_size,
        }
        headers = {}
        if self.credentials.kind == "oauth":
            headers["Authorization"] = f"Bearer {self.token()}"
        else:
            params.update(key=self.credentials.key, email=self.credentials.email)
        rows: list[dict] = []
        page = 1
        while True:
            params["page"] = page
            try:
                with _quiet_urllib3():
                    resp = self.session.get(url, params=params, headers=headers, timeout=TIMEOUT_S)
            except requests.RequestException as exc:
                raise self._fail("read", url, exc=exc) from None
            if resp.status_code != 200:
                raise self._fail("read", url, resp)
            body = resp.json()
            if body.get("success") is False or "data" not in body:
                raise AcledError(
                    _scrub(f"ACLED read at {_host(url)}: {str(body)[:200]}", self.credentials)
                )
            data = body["data"]
            rows.extend(data)
            log.info("ACLED page %d: %d events", page, len(data))
            if len(data) < page_size:
                return rows
            page += 1


def download(
    country: str = "Syria",
    start: str = "2016-01-01",
    end: str = "2019-12-31",
    *,
    out: Path | None = None,
    client: Client | None = None,
) -> Path:
    """Download ACLED events to a CSV in the export layout; returns its path (in the cache)."""
    client = client or Client(Credentials.from_env())
    rows = client.read(country, start, end)
    if not rows:
        raise AcledError(f"ACLED returned no events for {country} {start}..{end}")
    out = out or paths.CACHE / "acled" / f"acled_{country.lower()}_{start}_{end}.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    columns = list(dict.fromkeys(k for r in rows for k in r))
    with open(out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return out


def load(country: str = "Syria", start: str = "2016-01-01", end: str = "2019-12-31", **kw):
    """Download (see :func:`download`) and load into the common schema (an ``EventLoad``)."""
    client = kw.pop("client", None)
    path = download(country, start, end, client=client)
    return events.load(path=path, dataset="acled-api", **kw)


# --- forms, event types ----------------------------------------------------------------------

#: ACLED's event types (codebook). The first three are political violence; UCDP GED codes only
#: organised violence with at least one death, so they are the ones a UCDP-like count needs.
EVENT_TYPES: tuple[str, ...] = (
    "Battles", "Explosions/Remote violence", "Violence against civilians",
    "Protests", "Riots", "Strategic developments",
)  # fmt: skip
VIOLENT_TYPES: tuple[str, ...] = EVENT_TYPES[:3]
#: Event types each kind of claim test needs (data/claims.yaml ``test.kind``). Every test counts
#: events with the Islamic State on a side, of any violent type; none uses protests, riots or
#: strategic developments. A kind not listed needs VIOLENT_TYPES.
CLAIM_EVENT_TYPES: dict[str, tuple[str, ...]] = {
    kind: VIOLENT_TYPES
    for kind in ("share", "rate", "period_ratio", "country_growth_ratio", "density_ratio")
}  # fmt: skip


def json_table(data: bytes, path: str | os.PathLike = "<input>") -> pd.DataFrame:
    """The API's JSON (``{"success": true, "data": [...]}`` or a bare list of records) as a table
    of strings, like a CSV read (numbers written as text, null as empty)."""
    try:
        body = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise events.EventDataError(f"not UTF-8 text at byte {exc.start}", file=path) from exc
    except json.JSONDecodeError as exc:
        raise events.EventDataError(
            f"not readable JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})", file=path
        ) from exc
    if isinstance(body, dict):
        if body.get("success") is False or "error" in body:
            detail = str(body.get("error") or body.get("message") or "success: false")[:200]
            raise events.EventDataError(f"the ACLED API reported an error: {detail}", file=path)
        if not isinstance(body.get("data"), list):
            raise events.EventDataError(
                "JSON without a 'data' list (expected the ACLED API's response)", file=path
            )
        records = body["data"]
    elif isinstance(body, list):
        records = body
    else:
        raise events.EventDataError("JSON that is neither an object nor a list", file=path)
    if not records:
        raise events.EventDataError("the JSON holds no events (empty 'data')", file=path)
    for i, rec in enumerate(records, start=1):
        if not isinstance(rec, dict):
            raise events.EventDataError("an event is not a JSON object", file=path, row=i,
                                        value=rec)  # fmt: skip
    columns = list(dict.fromkeys(k for r in records for k in r))

    def text(v) -> str:
        if v is None:
            return ""
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)

    df = pd.DataFrame({c: [text(r.get(c)) for r in records] for c in columns}, dtype=str)
    df.columns = [str(c).strip() for c in df.columns]
    return df


def split_event_type(values: pd.Series) -> pd.DataFrame:
    """The loader's ``event_type`` (``Battles: Armed clash``) as ``event_type`` and
    ``sub_event_type`` columns (UCDP's types have no sub-type)."""
    parts = values.astype("string").fillna("").str.split(": ", n=1, expand=True)
    if parts.shape[1] == 1:
        parts[1] = ""
    return pd.DataFrame({"event_type": parts[0], "sub_event_type": parts[1].fillna("")},
                        index=values.index)  # fmt: skip


def event_type_counts(ev: pd.DataFrame) -> dict[str, int]:
    """Events per event type (ACLED's six types, UCDP's three kinds of violence), most first."""
    if not len(ev):
        return {}
    types = split_event_type(ev["event_type"])["event_type"]
    return {str(k): int(v) for k, v in types.value_counts().items()}


def missing_event_types(needed: Iterable[str], present: Iterable[str]) -> list[str]:
    """The needed event types that are not present (order of ``needed``)."""
    have = set(present)
    return [t for t in dict.fromkeys(needed) if t not in have]


def needed_event_types(test_kind: str) -> tuple[str, ...]:
    """The ACLED event types a claim test of this kind counts (:data:`CLAIM_EVENT_TYPES`)."""
    return CLAIM_EVENT_TYPES.get(test_kind, VIOLENT_TYPES)


def missing_types_warning(claim_id: str, missing: Iterable[str], present: Iterable[str],
                          file: str = "the ACLED file") -> str:  # fmt: skip
    """The warning for a claim whose test needs event types the file lacks ('' if none)."""
    missing = list(missing)
    if not missing:
        return ""
    held = ", ".join(present) or "no events"
    lacks = ", ".join(f"'{t}'" for t in missing)
    return (f"{claim_id}: {file} holds no {lacks} events (it holds: {held}); the test counts IS "
            "events of every violent type, so on this file it would see only part of them: "
            "not testable with this file (export all of Battles, Explosions/Remote violence and "
            "Violence against civilians)")


def claim_type_warnings(claims: Iterable, present: Iterable[str],
                        file: str = "the ACLED file") -> dict[str, str]:  # fmt: skip
    """For each registered claim (objects with ``id`` and ``test["kind"]``, e.g.
    ``claims.load_registry().claims``) whose test needs event types the file lacks: its warning.
    Claims missing from the result can be tested on the file."""
    present = list(present)
    out = {}
    for claim in claims:
        missing = missing_event_types(needed_event_types(claim.test["kind"]), present)
        if missing:
            out[claim.id] = missing_types_warning(claim.id, missing, present, file)
    return out


def comparable_events(ev: pd.DataFrame, *, fatal_only: bool = True) -> tuple[pd.DataFrame, dict]:
    """ACLED events coded closest to UCDP GED: the political-violence types
    (:data:`VIOLENT_TYPES`) and, with ``fatal_only``, at least one reported death (UCDP's
    threshold). Returns the events and a dict of how many rows each step removed and why.
    UCDP events pass unchanged."""
    is_acled = actors.event_source(ev) == "acled"
    types = split_event_type(ev["event_type"])["event_type"]
    not_violent = is_acled & ~types.isin(VIOLENT_TYPES)
    removed = {"not political violence (protests, riots, strategic developments)":
               int(not_violent.sum())}  # fmt: skip
    keep = ~not_violent
    if fatal_only:
        deaths = pd.to_numeric(ev["deaths_best"], errors="coerce").fillna(0)
        no_death = is_acled & keep & (deaths < 1)
        removed["no reported death (UCDP codes events with at least one)"] = int(no_death.sum())
        keep &= ~no_death
    return ev[keep].reset_index(drop=True), removed


# --- two sources side by side ----------------------------------------------------------------


@dataclass
class Comparison:
    """Tables comparing event sources (one row group per source; see :func:`compare_sources`)."""

    overview: pd.DataFrame
    event_types: pd.DataFrame
    actor_groups: pd.DataFrame
    governorate_year: pd.DataFrame
    precision: pd.DataFrame
    absent_types: pd.DataFrame


def compare_sources(frames: Mapping[str, pd.DataFrame], *, isis_only: bool = False,
                    governorates: bool = True) -> Comparison:  # fmt: skip
    """Events of several sources (name -> events in the common schema) side by side:

    - ``overview``: events, first/last day, IS events, deaths, share with an exact location and
      with an exact day;
    - ``event_types``: events per (source) event type and sub-type;
    - ``actor_groups``: actor uses per normalised group (side A and side B counted apart);
    - ``governorate_year``: events per OCHA governorate holding the point and year (with
      ``governorates=False``: per year only);
    - ``precision``: events per class of the common location and date precision scales;
    - ``absent_types``: for each source, which event types the claims need and whether it has
      them (ACLED: :data:`VIOLENT_TYPES`; UCDP: its three kinds of violence, listed as present).

    ``isis_only`` restricts every table to events with IS on a side.
    """
    over, types, groups, gov, prec, absent = [], [], [], [], [], []
    for name, ev in frames.items():
        if isis_only:
            ev = ev[ev["isis"].fillna(False).astype(bool)]
        src = actors.event_source(ev)
        kind = "acled" if (src == "acled").any() else "ucdp"
        over.append({
            "source": name, "coding": kind, "events": len(ev),
            "first_day": ev["date_start"].min() if len(ev) else pd.NaT,
            "last_day": ev["date_start"].max() if len(ev) else pd.NaT,
            "isis_events": int(ev["isis"].fillna(False).astype(bool).sum()),
            "deaths_best": int(pd.to_numeric(ev["deaths_best"], errors="coerce").fillna(0).sum()),
            "events_best_deaths_0": int((pd.to_numeric(ev["deaths_best"], errors="coerce")
                                    .fillna(0) < 1).sum()),
            "exact_location_share": float((ev["loc_precision"] == 1).mean()) if len(ev) else 0.0,
            "exact_day_share": float((ev["date_precision"] == 1).mean()) if len(ev) else 0.0,
        })  # fmt: skip
        et = split_event_type(ev["event_type"])
        t = et.groupby(["event_type", "sub_event_type"]).size().rename("events").reset_index()
        types.append(t.assign(source=name))
        for side in ("side_a_group", "side_b_group"):
            g = ev[side].astype("string").fillna("none").value_counts()
            groups.append(pd.DataFrame({"source": name, "side": side[:6], "group": g.index,
                                        "uses": g.to_numpy()}))  # fmt: skip
        year = ev["date_start"].dt.year.rename("year")
        if governorates and len(ev):
            key = events.governorate_by_location(ev).rename("governorate")
            gy = ev.groupby([key, year]).size().rename("events").reset_index()
        else:
            gy = ev.groupby(year).size().rename("events").reset_index()
        gov.append(gy.assign(source=name))
        for scale, col, meaning in (("location", "loc_precision", events.LOC_SCALE),
                                    ("date", "date_precision", events.DATE_SCALE)):  # fmt: skip
            c = ev[col].value_counts(dropna=False).sort_index()
            prec.append(pd.DataFrame({
                "source": name, "scale": scale, "code": c.index.astype("Int64"),
                "meaning": [meaning.get(int(k), "not on the scale") if pd.notna(k) else "unknown"
                            for k in c.index],
                "events": c.to_numpy(), "share": c.to_numpy() / max(len(ev), 1),
            }))  # fmt: skip
        present = set(et["event_type"])
        needed = VIOLENT_TYPES if kind == "acled" else tuple(events.UCDP_VIOLENCE.values())
        for t_ in needed:
            absent.append({"source": name, "event_type": t_, "present": t_ in present,
                           "events": int((et["event_type"] == t_).sum())})  # fmt: skip

    def frame(parts, cols):
        out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)
        return out[cols]

    return Comparison(
        overview=pd.DataFrame(over),
        event_types=frame(types, ["source", "event_type", "sub_event_type", "events"]),
        actor_groups=frame(groups, ["source", "side", "group", "uses"]),
        governorate_year=frame(gov, ["source"] + [c for c in ("governorate", "year", "events")
                                                  if not gov or c in gov[0].columns]),
        precision=frame(prec, ["source", "scale", "code", "meaning", "events", "share"]),
        absent_types=pd.DataFrame(absent, columns=["source", "event_type", "present", "events"]),
    )


def actor_uses(path: str | os.PathLike, *, affiliates: str = "with_group") -> pd.DataFrame:
    """Every actor name of an ACLED file (actor1, actor2 and each name of the ';'-separated
    assoc_actor_1/2 lists) with its uses, group, the form and naming rule that matched, and
    whether it is an affiliate; most used first. ``unknown`` rows are names to add to
    ``data/actor_aliases.csv``. The share of unknown uses: :func:`unknown_share`."""
    raw = events.read_table(Path(path))
    layout = raw.attrs.get("layout") or events.detect_layout(list(raw.columns), path)
    if events.LAYOUTS[layout][0] != "acled":
        raise events.EventDataError(f"not an ACLED file (layout {layout})", file=path)
    amap = actors.actor_map("acled", affiliates=affiliates)
    rows = []
    for col in ("actor1", "actor2", "assoc_actor_1", "assoc_actor_2"):
        if col not in raw.columns:
            continue
        sep = ";" if col.startswith("assoc") else None
        for s, n in raw[col].str.strip().value_counts().items():
            for tok in actors.split_side(s, sep):
                m = amap.record(tok, n)
                rows.append({"name": tok, "column": col, "uses": int(n), "group": m.group,
                             "rule": m.rule, "form": m.form, "is_affiliate": m.affiliate})
    df = pd.DataFrame(rows, columns=["name", "column", "uses", "group", "rule", "form",
                                     "is_affiliate"])  # fmt: skip
    return df.sort_values(["uses", "name"], ascending=[False, True], ignore_index=True)


def unknown_share(uses: pd.DataFrame) -> float:
    """Share of the actor uses in an :func:`actor_uses` table whose group is ``unknown``."""
    total = uses["uses"].sum()
    return float(uses.loc[uses["group"] == "unknown", "uses"].sum() / total) if total else 0.0
