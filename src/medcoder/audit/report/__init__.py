"""The audit workbook: one content, four formats.

    wb = build_workbook(reviews, claims, sample=..., estimate=..., patterns=..., provenance=..., title=...)
    write_html(wb, out / "audit.html")     one self-contained page (inline CSS and SVG charts, no script)
    write_pdf(wb, out / "audit.pdf")       reportlab platypus; summary on the title page, page numbers
                                           and the provenance in every footer
    write_tables(wb, out)                  findings.csv, claims.csv, not-reviewable.csv, summary.json

``workbook`` assembles the content (summary, error rate, totals, findings by category, the
not-reviewable list, extrapolation, E/M leads, provenance); ``charts`` draws the two charts;
``html``, ``pdf`` and ``tables`` write it. matplotlib and reportlab are imported only when a
file is written.
"""

from __future__ import annotations

from medcoder.audit.report.html import render_html, write_html
from medcoder.audit.report.pdf import render_pdf, write_pdf
from medcoder.audit.report.tables import write_tables
from medcoder.audit.report.workbook import Workbook, build_workbook

__all__ = ["Workbook", "build_workbook", "render_html", "render_pdf", "write_html", "write_pdf", "write_tables"]
