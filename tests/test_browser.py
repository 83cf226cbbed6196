"""Browser checks: pages opened from disk in Debian's headless Chromium with the network off.

Each test builds its own map or site from the fixtures (it does not need `make all`). The
browser runs offline (``context.set_offline``), every non-file request is aborted, and every
request is recorded: a page passes only if it asked for nothing but ``file:``/``data:`` URLs.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from fixtures.maps import loader

from geoclaims import mapmaker, maps

pytestmark = pytest.mark.browser

LOCAL = ("file:", "data:", "about:", "blob:")
SHAPES = "els => els.map(x => x.getAttribute('d'))"


class Watch:
    """Console errors, uncaught exceptions and network requests of one page."""

    def __init__(self, page):
        self.errors: list[str] = []
        self.requests: list[str] = []
        page.on("console", lambda m: self.errors.append(f"console: {m.text}")
                if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on("request", lambda r: self.requests.append(r.url))

    @property
    def remote(self) -> list[str]:
        return [u for u in self.requests if not u.startswith(LOCAL)]


@pytest.fixture
def offline_page(context):
    """A page with the network off: offline context, every non-file request aborted."""
    context.set_offline(True)
    context.route("**/*", lambda route: route.continue_()
                  if route.request.url.startswith(LOCAL) else route.abort())
    page = context.new_page()
    return page, Watch(page)


def _open(page, path):
    page.goto(path.as_uri())
    page.wait_for_selector(".leaflet-interactive", timeout=15_000)


def _zone_classes(page) -> set[str]:
    classes = page.eval_on_selector_all(
        "path.geoclaims-zone", "els => els.map(e => e.getAttribute('class'))")
    return {c for cls in classes for c in cls.split() if c.startswith("geoclaims-zone-")}


def _not_pwned(page):
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.title() != "pwned"


OPEN_EVENT_POPUPS = """() => {
    const key = Object.keys(window).find(k => k.startsWith('map_'));
    const map = window[key];
    let n = 0;
    Object.keys(window).filter(k => k.startsWith('fast_marker_cluster_')).forEach(k => {
        window[k].getLayers().forEach(m => {
            // what Leaflet does when the marker's popup opens: the same content, as innerHTML
            L.popup({autoClose: false, closeOnClick: false})
                .setLatLng(m.getLatLng()).setContent(m.getPopup().getContent()).addTo(map);
            n += 1;
        });
    });
    return n;
}"""

CLICK_GEOJSON_FEATURES = """() => {
    // GeoJsonPopup binds one popup to the whole layer; a click on a feature fills it
    const texts = [];
    Object.keys(window).filter(k => k.startsWith('geo_json_')).forEach(k => {
        const group = window[k];
        if (!group || !group.eachLayer || !group.getPopup || !group.getPopup()) { return; }
        group.eachLayer(l => {
            const ll = l.getLatLng ? l.getLatLng() : l.getBounds().getCenter();
            l.fire('click', {latlng: ll}, true);
            const el = group.getPopup().getElement();
            if (el) { texts.push(el.querySelector('.leaflet-popup-content').textContent); }
            if (l.getTooltip && l.getTooltip()) { l.openTooltip(); }
        });
    });
    return texts;
}"""


def test_exported_map_draws_offline_slider_moves_and_payloads_stay_text(offline_page, tmp_path):
    page, watch = offline_page
    path = maps.save_html(maps.interactive_map(loader.layers(), title="Fixture map"),
                          tmp_path / "map.html")
    _open(page, path)

    # every layer draws
    assert page.locator(".leaflet-interactive").count() > 0
    assert page.locator("path.geoclaims-zone").count() > 0
    assert page.locator(".marker-cluster, .geoclaims-event").count() > 0
    assert page.locator(".geoclaims-legend").count() == 1
    assert "CC BY 4.0" in page.locator(".leaflet-control-attribution").inner_text()

    # the time slider: last snapshot first; moving it to the start changes the zones shown
    label = page.locator(".geoclaims-time-label")
    assert label.inner_text() == "Control zones on 2019-11-01"
    late = _zone_classes(page)
    assert "geoclaims-zone-turkey_and_sna" in late and "geoclaims-zone-isis" not in late
    slider = page.locator("input.geoclaims-time-input")
    slider.focus()
    page.keyboard.press("Home")
    assert label.inner_text() == "Control zones on 2019-01-01"
    early = _zone_classes(page)
    assert early != late
    assert "geoclaims-zone-isis" in early and "geoclaims-zone-turkey_and_sna" not in early
    page.keyboard.press("End")
    assert _zone_classes(page) == late

    # open every event popup and every place popup: the payloads render as text, run nothing
    assert page.evaluate(OPEN_EVENT_POPUPS) == 6
    page.wait_for_timeout(300)
    shown = [t.strip() for t in page.locator(".geoclaims-headline").all_text_contents()]
    for payload in loader.PAYLOADS:
        assert f"Source headline: {payload}" in shown
    # the popups built in the browser read exactly like maps.event_popup_html's
    expected = [maps.event_popup_html(row) for _, row in loader.events().iterrows()]
    as_text = page.evaluate("""hs => hs.map(h => {
        const d = document.createElement('div'); d.innerHTML = h; return d.textContent; })""",
                            expected)
    popups = page.locator(".leaflet-popup-content .geoclaims-popup").all_text_contents()
    assert sorted(popups) == sorted(as_text)
    popups = page.evaluate(CLICK_GEOJSON_FEATURES)
    assert len(popups) >= 4
    assert any('<script>window.__pwned="place"</script>${1}`' in t for t in popups)
    assert page.locator(".leaflet-popup-content img, .leaflet-popup-content script").count() == 0
    _not_pwned(page)

    assert watch.errors == []
    assert watch.remote == []
    assert watch.requests and all(u.startswith(LOCAL) for u in watch.requests)


def test_escaping_holds_in_folium_popups_and_tooltips(offline_page, tmp_path):
    """folium.Popup/Tooltip put text in a JS template literal: escape_text is safe there too."""
    import offlinefolium as folium

    m = folium.Map(location=[35, 38], zoom_start=6, tiles=None, maxZoom=18)
    for i, payload in enumerate(loader.PAYLOADS):
        folium.Marker([34 + i * 0.3, 37 + i * 0.3],
                      popup=folium.Popup(maps.escape_text(payload)),
                      tooltip=folium.Tooltip(maps.escape_text(payload))).add_to(m)
    path = tmp_path / "markers.html"
    m.save(str(path))
    page, watch = offline_page
    _open(page, path)
    texts = page.evaluate("""() => {
        const out = [];
        Object.keys(window).filter(k => k.startsWith('marker_')).forEach(k => {
            const mk = window[k];
            mk.getPopup().options.autoClose = false;
            mk.openPopup();
            out.push(mk.getPopup().getElement().querySelector('.leaflet-popup-content').textContent);
            mk.openTooltip();
        });
        return out;
    }""")
    assert sorted(t.strip() for t in texts) == sorted(loader.PAYLOADS)
    _not_pwned(page)
    assert watch.errors == [] and watch.remote == []


def test_the_browser_check_can_fail(offline_page, tmp_path):
    """Control: the same template-literal payload *unescaped* does run in this browser."""
    import offlinefolium as folium

    m = folium.Map(location=[35, 38], zoom_start=6, tiles=None, maxZoom=18)
    folium.Marker([35, 38], popup=folium.Popup("${(window.__pwned = 'raw')}")).add_to(m)
    path = tmp_path / "raw.html"
    m.save(str(path))
    page, _ = offline_page
    _open(page, path)
    assert page.evaluate("window.__pwned") == "raw"


def test_site_index_and_notebook_map_open_offline(offline_page, tmp_path):
    index = loader.build_test_site(tmp_path)
    page, watch = offline_page
    page.goto(index.as_uri())
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text().startswith("geoclaims: what an opinion article says")
    widths = page.eval_on_selector_all("img", "els => els.map(e => e.naturalWidth)")
    assert widths and all(w > 0 for w in widths)  # the figures load from disk

    page.click("text=Test notebook")
    page.wait_for_load_state("load")
    frame = page.frame_locator("iframe").first
    frame.locator(".leaflet-interactive").first.wait_for(timeout=15_000)
    assert frame.locator(".leaflet-interactive").count() > 0
    assert frame.locator("path.geoclaims-zone").count() > 0

    page.goto(index.as_uri())
    page.click('a[href="figures/fixture_map.html"]')
    page.wait_for_selector(".leaflet-interactive", timeout=15_000)
    assert page.locator("path.geoclaims-zone").count() > 0
    _not_pwned(page)
    assert watch.errors == []
    assert watch.remote == []


def test_map_command_output_opens_offline_with_real_layers(offline_page, tmp_path):
    """`geoclaims map` on a UCDP-layout file: real regions, places and control zones."""
    out = tmp_path / "cli.html"
    result = mapmaker.make_map(out, events_file=loader.HERE / "ucdp191_payloads.csv",
                               start="2019-01-01", end="2019-12-31")
    page, watch = offline_page
    _open(page, out)
    assert page.locator(".leaflet-interactive").count() > 0
    if result.layers.zones is not None:  # control zones from geoclaims.control
        before = page.locator(".geoclaims-time-label").inner_text()
        shapes = page.eval_on_selector_all("path.geoclaims-zone", SHAPES)
        page.locator("input.geoclaims-time-input").focus()
        page.keyboard.press("Home")
        assert page.locator(".geoclaims-time-label").inner_text() != before
        after = page.eval_on_selector_all("path.geoclaims-zone", SHAPES)
        assert after != shapes
    page.evaluate(OPEN_EVENT_POPUPS)
    shown = " ".join(page.locator(".geoclaims-headline").all_text_contents())
    assert loader.PAYLOADS[0] in shown
    _not_pwned(page)
    assert watch.errors == [] and watch.remote == []


def test_browser_walks_every_page_of_the_site(offline_page, tmp_path):
    """Every page of the site: navigation present, every link and image resolves, no console
    errors, no network requests (the whole site, opened from disk with the network off)."""
    index = loader.build_test_site(tmp_path)
    site = index.parent
    page, watch = offline_page
    pages = sorted(site.glob("*.html"))
    assert {p.name for p in pages} >= {"index.html", "glossary.html", "01_fixture.html",
                                       "02_claims.html"}
    for p in pages:
        page.goto(p.as_uri())
        page.wait_for_load_state("load")
        assert page.title().endswith("· geoclaims"), p.name
        assert page.locator('a[href="index.html"]').count() >= 1 or p.name == "index.html"
        images = page.eval_on_selector_all(
            "img", "els => els.map(e => [e.getAttribute('src'), e.naturalWidth, e.alt])")
        for src, width, alt in images:
            assert width > 0, f"{p.name}: image {src[:60]} does not load"
            assert alt and "No description" not in alt, f"{p.name}: image without alt text"
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        for href in hrefs:
            if href.startswith("file:"):
                target = Path(unquote(urlparse(href).path))
                assert target.exists(), f"{p.name}: link to missing {target.name}"
    for p in ("01_fixture.html", "02_claims.html"):
        page.goto((site / p).as_uri())
        assert page.locator("nav.gc-nav").count() == 2
    page.goto((site / "02_claims.html").as_uri())
    assert "A share claim" in page.locator("section.gc-findings").inner_text()
    assert watch.errors == []
    assert watch.remote == []


def test_embed_snippet_draws_the_map_and_shows_the_credit(offline_page, tmp_path):
    """The iframe snippet pasted into a page: the map draws inside it, offline, and the credit
    line is visible under it, at the snippet's aspect ratio."""
    from geoclaims import embed

    m = maps.interactive_map(loader.layers(), title="Fixture map")
    map_path = maps.save_html(m, tmp_path / "fixture_map.html")
    snip = embed.write_snippet(map_path, title="Events and areas of control",
                               credit="Data: UCDP GED (CC BY 4.0).", aspect="16:9")
    host = tmp_path / "article.html"
    host.write_text("<!doctype html><html><body style='width:800px'><p>Story text.</p>"
                    + snip.read_text(encoding="utf-8") + "</body></html>", encoding="utf-8")
    page, watch = offline_page
    page.set_viewport_size({"width": 800, "height": 900})
    page.goto(host.as_uri())
    frame = page.frame_locator("iframe").first
    frame.locator(".leaflet-interactive").first.wait_for(timeout=15_000)
    assert frame.locator(".leaflet-interactive").count() > 0
    credit = page.locator("figcaption.geoclaims-credit")
    assert credit.is_visible()
    assert "UCDP GED (CC BY 4.0)" in credit.inner_text()
    box = page.locator("iframe").bounding_box()
    assert abs(box["width"] / box["height"] - 16 / 9) < 0.02
    assert watch.errors == [] and watch.remote == []


