"""Time-lapse maps and newsroom sizes: frames, formats, legibility, atomic writes."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from fixtures.maps import loader

from geoclaims import animate, sizes

WINDOW = {"start": "2019-01-01", "end": "2019-03-31"}


def test_frame_dates_close_each_step():
    d = animate.frame_dates("2019-01-01", "2019-03-15", "month")
    assert d == [pd.Timestamp("2019-01-31"), pd.Timestamp("2019-02-28"),
                 pd.Timestamp("2019-03-15")]  # the last frame is the end date itself
    assert len(animate.frame_dates("2016-01-01", "2019-11-30", "month")) == 47
    assert animate.frame_dates("2019-01-01", "2019-12-31", "quarter")[-1] == pd.Timestamp(
        "2019-12-31")


@pytest.mark.parametrize("kwargs, message", [
    ({"start": "2019-03-01", "end": "2019-01-01"}, "--end 2019-01-01 is before --start"),
    ({"start": "2019-01-01", "end": "2019-03-01", "step": "fortnight"}, "--step must be one of"),
])
def test_bad_dates_and_steps_are_refused(kwargs, message):
    with pytest.raises(animate.AnimationError, match=message):
        animate.frame_dates(**kwargs)


def test_a_frame_shows_title_date_count_legend_scale_and_credits():
    frames = animate.prepare(events=loader.events(), actor=None, size="wide", **WINDOW)
    frames.draw(len(frames.dates) - 1)
    texts = [t.get_text() for t in frames.fig.findobj(lambda a: hasattr(a, "get_text"))]
    assert "Areas of control and all events in Syria" in texts
    assert "March 2019" in texts
    assert any(t.endswith("events this month") or t == "1 all event this month" for t in texts)
    assert any("km" in t for t in texts)  # the scale bar
    joined = " ".join(texts).replace("\n", " ")
    assert "UCDP GED (CC BY 4.0)" in joined and "geoclaims control ledger" in joined
    assert "Areas of control (approximate)" in texts
    assert "events this month" in texts and "earlier events (fading)" in texts
    plt.close(frames.fig)


def test_events_fade_over_the_following_steps():
    ev = loader.events().iloc[:1].copy()
    ev["date_start"] = pd.Timestamp("2019-01-15")
    frames = animate.prepare(events=ev, actor=None, start="2018-12-01", end="2019-06-30")
    scatter = frames.events_artist
    assert scatter.get_offsets().shape == (1, 2)
    alphas = []
    for i in range(len(frames.dates)):
        frames.draw(i)
        alphas.append(round(float(scatter.get_facecolors()[0][3]), 3))
    # not yet, full in its month, then fading, then gone
    assert alphas[0] == 0.0 and alphas[1] == 1.0
    assert alphas[1] > alphas[2] > alphas[3] > alphas[4] >= 0.0 and alphas[-1] == 0.0
    plt.close(frames.fig)


def test_event_colour_is_used_by_no_zone():
    from geoclaims.control import CONTROLLERS
    from geoclaims.style import colour

    assert animate.EVENT_COLOUR.lower() not in {colour(c).lower() for c in CONTROLLERS}


@pytest.mark.parametrize("name", list(sizes.PRESETS))
def test_every_text_is_legible_at_every_size(name):
    """Measured on the drawn frame: the smallest text's rendered height in pixels."""
    size = sizes.preset(name)
    frames = animate.prepare(events=loader.events(), actor=None, size=name, **WINDOW)
    frames.draw(0)
    w, h = frames.fig.canvas.get_width_height()
    assert (w, h) == (size.width_px, size.height_px)
    heights = sizes.text_heights_px(frames.fig)
    assert len(heights) >= 10
    small = min(heights, key=lambda t: t[1])
    assert small[1] >= sizes.min_text_px(size), f"{name}: '{small[0]}' is {small[1]:.1f} px"
    plt.close(frames.fig)


def test_legibility_rule_catches_small_text():
    size = sizes.preset("social")
    fig = plt.figure(figsize=size.figsize, dpi=size.dpi)
    fig.text(0.1, 0.1, "tiny credit line", fontsize=4)
    ((_text, px),) = sizes.text_heights_px(fig)
    assert px < sizes.min_text_px(size)
    plt.close(fig)


def test_print_column_width_follows_the_column():
    assert sizes.preset("print-column").width_px == round(85 / 25.4 * 300)
    assert sizes.preset("print-column", column_mm=60).width_px == round(60 / 25.4 * 300)
    with pytest.raises(ValueError, match="--column-mm must be between 30 and 400"):
        sizes.preset("print-column", column_mm=5)
    with pytest.raises(ValueError, match="unknown size 'poster'"):
        sizes.preset("poster")


@pytest.mark.parametrize("suffix", [".gif", ".mp4", ".webm"])
def test_timelapse_writes_every_frame(tmp_path, suffix):
    out = tmp_path / f"t{suffix}"
    result = animate.timelapse(out, events=loader.events(), actor=None, size="wide", **WINDOW)
    assert out.exists() and out.stat().st_size > 1000
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary file left
    if suffix == ".gif":
        from PIL import Image

        with Image.open(out) as im:
            assert im.n_frames == 3 and im.size == (1200, 675)
    else:
        import imageio_ffmpeg

        n, _secs = imageio_ffmpeg.count_frames_and_secs(str(out))
        assert n == len(result.dates) == 3


def test_a_failed_encode_leaves_no_file(tmp_path, monkeypatch):
    from matplotlib import animation

    def boom(self, **kw):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(animation.PillowWriter, "grab_frame", boom)
    out = tmp_path / "t.gif"
    with pytest.raises(OSError, match="(?i)no space left"):  # named by geoclaims.outputs
        animate.timelapse(out, events=loader.events(), actor=None, **WINDOW)
    assert list(tmp_path.iterdir()) == []


def test_unknown_format_is_refused(tmp_path):
    with pytest.raises(animate.AnimationError, match=r"a time-lapse is one of \.mp4, \.webm"):
        animate.timelapse(tmp_path / "t.avi", events=loader.events(), **WINDOW)
