"""Fact-check cards: one page per claim, for a journalist to publish or attach (stage ``maps``).

A card shows the article's own words (read from the article file at the registered offsets at
run time, never stored), the article's citation, our paraphrase, the verdict and the estimate
with its interval in plain words (the sentence of :func:`geoclaims.site.claim_sentence`, made
from the verdict table), a small map of the events behind the estimate (its evidence file), the
main caveat, the data period and the credits. PNG at 1080 px wide, or PDF with selectable text
(TrueType fonts embedded, not outlines). ``geoclaims card CLAIM_ID --out card.png`` and
``geoclaims card --all --out-dir DIR``.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from geoclaims import outputs, paths, site
from geoclaims.style import EVENT_COLOUR  # the same event colour as maps: no zone uses it

#: 1080 x 1350 px (4:5, a portrait social post) at 150 dpi
WIDTH_IN, HEIGHT_IN, DPI = 7.2, 9.0, 150
FORMATS = (".png", ".pdf", ".svg")
VERDICT_COLOURS = {"supported": "#1b7837", "contradicted": "#b2182b", "mixed": "#e08214",
                   "not testable": "#777777"}
#: evidence groups -> what a reader is told they are
GROUP_LABELS = {
    "numerator": "events that count for the claim",
    "rest": "other events in the test",
    "zone": "events in the claim's zone",
    "before": "events before the publication date",
    "after": "events after the publication date",
    "entry": "events in or near the entry areas",
}


class CardError(ValueError):
    """A card that cannot be made (unknown claim, no verdict table, bad output)."""


@dataclass
class CardContent:
    claim_id: str
    title: str
    quote: str
    citation: str
    paraphrase: str
    verdict: str
    sentence: str
    caveat: str
    period: str
    evidence: pd.DataFrame  # lon, lat, group
    credits: str


def _split_caveat(sentence: str) -> tuple[str, str]:
    for key in (" Main caveat: ", " Caveat: "):
        if key in sentence:
            head, tail = sentence.split(key, 1)
            return head, tail
    return sentence, ""


def content_for(claim_id: str, *, outputs: Path | None = None, registry=None,
                article: Path | None = None) -> CardContent:
    """Gather a card's content from the claims registry, the article file and the outputs that
    the claims stage wrote (verdict table, findings, evidence)."""
    from geoclaims import claims, datasets

    findings = site.load_findings(outputs)
    if findings is None:
        raise CardError("no verdict table: run `make all` (or `geoclaims claims "
                        "--write-outputs`) first")
    rows = findings.verdicts[findings.verdicts["id"].astype(str) == claim_id]
    if rows.empty:
        known = ", ".join(findings.verdicts["id"].astype(str))
        raise CardError(f"no claim '{claim_id}' in {findings.source}; known: {known}")
    row = rows.iloc[0].to_dict()
    reg = registry or claims.load_registry()
    claim = reg.claim(claim_id)
    if article is None:  # the study's own text (each study registers its file)
        from geoclaims.claims.registry import article_path

        article = article_path(reg)
    quotes = claims.claim_quotes(claim, article)
    en = quotes[quotes["lang"] == "en"]
    quote = " … ".join((en if len(en) else quotes)["text"])
    ds = datasets.load_registry().get(reg.article.get("dataset", "article"))
    citation = ds.citation if ds is not None else ""
    sentence = site.claim_sentence(row, findings.by_id.get(claim_id), findings.labels)
    body, caveat = _split_caveat(sentence)
    head = f"{claim_id}, “{row['title']}”: {row['verdict']}. "
    body = body.removeprefix(head)  # the card shows both already
    period = site._period(findings.by_id.get(claim_id)) or findings.data_period
    ev_file = Path(outputs or paths.OUTPUTS) / str(row.get("evidence_file") or "")
    if row.get("evidence_file") and ev_file.is_file():
        evidence = pd.read_csv(ev_file, usecols=["lon", "lat", "group"])
    else:
        evidence = pd.DataFrame({"lon": [], "lat": [], "group": []})
    credits = ("Data: UCDP GED (CC BY 4.0); OCHA COD-AB (CC BY-IGO 3.0); Natural Earth "
               "(public domain); areas of control: geoclaims control ledger (cited sources). "
               "Verdict under the rule registered before the data were examined; "
               "made with geoclaims.")
    return CardContent(claim_id, str(row["title"]), quote, citation, claim.paraphrase,
                       str(row["verdict"]), body, caveat, period, evidence, credits)


def _wrap(text: str, width: int, max_lines: int | None = None) -> str:
    lines = textwrap.wrap(" ".join(str(text).split()), width)
    if max_lines and len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1].rstrip(" .,;") + " …"
    return "\n".join(lines)


def render(content: CardContent, out: str | Path) -> Path:
    """Draw the card and write it to ``out`` (.png, .pdf or .svg), whole or not at all."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    out = Path(out)
    if out.suffix.lower() not in FORMATS:
        raise CardError(f"--out {out}: a card is one of {', '.join(FORMATS)}")
    with matplotlib.rc_context({"pdf.fonttype": 42, "svg.fonttype": "none",
                                "svg.hashsalt": "geoclaims", "font.family": "DejaVu Sans"}):
        fig = _draw(content)
        out.parent.mkdir(parents=True, exist_ok=True)
        meta = ({"Creator": "geoclaims", "CreationDate": None}
                if out.suffix.lower() == ".pdf" else
                {"Creator": "geoclaims", "Date": None} if out.suffix.lower() == ".svg"
                else {"Software": "geoclaims"})
        try:
            with outputs.atomic_path(out, force=True) as tmp:  # whole or not at all
                fig.savefig(tmp, dpi=DPI, format=out.suffix.lower()[1:], metadata=meta)
        finally:
            plt.close(fig)
    return out


