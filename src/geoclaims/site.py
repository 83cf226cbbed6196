"""Stage ``site``: the executed notebooks as a small offline website that opens with the findings.

:mod:`geoclaims.build` runs the notebooks; this module turns what they wrote into pages a
student can read and a journalist can quote from:

- the **findings**: one sentence per claim, generated from the verdict table
  (``outputs/claims-verdicts.csv``) and the findings file beside it, never typed by hand
  (:func:`claim_sentence`); the index opens with them, and every claim page opens with the
  sentences of its claims (taken from its ``claim_ids`` parameter);
- every page has a title, previous / index / next / glossary links, real alt text on images
  (an output's ``alt`` metadata, else its figure's name), clickable source links;
- a glossary page from ``data/glossary.yaml`` (:func:`load_glossary`);
- :func:`broken_links` proves that every local link and image of the site resolves.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from geoclaims import paths

TEMPLATES = Path(__file__).parent / "templates"
GLOSSARY_FILE = "glossary.yaml"
GLOSSARY_PAGE = "glossary.html"

e = html.escape


# --------------------------------------------------------------------------- numbers and words

def sig3(x: float | None) -> str:
    """A number with three significant digits (no exponent), '' for a missing value."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    if math.isinf(x):
        return "unbounded" if x > 0 else "-unbounded"
    if x == 0:
        return "0"
    digits = max(0, 2 - math.floor(math.log10(abs(x))))
    return f"{x:,.{digits}f}"


@dataclass(frozen=True)
class Unit:
    """How a claim's estimate reads: a share (shown in %), a rate or a ratio."""

    kind: str  # share, rate, ratio
    label: str  # e.g. "% of IS events", "IS events a quarter", "ratio"

    def value(self, x: float | None) -> str:
        if x is None or (isinstance(x, float) and math.isnan(x)):
            return ""
        if self.kind == "share":
            return f"{sig3(100 * x)} %"
        return sig3(x)

    def interval(self, lo: float | None, hi: float | None) -> str:
        a, b = self.value(lo), self.value(hi)
        if not a or not b:
            return ""
        if self.kind == "share":
            return f"{a[:-2]} to {b}"
        return f"{a} to {b}"


def rule_parts(rule: str) -> tuple[str, float | None]:
    """``'share_at_least 0.95: ...'`` -> ``('share_at_least', 0.95)``."""
    m = re.match(r"\s*([a-z_]+)\s+([-+0-9.eE]+|inf)?", str(rule or ""))
    if not m:
        return "", None
    return m.group(1), (float(m.group(2)) if m.group(2) else None)


def unit_for(rule: str, metric: str) -> Unit:
    """The unit of a claim's estimate: from its metric's words when they say (a share, a ratio,
    events per period), else from its rule type."""
    text = (metric or "").lower()
    period = re.search(r"per (quarter|year|month|day|week)", text)
    if text.startswith("share") or " share of " in f" {text}":
        return Unit("share", "%")
    if "ratio" in text or "divided by" in text:
        return Unit("ratio", "a ratio; 1 means no difference")
    if period:
        return Unit("rate", f"events a {period.group(1)}")
    kind, _ = rule_parts(rule)
    if kind.startswith("share"):
        return Unit("share", "%")
    if kind.startswith("rate"):
        return Unit("rate", "events per period")
    if kind.startswith("ratio"):
        return Unit("ratio", "a ratio; 1 means no difference")
    return Unit("number", "")


_RULE_WORDS = {
    "share_at_least": "supported only if the whole interval is at or above {t}",
    "share_at_most": "supported only if the whole interval is at or below {t}",
    "rate_at_most": "supported only if the whole interval is at or below {t}",
    "rate_at_least": "supported only if the whole interval is at or above {t}",
    "ratio_above": "supported only if the whole interval is above {t}",
    "ratio_below": "supported only if the whole interval is below {t}",
}


