"""The static site: executed notebooks rendered offline, an index page, and the offline check."""

from __future__ import annotations

import base64
import html

import pytest
from fixtures.maps import loader

from geoclaims import build


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return loader.build_test_site(tmp_path_factory.mktemp("site")).parent


def test_site_pages_and_index(site):
    index = (site / "index.html").read_text(encoding="utf-8")
    assert '<a href="01_fixture.html">Test notebook</a>' in index
    assert 'src="figures/fixture_static.png"' in index
    assert 'href="figures/fixture_static.svg"' in index
    assert 'href="figures/fixture_map.html"' in index
    assert "<h2>Data downloads</h2>" in index
    assert 'href="figures/fixture_layers.gpkg.sources.txt">sources and licences</a>' in index
    for name in ("01_fixture.html", "figures/fixture_layers.gpkg", "figures/fixture_static.png",
                 "figures/fixture_static.svg",
                 "figures/fixture_map.html"):
        assert (site / name).exists(), name


def test_site_has_no_network_references(site):
    assert build.check_offline(site) == []
    page = (site / "01_fixture.html").read_text(encoding="utf-8")
    for cdn_script in ("require.js", "MathJax", "mathjax", "mermaid", "html-manager"):
        assert cdn_script not in page, cdn_script
    assert "srcdoc=" in page  # the embedded map is there, and it was checked inside


@pytest.mark.parametrize("snippet", [
    '<script src="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"></script>',
    "<link rel='stylesheet' href='https://cdn.example.org/x.css'>",
    '<img src="//tiles.example.org/1/2/3.png">',
    "<style>@import url(https://fonts.example.org/f.css);</style>",
    '<script type="module">const m = await import("https://cdn.example.org/m.mjs");</script>',
    "<script type=module>import x from 'https://cdn.example.org/x.js';</script>",
])
def test_check_finds_network_references(tmp_path, snippet):
    (tmp_path / "p.html").write_text(f"<html><head>{snippet}</head></html>", encoding="utf-8")
    assert len(build.check_offline(tmp_path)) == 1


def test_check_ignores_plain_links(tmp_path):
    (tmp_path / "p.html").write_text('<a href="https://ucdp.uu.se/">UCDP</a>', encoding="utf-8")
    assert build.check_offline(tmp_path) == []


def test_check_looks_inside_embedded_maps(tmp_path):
    """A plain folium map in a notebook (CDN scripts) is caught in srcdoc and data-html."""
    import folium

    m = folium.Map(tiles=None)
    inner = m.get_root().render()
    (tmp_path / "a.html").write_text(f'<iframe srcdoc="{html.escape(inner)}"></iframe>')
    b64 = base64.b64encode(inner.encode()).decode()
    (tmp_path / "b.html").write_text(f'<iframe src="about:blank" data-html="{b64}"></iframe>')
    problems = build.check_offline(tmp_path)
    assert any("a.html > iframe 1: a folium map that loads Leaflet from a CDN" in p
               for p in problems)
    assert any(p.startswith("b.html > data-html 1:") for p in problems)


def test_build_site_fails_on_a_cdn_map(tmp_path):
    import folium

    loader.executed_notebook(tmp_path / "ex" / "01_cdn.ipynb", folium.Map(tiles=None)._repr_html_())
    with pytest.raises(SystemExit, match="would load files over the network"):
        build.build_site(tmp_path / "ex", tmp_path / "site", [])


def test_rebuild_leaves_nothing_stale(tmp_path):
    import offlinefolium

    ex = tmp_path / "ex"
    page = offlinefolium.Map(tiles=None, maxZoom=18)._repr_html_()
    loader.executed_notebook(ex / "01_a.ipynb", page)
    site = tmp_path / "site"
    build.build_site(ex, site, [])
    (ex / "01_a.ipynb").rename(ex / "01_b.ipynb")
    build.build_site(ex, site, [])
    assert sorted(p.name for p in site.glob("*.html")) == ["01_b.html", "index.html"]


def test_build_refuses_a_foreign_folder(tmp_path):
    import offlinefolium

    ex = tmp_path / "ex"
    page = offlinefolium.Map(tiles=None, maxZoom=18)._repr_html_()
    loader.executed_notebook(ex / "01_a.ipynb", page)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(SystemExit, match="not touching it"):
        build.build_site(ex, tmp_path / "mine", [])
    assert (tmp_path / "mine" / "notes.txt").exists()
