"""The map command as a journalist uses it: zones' date, place window, article places on request,
distinct symbols, newsroom sizes, sidecars that say what was drawn, captions, embeds,
time-lapses and fact-check cards from the command line."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import ClassVar

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from fixtures.maps import loader
from PIL import Image
from typer.testing import CliRunner

from geoclaims import mapmaker, maps, sizes
from geoclaims import paths as gp
from geoclaims.cli import app
from geoclaims.style import EVENT_COLOUR, PALETTE

FIX = Path(__file__).parent / "fixtures" / "events"
UCDP191 = FIX / "ucdp191_small.csv"
PLACE_WINDOW = {"place": "Deir ez-Zor", "radius_km": 60.0}


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    """A private events cache; the working folder is the test's own."""
    monkeypatch.setattr(gp, "CACHE", tmp_path / "cache")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "cache"


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def one_error_line(res, *needles: str) -> str:
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output
    errors = [ln for ln in res.output.splitlines() if ln.startswith("geoclaims: error:")]
    assert len(errors) == 1, res.output
    for needle in needles:
        assert needle in errors[0], (needle, errors[0])
    return errors[0]


# --- newsroom sizes for static maps -----------------------------------------------------------


@pytest.mark.parametrize("name", list(sizes.PRESETS))
def test_static_map_text_is_legible_at_every_size(name, tmp_path):
    """Measured on the drawn figure: its pixel size is the preset's, and no text is smaller
    than the legibility rule allows (rendered height in pixels)."""
    size = sizes.preset(name)
    layers = loader.layers(place=None)
    layers.place = {"name": "Deir ez-Zor", "geometry": loader.places().geometry.iloc[0],
                    "radius_km": 50.0}
    fig = maps.static_map(layers, tmp_path / "m.png", title="Events and areas of control",
                          size=size)
    heights = sizes.text_heights_px(fig)
    assert len(heights) >= 10
    smallest = min(heights, key=lambda t: t[1])
    assert smallest[1] >= sizes.min_text_px(size), smallest
    # every text inside the image
    renderer = fig.canvas.get_renderer()
    _w, h = fig.canvas.get_width_height()
    for t in fig.findobj(lambda a: hasattr(a, "get_text") and hasattr(a, "get_window_extent")):
        if t.get_visible() and str(t.get_text()).strip() and t.axes is None:
            box = t.get_window_extent(renderer)
            assert box.y0 >= -1 and box.y1 <= h + 1, t.get_text()
    plt.close(fig)
    with Image.open(tmp_path / "m.png") as im:
        assert im.size == (size.width_px, size.height_px)


def test_size_is_refused_for_web_maps_and_data(tmp_path):
    res = run("map", "--events", UCDP191, "-o", tmp_path / "m.html", "--size", "wide")
    one_error_line(res, "--size applies to static maps")
    res = run("map", "--events", UCDP191, "-o", tmp_path / "m.png", "--size", "poster")
    one_error_line(res, "unknown size 'poster'")
    assert not list(tmp_path.glob("m.*"))


# --- item 6: date, place window, article places, symbols -------------------------------------


def test_zones_date_defaults_to_the_period_end_and_is_stated(tmp_path):
    out = tmp_path / "m.png"
    res = mapmaker.make_map(out, events=loader.events(), start="2019-01-01",
                            end="2019-06-30")
    assert res.layers.zones_date == pd.Timestamp("2019-06-30")
    assert pd.Timestamp("2019-06-30") in set(pd.to_datetime(res.layers.zones["date"]))
    side = (tmp_path / "m.png.sources.txt").read_text(encoding="utf-8")
    assert "Areas of control on: 30 June 2019 (approximate)" in side
    res = mapmaker.make_map(tmp_path / "d.png", events=loader.events(), start="2019-01-01",
                            end="2019-06-30", date="2019-02-15")
    assert res.layers.zones_date == pd.Timestamp("2019-02-15")
    fig = maps.static_map(res.layers, None, title="t")
    assert fig._suptitle.get_text().endswith("areas of control on 15 Feb 2019")
    plt.close(fig)
    html = tmp_path / "d.html"
    mapmaker.write_map(res.layers, html, title="t")
    page = html.read_text(encoding="utf-8")
    assert "areas of control on 15 Feb 2019" in page


def test_date_outside_the_ledger_is_one_error_line(tmp_path):
    res = run("map", "--events", UCDP191, "-o", tmp_path / "m.png", "--date", "2021-01-01")
    one_error_line(res, "--date 2021-01-01 is outside the control ledger's span")