def rule_in_words(rule: str, unit: Unit) -> str:
    kind, t = rule_parts(rule)
    words = _RULE_WORDS.get(kind)
    if words is None or t is None:
        return str(rule)
    if unit.kind == "share":
        shown = f"{sig3(100 * t)} %"
    elif unit.kind == "rate":
        shown = f"{sig3(t)} {unit.label}"
    else:
        shown = sig3(t)
    return words.format(t=shown)


def _period(finding: Mapping | None) -> str:
    comp = (finding or {}).get("components") or {}
    start, end_x = comp.get("period_start"), comp.get("period_end_exclusive")
    if not start or not end_x:
        return ""
    end = (dt.date.fromisoformat(str(end_x)) - dt.timedelta(days=1)).isoformat()
    return f"{start} to {end}"


def _num(x) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


def _text(x) -> str:
    """A table cell as text: '' for a missing value."""
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else str(x)


def _first_sentence(text: str) -> str:
    return re.split(r"(?<=[.;])\s", text.strip(), maxsplit=1)[0].rstrip(".;")


def claim_sentence(row: Mapping, finding: Mapping | None = None,
                   variant_labels: Mapping[str, str] | None = None) -> str:
    """One plain sentence (a few clauses) for a verdict-table row: verdict, estimate with unit
    and interval, period, number of events, and the main caveat. Generated, never typed."""
    labels = variant_labels or {}
    cid, title, verdict = _text(row["id"]), _text(row["title"]), _text(row["verdict"])
    unit = unit_for(_text(row.get("rule")), _text(row.get("metric")))
    est = _num(row.get("estimate"))
    n = _num(row.get("n_events"))
    head = f"{cid}, “{title}”: {verdict}."
    if verdict == "not testable" or est is None:
        reason = _text(row.get("reason")).split(". ")[0].rstrip(".")
        return f"{head} {reason[:1].upper()}{reason[1:]}." if reason else head
    metric = _text(row.get("metric")).split(" (")[0].split("; ")[0]
    value = unit.value(est) if unit.kind == "share" else f"{unit.value(est)} ({unit.label})"
    parts = [head, f"Estimate: {metric} = {value}"]
    lo, hi = _num(row.get("ci_low")), _num(row.get("ci_high"))
    ci = unit.interval(lo, hi)
    if lo is not None and lo == hi == est:
        parts[-1] += " (a single measurement: no sampling interval)"
    elif ci:
        parts[-1] += f", 95 % interval {ci}"
    period = _period(finding)
    if n:
        parts[-1] += f", from {int(n):,} events" + (f", {period}" if period else "")
    elif period:
        parts[-1] += f", {period}"
    parts[-1] += "."
    parts.append(f"Rule: {rule_in_words(_text(row.get('rule')), unit)}.")
    flipped = [v for v in _text(row.get("flipped_under")).split(";") if v]
    if flipped:
        named = ", ".join(f"{labels.get(v, v)} ({v})" for v in flipped)
        parts.append(f"Main caveat: the main test alone gives {row.get('main_verdict')}, and the "
                     f"verdict differs when the test is changed to: {named}.")
    elif _text(row.get("main_verdict")) == "mixed" and _text(row.get("reason")):
        parts.append(f"Main caveat: the test's parts disagree. "
                     f"{_first_sentence(_text(row.get('reason')))}.")
    else:
        notes = list((finding or {}).get("notes") or [])
        unknown = ((finding or {}).get("components") or {}).get("n_unknown_controller")
        if notes:
            parts.append(f"Caveat: {str(notes[0]).rstrip('.')}.")
        elif unknown:
            parts.append(f"Caveat: {unknown} of the events lie outside every zone of the "
                         "control ledger and are left out.")
    return " ".join(parts)


# --------------------------------------------------------------------------- the verdict table

