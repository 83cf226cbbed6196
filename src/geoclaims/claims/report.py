"""Report: figures (one per claim, the scorecard), the data summary in sentences, and the
table of a two-part claim's parts, for the notebooks and the site."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from geoclaims import paths
from geoclaims.claims.registry import Claim
from geoclaims.claims.verdicts import Evaluation, sensitivity_table, verdict_table
from geoclaims.stats import CONTRADICTED, MIXED, NOT_APPLICABLE, NOT_TESTABLE, SUPPORTED

VERDICT_COLOURS = {SUPPORTED: "#1b7837", CONTRADICTED: "#b2182b", MIXED: "#e08214",
                   NOT_TESTABLE: "#878787", NOT_APPLICABLE: "#4d4d4d"}


def _threshold_axis(claim: Claim) -> str:
    """The unit of a claim's estimate: a rate per period, a share or a ratio."""
    per = claim.rule.get("per_days")
    if per is not None or (claim.kind == "rate"):
        days = float(per or 91.3125)
        return "per quarter" if abs(days - 91.3125) < 1e-9 else f"per {days:g} days"
    if claim.kind in ("share", "held_area") and not (claim.test.get("in_zone") or {}).get(
            "relative_to"):
        return "share"
    return "ratio"


def plot_claim(ev: Evaluation, claim_id: str, ax=None):
    """Estimate and 95 % interval of the main test and every variant, against the threshold."""
    import matplotlib.pyplot as plt

    r = ev.results[claim_id]
    sens = sensitivity_table(ev)
    sens = sens[sens["id"] == claim_id].reset_index(drop=True)
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 0.35 * len(sens) + 1.6))
    else:
        fig = ax.figure
    ys = np.arange(len(sens))[::-1]
    finite = [float(x) for c in ("estimate", "ci_low", "ci_high") for x in sens[c]
              if x is not None and not pd.isna(x) and np.isfinite(float(x))]
    top = max([*finite, float(r.claim.rule["threshold"])]) * 1.1 or 1.0
    for y, row in zip(ys, sens.itertuples()):
        colour = VERDICT_COLOURS[row.verdict]
        if row.verdict == NOT_APPLICABLE:
            ax.text(0.01, y, "not applicable (see the sensitivity table)",
                    transform=ax.get_yaxis_transform(), va="center", color=colour, fontsize=8)
        elif row.estimate is not None and not pd.isna(row.estimate):
            lo = row.ci_low if row.ci_low is not None and not pd.isna(row.ci_low) else row.estimate
            hi = (row.ci_high if row.ci_high is not None and not pd.isna(row.ci_high)
                  else row.estimate)
            if np.isinf(hi):  # the interval is open upwards: an arrow to the axis' edge
                ax.annotate("", xy=(top, y), xytext=(lo, y),
                            arrowprops={"arrowstyle": "->", "color": colour, "lw": 2})
            else:
                ax.plot([lo, hi], [y, y], color=colour, lw=2)
            ax.plot([row.estimate], [y], "o", color=colour)
        else:
            ax.text(0.01, y, "not testable", transform=ax.get_yaxis_transform(), va="center",
                    color=colour, fontsize=8)
    ax.axvline(float(r.claim.rule["threshold"]), color="black", ls="--", lw=1)
    if r.claim.rule["type"] == "share_at_least":
        ax.set_xlim(-0.02, 1.02)
    ax.set_yticks(ys, [f"{v} ({d})" for v, d in zip(sens["variant"], sens["verdict"])], fontsize=8)
    ax.set_xlabel(f"{_threshold_axis(r.claim)} (dashed line: threshold of the decision rule)")
    ax.set_title(f"{claim_id}: {r.claim.title}\nverdict: {r.verdict} (95 % day-cluster "
                 "bootstrap intervals)", fontsize=9)
    fig.tight_layout()
    return fig


SCORECARD_TABLE_LABEL = "scorecard-table"
SCORECARD_PANEL_LABEL = "scorecard-panel"
#: Scorecard columns: header, share of the table's width, wrap width in characters (None: none).
_SCORECARD_COLUMNS = (
    ("claim", 0.05, None),
    ("the claim (our short wording)", 0.33, 50),
    ("verdict", 0.105, None),
    ("estimate", 0.105, 13),
    ("95 % interval", 0.135, 16),
    ("events", 0.07, None),
    ("verdict differs under", 0.205, 24),
)