def test_place_window_is_drawn_in_every_format(tmp_path):
    res = mapmaker.make_map([tmp_path / "p.png", tmp_path / "p.html"], events=loader.events(),
                            **PLACE_WINDOW)
    assert res.layers.place["radius_km"] == 60.0
    name = res.layers.place["name"]
    fig = maps.static_map(res.layers, None, title="t")
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any(f"60 km around {name}" in t.replace("\n", " ") for t in legend)
    assert any(t.get_text() == name for t in fig.axes[0].texts)  # the label on the map
    plt.close(fig)
    page = (tmp_path / "p.html").read_text(encoding="utf-8")
    assert "geoclaims-radius" in page and '"radius": 60000.0' in page
    assert "geoclaims-place-label" in page and "geoclaims-star-icon" in page
    side = (tmp_path / "p.html.sources.txt").read_text(encoding="utf-8")
    assert f"Place window: 60 km around {name}" in side
    assert f"within 60 km of {name}:" in side


def test_article_places_only_when_asked(tmp_path, monkeypatch):
    calls = []

    def fake_places():
        calls.append(1)
        pl = loader.places()
        pl.attrs["mentions_without_coordinates"] = 91
        return pl

    monkeypatch.setattr(maps, "article_places", fake_places)
    res = mapmaker.make_map(tmp_path / "a.png", events=loader.events())
    assert calls == [] and res.layers.places is None
    assert not any("place mention" in n for n in res.layers.notes)
    res = mapmaker.make_map(tmp_path / "b.png", events=loader.events(), article=True)
    assert calls == [1] and len(res.layers.places) == len(loader.places())
    assert any("91 place mention" in n for n in res.layers.notes)


def test_article_places_is_events_and_other_events_have_distinct_symbols(tmp_path):
    ev = loader.events()
    ev.loc[ev.index[0], "side_a_group"] = "isis"
    layers = loader.layers(events=ev)
    fig = maps.static_map(layers, None, title="t")
    handles = fig.axes[0].get_legend().legend_handles
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    sym = {t: (getattr(h, "get_marker", lambda: None)(),
               str(getattr(h, "get_markerfacecolor", lambda: None)()).lower())
           for t, h in zip(texts, handles, strict=True)}
    is_ev = sym["Events: Islamic State"]
    place = sym["Places named in the article"]
    others = [v for k, v in sym.items() if k.startswith("Events:") and "Islamic" not in k]
    assert is_ev[1] == EVENT_COLOUR.lower()
    assert EVENT_COLOUR.lower() not in {c.lower() for c in PALETTE.values()}
    assert place[0] != is_ev[0] and all(o != is_ev for o in others) and others
    plt.close(fig)
    html = tmp_path / "m.html"
    mapmaker.write_map(layers, html, title="t")
    page = html.read_text(encoding="utf-8")
    assert "geoclaims-place-icon" in page and EVENT_COLOUR in page


# --- item 5: sidecars and captions -----------------------------------------------------------


def test_sidecar_says_what_was_drawn_and_caption_uses_it(tmp_path):
    out = tmp_path / "m.png"
    res = run("map", "--events", UCDP191, "-o", out, "--start", "2019-01-01",
              "--end", "2019-11-30", "--caption")
    assert res.exit_code == 0, res.output
    side = (tmp_path / "m.png.sources.txt").read_text(encoding="utf-8")
    ledger = hashlib.sha256((gp.DATA / "control_ledger.csv").read_bytes()).hexdigest()
    assert f"Control ledger version: sha256 {ledger}" in side
    assert "Period of the events:" in side and "Rows per layer: events" in side
    assert "Filters (rows removed):" in side and "date_start >= 2019-01-01:" in side
    assert "Areas of control on: 30 November 2019" in side
    assert "Licence: CC BY 4.0" in side
    caption = [ln for ln in side.splitlines() if ln.startswith("Suggested caption:")]
    credit = [ln for ln in side.splitlines() if ln.startswith("Credit line:")]
    assert caption and credit
    assert caption[0] in res.stdout and credit[0] in res.stdout
    assert "30 November 2019" in caption[0]


# --- embeds -----------------------------------------------------------------------------------