def _draw(c: CardContent):
    import matplotlib.pyplot as plt

    from geoclaims import maps

    fig = plt.figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    fig.patch.set_facecolor("white")
    left, y = 0.055, 0.965
    small, text, head = 9.5, 11.5, 17

    def put(s: str, size: float, dy_lines: float, **kw) -> None:
        nonlocal y
        fig.text(left, y, s, fontsize=size, va="top", ha="left", **kw)
        y -= (s.count("\n") + 1) * size * 1.32 / (HEIGHT_IN * 72) + dy_lines

    put(f"FACT CHECK · claim {c.claim_id}", small, 0.004, color="#555555", fontweight="bold")
    put(_wrap(c.title, 52, 2), head, 0.012, fontweight="bold")
    badge = VERDICT_COLOURS.get(c.verdict, "#777777")
    fig.text(left + 0.008, y - 0.004, f" {c.verdict.upper()} ", fontsize=15, fontweight="bold", va="top",
             color="white", bbox={"facecolor": badge, "edgecolor": "none", "pad": 4})
    y -= 15 * 1.32 / (HEIGHT_IN * 72) + 0.022
    put("What the article says", small, 0.002, color="#555555", fontweight="bold")
    put(_wrap(f"“{c.quote}”", 78, 5), text, 0.002, style="italic")
    put(_wrap(f"— {c.citation}", 100, 2), small - 0.5, 0.012, color="#444444")
    put("Our reading of the claim", small, 0.002, color="#555555", fontweight="bold")
    put(_wrap(c.paraphrase, 80, 3), text, 0.012)
    put("What the data show", small, 0.002, color="#555555", fontweight="bold")
    put(_wrap(c.sentence, 80, 7), text, 0.01)
    map_top = y
    ax = fig.add_axes((0.04, 0.105, 0.50, max(0.12, map_top - 0.115)))
    ax.set_axis_off()
    countries = maps._countries().to_crs(maps.SYRIA_LCC)
    syria = countries[countries["iso3"] == "SYR"]
    countries.plot(ax=ax, color="#FFFFFF", edgecolor="#BBBBBB", linewidth=0.4)
    syria.plot(ax=ax, color="#F2F2F2", edgecolor="#444444", linewidth=0.7)
    handles = []
    if len(c.evidence):
        import geopandas as gpd
        from matplotlib.lines import Line2D

        pts = gpd.GeoDataFrame(c.evidence, geometry=gpd.points_from_xy(c.evidence["lon"],
                                                                       c.evidence["lat"]),
                               crs="EPSG:4326").to_crs(maps.SYRIA_LCC)
        for i, (group, part) in enumerate(pts.groupby("group", sort=True)):
            filled = i == 0 or group in ("numerator", "zone", "after", "entry")
            ax.scatter(part.geometry.x, part.geometry.y, s=14, linewidths=0.7,
                       facecolors=EVENT_COLOUR if filled else "none", edgecolors=EVENT_COLOUR,
                       alpha=0.85, zorder=3)
            handles.append(Line2D([], [], marker="o", linestyle="none", markersize=6,
                                  markerfacecolor=EVENT_COLOUR if filled else "none",
                                  markeredgecolor=EVENT_COLOUR,
                                  label=f"{GROUP_LABELS.get(group, group)} ({len(part):,})"))
    x0, y0, x1, y1 = syria.buffer(20_000).total_bounds
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    side = fig.add_axes((0.56, 0.105, 0.40, max(0.12, map_top - 0.115)))
    side.set_axis_off()
    if handles:
        side.legend(handles=handles, loc="upper left", frameon=False, fontsize=small,
                    borderaxespad=0, borderpad=0,
                    title="Events behind the estimate", title_fontsize=small,
                    alignment="left")
    else:
        side.text(0, 1, "No events behind this estimate", fontsize=small, va="top")
    notes = []
    if c.caveat:
        notes.append(("Main caveat", _wrap(c.caveat, 40, 8)))
    if c.period:
        notes.append(("Data period", c.period))
    ty = 0.62
    for label_, body in notes:
        side.text(0, ty, label_, fontsize=small, fontweight="bold", va="top", color="#555555",
                  transform=side.transAxes)
        ty -= 0.07
        side.text(0, ty, body, fontsize=small, va="top", transform=side.transAxes)
        ty -= (body.count("\n") + 1) * 0.065 + 0.04
    fig.text(left, 0.02, _wrap(c.credits, 108), fontsize=small - 1.5, color="#444444",
             va="bottom")

    return fig
