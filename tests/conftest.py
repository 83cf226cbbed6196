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