def test_embed_snippet_beside_the_web_map(tmp_path):
    out = tmp_path / "m.html"
    res = run("map", "--events", UCDP191, "-o", out, "--embed", "--aspect", "4:3")
    assert res.exit_code == 0, res.output
    snippet = (tmp_path / "m.embed.html").read_text(encoding="utf-8")
    assert 'src="m.html"' in snippet and "padding-top:75.0000%" in snippet
    assert "UCDP GED (CC BY 4.0)" in snippet
    again = run("map", "--events", UCDP191, "-o", tmp_path / "n.html", "--embed")
    assert again.exit_code == 0
    (tmp_path / "x.embed.html").write_text("mine", encoding="utf-8")
    refused = run("map", "--events", UCDP191, "-o", tmp_path / "x.html", "--embed")
    one_error_line(refused, "x.embed.html")
    assert (tmp_path / "x.embed.html").read_text(encoding="utf-8") == "mine"
    assert not (tmp_path / "x.html").exists()
    one_error_line(run("map", "--events", UCDP191, "-o", tmp_path / "y.png", "--embed"),
                   "--embed applies to web maps")
    one_error_line(run("map", "--events", UCDP191, "-o", tmp_path / "z.html", "--embed",
                       "--aspect", "7:3"), "--aspect must be one of")


# --- time-lapse from the command line ----------------------------------------------------------


def test_timelapse_command_writes_video_sidecar_and_caption(tmp_path):
    out = tmp_path / "t.gif"
    res = run("map", "--timelapse", "--events", UCDP191, "--start", "2019-01-01",
              "--end", "2019-06-30", "--step", "quarter", "--size", "social", "-o", out,
              "--caption")
    assert res.exit_code == 0, res.output
    with Image.open(out) as im:
        assert im.n_frames == 2 and im.size == (1080, 1080)
    side = (tmp_path / "t.gif.sources.txt").read_text(encoding="utf-8")
    assert "Frames: 2, one per quarter" in side and "Control ledger version: sha256" in side
    assert "Suggested caption: Islamic State events" in res.stdout
    assert "Credit line: Data: UCDP GED (CC BY 4.0)" in res.stdout
    refused = run("map", "--timelapse", "--events", UCDP191, "-o", out)
    one_error_line(refused, "t.gif", "--force")
    one_error_line(run("map", "--timelapse", "--events", UCDP191, "-o", tmp_path / "t.png"),
                   "a time-lapse is one of")
    one_error_line(run("map", "--timelapse", "--events", UCDP191, "-o", tmp_path / "u.gif",
                       "--controller", "sdf"), "--controller does not apply to --timelapse")


# --- fact-check cards from the command line ----------------------------------------------------


def test_card_command_uses_each_study_s_outputs(tmp_path, monkeypatch):
    from geoclaims import card, claims

    # each study's outputs folder with a verdict table, as `make all` leaves them (a fresh
    # clone has none: the command would refuse, which test_failsafe covers)
    monkeypatch.setattr(gp, "OUTPUTS", tmp_path / "outputs")
    for folder in (gp.OUTPUTS, gp.OUTPUTS / "studies" / "wh-2018-12-19-syria-statement"):
        folder.mkdir(parents=True)
        (folder / "claims-verdicts.csv").write_text("id\n", encoding="utf-8")
    seen = []

    def fake_content(cid, *, outputs=None, registry=None, article=None):
        seen.append((cid, Path(outputs), registry.study_id))
        return cid

    def fake_render(content, out):
        Path(out).write_text(str(content), encoding="utf-8")
        return Path(out)

    monkeypatch.setattr(card, "content_for", fake_content)
    monkeypatch.setattr(card, "render", fake_render)
    res = run("card", "C1", "--out", tmp_path / "c1.pdf")
    assert res.exit_code == 0, res.output
    assert seen == [("C1", gp.OUTPUTS, "neo-2019-us-syria-withdrawal")]
    second = "wh-2018-12-19-syria-statement"
    reg = claims.load_registry(study=second)
    seen.clear()
    res = run("card", "--all", "--study", second, "--out-dir", tmp_path / "cards",
              "--format", "png", "--format", "pdf")
    assert res.exit_code == 0, res.output
    ids = [c.id for c in reg.claims]
    assert sorted(p.name for p in (tmp_path / "cards").iterdir()) == sorted(
        f"card-{i}.{f}" for i in ids for f in ("png", "pdf"))
    assert {s[1] for s in seen} == {gp.OUTPUTS / "studies" / second}
    assert [s[0] for s in seen] == ids  # each claim's content gathered once
    one_error_line(run("card", "C1", "--out", tmp_path / "c1.pdf"), "c1.pdf", "--force")
    one_error_line(run("card", "--out", tmp_path / "x.png"), "give a claim id")
    one_error_line(run("card", "C1", "--out", tmp_path / "x.jpg"), "a card is one of")