@dataclass
class Findings:
    """What the claims stage wrote: the verdict table, the findings file and variant labels."""

    verdicts: pd.DataFrame
    by_id: dict[str, dict] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    source: Path | None = None
    data_period: str = ""

    def sentences(self) -> dict[str, str]:
        return {str(r["id"]): claim_sentence(r, self.by_id.get(str(r["id"])), self.labels)
                for r in self.verdicts.to_dict("records")}


def load_findings(outputs: Path | None = None) -> Findings | None:
    """Read ``claims-verdicts.csv``, the newest ``findings-*.json`` and the sensitivity labels
    from ``outputs``; ``None`` when the claims stage has not written them."""
    out = Path(outputs or paths.OUTPUTS)
    verdicts_csv = out / "claims-verdicts.csv"
    if not verdicts_csv.exists():
        return None
    verdicts = pd.read_csv(verdicts_csv, dtype={"id": str}, keep_default_na=False,
                           na_values=[""])
    by_id: dict[str, dict] = {}
    data_period = ""
    found = sorted(out.glob("findings-*.json"))
    if found:
        doc = json.loads(found[-1].read_text(encoding="utf-8"))
        by_id = {str(c["id"]): c for c in doc.get("claims", [])}
        data = doc.get("data") or {}
        if data.get("data_start") and data.get("data_end"):
            data_period = f"{data['data_start']} to {data['data_end']}"
    labels: dict[str, str] = {}
    sens = out / "claims-sensitivity.csv"
    if sens.exists():
        s = pd.read_csv(sens, usecols=["variant", "label"], keep_default_na=False)
        labels = dict(zip(s["variant"], s["label"], strict=True))
    return Findings(verdicts, by_id, labels, verdicts_csv, data_period)


# --------------------------------------------------------------------------- glossary

def load_glossary(path: Path | None = None) -> list[dict]:
    """The glossary: a list of ``{term, plain, more}``; every term shown to readers."""
    p = Path(path or paths.DATA / GLOSSARY_FILE)
    rows = yaml.safe_load(p.read_text(encoding="utf-8")) or []
    for i, r in enumerate(rows, start=1):
        for key in ("term", "plain"):
            if not str(r.get(key) or "").strip():
                raise ValueError(f"{p}: entry {i}: field '{key}' is empty")
    return rows


def anchor_id(term: str) -> str:
    return "g-" + re.sub(r"[^a-z0-9]+", "-", term.lower()).strip("-")


# --------------------------------------------------------------------------- pages

@dataclass
class Page:
    executed: Path
    html_name: str
    title: str
    description: str
    claim_ids: list[str]


def _parameters(nb) -> dict:
    """The papermill parameters of an executed notebook (defaults, then injected values)."""
    values: dict = {}
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.cell_type == "code" and ("parameters" in tags or "injected-parameters" in tags):
            for m in re.finditer(r"^(\w+)\s*=\s*(.+?)\s*(?:#.*)?$", cell.source, re.MULTILINE):
                values[m.group(1)] = m.group(2)
    return values


def _claim_ids(nb) -> list[str]:
    raw = _parameters(nb).get("claim_ids")
    return re.findall(r"['\"]([^'\"]+)['\"]", raw) if raw else []


def _title_and_description(nb, fallback: str) -> tuple[str, str]:
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        lines = cell.source.strip().splitlines()
        if not lines or not lines[0].startswith("#"):
            continue
        title = lines[0].lstrip("#").strip()
        paras = re.split(r"\n\s*\n", "\n".join(lines[1:]).strip())
        first = re.sub(r"\s+", " ", paras[0]).strip() if paras and paras[0] else ""
        first = re.sub(r"[*_`]", "", first)
        sentence = re.split(r"(?<=[.?!])\s", first, maxsplit=1)[0] if first else ""
        return title, sentence
    return fallback, ""


def read_page(executed: Path) -> Page:
    import nbformat

    nb = nbformat.read(str(executed), as_version=4)
    title, desc = _title_and_description(nb, executed.stem)
    return Page(executed, executed.stem + ".html", title, desc, _claim_ids(nb))


