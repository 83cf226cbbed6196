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


def unit(claim: Claim) -> str:
    """The unit of a claim's estimate, in words: ``per quarter`` (events in a quarter),
    ``share`` (0 to 1) or ``ratio`` (1 = equal)."""
    return _threshold_axis(claim)


def sig3(value) -> str:
    """A number to three significant digits, ``-`` when missing, ``inf`` when unbounded."""
    if value is None or pd.isna(value):
        return "-"
    return f"{float(value):.3g}"


def readable_table(ev: Evaluation) -> pd.DataFrame:
    """The verdict table for readers: the estimate and its 95 % interval to three significant
    digits, with a unit column (a share, a rate per quarter and a ratio never share a column
    without their units), the events counted, and where a variant differs."""
    t = verdict_table(ev)
    rows = []
    for row in t.itertuples():
        claim = ev.registry.claim(row.id)
        rows.append({
            "claim": row.id, "the claim (our short wording)": row.title,
            "verdict": row.verdict, "estimate": sig3(row.estimate), "unit": unit(claim),
            "95 % interval": ("-" if row.ci_low is None or pd.isna(row.ci_low)
                              else f"{sig3(row.ci_low)} to {sig3(row.ci_high)}"),
            "threshold": sig3(claim.rule["threshold"]),
            "events": row.n_events,
            "verdict differs under": row.flipped_under.replace(";", ", ") or "-"})
    return pd.DataFrame(rows)


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
    parts = parts_table(ev, claim_id)
    two = len(parts) == 2
    overall = "overall: " if two else ""
    ax.set_yticks(ys, [f"{v} ({overall}{d})" for v, d in zip(sens["variant"], sens["verdict"])],
                  fontsize=8)
    xlabel = f"{_threshold_axis(r.claim)} (dashed line: threshold of the decision rule)"
    if two:
        xlabel = f"part 2, activity: {xlabel}"
    ax.set_xlabel(xlabel, fontsize=8)
    import textwrap

    title = textwrap.fill(f"{claim_id}: {r.claim.title}", 72)
    ax.set_title(f"{title}\nverdict: {r.verdict} (95 % day-cluster bootstrap intervals)",
                 fontsize=9)
    if two:
        # a two-part claim: the chart plots the activity part; the held-ground part (from the
        # control ledger, no interval) is stated beneath it, so the verdict reads from both
        held, act = parts.iloc[0], parts.iloc[1]
        text = "\n".join([
            textwrap.fill(f"Part 1, {held['part']}: {held['value']}; rule needs "
                          f"{held['rule needs']}: {held['result']}.", 110),
            textwrap.fill(f"Part 2, {act['part']} (plotted above): {act['value']}; rule needs "
                          f"{act['rule needs']}: {act['result']}.", 110),
            f"The verdict ({r.verdict}) combines both parts."])
        n_lines = text.count("\n") + 1
        fig.set_figheight(fig.get_figheight() + 0.15 * n_lines + 0.1)
        fig.text(0.01, 0.01, text, fontsize=7.5, ha="left", va="bottom", color="0.15")
        fig.tight_layout(rect=(0, (0.15 * n_lines + 0.12) / fig.get_figheight(), 1, 1))
    else:
        fig.tight_layout()
    return fig


