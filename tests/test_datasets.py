"""The dataset registry: fetching from a mirror, sha256 checks, on-demand downloads, the CLI."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import socket
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from geoclaims import datasets
from geoclaims.cli import app

runner = CliRunner()
PINNED = [n for n, ds in datasets.load_registry().items() if not ds.on_demand]


def _make_mirror(tmp_path: Path) -> Path:
    """A private mirror: a copy of the real one (small: about 5 MB)."""
    src = datasets.mirror_dir()
    if src is None or not src.exists():
        pytest.skip("no offline mirror (GEOCLAIMS_DATA_MIRROR) on this machine")
    dst = tmp_path / "mirror"
    for ds in datasets.load_registry().values():
        if ds.mirror_path:
            (dst / ds.mirror_path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src / ds.mirror_path, dst / ds.mirror_path)
    return dst


def _flip_byte(path: Path, offset: int = 100) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def test_registry_entries_are_complete():
    registry = datasets.load_registry()
    assert {"article", "ucdp-ged-syria", "ucdp-ged-231-sample", "ocha-admin1", "ne-admin0",
            "ne-rivers-10m", "ucdp-ged-251"} <= set(registry)
    for ds in registry.values():
        assert ds.licence and ds.citation and ds.how_made
        if not ds.on_demand:
            assert len(ds.sha256) == 64 and (ds.mirror_path or ds.bundled)
    assert registry["ucdp-ged-251"].on_demand and registry["ucdp-ged-251"].sha256 is None


def test_registry_hashes_match_the_mirror_manifest():
    mirror = datasets.mirror_dir()
    if mirror is None or not (mirror / "SHA256SUMS").exists():
        pytest.skip("no offline mirror")
    sums = {}
    for line in (mirror / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        sums[name.removeprefix("./")] = digest
    for ds in datasets.load_registry().values():
        if ds.mirror_path:
            assert sums[ds.mirror_path] == ds.sha256, ds.name


def test_registry_rejects_an_entry_without_a_hash(tmp_path):
    bad = tmp_path / "registry.yaml"
    bad.write_text(yaml.safe_dump({"datasets": [
        {"name": "x", "file": "x.csv", "licence": "CC0", "citation": "me", "url": None}]}))
    with pytest.raises(datasets.DataError, match=r"registry.yaml: dataset entry 1 \(x\).*sha256"):
        datasets.load_registry(bad)


def test_fetch_copies_from_the_mirror_and_verifies(tmp_path, isolated_cache, monkeypatch):
    mirror = _make_mirror(tmp_path)
    monkeypatch.setenv("GEOCLAIMS_DATA_MIRROR", str(mirror))
    path = datasets.fetch("ucdp-ged-231-sample")
    assert path.parent == isolated_cache / "downloads"
    assert datasets.sha256sum(path) == datasets.get("ucdp-ged-231-sample").sha256
    # a second fetch reuses the cache even when the mirror is gone
    shutil.rmtree(mirror)
    assert datasets.fetch("ucdp-ged-231-sample") == path


def test_fetch_fails_on_an_altered_mirror_file_naming_file_and_both_hashes(
    tmp_path, isolated_cache, monkeypatch
):
    mirror = _make_mirror(tmp_path)
    target = mirror / datasets.get("ne-rivers-50m").mirror_path
    _flip_byte(target)
    actual = datasets.sha256sum(target)
    monkeypatch.setenv("GEOCLAIMS_DATA_MIRROR", str(mirror))
    with pytest.raises(datasets.DataError) as err:
        datasets.fetch("ne-rivers-50m")
    message = str(err.value)
    assert "ne_50m_rivers_euphrates_tigris.geojson" in message
    assert datasets.get("ne-rivers-50m").sha256 in message and actual in message
    assert str(target) in message
    assert not (isolated_cache / "downloads" / "ne_50m_rivers_euphrates_tigris.geojson").exists()


def test_fetch_fails_on_a_truncated_cached_file_with_no_mirror(tmp_path, isolated_cache,
                                                                 monkeypatch):
    mirror = _make_mirror(tmp_path)
    monkeypatch.setenv("GEOCLAIMS_DATA_MIRROR", str(mirror))
    path = datasets.fetch("article")
    path.write_bytes(path.read_bytes()[:500])  # truncated in the cache
    monkeypatch.delenv("GEOCLAIMS_DATA_MIRROR")
    with pytest.raises(datasets.DataError, match="not found; looked in: no mirror set"):
        datasets.fetch("article")


def test_verify_cli_fails_on_a_flipped_byte(tmp_path, isolated_cache, monkeypatch):
    mirror = _make_mirror(tmp_path)
    monkeypatch.setenv("GEOCLAIMS_DATA_MIRROR", str(mirror))
    for name in PINNED:
        datasets.fetch(name)
    ok = runner.invoke(app, ["data", "verify"])
    assert ok.exit_code == 0, ok.output
    assert f"all {2 * len(PINNED)} checks passed" in ok.output
    target = mirror / datasets.get("ucdp-ged-syria").mirror_path
    _flip_byte(target, offset=2000)
    bad = runner.invoke(app, ["data", "verify"])
    assert bad.exit_code != 0
    out = bad.output
    assert "FAIL ucdp-ged-syria [mirror]" in out and str(target) in out
    assert datasets.get("ucdp-ged-syria").sha256 in out and datasets.sha256sum(target) in out
    assert "1 of" in out


def test_verify_reports_a_missing_file(tmp_path, isolated_cache, monkeypatch):
    monkeypatch.setenv("GEOCLAIMS_DATA_MIRROR", str(tmp_path / "empty-mirror"))
    result = runner.invoke(app, ["data", "verify", "article"])
    assert result.exit_code != 0
    assert "missing; looked in" in result.output


def _zip_bytes(text: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("GEDEvent_v25_1.csv", text)
    return buf.getvalue()


def test_on_demand_download_records_then_verifies_its_hash(httpserver, isolated_cache, tmp_path,
                                                          monkeypatch):
    payload = _zip_bytes("id,year\n1,2020\n")
    httpserver.expect_request("/ged251-csv.zip").respond_with_data(
        payload, content_type="application/zip")
    registry = datasets.load_registry()
    patched = {**registry, "ucdp-ged-251": datasets.Dataset(
        **{**registry["ucdp-ged-251"].__dict__, "url": httpserver.url_for("/ged251-csv.zip")})}
    monkeypatch.setattr(datasets, "load_registry", lambda path=None: patched)
    monkeypatch.setenv("GEOCLAIMS_DATA_MIRROR", str(tmp_path / "no-mirror"))

    path = datasets.fetch("ucdp-ged-251")
    digest = hashlib.sha256(payload).hexdigest()
    assert datasets.sha256sum(path) == digest
    lock = json.loads((tmp_path / "lock.json").read_text())
    assert lock == {"ucdp-ged-251": digest}

    # the server now serves something else: with the cache gone, the recorded hash catches it
    path.unlink()
    httpserver.clear()
    httpserver.expect_request("/ged251-csv.zip").respond_with_data(
        _zip_bytes("id,year\n2,2021\n"), content_type="application/zip")
    with pytest.raises(datasets.DataError, match=f"expected {digest}"):
        datasets.fetch("ucdp-ged-251")


def test_the_network_is_off_in_tests():
    from pytest_socket import SocketBlockedError, SocketConnectBlockedError

    with pytest.raises((SocketBlockedError, SocketConnectBlockedError)):
        socket.create_connection(("192.0.2.1", 80), timeout=1)  # TEST-NET-1, any non-loopback


def test_data_list_names_every_licence_and_citation():
    result = runner.invoke(app, ["data", "list"])
    assert result.exit_code == 0
    for ds in datasets.load_registry().values():
        assert ds.name in result.output and ds.licence in result.output


def test_unknown_dataset_is_a_clear_error():
    result = runner.invoke(app, ["data", "fetch", "no-such-data"])
    assert result.exit_code != 0
    assert "unknown dataset 'no-such-data'" in result.output and "ucdp-ged-syria" in result.output


@pytest.mark.parametrize("ci, tty, expect_progress", [("true", True, False), ("", True, True),
                                                      ("", False, False)])
def test_notebook_progress_shows_on_a_terminal_only(monkeypatch, capsys, tmp_path, ci, tty,
                                                    expect_progress):
    from geoclaims import build

    monkeypatch.setenv("CI", ci)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: tty)
    monkeypatch.setattr(build, "execute", lambda nb: tmp_path / nb.name)
    assert build.run_notebooks([Path("notebooks/01_x.ipynb")]) == [tmp_path / "01_x.ipynb"]
    err = capsys.readouterr().err
    assert ("[1/1] executing notebooks/01_x.ipynb" in err) is expect_progress
