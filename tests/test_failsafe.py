"""Issue 16: every command under bad input, faults and large outputs.

Each bad-input case asserts the exit status, the one-line message (file, row and field where
there is one), that no traceback is printed, and that no partial or temporary file is left.
A full disk is simulated by making a write raise OSError(ENOSPC) half-way; an unwritable folder
by making ``os.access`` say no (the tests may run as root, for whom chmod does not block writes).
"""

from __future__ import annotations

import csv
import errno
import gzip
import hashlib
import os
from pathlib import Path

import pandas as pd
import pytest
from fixtures.maps import loader
from typer.testing import CliRunner

from geoclaims import events, exports, mapmaker, maps, outputs
from geoclaims import paths as gp
from geoclaims.cli import app

FIX = Path(__file__).parent / "fixtures" / "events"
UCDP191 = FIX / "ucdp191_small.csv"
ACLED = FIX / "acled_syria_small.csv"


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    """A private events cache; the working folder is the test's own."""
    monkeypatch.setattr(gp, "CACHE", tmp_path / "cache")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "cache"


def run(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


def rows_of(src: Path) -> tuple[list[str], list[dict]]:
    with open(src, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames), list(reader)


def rewrite(src: Path, dst: Path, edit=None, *, delimiter: str = ",") -> Path:
    header, rows = rows_of(src)
    if edit is not None:
        edit(rows)
    with open(dst, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header, delimiter=delimiter)
        w.writeheader()
        w.writerows(rows)
    return dst


def acled_ddmmyyyy(path: Path) -> Path:
    def edit(rows):
        for r in rows:
            r["event_date"] = pd.Timestamp(r["event_date"]).strftime("%d/%m/%Y")

    return rewrite(ACLED, path, edit)


def leftovers(folder: Path) -> list[str]:
    """Temporary or backup files left in ``folder``."""
    return sorted(p.name for p in folder.iterdir() if ".tmp" in p.name or ".bak" in p.name)


def one_error_line(res, *needles: str, code: int = 1) -> str:
    assert res.exit_code == code, res.output
    assert "Traceback" not in res.output
    errors = [line for line in res.output.splitlines() if line.startswith("geoclaims: error:")]
    assert len(errors) == 1, res.output
    for needle in needles:
        assert needle in errors[0], (needle, errors[0])
    return errors[0]


# --- bad inputs to `events` -----------------------------------------------------------------


def _png(p: Path) -> Path:
    p.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    return p


def _pdf(p: Path) -> Path:
    p.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj")
    return p


def _utf16(p: Path) -> Path:
    p.write_bytes(UCDP191.read_text(encoding="utf-8").encode("utf-16"))
    return p


def _bad_gzip(p: Path) -> Path:
    p.write_bytes(gzip.compress(UCDP191.read_bytes())[:200])
    return p


def _header_only(p: Path) -> Path:
    p.write_text(UCDP191.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    return p


def _latin1(p: Path) -> Path:
    p.write_bytes(UCDP191.read_bytes().replace(b"Palmyra", "Palmyr\u00e9".encode("latin-1")))
    return p


def _folder(p: Path) -> Path:
    p.mkdir()
    return p


def _bad_delimiter(p: Path) -> Path:
    # a semicolon header over comma rows: neither reading can work
    header, body = UCDP191.read_text(encoding="utf-8").split("\n", 1)
    p.write_text(header.replace(",", ";") + "\n" + body, encoding="utf-8")
    return p


EVENTS_INPUT_CASES = {
    "missing file": (lambda p: p, ["file not found"]),
    "a folder": (_folder, ["is a folder, not a file"]),
    "a PNG": (_png, ["this is a PNG image, not a CSV"]),
    "a PDF": (_pdf, ["this is a PDF document"]),
    "UTF-16 text": (_utf16, ["binary file", "save"]),
    "a truncated gzip": (_bad_gzip, ["truncated or corrupt"]),
    "header only": (_header_only, ["header but no data rows"]),
    "Latin-1 text": (_latin1, ["row 1 (line 2)", "field 'source_headline'", "not UTF-8"]),
    "mixed delimiters": (_bad_delimiter, ["row 1 (line 2)", "delimited by ';'", "mixes delimiters"]),
}


@pytest.mark.parametrize("case", list(EVENTS_INPUT_CASES))
def test_events_bad_input_file(case, tmp_path):
    make, needles = EVENTS_INPUT_CASES[case]
    src = make(tmp_path / "input.csv")
    out = tmp_path / "out.csv"
    res = run("events", "--events", src, "--format", "csv", "-o", out)
    one_error_line(res, str(src.name), *needles)
    assert not out.exists() and leftovers(tmp_path) == []


def test_events_file_over_the_size_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(events, "MAX_BYTES", 1000)
    out = tmp_path / "out.csv"
    res = run("events", "--events", UCDP191, "--format", "csv", "-o", out)
    one_error_line(res, "ucdp191_small.csv", "over the limit", "GEOCLAIMS_MAX_EVENTS_BYTES")
    assert not out.exists()


@pytest.mark.parametrize(
    "args, needles",
    [
        (["--start", "01/02/2019"], ["--start", "ambiguous", "--date-format"]),
        (["--start", "04.02.2019"], ["--start", "ambiguous"]),
        (["--end", ""], ["--end", "empty date"]),
        (["--start", "2019-13-45"], ["--start", "not a date"]),
        (["--start", "2019-01-01", "--end", "2017-01-01"], ["after --end"]),
        (["--start", "2/1/2019", "--date-format", "%Y-%m-%d"], ["does not match --date-format"]),
    ],
)
def test_events_bad_dates_on_the_command_line(args, needles, tmp_path):
    out = tmp_path / "out.csv"
    res = run("events", "--events", UCDP191, "--format", "csv", "-o", out, *args)
    one_error_line(res, *needles)
    assert not out.exists()


def test_unambiguous_and_declared_dates_are_read():
    assert events.parse_date("2 January 2019") == pd.Timestamp("2019-01-02")
    assert events.parse_date("01/02/2019", date_format="%d/%m/%Y") == pd.Timestamp("2019-02-01")
    assert events.parse_date("01/02/2019", date_format="%m/%d/%Y") == pd.Timestamp("2019-01-02")


def test_all_rows_rejected_exits_nonzero_and_writes_the_rejects(tmp_path):
    src = acled_ddmmyyyy(tmp_path / "acled.csv")
    out, rej = tmp_path / "out.csv", tmp_path / "rejects.csv"
    res = run("events", "--events", src, "--format", "csv", "-o", out, "--rejects", rej)
    one_error_line(res, "no rows kept", "5 of 5", "unparseable or impossible event_date")
    assert "rows read 5, kept 0, rejected 5" in res.output  # the load report is printed
    assert not out.exists()
    rejects = pd.read_csv(rej, dtype=str)
    assert list(rejects["row"]) == ["1", "2", "3", "4", "5"]
    assert set(rejects["column"]) == {"event_date"}
    # the same file with its date format said: every row kept
    res = run("events", "--events", src, "--format", "csv", "-o", out,
              "--date-format", "%d/%m/%Y")
    assert res.exit_code == 0, res.output
    assert len(pd.read_csv(out)) == 5


def test_filters_that_leave_nothing_exit_nonzero(tmp_path):
    out = tmp_path / "out.csv"
    res = run("events", "--events", UCDP191, "--format", "csv", "-o", out,
              "--start", "2019-10-01", "--end", "2019-10-02")
    one_error_line(res, "no events left after the filters", "date_start >= 2019-10-01")
    assert not out.exists()


def test_semicolon_tab_and_gzip_files_are_read(tmp_path):
    semi = rewrite(ACLED, tmp_path / "semi.csv", delimiter=";")
    tab = rewrite(ACLED, tmp_path / "tab.tsv", delimiter="\t")
    gz = tmp_path / "acled.csv.gz"
    gz.write_bytes(gzip.compress(ACLED.read_bytes()))
    for src, note in ((semi, "delimited by ';'"), (tab, "delimited by '\\t'"), (gz, None)):
        res = run("events", "--events", src, "--format", "csv")
        assert res.exit_code == 0, res.output
        assert "rows read 5, kept 5" in res.output
        if note:
            assert note in res.output


def test_negative_and_fractional_deaths_are_flagged(tmp_path):
    def edit(rows):
        rows[0]["low"] = "-3"
        rows[1]["best"] = "2.5"

    src = rewrite(UCDP191, tmp_path / "deaths.csv", edit)
    result = events.load(path=src, quiet=True, use_cache=False)
    assert result.report.flagged["deaths_low_negative"] == 1
    assert result.report.flagged["deaths_best_fractional"] == 1
    ev = result.events.set_index("event_id")
    assert "deaths_low_negative" in ev.loc["900001", "qc_flags"]
    assert "deaths_best_fractional" in ev.loc["900002", "qc_flags"]
    assert "1 rows have a negative deaths_low" in str(result.report)


def test_duplicate_ids_with_different_content_are_conflicts(tmp_path):
    def edit(rows):
        rows.append(dict(rows[0]))  # an exact repeat
        changed = dict(rows[1])
        changed["best"] = "99"
        rows.append(changed)  # same id, other values

    src = rewrite(UCDP191, tmp_path / "dups.csv", edit)
    result = events.load(path=src, quiet=True, use_cache=False)
    reasons = result.rejects.set_index("event_id")["reason"]
    assert reasons["900001"].startswith("duplicate event_id (an earlier row has the same id "
                                        "and the same values)")
    assert "different content (conflict" in reasons["900002"]
    assert result.report.conflicting_ids == ["900002"]
    assert "CONFLICTS: same event id, different content: 900002" in str(result.report)


# --- outputs: folders, permissions, existing files, full disk -------------------------------


def test_output_folder_missing(tmp_path):
    out = tmp_path / "no" / "such" / "out.csv"
    res = run("events", "--events", UCDP191, "--format", "csv", "-o", out)
    one_error_line(res, str(out), "does not exist")


def test_output_is_a_folder(tmp_path):
    res = run("events", "--events", UCDP191, "--format", "csv", "-o", tmp_path)
    one_error_line(res, "is a folder; give a file name")


def test_output_folder_not_writable(tmp_path, monkeypatch):
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if Path(p) == tmp_path
                        else real(p, mode))
    out = tmp_path / "out.csv"
    res = run("events", "--events", UCDP191, "--format", "csv", "-o", out)
    one_error_line(res, str(out), "not writable")
    assert not out.exists()


def test_existing_output_refused_without_force(tmp_path):
    out = tmp_path / "out.csv"
    out.write_text("keep me", encoding="utf-8")
    res = run("events", "--events", UCDP191, "--format", "csv", "-o", out)
    one_error_line(res, str(out), "exists already; use --force")
    assert out.read_text(encoding="utf-8") == "keep me"
    res = run("events", "--events", UCDP191, "--format", "csv", "-o", out, "--force")
    assert res.exit_code == 0, res.output
    assert len(pd.read_csv(out)) == 8


def _disk_full_after(monkeypatch, n_bytes: int = 100):
    """Every text file written through open() fails with ENOSPC after ``n_bytes``."""
    import builtins

    real_open = builtins.open

    class Full:
        def __init__(self, fh):
            self.fh, self.n = fh, 0

        def write(self, data):
            if self.n + len(data) > n_bytes:
                self.fh.write(data[: max(0, n_bytes - self.n)])
                raise OSError(errno.ENOSPC, "No space left on device")
            self.n += len(data)
            return self.fh.write(data)

        def __getattr__(self, name):
            return getattr(self.fh, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

    def fake_open(file, mode="r", *args, **kwargs):
        fh = real_open(file, mode, *args, **kwargs)
        return Full(fh) if "w" in mode else fh

    monkeypatch.setattr(builtins, "open", fake_open)


def test_disk_full_during_events_export(tmp_path, monkeypatch):
    out = tmp_path / "out.geojson"
    _disk_full_after(monkeypatch)
    res = run("events", "--events", UCDP191, "--format", "geojson", "-o", out)
    one_error_line(res, str(out), "no space left", "nothing was written")
    assert not out.exists() and leftovers(tmp_path) == []


def test_disk_full_keeps_the_old_file(tmp_path, monkeypatch):
    out = tmp_path / "out.csv"
    out.write_text("old", encoding="utf-8")
    _disk_full_after(monkeypatch)
    res = run("events", "--events", UCDP191, "--format", "csv", "-o", out, "--force")
    one_error_line(res, "no space left")
    assert out.read_text(encoding="utf-8") == "old" and leftovers(tmp_path) == []


def test_rejects_file_checked_before_loading(tmp_path, monkeypatch):
    def boom(*a, **k):
        raise AssertionError("loaded before checking --rejects")

    monkeypatch.setattr(events, "load", boom)
    res = run("events", "--events", UCDP191, "--format", "csv", "--rejects",
              tmp_path / "nope" / "r.csv")
    one_error_line(res, "r.csv", "does not exist")


def test_debug_shows_the_traceback(tmp_path):
    res = run("--debug", "events", "--events", tmp_path / "missing.csv", "--format", "csv")
    assert res.exit_code == 1 and "Traceback" in res.output and "file not found" in res.output


def test_claims_checks_its_output_before_computing(tmp_path, monkeypatch):
    from geoclaims import claims

    def boom(*a, **k):
        raise AssertionError("computed before checking -o")

    monkeypatch.setattr(claims, "run", boom)
    res = run("claims", "-o", tmp_path / "missing" / "claims.json")
    one_error_line(res, "claims.json", "does not exist")


# --- `map` ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, args, needles",
    [
        (_header_only, [], ["header but no data rows", "no map written"]),
        (acled_ddmmyyyy, [], ["no rows kept", "unparseable or impossible event_date"]),
        (None, ["--start", "2019-05-01", "--end", "2017-01-01"], ["after --end"]),
        (None, ["--start", "2030-01-01"], ["no events left after the filters"]),
        (None, ["--start", "01/02/2019"], ["ambiguous"]),
    ],
    ids=["header-only", "all-rejected", "reversed-dates", "filtered-to-nothing", "ambiguous"],
)
def test_map_never_writes_a_map_without_events(make, args, needles, tmp_path):
    src = make(tmp_path / "input.csv") if make else UCDP191
    out = tmp_path / "map.html"
    res = run("map", "--events", src, "-o", out, *args)
    one_error_line(res, *needles)
    if make is not None:
        assert "rows read" in res.output  # the load report comes before the error
    assert not out.exists() and not exports.sidecar_path(out).exists()
    assert leftovers(tmp_path) == []


def test_map_prints_the_load_report_and_writes_rejects(tmp_path):
    def edit(rows):
        rows[0]["latitude"] = ""

    src = rewrite(UCDP191, tmp_path / "one_bad.csv", edit)
    out, rej = tmp_path / "map.csv", tmp_path / "rejects.csv"
    res = run("map", "--events", src, "-o", out, "--rejects", rej)
    assert res.exit_code == 0, res.output
    assert "rows read 8, kept 7, rejected 1" in res.output
    assert "rejected: missing coordinate: 1" in res.output
    assert pd.read_csv(rej)["reason"].tolist() == ["missing coordinate"]
    assert "UCDP GED" in exports.sidecar_path(out).read_text(encoding="utf-8")


def test_map_refuses_an_existing_output(tmp_path):
    out = tmp_path / "map.svg"
    out.write_text("<svg/>", encoding="utf-8")
    res = run("map", "--events", UCDP191, "-o", out)
    one_error_line(res, "exists already; use --force")
    assert out.read_text(encoding="utf-8") == "<svg/>"


def test_map_too_many_events_for_a_web_map(tmp_path, monkeypatch):
    monkeypatch.setattr(mapmaker, "MAX_WEB_EVENTS", 3)
    out = tmp_path / "map.html"
    res = run("map", "--events", UCDP191, "-o", out)
    one_error_line(res, "too many for a web map", "--start/--end", ".gpkg")
    assert not out.exists() and leftovers(tmp_path) == []


def test_web_map_over_the_size_limit_is_not_written(tmp_path, monkeypatch):
    monkeypatch.setattr(mapmaker, "MAX_WEB_BYTES", 1000)
    out = tmp_path / "m.html"
    with pytest.raises(maps.MapError, match="limit"):
        mapmaker.write_map(loader.layers(), out, title="t")
    assert not out.exists() and leftovers(tmp_path) == []


def test_disk_full_while_saving_a_web_map_leaves_nothing(tmp_path, monkeypatch):
    import offlinefolium

    def half_save(self, outfile, **kw):
        Path(outfile).write_text("<html><head>", encoding="utf-8")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(offlinefolium.Map, "save", half_save)
    out = tmp_path / "m.html"
    with pytest.raises(OSError, match="no space left"):
        mapmaker.write_map(loader.layers(), out, title="t")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_geojson_export_is_whole_or_nothing(tmp_path, monkeypatch):
    import pyogrio

    real = pyogrio.write_dataframe
    calls = []

    def third_fails(df, path, *a, **k):
        calls.append(path)
        if len(calls) == 3:
            Path(path).write_text('{"type": "Feat', encoding="utf-8")
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(df, path, *a, **k)

    monkeypatch.setattr(pyogrio, "write_dataframe", third_fails)
    out = tmp_path / "m.geojson"
    with pytest.raises(OSError, match="no space left"):
        exports.export(loader.layers(), out)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_gpkg_existing_non_geopackage_is_not_clobbered(tmp_path):
    out = tmp_path / "m.gpkg"
    out.write_text("not a geopackage", encoding="utf-8")
    with pytest.raises(OSError, match="not a readable GeoPackage"):
        exports.export(loader.layers(), out)
    assert out.read_text(encoding="utf-8") == "not a geopackage"


def test_transaction_puts_old_files_back_when_a_rename_fails(tmp_path, monkeypatch):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("old a")
    b.write_text("old b")
    real = os.replace

    def fail_on_b(src, dst):
        if Path(dst) == b and ".tmp" in Path(src).name:
            raise OSError(errno.EIO, "I/O error")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", fail_on_b)
    with pytest.raises(outputs.OutputError), outputs.Transaction() as tx:
        tx.write_text(a, "new a")
        tx.write_text(b, "new b")
    assert a.read_text() == "old a" and b.read_text() == "old b"
    assert leftovers(tmp_path) == []


# --- cache integrity ------------------------------------------------------------------------


def test_cache_tampered_parquet_is_rebuilt_with_a_message(tmp_path, cache):
    first = events.load(path=UCDP191, quiet=True)
    entry = cache / "events" / first.report.sha256
    events.gpd.read_parquet(entry / "events.parquet").head(2).to_parquet(
        entry / "events.parquet")
    second = events.load(path=UCDP191, quiet=True)
    assert not second.report.from_cache and len(second.events) == 8
    assert any("cache" in n and "checksum" in n and "rebuilt" in n for n in second.report.notes)
    third = events.load(path=UCDP191, quiet=True)
    assert third.report.from_cache and len(third.events) == 8


def test_cache_is_keyed_by_content_not_by_name(tmp_path, cache):
    copy = tmp_path / "copy.csv"
    copy.write_bytes(UCDP191.read_bytes())
    a = events.load(path=UCDP191, quiet=True)
    b = events.load("my-name", copy, quiet=True)
    assert b.report.from_cache and b.report.dataset == "my-name"
    assert set(b.events["dataset"]) == {"my-name"}
    c = events.load(path=UCDP191, quiet=True)
    assert c.report.from_cache and set(c.events["dataset"]) == {a.report.layout}
    assert len(list((cache / "events").iterdir())) == 1


def test_stale_temporary_cache_folders_are_removed(tmp_path, cache):
    dead = 2**22 + 12345  # above the default pid_max: no such process
    stale = cache / "events" / f"{'0' * 64}.tmp{dead}"
    stale.mkdir(parents=True)
    (stale / "events.parquet").write_bytes(b"partial")
    events.load(path=UCDP191, quiet=True)
    assert not stale.exists()


# --- identical inputs, identical bytes ------------------------------------------------------


@pytest.mark.parametrize("suffix", ["html", "svg", "png", "gpkg", "geojson", "csv"])
def test_rendering_twice_gives_identical_bytes(suffix, tmp_path):
    digests = []
    for run_no in range(2):
        folder = tmp_path / f"run{run_no}"
        folder.mkdir()
        files = mapmaker.write_map(loader.layers(), folder / f"map.{suffix}", title="Same")
        digests.append({p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files})
    assert digests[0] == digests[1]
    assert f"map.{suffix}" in digests[0] and f"map.{suffix}.sources.txt" in digests[0]


def test_events_export_twice_gives_identical_bytes(tmp_path):
    for fmt in ("csv", "geojson", "parquet"):
        a, b = tmp_path / f"a.{fmt}", tmp_path / f"b.{fmt}"
        for out in (a, b):
            assert run("events", "--events", UCDP191, "--format", fmt, "-o", out).exit_code == 0
        assert a.read_bytes() == b.read_bytes(), fmt


def test_sidecar_credit_names_the_source(tmp_path):
    out = tmp_path / "m.csv"
    res = run("map", "--events", ACLED, "-o", out)
    assert res.exit_code == 0, res.output
    text = exports.sidecar_path(out).read_text(encoding="utf-8")
    assert "ACLED" in text.split("Credit line:", 1)[1].splitlines()[0]


def test_line_breaks_inside_quoted_values_are_read(tmp_path):
    def edit(rows):
        rows[2]["source_headline"] = "Line one\nline two, with a comma"

    src = rewrite(UCDP191, tmp_path / "newline.csv", edit)
    result = events.load(path=src, quiet=True, use_cache=False)
    assert len(result.events) == 8
    assert result.events.loc[2, "headline"] == "Line one\nline two, with a comma"