def scorecard_credits(ev: Evaluation) -> str:
    """The scorecard's credit line: the event datasets loaded (with licence), the control
    ledger, the boundaries, the data period and the article's publication window."""
    from geoclaims import datasets

    reg = datasets.load_registry()
    events = []
    for name in ev.data["datasets"]:
        ds = reg.get(name)
        producer = "UCDP GED" if name.startswith("ucdp") else name
        events.append(f"{producer} ({name}), {ds.licence}" if ds
                      else f"{name} (not in the dataset registry: licence not known)")
    pub = ev.registry.article["publication"]
    if pub.get("earliest") and pub.get("latest") and pub["earliest"] != pub["latest"]:
        published = (f"published between {pd.Timestamp(pub['earliest']).date()} and "
                     f"{pd.Timestamp(pub['latest']).date()} (exact day not found; tests use "
                     f"{ev.registry.publication_date.date()}, the latest date as a variant)")
    else:
        published = f"published on {ev.registry.publication_date.date()}"
    return (
        f"Data period: {ev.data['data_start']} to {ev.data['data_end']}. Text {published}.\n"
        f"Events: {'; '.join(events)}. Zones of control: geoclaims control ledger "
        "(data/control_ledger.csv; sources in data/control_sources.csv).\n"
        "Boundaries: OCHA COD-AB admin 1 (CC BY-IGO 3.0); Natural Earth (public domain). "
        "Events behind each number: outputs/evidence/claim_<id>.csv."
    )


def _wrap(text: str, width: int | None) -> str:
    import textwrap

    if not width:
        return text
    return "\n".join(textwrap.fill(part, width, break_long_words=False, break_on_hyphens=False)
                     for part in text.split("\n"))


def plot_scorecard(ev: Evaluation):
    """One-page scorecard: the verdict table, and each estimate against its rule's threshold.

    The table fills the left part of the figure; the right panel has one row per claim, aligned
    with the table's rows, and puts every claim on one scale, estimate divided by the rule's
    threshold (log scale; 1 = the threshold), with an arrow showing on which side the claim
    would hold. The credit line and the data period are at the foot. Positions are fixed in
    inches, so nothing overlaps or leaves the page; :func:`scorecard_layout_problems` checks.
    """
    import matplotlib.pyplot as plt

    t = verdict_table(ev)
    n = len(t)
    fs = 7.5
    row_in, head_in, foot_in, bottom_in, top_in = 0.52, 0.45, 0.62, 0.62, 0.62
    width_in = 13.0
    height_in = top_in + head_in + row_in * n + bottom_in + foot_in
    fig = plt.figure(figsize=(width_in, height_in))
    left, table_w, gap, panel_w = 0.15, 9.25, 0.12, 2.95
    body_bottom = (foot_in + bottom_in) / height_in
    body_top = 1 - top_in / height_in
    ax = fig.add_axes((left / width_in, body_bottom, table_w / width_in, body_top - body_bottom),
                      label=SCORECARD_TABLE_LABEL)
    ax.axis("off")
    cells, colours = [], []
    for row in t.itertuples():
        claim = ev.registry.claim(row.id)
        est = "-" if row.estimate is None or pd.isna(row.estimate) else f"{row.estimate:.3g}"
        ci = ("-" if row.ci_low is None or pd.isna(row.ci_low)
              else f"{row.ci_low:.3g} to {row.ci_high:.3g}")
        texts = [row.id, row.title, row.verdict, f"{est}\n({_threshold_axis(claim)})", ci,
                 str(row.n_events), row.flipped_under.replace(";", ", ") or "-"]
        cells.append([_wrap(x, w) for x, (_, _, w) in zip(texts, _SCORECARD_COLUMNS, strict=True)])
        colours.append(["white", "white", VERDICT_COLOURS[row.verdict]] + ["white"] * 4)
    # the header row is shorter than the others; the bbox keeps the ratio of the row heights
    tab = ax.table(cellText=cells, cellColours=colours, cellLoc="left",
                   colLabels=[_wrap(h, 24) for h, _, _ in _SCORECARD_COLUMNS],
                   colWidths=[w for _, w, _ in _SCORECARD_COLUMNS], bbox=(0, 0, 1, 1))
    tab.auto_set_font_size(False)
    tab.set_fontsize(fs)
    total = head_in + row_in * n
    for (r, c), cell in tab.get_celld().items():
        cell.set_height((head_in if r == 0 else row_in) / total)
        cell.PAD = 0.06 / (table_w * _SCORECARD_COLUMNS[c][1])  # 0.06 inch either side
        if r == 0:
            cell.get_text().set_fontweight("bold")
        elif c == 2 and cells[r - 1][2] in (SUPPORTED, CONTRADICTED, NOT_TESTABLE):
            cell.get_text().set_color("white")
    # the right panel: one row per claim, at the height of its table row
    ax2 = fig.add_axes(((left + table_w + gap) / width_in, body_bottom, panel_w / width_in,
                        body_top - body_bottom), label=SCORECARD_PANEL_LABEL)
    ax2.set_ylim(0, total)

    def row_y(i: int) -> float:  # centre of data row i, in inches from the panel's bottom
        return total - head_in - row_in * (i + 0.5)

    ax2.axhline(total - head_in, color="black", lw=0.8)
    ax2.text(0.5, total - head_in / 2, "estimate / threshold, 95 % interval",
             transform=ax2.get_yaxis_transform(), ha="center", va="center", fontsize=fs,
             fontweight="bold")
    for i, row in enumerate(t.itertuples()):
        claim = ev.registry.claim(row.id)
        thr = float(claim.rule["threshold"])
        colour = VERDICT_COLOURS[row.verdict]
        y = row_y(i)
        if row.estimate is None or pd.isna(row.estimate):
            ax2.text(1.0, y, "not testable", ha="center", va="center", fontsize=fs, color=colour,
                     bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.5})
            continue
        vals = [row.estimate if v is None or pd.isna(v) else v
                for v in (row.ci_low, row.estimate, row.ci_high)]
        lo, est, hi = (min(max(float(v) / thr, 0.02), 50.0) for v in vals)
        ax2.plot([lo, hi], [y, y], color=colour, lw=2.5)
        ax2.plot([est], [y], "o", color=colour)
        holds_above = claim.rule["type"] != "rate_at_most"
        ax2.annotate("", xy=(2.2 if holds_above else 0.45, y + row_in * 0.3),
                     xytext=(1.0, y + row_in * 0.3),
                     arrowprops={"arrowstyle": "->", "color": "0.5", "lw": 0.8})
    ax2.axvline(1.0, color="black", ls="--", lw=1)
    ax2.set_xscale("log")
    ax2.set_xlim(0.02, 50)
    ax2.set_yticks([row_y(i) for i in range(n)], list(t["id"]), fontsize=fs)
    ax2.yaxis.tick_right()
    ax2.set_xlabel("estimate / threshold (log scale; dashed: threshold)\narrow: the side on "
                   "which the claim would hold", fontsize=fs)
    ax2.tick_params(labelsize=fs)
    fig.text(0.5, 1 - 0.12 / height_in,
             f"The study's claims against {', '.join(ev.data['datasets'])}, "
             f"{ev.data['data_start']} to {ev.data['data_end']}: verdicts under the registered "
             f"decision rules (data/studies/{ev.registry.study_id}/claims.yaml)", ha="center",
             va="top", fontsize=10)
    fig.text(0.5, 1 - 0.38 / height_in,
             "supported / contradicted: the whole 95 % interval lies on one side of the "
             "threshold in the main test and every variant; mixed: it straddles the threshold "
             "or a variant differs", ha="center", va="top", fontsize=fs, color="0.25")
    fig.text(left / width_in, 0.08 / height_in, scorecard_credits(ev), ha="left",
             va="bottom", fontsize=6.5, color="0.25", linespacing=1.4)
    return fig