def nav_html(pages: list[Page], i: int) -> str:
    prev_ = (f'<a rel="prev" href="{e(pages[i - 1].html_name)}">← {e(pages[i - 1].title)}</a>'
             if i > 0 else "<span></span>")
    next_ = (f'<a rel="next" href="{e(pages[i + 1].html_name)}">{e(pages[i + 1].title)} →</a>'
             if i + 1 < len(pages) else "<span></span>")
    return ('<nav class="gc-nav" aria-label="pages">'
            f'{prev_}<span><a href="index.html">Index</a> · '
            f'<a href="{GLOSSARY_PAGE}">Glossary</a></span>{next_}</nav>')


def findings_box(page: Page, findings: Findings | None) -> str:
    if not findings or not page.claim_ids:
        return ""
    sentences = findings.sentences()
    items = [f"<li>{e(sentences[c])}</li>" for c in page.claim_ids if c in sentences]
    if not items:
        return ""
    return ('<section class="gc-findings" aria-label="findings"><h2>What the data show</h2>'
            f'<ul>{"".join(items)}</ul><p class="gc-small">Generated from '
            '<a href="downloads/claims-verdicts.csv">the verdict table</a>; every term is in the '
            f'<a href="{GLOSSARY_PAGE}">glossary</a>.</p></section>')


_NAV_CSS = """
.gc-nav { display: flex; justify-content: space-between; gap: 1rem; padding: .6rem 1rem;
  font: 15px/1.4 system-ui, sans-serif; background: #f3f3f3; border-bottom: 1px solid #ddd; }
.gc-findings { font: 16px/1.5 system-ui, sans-serif; margin: 1rem 1.5rem; padding: .5rem 1rem;
  border-left: 4px solid #555; background: #fafafa; }
.gc-findings h2 { font-size: 1.1rem; margin: .3rem 0; }
.gc-small { font-size: .85rem; color: #444; }
.gc-figure { margin: 1rem 1.5rem; } .gc-figure img { max-width: 100%; height: auto; }
"""

_URL_CELL = re.compile(r"(<td[^>]*>)\s*(https?://[^\s<>\"]+)\s*(</td>)")
_URL_TEXT = re.compile(r"(?<![\"'=>/])\b(https?://[^\s<>\"')]+)")


def linkify(body: str) -> str:
    """Make table cells that hold a URL, and URLs in plain output text, clickable."""
    body = _URL_CELL.sub(lambda m: f'{m.group(1)}<a href="{m.group(2)}">{m.group(2)}</a>'
                         f'{m.group(3)}', body)

    def in_pre(m: re.Match) -> str:
        return _URL_TEXT.sub(lambda u: f'<a href="{u.group(1)}">{u.group(1)}</a>', m.group(0))

    return re.sub(r"<pre>.*?</pre>", in_pre, body, flags=re.DOTALL)


def render_page(pages: list[Page], i: int, out_dir: Path, findings: Findings | None,
                figure_alts: Mapping[str, str] | None = None) -> Path:
    """Render one executed notebook to an offline HTML page with navigation and findings."""
    import nbformat
    from nbconvert import HTMLExporter

    page = pages[i]
    nb = nbformat.read(str(page.executed), as_version=4)
    nb.metadata["title"] = f"{page.title} · geoclaims"
    exporter = HTMLExporter(template_name="lab", extra_template_paths=[str(TEMPLATES)])
    exporter.template_file = "offline.html.j2"
    nav = nav_html(pages, i)
    resources = {
        "geoclaims": {
            "css": _NAV_CSS,
            "top": nav,
            "bottom": nav,
            "alt": f"Figure from the page “{page.title}”",
        }
    }
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    box = findings_box(page, findings)
    if box:  # the page opens with its claims' findings, right under its title
        cut = body.find("</h1>")
        cut = cut + len("</h1>") if cut >= 0 else body.find("<main>") + len("<main>")
        body = body[:cut] + box + body[cut:]
    out = out_dir / page.html_name
    out.write_text(linkify(body), encoding="utf-8")
    return out