def test_place_window_draws_marker_label_and_circle_in_the_web_map(offline_page, tmp_path):
    """`map --place X --radius-km R --embed` as a web map: the circle is drawn at the radius
    (its on-screen width matches R km at the map's scale), the place's label is visible, the
    legend names the window, and the embed snippet comes with it."""
    out = tmp_path / "window.html"
    result = mapmaker.make_map(out, events=loader.events(), place="Deir ez-Zor",
                               radius_km=60, embed_aspect="16:9")
    name = result.layers.place["name"]
    assert (tmp_path / "window.embed.html").is_file()
    page, watch = offline_page
    page.set_viewport_size({"width": 1000, "height": 800})
    page.goto(out.as_uri())  # zoomed to the window: the first drawn shapes may be off-screen
    page.wait_for_selector("path.geoclaims-radius", timeout=15_000)
    circle = page.locator("path.geoclaims-radius")
    assert circle.count() == 1
    label = page.locator(".geoclaims-place-label")
    assert label.is_visible() and name in label.inner_text()
    assert page.locator(".geoclaims-star-icon").count() >= 1
    legend = page.locator(".geoclaims-legend").inner_text()
    assert f"60 km around {name}" in legend
    # the circle's width on screen is 120 km at the map's scale (Leaflet's metres per pixel)
    page.wait_for_timeout(800)  # any zoom animation over
    box = circle.bounding_box()
    km_per_px = page.evaluate("""() => {
        const m = Object.values(window).find(v => v && v instanceof L.Map);
        const c = m.getSize().divideBy(2);
        const a = m.containerPointToLatLng(c), b = m.containerPointToLatLng(c.add([100, 0]));
        return a.distanceTo(b) / 100 / 1000; }""")
    assert abs(box["width"] * km_per_px - 120) < 12
    assert watch.errors == [] and watch.remote == []