def scorecard_layout_problems(fig) -> list[str]:
    """What in a scorecard figure overlaps or is cut: a table cell's text running out of its
    cell, the table overlapping the panel, or any text leaving the figure. Empty if none."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    axes = {a.get_label(): a for a in fig.axes}
    ax, ax2 = axes[SCORECARD_TABLE_LABEL], axes[SCORECARD_PANEL_LABEL]
    problems: list[str] = []
    tab = ax.tables[0]
    for (r, c), cell in sorted(tab.get_celld().items()):
        box, text = cell.get_window_extent(renderer), cell.get_text()
        tb = text.get_window_extent(renderer)
        if (tb.x0 < box.x0 - 0.5 or tb.x1 > box.x1 + 0.5 or tb.y0 < box.y0 - 0.5
                or tb.y1 > box.y1 + 0.5):
            problems.append(f"table cell ({r}, {c}) text {text.get_text()!r} leaves its cell")
    table_box = tab.get_window_extent(renderer)
    panel_box = ax2.get_tightbbox(renderer)
    if table_box.overlaps(panel_box):
        problems.append("the table overlaps the estimate panel")
    page = fig.bbox
    texts = [*fig.texts, ax2.xaxis.label, *ax2.get_xticklabels(), *ax2.get_yticklabels(),
             *ax2.texts]
    for text in texts:
        if not text.get_visible() or not text.get_text():
            continue
        tb = text.get_window_extent(renderer)
        if tb.x0 < page.x0 or tb.x1 > page.x1 or tb.y0 < page.y0 or tb.y1 > page.y1:
            problems.append(f"text {text.get_text()[:40]!r} leaves the figure")
    footer = [t.get_window_extent(renderer) for t in fig.texts]
    for i, a in enumerate(footer):
        for b in footer[i + 1:]:
            if a.overlaps(b):
                problems.append("two lines of figure text overlap")
        if a.overlaps(table_box) or a.overlaps(ax2.get_tightbbox(renderer)):
            problems.append("a line of figure text overlaps the table or the panel")
    return problems


def save_figure(fig, stem: str, out_dir: Path | None = None) -> list[Path]:
    """PNG (300 dpi) and SVG into ``paths.FIGURES``; SVG without its date metadata."""
    out_dir = Path(out_dir or paths.FIGURES)
    out_dir.mkdir(parents=True, exist_ok=True)
    png, svg = out_dir / f"{stem}.png", out_dir / f"{stem}.svg"
    fig.savefig(png, dpi=300, metadata={"Software": None})
    fig.savefig(svg, metadata={"Date": None})
    return [png, svg]



def data_lines(ev: Evaluation) -> list[str]:
    """The Evaluation's data in sentences: period, datasets, and every count of events left out
    or without a place (for the notebooks' data cell)."""
    d = ev.data
    reg = ev.registry
    col, a = reg.actor_column, reg.actor_label
    keep = list(reg.population.get("keep", []))
    outside_key = "events_outside_" + "_".join(k.lower() for k in keep)
    kept = ", ".join(d["ucdp_release_kept_first"]) or "none"
    out = [
        (f"{d['n_events']} events ({d[f'n_{col}_events']} {a} events) from "
         f"{', '.join(d['datasets'])}, {d['data_start']} to {d['data_end']}"),
        (f"{d['events_outside_common_coverage']} events outside the datasets' common coverage "
         "left out"),
        (f"{d['ucdp_duplicates_removed']} UCDP events held by two releases counted once (kept "
         f"the copy of the first of: {kept}; the per-dataset variants keep every event of "
         "their dataset)"),
        f"{d[outside_key]} events outside {' and '.join(keep)} left out",
        (f"{d['events_bad_coordinates']} events with missing or unparseable coordinates "
         "(outside every zone and region in the tests)"),
        (f"{d['events_after_control_span']} events after the control ledger's last day "
         f"({d['control_span_end']}): left out of every control-based test"),
    ]
    return out

def parts_table(ev: Evaluation, claim_id: str) -> pd.DataFrame:
    """The two parts of a two-part claim on one date (held ground, activity) side by side: what
    each measures, its value, what the registered rule needs, and whether it supports the claim."""
    r = ev.results[claim_id]
    reg = ev.registry
    c, test = r.main.components, r.claim.test
    cols = ["part", "measures", "value", "rule needs", "result"]
    if "ledger_test_met" not in c or not test.get("parts"):
        return pd.DataFrame(columns=cols)
    spec = test["parts"][0]
    a, side, rid = reg.actor_label, spec["side"], spec["region"]
    slug, facing = reg.region_slug(rid), spec.get("facing") or {}
    value = (f"{c[f'area_share_{slug}']:.1%} of the {reg.side_label(side)} area "
             f"({c[f'{side}_area_km2']:,.0f} km2) {reg.region_label(rid)}")
    needs = f">= {float(spec.get('area_threshold', 0.95)):.0%} {reg.region_label(rid)}"
    if facing:
        perim = c["perimeter_share_" + facing["side"]]
        value += (f"; {perim:.0%} of its boundary inside "
                  f"{reg.home} within {float(facing.get('within_km', 5)):g} km of "
                  f"{reg.side_label(facing['side'])} ground")
        needs += f"; >= {float(facing.get('threshold', 0.5)):.0%} of the boundary"
    window = int(test["period"].get("window_days", 45))
    label = (test.get("in_zone") or {}).get("label", "in the zone")
    return pd.DataFrame([
        {"part": "held ground (control ledger)",
         "measures": f"where {a} held ground on {pd.Timestamp(c['ledger_date']).date()}",
         "value": value, "rule needs": needs,
         "result": "supports the claim" if c["ledger_test_met"] else "does not support it"},
        {"part": f"activity ({a} events)",
         "measures": (f"where {a} fought or attacked within {window} days of that date, "
                      "including ground it did not hold"),
         "value": (f"{r.main.estimate:.1%} {label} (95 % interval {r.main.ci_low:.1%} to "
                   f"{r.main.ci_high:.1%}, {r.main.n_events} events)"),
         "rule needs": f"95 % interval >= {float(r.claim.rule['threshold']):.0%}",
         "result": c["event_test_verdict"]},
    ], columns=cols)
