"""The workbook's charts, drawn with matplotlib's Agg canvas (imported only when a chart is drawn),
as SVG (inlined in the HTML, text kept as text) or PNG (placed in the PDF).

* :func:`category_chart`: findings by category, two horizontal bar panels side by side: dollars
  (overpaid in red, underpaid stacked after it in blue: the findings' ``amount``, positive =
  overpaid) and the number of findings, largest dollars first, as
  :attr:`medcoder.audit.report.workbook.Workbook.categories` orders them. An audit with no
  finding draws one panel saying "no findings".
* :func:`em_chart`: the E/M level distribution of each provider against its peers (all other
  providers, same family), one panel per provider and family, grouped bars (provider, peers) of
  the share of visits at each level. Panels with a lead come first, then by visits; at most
  :data:`MAX_PANELS` panels (the table holds every row). Leads, not findings.

Deterministic like :mod:`medcoder.remit.chart`: the same workbook gives the same bytes (no date in
the metadata, a fixed SVG id salt per chart so two charts inlined in one page do not share ids).
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from medcoder.errors import InputError

if TYPE_CHECKING:
    from medcoder.audit.report.workbook import PatternRow, Workbook

OVER_COLOUR = "#c0392b"
UNDER_COLOUR = "#2471a3"
COUNT_COLOUR = "#566573"
PROVIDER_COLOUR = "#1f618d"
PEER_COLOUR = "#aab7b8"
DPI = 100
WIDTH_IN = 11.0
MAX_PANELS = 9
FORMATS = ("svg", "png")


def _save(fig: Any, fmt: str) -> bytes:
    buf = io.BytesIO()
    metadata: dict[str, str | None] = {"Date": None} if fmt == "svg" else {"Software": None}
    fig.savefig(buf, format=fmt, dpi=DPI, metadata=metadata)
    return buf.getvalue()


def _context(salt: str) -> Any:
    """rc settings for one chart (typed Any: matplotlib types the keys as literals)."""
    return {"svg.hashsalt": f"medcoder-audit-{salt}", "svg.fonttype": "none", "font.family": "DejaVu Sans"}


def _check(fmt: str) -> None:
    if fmt not in FORMATS:
        raise InputError(f"a chart is drawn as svg or png, not {fmt!r}", where="format")


def _empty(fig: Any, text: str, title: str) -> None:
    ax = fig.add_subplot(1, 1, 1)
    ax.set_axis_off()
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=18, transform=ax.transAxes)
    fig.suptitle(title)


def category_chart(wb: Workbook, fmt: str = "svg") -> bytes:
    """Findings by category: dollars (overpaid + underpaid) and count."""
    _check(fmt)
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    from medcoder.audit.report.workbook import NO_FINDINGS

    rows = wb.categories
    with matplotlib.rc_context(_context("categories")):
        fig = Figure(figsize=(WIDTH_IN, 2.0 + 0.5 * max(len(rows), 2)), dpi=DPI)
        FigureCanvasAgg(fig)
        if not rows:
            _empty(fig, NO_FINDINGS, "Findings by category")
        else:
            ys = list(range(len(rows)))
            left, right = fig.subplots(1, 2, sharey=True)
            over = [float(r.overpaid) for r in rows]
            under = [float(r.underpaid) for r in rows]
            counts = [r.findings for r in rows]
            left.barh(ys, over, color=OVER_COLOUR, antialiased=False, label="overpaid")
            left.barh(ys, under, left=over, color=UNDER_COLOUR, antialiased=False, label="underpaid")
            right.barh(ys, counts, color=COUNT_COLOUR, antialiased=False)
            left.set_yticks(ys, [r.label for r in rows])
            left.invert_yaxis()
            left.set_xlabel("dollars")
            right.set_xlabel("findings")
            right.xaxis.set_major_locator(MaxNLocator(integer=True))
            left.set_title("Dollars")
            right.set_title("Count")
            if any(under):
                left.legend(loc="lower right", fontsize=8, frameon=False)
            totals = [o + u for o, u in zip(over, under, strict=True)]
            for ax, values, fmt_v in ((left, totals, "{:,.2f}"), (right, counts, "{:d}")):
                top = max(values) or 1
                ax.set_xlim(0, top * 1.25)
                for y, v in zip(ys, values, strict=True):
                    ax.text(v + top * 0.01, y, fmt_v.format(v), va="center", fontsize=8)
                ax.spines["top"].set_visible(False)
                ax.spines["right"].set_visible(False)
            s = wb.summary
            fig.suptitle(f"Findings by category: {s.findings} findings on {s.claims_in_error} claims in error")
        fig.tight_layout()
        return _save(fig, fmt)


def has_lead(wb: Workbook, provider: str, family: str) -> bool:
    """A lead names this provider and family (or the provider, without a family)."""
    return any(x.provider == provider and x.family in (family, "") for x in wb.leads)


def em_panels(wb: Workbook) -> list[tuple[str, str, list[PatternRow]]]:
    """(provider, family, rows by code) for each panel :func:`em_chart` draws, in order."""
    groups: dict[tuple[str, str], list[PatternRow]] = defaultdict(list)
    for r in wb.patterns:
        groups[(r.provider, r.family)].append(r)
    keys = sorted(groups, key=lambda k: (not has_lead(wb, *k), -sum(r.count for r in groups[k]), k))
    return [(p, f, sorted(groups[(p, f)], key=lambda r: r.code)) for p, f in keys[:MAX_PANELS]]


def _f(d: Decimal | None) -> float:
    return float(d) if d is not None else 0.0


def em_chart(wb: Workbook, fmt: str = "svg") -> bytes:
    """E/M level share per provider against the peers."""
    _check(fmt)
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from medcoder.audit.report.workbook import LEAD_NOTE, NOT_DONE

    panels = em_panels(wb)
    cols = min(3, max(len(panels), 1))
    nrows = max(1, -(-len(panels) // cols))
    with matplotlib.rc_context(_context("em")):
        fig = Figure(figsize=(WIDTH_IN, 1.2 + 3.0 * nrows), dpi=DPI)
        FigureCanvasAgg(fig)
        if not panels:
            _empty(fig, f"E/M patterns: {NOT_DONE}" if not wb.patterns_done else "no E/M visits",
                   "E/M level distribution per provider")
        else:
            for i, (provider, family, rows) in enumerate(panels):
                ax = fig.add_subplot(nrows, cols, i + 1)
                xs = list(range(len(rows)))
                ax.bar([x - 0.2 for x in xs], [_f(r.share) for r in rows], width=0.4, color=PROVIDER_COLOUR,
                       antialiased=False, label="provider")
                ax.bar([x + 0.2 for x in xs], [_f(r.peer_share) for r in rows], width=0.4, color=PEER_COLOUR,
                       antialiased=False, label="peers")
                ax.set_xticks(xs, [r.code for r in rows], fontsize=8)
                ax.set_ylim(0, 1)
                ax.set_ylabel("share of visits", fontsize=8)
                mark = " (lead)" if has_lead(wb, provider, family) else ""
                visits = sum(r.count for r in rows)
                ax.set_title(f"{provider} {family}{mark}\n{visits} visits", fontsize=9)
                ax.spines["top"].set_visible(False)
                ax.spines["right"].set_visible(False)
                if i == 0:
                    ax.legend(fontsize=7, frameon=False)
            fig.suptitle(f"E/M level distribution per provider vs peers ({LEAD_NOTE})")
        fig.tight_layout()
        return _save(fig, fmt)


def inline_svg(data: bytes) -> str:
    """The SVG element alone, to put inside an HTML page: no XML declaration or DOCTYPE, and no
    RDF ``<metadata>`` block (its namespace URIs look like links to a reader of the page)."""
    text = data.decode("utf-8")
    m = re.search(r"<svg\b", text)
    text = text[m.start():] if m else text
    return re.sub(r"\s*<metadata>.*?</metadata>", "", text, count=1, flags=re.S)


__all__ = ["MAX_PANELS", "category_chart", "em_chart", "em_panels", "has_lead", "inline_svg"]