# --------------------------------------------------------------------------- link check

_LOCAL_REF = re.compile(r"""<(?:a|img|link|script|iframe|source)\b[^>]*?\b(?:href|src)\s*=\s*"""
                        r"""["']([^"'#]+?)(?:#[^"']*)?["']""", re.IGNORECASE)


def broken_links(site_dir: Path) -> list[str]:
    """Every local link or image in the site's pages that does not resolve to a file."""
    site_dir = Path(site_dir)
    problems = []
    for page in sorted(site_dir.rglob("*.html")):
        if page.parent.name in ("figures", "maps"):
            continue  # exported maps: their links are Leaflet's and the credits' own
        text = page.read_text(encoding="utf-8", errors="replace")
        for ref in _LOCAL_REF.findall(text):
            if re.match(r"^(?:[a-z]+:|//)", ref, re.IGNORECASE):
                continue
            if not (page.parent / html.unescape(ref)).exists():
                problems.append(f"{page.relative_to(site_dir)}: {ref}")
    return problems


# --------------------------------------------------------------------------- glossary page

def _generated_terms(findings: Findings | None) -> list[tuple[str, list[tuple[str, str]]]]:
    """Ids shown to readers, each with its plain name: regions, governorates, test variants."""
    from geoclaims import regions

    doc = yaml.safe_load((paths.DATA / "regions.yaml").read_text(encoding="utf-8")) or {}
    sections = [("Region ids (data/regions.yaml)",
                 [(str(r["id"]), str(r.get("name", ""))) for r in doc.get("regions") or []])]
    govs = regions.governorates()
    sections.append(("Governorates (OCHA P-codes)",
                     [(f"{p} ({i})", str(n)) for i, p, n in
                      sorted(zip(govs["id"], govs["pcode"], govs["name"], strict=True))]))
    if findings and findings.labels:
        sections.append(("Test variants (sensitivity table)", sorted(findings.labels.items())))
    return sections


def write_glossary(out_dir: Path, findings: Findings | None) -> Path:
    rows = load_glossary()
    body = [f'<dt id="{anchor_id(r["term"])}">{e(r["term"])}</dt><dd>{e(r["plain"])}'
            + (f' <span class="gc-small">Source: {_source_link(r["source"])}</span>'
               if r.get("source") else "") + "</dd>" for r in rows]
    extra = ""
    for heading, items in _generated_terms(findings):
        if items:
            extra += (f"<h2>{e(heading)}</h2><dl>"
                      + "".join(f"<dt><code>{e(k)}</code></dt><dd>{e(v)}</dd>" for k, v in items)
                      + "</dl>")
    out = out_dir / GLOSSARY_PAGE
    out.write_text(_shell("Glossary", '<p><a href="index.html">Index</a></p><h1>Glossary</h1>'
                          f"<dl>{''.join(body)}</dl>{extra}"), encoding="utf-8")
    return out


def _source_link(src: str) -> str:
    return f'<a href="{e(src)}">{e(src)}</a>' if src.startswith("http") else e(src)


_INDEX_CSS = """
body { font: 16px/1.5 system-ui, sans-serif; max-width: 62rem; margin: 2rem auto; padding: 0 1rem;
  color: #222; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
.figs { display: grid; grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr)); gap: 1rem; }
.figs figure { margin: 0; border: 1px solid #ddd; padding: .5rem; }
.figs img, .scorecard img { width: 100%; height: auto; }
figcaption, .gc-small { font-size: .85rem; color: #444; }
.verdict { font-weight: 600; }
dt { font-weight: 600; margin-top: .6rem; }
"""


