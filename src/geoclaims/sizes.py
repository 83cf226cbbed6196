"""Output sizes that newsrooms publish, with text sizes that stay legible at each.

Stage-neutral like :mod:`geoclaims.style`: static maps, time-lapses and fact-check cards take a
``size`` name from :data:`PRESETS` and get the figure size, dpi and font sizes from
:func:`preset`. The rule for legibility (checked by the tests on rendered figures): no text is
smaller than :data:`MIN_TEXT_PX` pixels nor than :data:`MIN_TEXT_SHARE` of the image's width.
"""

from __future__ import annotations

from dataclasses import dataclass

MM_PER_INCH = 25.4
#: Smallest rendered text height (a line's box, in pixels) and as a share of the image width.
MIN_TEXT_PX = 14
MIN_TEXT_SHARE = 0.013


@dataclass(frozen=True)
class Size:
    """A published size: pixels, the dpi it is drawn at, and font sizes in points."""

    name: str
    width_px: int
    height_px: int
    dpi: int
    title_pt: float
    text_pt: float
    small_pt: float  # credits and notes: the smallest text on the image
    note: str

    @property
    def figsize(self) -> tuple[float, float]:
        return self.width_px / self.dpi, self.height_px / self.dpi

    @property
    def portrait(self) -> bool:
        return self.height_px > self.width_px * 1.2

    def pt_to_px(self, pt: float) -> float:
        return pt * self.dpi / 72


def _column(width_mm: float = 85.0, height_mm: float = 115.0) -> Size:
    dpi = 300
    return Size("print-column", round(width_mm / MM_PER_INCH * dpi),
                round(height_mm / MM_PER_INCH * dpi), dpi, 9.0, 7.5, 6.5,
                f"one newspaper column, {width_mm:g} x {height_mm:g} mm at 300 dpi")


#: name -> Size. ``print-column`` is 85 mm wide (a common single column) and 115 mm tall, at
#: 300 dpi; ``--column-mm`` changes the width and keeps the proportions.
PRESETS: dict[str, Size] = {
    "social": Size("social", 1080, 1080, 150, 15, 11, 9, "square social post, 1080 x 1080 px"),
    "wide": Size("wide", 1200, 675, 150, 13, 10, 8.5, "16:9 web or link preview, 1200 x 675 px"),
    "story": Size("story", 1080, 1920, 150, 16, 12, 10, "vertical story, 1080 x 1920 px"),
    "print-column": _column(),
}


def preset(name: str, *, column_mm: float | None = None) -> Size:
    """The :class:`Size` called ``name``; ``column_mm`` sets the print column's width."""
    if name == "print-column" and column_mm is not None:
        if not 30 <= column_mm <= 400:
            raise ValueError(f"--column-mm must be between 30 and 400, got {column_mm:g}")
        return _column(column_mm, column_mm * 115 / 85)
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown size '{name}'; one of {', '.join(PRESETS)}") from None


def min_text_px(size: Size) -> float:
    """The smallest text height (pixels) that :data:`MIN_TEXT_PX`/``_SHARE`` allow at ``size``."""
    return max(MIN_TEXT_PX, MIN_TEXT_SHARE * size.width_px)


def text_heights_px(fig) -> list[tuple[str, float]]:
    """Every visible text of a drawn figure with its rendered height in pixels (at the
    figure's dpi): what a reader sees, measured, not the font size asked for."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    out = []
    for t in fig.findobj(lambda a: hasattr(a, "get_text") and hasattr(a, "get_window_extent")):
        if not t.get_visible() or not str(t.get_text()).strip():
            continue
        text = str(t.get_text())
        box = t.get_window_extent(renderer)  # rendered, in pixels at the figure's dpi
        out.append((text, box.height / (text.count("\n") + 1)))
    return out