SCORECARD_TABLE_LABEL = "scorecard-table"
SCORECARD_PANEL_LABEL = "scorecard-panel"
#: Scorecard columns: header, share of the table's width, wrap width in characters (None: none).
_SCORECARD_COLUMNS = (
    ("claim", 0.05, None),
    ("the claim (our short wording)", 0.30, 46),
    ("verdict", 0.105, None),
    ("estimate", 0.08, 10),
    ("unit", 0.09, 12),
    ("95 % interval", 0.13, 16),
    ("events", 0.06, None),
    ("verdict differs under", 0.185, 22),
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
        texts = [row.id, row.title, row.verdict, est, unit(claim), ci,
                 str(row.n_events), row.flipped_under.replace(";", ", ") or "-"]
        cells.append([_wrap(x, w) for x, (_, _, w) in zip(texts, _SCORECARD_COLUMNS, strict=True)])
        colours.append(["white", "white", VERDICT_COLOURS[row.verdict]] + ["white"] * 5)
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


def _walk(obj, prefix: str):
    """(key path, value) for every leaf of a nested dict (lists are leaves)."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _walk(v, f"{prefix}.{k}")
    else:
        yield prefix, obj


#: Keys of a claim's test a reader may want to change, and what each changes.
_CHANGE_KEYS = (
    ("rule.threshold", "the threshold of the decision rule"),
    ("in_zone.near_km", "the buffer around the named areas, in km"),
    ("parts", "the two parts' thresholds (area_threshold, facing.within_km, facing.threshold)"),
    ("in_zone.regions", "the named areas (region ids defined in data/regions.yaml)"),
    ("in_zone.region", "the named area (a region id defined in data/regions.yaml)"),
    ("in_zone.relative_to", "the date compared against"),
    ("rule.per_days", "the length of the period a rate is counted per"),
    ("period", "the period the test looks at"),
    ("variants", "the variants of the sensitivity table"),
)


def _inline(value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {v}" for k, v in value.items()) + "}"
    return str(value)


def change_note(registry, claim_id: str) -> str:
    """A "to change this" note for one claim, in Markdown: the study file and the YAML keys
    (with their present values) that set its threshold, buffer, areas and period, the
    ``us_held`` side in study.yaml when the claim's test uses it, and the command-line options
    that re-run the test. Generated from the registry, so it names the keys that exist."""
    claim = registry.claim(claim_id)
    sdir = f"data/studies/{registry.study_id}"
    test = claim.test
    flat = dict(_walk(test, "test"))
    lines = [(f"**To change this ({claim_id}):** edit `{sdir}/claims.yaml`, the claim with "
             f"`id: {claim_id}`:")]
    for key, what in _CHANGE_KEYS:
        top = key.split(".")[0]
        if key in ("period", "variants", "parts"):
            if top not in test:
                continue
            value = test[top]
            if key == "variants":
                value = ", ".join(str(v.get("name")) for v in value)
            elif key == "parts":
                value = "; ".join(", ".join(f"{k}: {_inline(v)}" for k, v in part.items()
                                            if k in ("area_threshold", "facing"))
                                  for part in value)
        else:
            if f"test.{key}" not in flat:
                continue
            value = flat[f"test.{key}"]
            if isinstance(value, (list, tuple)):
                value = ", ".join(map(str, value))
        if isinstance(value, dict):
            value = ", ".join(f"{k}: {v}" for k, v in value.items())
        lines.append(f"- `claims[{claim_id}].test.{key}` (now `{value}`): {what}")
    if "us_held" in str(test):
        held = registry.study.get("sides", {}).get("us_held", {}).get("controllers", [])
        lines.append(f"- what counts as US-held: `sides.us_held.controllers` in "
                     f"`{sdir}/study.yaml` (now `{', '.join(held)}`), or for one run "
                     f"`geoclaims claims --study {registry.study_id} --us-held "
                     f"{','.join(held) or 'sdf,us_coalition'}` (or `claims.run(us_held=[...])`)")
    lines.append(f"- then re-run: `geoclaims claims --study {registry.study_id}` (add "
                 "`--dataset NAME` for other event data), or `make all` to rebuild the pages")
    return "\n".join(lines)


def area_table(ev: Evaluation, claim_id: str) -> pd.DataFrame:
    """A density claim area by area (its ``by_area`` table): each named area and the rest of the
    country with its plain name, area, events, events per 1,000 km2 and that density divided by
    the rest's, and whether the area overlaps the others (their sum of areas exceeds their
    union, so an event in an overlap counts in more than one row). Empty without such a table."""
    r = ev.results[claim_id]
    tab = r.main.tables.get("by_area")
    cols = ["area", "id", "area_km2", "events", "per_1000_km2", "vs_rest", "note"]
    if tab is None or not len(tab):
        return pd.DataFrame(columns=cols)
    reg, c = ev.registry, r.main.components
    rest = tab[~tab["region"].astype(str).str.contains(":")]
    named = tab[tab["region"].astype(str).str.contains(":")]
    rest_density = float(rest["per_1000_km2"].iloc[0]) if len(rest) else float("nan")
    union = float(c.get("area_entry_km2", float("nan")))
    overlap = float(named["area_km2"].sum()) - union
    overlaps = len(named) > 1 and overlap > 1.0
    rows = []
    for t in tab.itertuples():
        rid = str(t.region)
        is_named = ":" in rid
        note = ""
        if is_named and overlaps:
            note = (f"overlaps another named area (the named areas' sum exceeds their union by "
                    f"{overlap:,.0f} km2)")
        elif not is_named:
            note = "the comparison: the country outside every named area and its buffer"
        rows.append({"area": _plain_region(reg, rid) if is_named else rid, "id": rid if is_named
                     else "-", "area_km2": round(float(t.area_km2)), "events": int(t.is_events),
                     "per_1000_km2": sig3(t.per_1000_km2),
                     "vs_rest": sig3(float(t.per_1000_km2) / rest_density) if rest_density
                     else "-", "note": note})
    if len(named):
        rows.append({"area": "all named areas together (their union, buffered)", "id": "-",
                     "area_km2": round(union), "events": int(c.get("w_entry", 0)),
                     "per_1000_km2": sig3(1000 * c.get("w_entry", 0) / union),
                     "vs_rest": sig3(1000 * c.get("w_entry", 0) / union / rest_density),
                     "note": "the main test's ratio (events in an overlap counted once)"})
    return pd.DataFrame(rows, columns=cols)


def plot_areas(ev: Evaluation, claim_id: str):
    """Events per 1,000 km2 in each named area, their union and the rest of the country, one bar
    each, with the rest's density as a line: which areas have more, which less. None without
    a ``by_area`` table."""
    import textwrap

    import matplotlib.pyplot as plt

    t = area_table(ev, claim_id)
    if not len(t):
        return None
    r = ev.results[claim_id]
    dens = [float(x) for x in t["per_1000_km2"]]
    rest = [d for d, i in zip(dens, t["id"]) if i == "-" and "union" not in str(t["area"])]
    rest_row = t[(t["id"] == "-") & ~t["area"].str.contains("named areas")]
    rest_d = float(rest_row["per_1000_km2"].iloc[0]) if len(rest_row) else (rest[0] if rest else 0)
    fig, ax = plt.subplots(figsize=(7.5, 0.5 * len(t) + 1.8))
    ys = range(len(t))[::-1]
    colours = ["#7f7f7f" if i == "-" else ("#1b7837" if d > rest_d else "#b2182b")
               for d, i in zip(dens, t["id"])]
    ax.barh(list(ys), dens, color=colours)
    for y, d, n in zip(ys, dens, t["events"]):
        ax.text(d, y, f" {d:.3g} ({n} events)", va="center", fontsize=8)
    ax.axvline(rest_d, color="black", ls="--", lw=1)
    labels = [textwrap.fill(f"{a}" + (" *" if note.startswith("overlaps") else ""), 34)
              for a, note in zip(t["area"], t["note"])]
    ax.set_yticks(list(ys), labels, fontsize=8)
    ax.set_xlim(0, max(dens) * 1.35 or 1)
    ax.set_xlabel(f"{reg_actor(ev)} events per 1,000 km2, {r.main.components.get('period_start'):%d %b %Y}"
                  " onwards (dashed: the rest of the country)", fontsize=8)
    ax.set_title(textwrap.fill(f"{claim_id}: {r.claim.title}", 72) + "\narea by area: green more "
                 "per km2 than the rest, red less", fontsize=9)
    if any(t["note"].str.startswith("overlaps")):
        fig.text(0.01, 0.01, "* the named areas overlap: an event in an overlap counts in each "
                 "of their rows (the union row counts it once)", fontsize=7, color="0.25")
        fig.tight_layout(rect=(0, 0.05, 1, 1))
    else:
        fig.tight_layout()
    return fig


def _plain_region(reg, rid: str) -> str:
    """A region's plain name: the study's label, else the region registry's name."""
    name = reg.region_label(rid)
    if name == rid:
        from geoclaims import regions

        try:
            name = str(regions.region(rid).name)
        except Exception:  # noqa: BLE001 - an unknown id keeps its id
            return rid
    return name


def reg_actor(ev: Evaluation) -> str:
    return ev.registry.actor_label
