"""The static site: executed notebooks rendered offline, an index page, and the offline check."""

from __future__ import annotations

import base64
import html
import re

import pytest
from fixtures.maps import loader

from geoclaims import build
from geoclaims import site as site_mod


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
    assert sorted(p.name for p in site.glob("*.html")) == ["01_b.html", "glossary.html", "index.html"]


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


# --------------------------------------------------------------------------- findings first

FIXTURE_OUTPUTS = loader.HERE.parent / "site"


def test_sentences_agree_with_the_verdict_table():
    """Every number in a sentence is the verdict table's, formatted with its unit."""
    f = site_mod.load_findings(FIXTURE_OUTPUTS)
    s = f.sentences()
    assert s["T1"] == (
        "T1, “A share claim”: supported. Estimate: share of test events located in the test "
        "zone = 97.1 %, 95 % interval 95.5 to 98.6 %, from 120 events, 2019-02-04 to "
        "2019-11-30. Rule: supported only if the whole interval is at or above 95.0 %.")
    assert "= 12.3 (events a quarter), 95 % interval 9.87 to 15.5, from 40 events, " \
           "2019-01-01 to 2019-03-31" in s["T2"]
    assert "Caveat: 3 test events have no place and are left out." in s["T2"]
    assert s["T3"].startswith("T3, “A ratio claim”: mixed.")
    assert ("the main test alone gives contradicted, and the verdict differs when the test is "
            "changed to: latest possible publication date (pub_latest), weighted by deaths "
            "(best estimate) (deaths).") in s["T3"]
    assert s["T4"] == ("T4, “A claim the data cannot test”: not testable. Not testable with "
                       "these data: the loaded data hold no events in the second country; "
                       "fetch more.")
    # each sentence names the verdict of its row, nothing typed by hand
    for row in f.verdicts.to_dict("records"):
        assert f": {row['verdict']}." in s[row["id"]]


@pytest.mark.parametrize("x, shown", [(0.5, "0.500"), (28.915625, "28.9"), (1.010356, "1.01"),
                                      (0.0049, "0.00490"), (1234.5, "1,234"), (0, "0")])
def test_three_significant_digits(x, shown):
    assert site_mod.sig3(x) == shown


@pytest.mark.parametrize("rule, metric, kind", [
    ("share_at_least 0.95: x", "the estimate", "share"),
    ("rate_at_most 1.0: x", "the estimate", "rate"),
    ("ratio_above 1.0: x", "the estimate", "ratio"),
    # the metric's words win over the rule type (an area share tested with rate_at_most)
    ("rate_at_most 0.001: x", "share of Syria's area held by IS", "share"),
    ("rate_at_most 1.0: x", "rate ratio of IS events a day after against before", "ratio"),
    ("share_at_least 0.5: x", "IS events per quarter in the zone", "rate"),
])
def test_units_from_the_metric_then_the_rule(rule, metric, kind):
    assert site_mod.unit_for(rule, metric).kind == kind


def test_a_single_measurement_has_no_interval_and_no_event_count():
    row = {"id": "W1", "title": "t", "verdict": "contradicted", "main_verdict": "contradicted",
           "estimate": 0.0026, "ci_low": 0.0026, "ci_high": 0.0026, "n_events": 0,
           "metric": "share of Syria's area held by IS", "rule": "rate_at_most 0.001: x",
           "flipped_under": "", "reason": ""}
    s = site_mod.claim_sentence(row)
    assert "= 0.260 % (a single measurement: no sampling interval)." in s
    assert "events" not in s and "interval 0.260" not in s


def test_index_opens_with_findings_then_reading_order(site):
    index = (site / "index.html").read_text(encoding="utf-8")
    findings = index.index("<h2>Findings</h2>")
    assert findings < index.index("Read the notebooks in this order") < index.index("Figures")
    assert 'id="finding-T1"' in index and "95 % interval 95.5 to 98.6 %" in index
    assert "Test notebook</a> — What the article says, what the data shows." in index
    assert 'href="downloads/claims-verdicts.csv"' in index
    assert (site / "downloads" / "claims-verdicts.csv").exists()


def test_every_page_has_title_navigation_and_alt_text(site):
    first = (site / "01_fixture.html").read_text(encoding="utf-8")
    second = (site / "02_claims.html").read_text(encoding="utf-8")
    assert "<title>Test notebook · geoclaims</title>" in first
    assert "<title>Claims page · geoclaims</title>" in second
    assert first.count('class="gc-nav"') == 2  # top and bottom
    def link(rel, href):  # nbconvert may reorder attributes
        return re.compile(rf'<a (?=[^>]*rel="{rel}")(?=[^>]*href="{re.escape(href)}")')

    assert link("next", "02_claims.html").search(first) and 'rel="prev"' not in first
    assert link("prev", "01_fixture.html").search(second) and 'rel="next"' not in second
    for page in (first, second):
        assert 'href="index.html"' in page and f'href="{site_mod.GLOSSARY_PAGE}"' in page
    assert 'alt="Fixture map of test events"' in second
    # the claims page opens, under its title, with the sentences of its own claims only
    box = second.index('class="gc-findings"')
    assert second.index("</h1>") < box
    assert "T1, “A share claim”: supported." in second and "T3, “A ratio claim”" in second
    assert "T2, “A rate claim”" not in second


