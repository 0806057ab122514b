"""The denial breakdown by root-cause category as a chart: two horizontal bar panels side by
side, dollars (denied + reduced, the CAS amounts each denial stands for) on the left and the
number of denials on the right, one bar per category, largest first, as in
:attr:`medcoder.remit.report.DenialReport.by_category`.

PNG or SVG, chosen by the file suffix. matplotlib (Agg canvas) is imported only when a chart is
drawn. The output is deterministic: the same report gives the same bytes (no date in the SVG or
PNG metadata, fixed SVG id salt, text kept as text in the SVG so the labels can be searched).
A report with no denial draws a single panel saying "no denials".
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from medcoder.errors import InputError
from medcoder.fileio import write_atomic as _write_atomic

if TYPE_CHECKING:
    from medcoder.remit.report import DenialReport

DOLLARS_COLOUR = "#c0392b"  # the dollars panel's bars
COUNTS_COLOUR = "#2471a3"  # the counts panel's bars
DPI = 100
WIDTH_IN = 11.0
NO_DENIALS = "no denials"
FORMATS = {".png": "png", ".svg": "svg"}


def chart_size(categories: int) -> tuple[float, float]:
    """Figure size in inches for ``categories`` bars (the PNG is this × :data:`DPI` pixels)."""
    return (WIDTH_IN, 2.0 + 0.5 * max(categories, 2))


def write_chart(report: DenialReport, path: Path) -> Path:
    """Draw the denial breakdown by category to ``path`` (``.png`` or ``.svg``), atomically."""
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(
            f"a chart is written as .png or .svg, not {path.suffix or '(no suffix)'!r}", where=path
        )
    if not path.parent.is_dir():
        raise InputError("the chart's folder does not exist", where=path.parent)

    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    rows = report.by_category
    with matplotlib.rc_context({
        "svg.hashsalt": "medcoder-denials",
        "svg.fonttype": "none",
        "font.family": "DejaVu Sans",
    }):
        fig = Figure(figsize=chart_size(len(rows)), dpi=DPI)
        FigureCanvasAgg(fig)
        if not rows:
            ax = fig.add_subplot(1, 1, 1)
            ax.set_axis_off()
            ax.text(0.5, 0.5, NO_DENIALS, ha="center", va="center", fontsize=18, transform=ax.transAxes)
            fig.suptitle("Denials by category")
        else:
            labels = [r.label or r.category for r in rows]
            ys = list(range(len(rows)))
            left, right = fig.subplots(1, 2, sharey=True)
            dollars = [float(r.amount) for r in rows]
            counts = [r.denials for r in rows]
            left.barh(ys, dollars, color=DOLLARS_COLOUR, antialiased=False)
            right.barh(ys, counts, color=COUNTS_COLOUR, antialiased=False)
            left.set_yticks(ys, labels)
            left.invert_yaxis()
            left.set_xlabel("dollars (denied + reduced)")
            right.set_xlabel("denials")
            right.xaxis.set_major_locator(MaxNLocator(integer=True))
            left.set_title("Dollars")
            right.set_title("Count")
            for ax, values, fmt_v in ((left, dollars, "{:,.2f}"), (right, counts, "{:d}")):
                top = max(values) or 1
                ax.set_xlim(0, top * 1.25)
                for y, v in zip(ys, values, strict=True):
                    ax.text(v + top * 0.01, y, fmt_v.format(v), va="center", fontsize=8)
                ax.spines["top"].set_visible(False)
                ax.spines["right"].set_visible(False)
            t = report.totals
            fig.suptitle(
                f"Denials by category: {t.denials} denials, "
                f"{t.denied_dollars + t.reduced_dollars:,.2f} dollars, "
                f"{t.fixable_dollars:,.2f} fixable"
            )
        fig.tight_layout()
        buf = io.BytesIO()
        metadata: dict[str, str | None] = {"Date": None} if fmt == "svg" else {"Software": None}
        fig.savefig(buf, format=fmt, dpi=DPI, metadata=metadata)
    _write_atomic(path, buf.getvalue())
    return path