def _shell(title: str, body: str) -> str:
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{e(title)} · geoclaims</title>\n<style>{_INDEX_CSS}</style></head><body>\n"
            f"{body}\n</body></html>\n")


def figure_caption(name: str) -> str:
    """A reader's caption for a figure file name (the alt text too)."""
    stem = re.sub(r"\.(png|svg|html|mp4|webm|gif)$", "", name)
    m = re.match(r"claim_(\w+?)(_map)?$", stem)
    if m:
        return (f"Map of the events behind claim {m.group(1)}" if m.group(2)
                else f"Estimate and 95 % interval for claim {m.group(1)} against its threshold")
    if stem.startswith("geoclaims_isis_") and name.endswith((".mp4", ".webm", ".gif")):
        return ("Areas of control and Islamic State events, "
                + ("month by month" if "monthly" in stem else "step by step")
                + " " + stem.split("_")[2].replace("-", "–"))
    words = re.sub(r"^\d+_", "", stem).replace("_", " ")
    return words[:1].upper() + words[1:]


def card_links(claim_id: str, cards: Iterable[str]) -> str:
    """Links to a claim's fact-check card files in ``cards/`` ("" when there is none)."""
    have = set(cards)
    links = [f'<a href="cards/card-{e(claim_id)}.{x}">{x.upper()}</a>'
             for x in ("png", "pdf", "svg") if f"card-{claim_id}.{x}" in have]
    return f' <span class="gc-small">(fact-check card: {" · ".join(links)})</span>' \
        if links else ""


def _journalists_html(copied: Mapping[str, list[str]], with_sources) -> str:
    """The "For journalists" section: time-lapses, embed snippets, fact-check cards, and where
    the maps and data are (each with its sources and licences)."""
    items = []
    for f in copied.get("journalists", []):
        if f.lower().endswith((".mp4", ".webm")):
            kind = "video/mp4" if f.lower().endswith(".mp4") else "video/webm"
            items.append(f'<li>Time-lapse: <a href="figures/{e(f)}">{e(figure_caption(f))}</a>'
                         f"{with_sources(f)}<br><video controls preload=\"none\" width=\"600\">"
                         f'<source src="figures/{e(f)}" type="{kind}"></video></li>')
        elif f.lower().endswith(".gif"):
            items.append(f'<li>Time-lapse: <a href="figures/{e(f)}">{e(figure_caption(f))}</a>'
                         f"{with_sources(f)}</li>")
        elif f.endswith(".embed.html"):
            items.append(f'<li>Embed code (an <code>&lt;iframe&gt;</code> with a fixed aspect '
                         f'ratio and a visible credit line): <a href="figures/{e(f)}">{e(f)}</a>'
                         "</li>")
    cards = list(copied.get("cards", []))
    ids = sorted({c[len("card-"):].rsplit(".", 1)[0] for c in cards if c.startswith("card-")},
                 key=lambda s: (len(s), s))
    if ids:
        items.append("<li>Fact-check cards, one per claim: " + "; ".join(
            f"{e(i)}{card_links(i, cards)}" for i in ids) + "</li>")
    if not items:
        return ""
    return ("<h2>For journalists</h2><p>Ready to publish, each with its sources and licences; "
            "the README shows the command that makes each one for another place, period or "
            f"size.</p><ul>{''.join(items)}</ul>")


