"""Optional ACLED API client: download events for a country and date range with a user's own
account, write them as a CSV export, and load that through :func:`geoclaims.events.load`.

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
import logging
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import requests

from geoclaims import events, paths

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
