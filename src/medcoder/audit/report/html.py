"""The audit workbook as one self-contained HTML file: CSS inline, charts inlined as SVG (their
labels stay searchable text), no script, no link to anything outside the file, so it opens the
same offline, in an e-mail attachment or from an evidence archive.

Every value that comes from the inputs (claim ids, codes, documentation excerpts, messages,
rule references, file names) is escaped (``html.escape`` with quotes): an excerpt holding
``<script>`` shows as text. Sections, each with a stable ``id``: ``summary``, ``extrapolation``,
``findings``, ``claims``, ``not-reviewable``, ``patterns``, ``charts``, ``problems`` (only when
some input could not be read) and ``provenance``; the provenance line also heads the page, so
a printed page says which run it came from.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from pathlib import Path

from medcoder.audit.report.charts import category_chart, em_chart, inline_svg
from medcoder.audit.report.workbook import (
    LEAD_NOTE,
    NO_FINDINGS,
    NOT_DONE,
    Workbook,
    check_folder,
    money,
    percent,
    write_atomic,
)

CSS = """
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; font-size: 13px; color: #1b1b1b;
       margin: 2em auto; max-width: 1200px; padding: 0 1em; }
h1 { font-size: 24px; margin-bottom: 0.2em; }
h2 { font-size: 18px; border-bottom: 2px solid #34495e; padding-bottom: 2px; margin-top: 1.8em; }
h3 { font-size: 15px; }
table { border-collapse: collapse; margin: 0.5em 0 1em; width: 100%; }
th, td { border: 1px solid #bbb; padding: 3px 6px; vertical-align: top; text-align: left; }
th { background: #ecf0f1; }
thead { display: table-header-group; }
td.num, th.num { text-align: right; white-space: nowrap; }
table.kv { width: auto; min-width: 40%; }
table.kv th { font-weight: normal; background: #f7f9f9; }
blockquote.excerpt { margin: 0 0 4px; padding: 2px 6px; border-left: 3px solid #aab7b8;
                     background: #fbfcfc; font-style: italic; white-space: pre-wrap; }
blockquote.excerpt::before { content: open-quote; } blockquote.excerpt::after { content: close-quote; }
.meta, .note { color: #555; font-size: 12px; }
.none { color: #555; font-style: italic; }
code, .hash { font-family: "DejaVu Sans Mono", Menlo, monospace; font-size: 11px; word-break: break-all; }
figure { margin: 1em 0; } figure svg { max-width: 100%; height: auto; }
@media print { section { break-inside: auto; } tr { break-inside: avoid; } }
"""


NUM = ' class="num"'


def _e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def _table(head: Sequence[str], rows: Iterable[Sequence[str]], *, num: Iterable[int] = (),
           raw: Iterable[int] = (), cls: str = "") -> str:
    """A table; cells are escaped except the column indexes in ``raw`` (already HTML)."""
    nums, raws = set(num), set(raw)
    attr = f' class="{cls}"' if cls else ""
    out = [f"<table{attr}><thead><tr>"]
    out += [f"<th{NUM if i in nums else ''}>{_e(h)}</th>" for i, h in enumerate(head)]
    out.append("</tr></thead><tbody>")
    for row in rows:
        out.append("<tr>" + "".join(
            f"<td{NUM if i in nums else ''}>{c if i in raws else _e(c)}</td>"
            for i, c in enumerate(row)) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _kv(rows: Iterable[tuple[str, str]]) -> str:
    return ('<table class="kv"><tbody>'
            + "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows) + "</tbody></table>")


def _none(text: str) -> str:
    return f'<p class="none">{_e(text)}</p>'


def _evidence(excerpts: Sequence[str]) -> str:
    return "".join(f'<blockquote class="excerpt">{_e(x.strip())}</blockquote>' for x in excerpts if x.strip())


def render_html(wb: Workbook) -> str:
    """The page as a string."""
    p = wb.provenance
    parts: list[str] = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="generator" content="medcoder">', f"<title>{_e(wb.title)}</title>",
        f"<style>{CSS}</style></head><body>",
        f'<header><h1>{_e(wb.title)}</h1><p class="meta" id="provenance-line">{_e(p.footer())}</p></header>',
    ]
    # summary
    parts += ['<section id="summary"><h2>Summary</h2>', _kv(wb.summary_rows()), f"<p>{_e(wb.sample_text())}</p>"]
    parts.append("<h3>Findings by category</h3>")
    if wb.categories:
        parts.append(_table(
            ["Category", "Findings", "Claims", "Overpaid", "Underpaid"],
            [[c.label, str(c.findings), str(c.claims), money(c.overpaid), money(c.underpaid)] for c in wb.categories],
            num=(1, 2, 3, 4)))
    else:
        parts.append(_none(NO_FINDINGS))
    parts.append("</section>")
    # extrapolation
    parts += ['<section id="extrapolation"><h2>Extrapolation</h2>', f"<p>{_e(wb.extrapolation_text())}</p>"]
    if wb.estimate:
        parts.append(_kv(wb.extrapolation_table()))
    parts.append("</section>")
    # findings
    parts.append('<section id="findings"><h2>Findings</h2>')
    if wb.findings:
        parts.append(_table(
            ["Claim", "Line", "Category", "Billed", "Supported", "Amount", "Finding", "Evidence", "Rule"],
            [[f.claim_id, "claim" if f.line is None else str(f.line), _e(f.label) + f'<br><span class="note">'
              f"{_e(f.direction)}</span>", f.billed, f.supported, money(f.amount),
              _e(f.message) + (f'<br><span class="note">{_e(f.amount_basis)}</span>' if f.amount_basis else ""),
              _evidence(f.evidence), f.reference] for f in wb.findings],
            num=(1, 5), raw=(2, 6, 7)))
    else:
        parts.append(_none(NO_FINDINGS))
    parts.append("</section>")
    # claims
    parts.append('<section id="claims"><h2>Claims</h2>')
    if wb.claims:
        parts.append(_table(
            ["Claim", "Provider", "Date of service", "Status", "Paid", "Overpayment", "Underpayment", "Findings"],
            [[c.claim_id, c.provider_id, c.date_of_service,
              ("in error" if c.in_error else c.status), money(c.paid), money(c.overpayment),
              money(c.underpayment), str(c.findings)] for c in wb.claims],
            num=(4, 5, 6, 7)))
    else:
        parts.append(_none("no claim was selected for review"))
    parts.append("</section>")
    # not reviewable
    parts += ['<section id="not-reviewable"><h2>Not reviewable</h2>',
              '<p class="note">Listed, never counted as correct: outside the error rate\'s numerator and '
              "denominator.</p>"]
    if wb.not_reviewable:
        parts.append(_table(["Claim", "Paid", "Reason"],
                            [[c.claim_id, money(c.paid), c.reason] for c in wb.not_reviewable], num=(1,)))
    else:
        parts.append(_none("none: every selected claim was reviewed"))
    parts.append("</section>")
    # patterns
    parts.append(f'<section id="patterns"><h2>Provider E/M patterns</h2><p class="note">Each is a '
                 f"{_e(LEAD_NOTE)}: a pattern to look into, never an error or an amount.</p>")
    if not wb.patterns_done:
        parts.append(_none(f"E/M patterns: {NOT_DONE}"))
    else:
        if wb.patterns_rule:
            parts.append(f"<p>{_e(wb.patterns_rule)}</p>")
        parts.append("<h3>Leads</h3>")
        if wb.leads:
            parts.append(_table(["Provider", "Family", "Why"],
                                [[x.provider, x.family, x.reason] for x in wb.leads]))
        else:
            parts.append(_none("no lead"))
        if wb.patterns:
            parts.append("<h3>Distribution</h3>")
            parts.append(_table(
                ["Provider", "Family", "Code", "Visits", "Share", "Peer share"],
                [[r.provider, r.family, r.code, str(r.count), percent(r.share), percent(r.peer_share)]
                 for r in wb.patterns], num=(3, 4, 5)))
    parts.append("</section>")
    # charts
    parts += ['<section id="charts"><h2>Charts</h2>',
              f'<figure id="chart-categories">{inline_svg(category_chart(wb, "svg"))}'
              "<figcaption>Findings by category: dollars and count.</figcaption></figure>",
              f'<figure id="chart-em">{inline_svg(em_chart(wb, "svg"))}'
              f"<figcaption>E/M level distribution per provider vs peers ({_e(LEAD_NOTE)}).</figcaption></figure>",
              "</section>"]
    if wb.problems:
        parts += ['<section id="problems"><h2>Inputs that could not be read</h2><ul>',
                  *[f"<li>{_e(x)}</li>" for x in wb.problems], "</ul></section>"]
    # provenance
    parts += ['<section id="provenance"><h2>Provenance</h2>',
              _kv([("medcoder version", p.version), ("Run", p.run),
                   ("Seed", "none (census)" if p.seed is None else str(p.seed))]),
              "<h3>Code-set and edit-table releases</h3>"]
    parts.append(_table(["Kind", "Release"], sorted(p.releases.items())) if p.releases
                 else _none("none recorded"))
    parts.append("<h3>Inputs</h3>")
    parts.append(_table(["File", "sha256"], [[i["path"], f'<span class="hash">{_e(i["sha256"])}</span>']
                                             for i in p.inputs], raw=(1,))
                 if p.inputs else _none("none recorded"))
    if p.options:
        parts.append("<h3>Options</h3>")
        parts.append(_kv([(k, str(v)) for k, v in sorted(p.options.items())]))
    parts.append("</section>")
    parts.append(f'<footer><p class="meta">{_e(p.footer())}</p></footer></body></html>')
    return "\n".join(parts) + "\n"


def write_html(wb: Workbook, path: Path) -> Path:
    """Write the workbook page to ``path`` (UTF-8), atomically."""
    path = Path(path)
    check_folder(path)
    return write_atomic(path, render_html(wb).encode("utf-8"))


__all__ = ["render_html", "write_html"]