def write_index(out_dir: Path, pages: list[Page], copied: Mapping[str, list[str]],
                findings: Findings | None) -> Path:
    """The index: the findings first (one generated sentence per claim and the scorecard), the
    notebooks in reading order with one line each, then maps, figures, downloads, sources."""
    parts = [("<h1>geoclaims: what an opinion article says about IS in Syria, and what open "
              "conflict data show</h1>"),
             ("<p>Every number here is rerun by <code>make all</code>; every page reads "
              f'offline. Terms are explained in the <a href="{GLOSSARY_PAGE}">glossary</a>.</p>')]
    if findings is not None:
        sent = findings.sentences()
        items = "".join(f'<li id="finding-{e(c)}">{e(s)}{card_links(c, copied.get("cards", []))}'
                        "</li>" for c, s in sent.items())
        parts.append("<h2>Findings</h2>"
                     + (f"<p class=\"gc-small\">Event data: {e(findings.data_period)}.</p>"
                        if findings.data_period else "")
                     + f"<ol>{items}</ol>"
                     '<p class="gc-small">Each sentence is generated from '
                     '<a href="downloads/claims-verdicts.csv">the verdict table</a> (see also '
                     '<a href="downloads/claims-sensitivity.csv">the sensitivity table</a>).</p>')
    figures = list(copied.get("figures", []))
    card = next((f for f in figures if f.endswith("scorecard.png")), None)
    if card:
        parts.append(f'<figure class="scorecard"><a href="figures/{e(card)}"><img '
                     f'src="figures/{e(card)}" alt="Scorecard: every claim with its verdict, '
                     'estimate and 95 % interval"></a></figure>')
    order = "".join(
        f'<li><a href="{e(p.html_name)}">{e(p.title)}</a>'
        + (f" — {e(p.description)}" if p.description else "") + "</li>" for p in pages)
    parts.append("<h2>Read the notebooks in this order</h2>"
                 "<p>The first three prepare the ground (places, events, who held what); the "
                 f"claim pages test the claims; the scorecard sums up.</p><ol>{order}</ol>")
    sidecars = set(copied.get("sidecars", []))

    def with_sources(f: str) -> str:
        return (f' (<a href="figures/{e(f)}.sources.txt">sources and licences</a>)'
                if f + ".sources.txt" in sidecars else "")

    maps_ = "".join(f'<li><a href="figures/{e(f)}">{e(figure_caption(f))}</a>{with_sources(f)}'
                    "</li>" for f in copied.get("maps", []))
    parts.append(f"<h2>Interactive maps</h2><ul>{maps_ or '<li>none</li>'}</ul>")
    pngs = [f for f in figures if f.lower().endswith(".png")]
    svgs = {f for f in figures if f.lower().endswith(".svg")}
    figs = []
    for f in pngs:
        stem = f[:-4]
        links = [f'<a href="figures/{e(f)}">PNG</a>']
        if stem + ".svg" in svgs:
            links.append(f'<a href="figures/{e(stem)}.svg">SVG</a>')
        cap = figure_caption(f)
        figs.append(f'<figure><a href="figures/{e(f)}"><img src="figures/{e(f)}" alt="{e(cap)}">'
                    f'</a><figcaption>{e(cap)}: {" · ".join(links)}{with_sources(f)}'
                    "</figcaption></figure>")
    parts.append(f"<h2>Figures</h2><div class=\"figs\">{''.join(figs) or '<p>none</p>'}</div>")
    parts.append(_journalists_html(copied, with_sources))
    downloads = "".join(f'<li><a href="figures/{e(f)}">{e(f)}</a>{with_sources(f)}</li>'
                        for f in copied.get("downloads", []))
    downloads += "".join(f'<li><a href="downloads/{e(f)}">{e(f)}</a></li>'
                         for f in copied.get("tables", []))
    if downloads:
        parts.append(f"<h2>Data downloads</h2><ul>{downloads}</ul>")
    parts.append(
        "<h2>Data and licences</h2><p>Each figure and map names its sources and licences: "
        '<a href="https://ucdp.uu.se/">UCDP GED</a> (CC BY 4.0), '
        '<a href="https://data.humdata.org/dataset/cod-ab-syr">OCHA COD-AB</a> '
        '(CC BY-IGO 3.0), <a href="https://www.geonames.org/">GeoNames</a> (CC BY 4.0), '
        '<a href="https://www.naturalearthdata.com/">Natural Earth</a> (public domain), and '
        "our cited control ledger. The repository's README gives the full citations.</p>")
    index = out_dir / "index.html"
    index.write_text(_shell("Findings", "\n".join(parts)), encoding="utf-8")
    return index


