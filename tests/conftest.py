"""Shared fixtures. Network is off for every test (pytest-socket, see pyproject.toml); loopback
stays open for the local HTTP server and the browser tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_MIRROR = ROOT.parent / "shared" / "data"
FIXTURES = Path(__file__).parent / "fixtures"

if not os.environ.get("GEOCLAIMS_DATA_MIRROR") and (SHARED_MIRROR / "MANIFEST.md").exists():
    os.environ["GEOCLAIMS_DATA_MIRROR"] = str(SHARED_MIRROR)


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def isolated_cache(tmp_path, monkeypatch):
    """A private download cache and lock file, so a test never touches the real cache."""
    import geoclaims.paths as gp

    cache = tmp_path / "cache"
    monkeypatch.setattr(gp, "CACHE", cache)
    monkeypatch.setenv("GEOCLAIMS_LOCK", str(tmp_path / "lock.json"))
    return cache


# --- browser tests (marker `browser`): Debian's Chromium driven by pytest-playwright ----------
#: Installed by `make browser` (apt-get install chromium); never a browser downloaded by Playwright.
CHROMIUM = os.environ.get("GEOCLAIMS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright launches the system Chromium headless with these flags."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: run `make browser` (installs Debian's chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": CHROMIUM_ARGS,
    }