def test_glossary_lists_terms_regions_and_variants(site):
    page = (site / site_mod.GLOSSARY_PAGE).read_text(encoding="utf-8")
    for term in ("SDF", "HTS", "UCDP", "Dyad", "Bootstrap", "Rate ratio", "MERV"):
        assert f">{term}" in page, term
    assert "<code>rg:merv</code>" in page
    assert "SY08 (adm1:SY08)</code></dt><dd>Al-Hasakeh" in page
    assert "<code>pub_latest</code></dt><dd>latest possible publication date" in page


def test_glossary_entry_without_text_is_refused(tmp_path):
    p = tmp_path / "g.yaml"
    p.write_text("- term: SDF\n  plain: ''\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"g.yaml: entry 1: field 'plain' is empty"):
        site_mod.load_glossary(p)


def test_links_and_images_resolve_and_a_broken_one_is_named(site, tmp_path):
    assert site_mod.broken_links(site) == []
    (tmp_path / "p.html").write_text('<a href="missing.html">x</a><img src="figures/no.png">'
                                     '<a href="https://ucdp.uu.se/">ok</a><a href="#top">ok</a>',
                                     encoding="utf-8")
    assert site_mod.broken_links(tmp_path) == ["p.html: missing.html", "p.html: figures/no.png"]


def test_urls_in_tables_and_output_text_become_links():
    body = "<td>https://example.org/a?b=1</td><pre>see https://example.org/x now</pre>"
    out = site_mod.linkify(body)
    assert '<td><a href="https://example.org/a?b=1">https://example.org/a?b=1</a></td>' in out
    assert '<a href="https://example.org/x">https://example.org/x</a> now' in out


def test_pages_with_machine_paths_are_named(tmp_path):
    (tmp_path / "a.html").write_text(f"<pre>wrote {tmp_path}/figures/x.png</pre>", encoding="utf-8")
    (tmp_path / "b.html").write_text("<pre>wrote figures/x.png</pre>", encoding="utf-8")
    assert site_mod.machine_paths(tmp_path, root=tmp_path) == [
        f"a.html: 1 absolute path(s) under {tmp_path.resolve()}"]


def test_figures_folder_is_in_a_clean_checkout():
    """figures/ is a top-level folder of the design: its README is committed, the figures not."""
    import subprocess

    from geoclaims import paths

    tracked = subprocess.run(["git", "ls-files", "figures"], cwd=paths.ROOT, capture_output=True,
                             text=True, check=True).stdout.split()
    assert tracked == ["figures/README.md"]
    assert "make all" in (paths.ROOT / "figures" / "README.md").read_text(encoding="utf-8")


def test_readme_findings_block_is_generated_and_replaced(tmp_path):
    f = site_mod.load_findings(FIXTURE_OUTPUTS)
    block = site_mod.readme_block(f)
    assert block.startswith(site_mod.README_START) and block.endswith(site_mod.README_END)
    for sentence in f.sentences().values():
        assert f"- {sentence}" in block
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\n{site_mod.README_START}\nold\n{site_mod.README_END}\n\nrest\n",
                      encoding="utf-8")
    assert site_mod.update_readme(readme, block) is True
    assert site_mod.readme_findings(readme) == block
    assert readme.read_text(encoding="utf-8").endswith("\n\nrest\n")
    assert site_mod.update_readme(readme, block) is False  # same text: file untouched
    readme.write_text("# no markers\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no findings markers"):
        site_mod.update_readme(readme, block)


def test_paths_shown_to_readers_are_relative(tmp_path):
    from geoclaims import events, paths

    assert site_mod.shown_path(paths.FIGURES / "claim_C1.png") == "figures/claim_C1.png"
    assert site_mod.shown_path(tmp_path / "elsewhere.png") == "elsewhere.png"  # never absolute
    assert events.shown_path(paths.ROOT / "data" / "cache" / "x.zip") == "data/cache/x.zip"
    assert events.shown_path(tmp_path / "export.csv") == str(tmp_path / "export.csv")
    assert paths.relative(tmp_path / "a" / "b.txt", paths.ROOT, tmp_path) == "a/b.txt"
    assert paths.relative(tmp_path / "b.txt", paths.ROOT) is None