# --------------------------------------------------------------------------- notebook helpers

def shown_path(path: Path | str) -> str:
    """A path as a reader should see it: relative to the repository (``figures/x.png``), never
    the absolute path of the machine that built the site."""
    return paths.relative(path, paths.FIGURES.parent, paths.ROOT) or Path(path).name


def show_figure(path: Path | str, alt: str) -> None:
    """In a notebook: show a written PNG inline with real alt text, and say where it (and its
    SVG twin, if any) went, relative to the repository."""
    from IPython.display import Image, Markdown, display

    png = Path(path).with_suffix(".png")
    display(Image(filename=str(png), metadata={"alt": alt}))
    twins = [shown_path(png)] + ([shown_path(png.with_suffix(".svg"))]
                                 if png.with_suffix(".svg").exists() else [])
    display(Markdown("Written to " + " and ".join(f"`{t}`" for t in twins) + "."))


def show_link(path: Path | str, text: str) -> None:
    """In a notebook: a link to a written file (a web map, a CSV) that works in the site, where
    ``figures/`` sits beside the pages."""
    from IPython.display import Markdown, display

    name = shown_path(path)
    display(Markdown(f"[{text}]({name}) (`{name}`)"))


def machine_paths(site_dir: Path, root: Path | None = None) -> list[str]:
    """Pages that show an absolute path of the machine that built them (the repository's)."""
    marker = str(Path(root or paths.ROOT).resolve())
    found = []
    for page in sorted(Path(site_dir).glob("*.html")):
        text = page.read_text(encoding="utf-8", errors="replace")
        n = text.count(marker)
        if n:
            found.append(f"{page.name}: {n} absolute path(s) under {marker}")
    return found


# --------------------------------------------------------------------------- README findings

README_START = "<!-- findings:start (generated by `make all` from outputs/claims-verdicts.csv; do not edit) -->"
README_END = "<!-- findings:end -->"


def source_notebooks() -> list[Path]:
    """The numbered notebooks of the repository, in reading order."""
    return sorted((paths.ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def readme_block(findings: Findings, pages: list[Page] | None = None) -> str:
    """The README's findings section: the generated sentences, where the scorecard is, and the
    notebooks in reading order (the same text as the site's index)."""
    lines = [README_START, ""]
    if findings.data_period:
        lines += [(f"Event data: {findings.data_period}. Each line is generated from "
                   "`outputs/claims-verdicts.csv`; the scorecard is `figures/09_scorecard.png` "
                   "and the site's index (`build/site/index.html`), both written by "
                   "`make all`."), ""]
    for sentence in findings.sentences().values():
        lines.append(f"- {sentence}")
    if pages:
        lines += ["", "Read the notebooks in this order:", ""]
        lines += [f"{i}. `notebooks/{p.executed.name}`: {p.title}"
                  + (f". {p.description}" if p.description else "")
                  for i, p in enumerate(pages, start=1)]
    lines += ["", README_END]
    return "\n".join(lines)


def update_readme(readme: Path, block: str) -> bool:
    """Replace the findings block of ``readme`` (between the markers); True if it changed."""
    text = readme.read_text(encoding="utf-8")
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        raise ValueError(f"{readme}: no findings markers ({README_START!r} ... {README_END!r})")
    new = text[:start] + block + text[end + len(README_END):]
    if new == text:
        return False
    tmp = readme.with_name(f".{readme.name}.tmp")
    tmp.write_text(new, encoding="utf-8")
    tmp.replace(readme)
    return True


def readme_findings(readme: Path) -> str:
    """The findings block as it stands in ``readme``."""
    text = readme.read_text(encoding="utf-8")
    start, end = text.find(README_START), text.find(README_END)
    return text[start:end + len(README_END)] if 0 <= start < end else ""
