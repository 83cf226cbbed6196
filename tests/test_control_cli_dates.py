"""`geoclaims control --date`: one clear line for an empty, ambiguous or impossible date."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from geoclaims.cli import app


@pytest.mark.parametrize("date, message", [
    ("", "--date: an empty date; use YYYY-MM-DD"),
    ("01/02/2019", "--date: '01/02/2019' is ambiguous (day/month or month/day?); use YYYY-MM-DD"),
    ("04.02.2019", "--date: '04.02.2019' is ambiguous"),
    ("2019-02-30", "--date: '2019-02-30' is not a date; use YYYY-MM-DD"),
])
def test_bad_dates_end_in_one_line(date, message):
    r = CliRunner().invoke(app, ["control", "--date", date, "--at", "35.0192,40.4511"])
    assert r.exit_code == 1
    lines = [x for x in r.output.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("geoclaims: error: ")
    assert message in lines[0] and "--date-format" not in lines[0]
    assert "Traceback" not in r.output


def test_an_iso_date_answers():
    r = CliRunner().invoke(app, ["control", "--date", "2019-02-01", "--at", "35.0192,40.4511"])
    assert r.exit_code == 0, r.output
    assert "on 2019-02-01: syrian_government" in r.output