def test_card_without_a_verdict_table_is_one_error_line(tmp_path, monkeypatch):
    monkeypatch.setattr(gp, "OUTPUTS", tmp_path / "no-outputs")
    one_error_line(run("card", "C1", "--out", tmp_path / "c.png"), "no verdict table",
                   "--write-outputs")


# --- the site links the journalists' outputs ----------------------------------------------------


def test_site_index_has_a_for_journalists_section_with_working_links(tmp_path):
    from geoclaims import build, embed

    figures = tmp_path / "maps"
    figures.mkdir()
    (figures / "geoclaims_isis_2016-2019_monthly.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    (figures / "geoclaims_isis_2016-2019_monthly.mp4.sources.txt").write_text(
        "Suggested caption: x\nCredit line: y\n", encoding="utf-8")
    (figures / "overview.html").write_text("<html><body>map</body></html>", encoding="utf-8")
    embed.write_snippet(figures / "overview.html", title="Overview", credit="Data: UCDP GED.")
    cards = tmp_path / "cards"
    cards.mkdir()
    for cid in ("T1", "T3"):
        for suffix in (".png", ".pdf"):
            (cards / f"card-{cid}{suffix}").write_bytes(b"card")
    loader.executed_notebook(tmp_path / "executed" / "01_fixture.ipynb", "<p>page</p>")
    index = build.build_site(tmp_path / "executed", tmp_path / "site", [figures],
                             outputs=tmp_path / "no-outputs", cards=cards)  # checks links
    page = index.read_text(encoding="utf-8")
    section = page.split("<h2>For journalists</h2>", 1)[1].split("<h2>", 1)[0]
    assert 'href="figures/geoclaims_isis_2016-2019_monthly.mp4"' in section
    assert "geoclaims_isis_2016-2019_monthly.mp4.sources.txt" in section
    assert 'href="figures/overview.embed.html"' in section
    for cid in ("T1", "T3"):
        for x in ("png", "pdf"):
            assert f'href="cards/card-{cid}.{x}"' in section
            assert (tmp_path / "site" / "cards" / f"card-{cid}.{x}").is_file()
    # the snippet is not listed as an interactive map of its own
    maps_part = page.split("<h2>Interactive maps</h2>", 1)[1].split("<h2>", 1)[0]
    assert "overview.html" in maps_part and "embed.html" not in maps_part


def test_data_exports_carry_the_same_description(tmp_path):
    res = run("map", "--events", UCDP191, "-o", tmp_path / "e.csv", "--caption")
    assert res.exit_code == 0, res.output
    side = (tmp_path / "e.csv.sources.txt").read_text(encoding="utf-8")
    assert "What is drawn:" in side and "Control ledger version: sha256" in side
    assert "Suggested caption:" in res.stdout and "Credit line:" in res.stdout


def test_card_quotes_each_study_s_own_text(monkeypatch, tmp_path):
    """A card of the second study reads that study's text, not the first article."""
    from geoclaims import card, claims, site
    from geoclaims.claims import registry as reg_mod

    second = claims.load_registry(study="wh-2018-12-19-syria-statement")
    seen = []
    monkeypatch.setattr(claims, "claim_quotes", lambda claim, article: seen.append(
        Path(article)) or pd.DataFrame({"lang": ["en"], "text": ["words"]}))

    class Findings:
        verdicts = pd.DataFrame({"id": [second.claims[0].id], "title": ["t"],
                                 "verdict": ["mixed"], "evidence_file": [""]})
        by_id: ClassVar[dict] = {}
        labels: ClassVar[dict] = {}
        data_period = "2016-01-01 to 2019-11-30"
        source = "claims-verdicts.csv"

    monkeypatch.setattr(site, "load_findings", lambda outputs=None: Findings())
    monkeypatch.setattr(site, "claim_sentence", lambda row, entry, labels: "Estimate: x.")
    content = card.content_for(second.claims[0].id, registry=second, outputs=tmp_path)
    assert seen == [reg_mod.article_path(second)]
    assert seen[0] != reg_mod.article_path(claims.load_registry())
    assert content.quote == "words"
