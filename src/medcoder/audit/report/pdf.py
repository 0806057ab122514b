"""The audit workbook as a PDF, set with reportlab's platypus (as the appeal letter is), US letter
portrait, written atomically and reproducibly (``invariant``: no creation date or random id, so
the same workbook gives the same bytes).

* page 1, the title page: the title, the run line, the summary table (universe, sample, reviewed,
  not reviewable, claims in error, error rate, totals), the sample and the extrapolation
  paragraph and table, the findings by category;
* then the findings, the claims, the not-reviewable list, the provider E/M patterns (leads, not
  findings), the charts (PNG, scaled to the frame) and the full provenance (releases, inputs
  with sha256, options);
* tables split across pages with their header row repeated (``repeatRows=1``), and a row taller
  than a page splits inside the row (``splitInRow``);
* every page's footer: the provenance line (medcoder version, run, releases, seed) and
  "page N of M" (a canvas that counts the pages before it draws the footers).

Text is set in DejaVu Sans, the TrueType font matplotlib ships (embedded as a subset, with its
Unicode map, so the text can be searched and copied and any character of a note excerpt shows),
or Helvetica when it cannot be found. Every input value is escaped for reportlab's paragraph
markup. An excerpt longer than :data:`EXCERPT_CHARS` is shortened here (the HTML and CSV keep it
whole) and says so.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from medcoder.audit.report.charts import category_chart, em_chart
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

EXCERPT_CHARS = 600
FOOTER_SIZE = 7


def _fonts() -> tuple[str, str]:
    """(regular, bold) font names: DejaVu Sans from matplotlib's data when present."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "MedcoderSans" in pdfmetrics.getRegisteredFontNames():
        return "MedcoderSans", "MedcoderSans-Bold"
    try:
        import matplotlib

        base = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
        pdfmetrics.registerFont(TTFont("MedcoderSans", str(base / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont("MedcoderSans-Bold", str(base / "DejaVuSans-Bold.ttf")))
        pdfmetrics.registerFontFamily("MedcoderSans", normal="MedcoderSans", bold="MedcoderSans-Bold",
                                      italic="MedcoderSans", boldItalic="MedcoderSans-Bold")
    except Exception:  # no matplotlib data or an unreadable font: the standard font
        return "Helvetica", "Helvetica-Bold"
    return "MedcoderSans", "MedcoderSans-Bold"


def _x(value: object) -> str:
    """Text safe inside reportlab paragraph markup, line breaks kept."""
    return escape("" if value is None else str(value)).replace("\n", "<br/>")


def _excerpt(text: str) -> str:
    t = " ".join(text.split())
    if len(t) > EXCERPT_CHARS:
        t = t[:EXCERPT_CHARS].rstrip() + " … (shortened; whole in the HTML and CSV)"
    return f"“{t}”"


def render_pdf(wb: Workbook) -> bytes:
    """The PDF's bytes."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import inch
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import (
        Image,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    regular, bold = _fonts()
    ss = getSampleStyleSheet()
    body = ParagraphStyle("wb-body", parent=ss["BodyText"], fontName=regular, fontSize=9.5, leading=12)
    title = ParagraphStyle("wb-title", parent=ss["Title"], fontName=bold, fontSize=22, leading=27,
                           alignment=0, spaceAfter=6)
    h2 = ParagraphStyle("wb-h2", parent=ss["Heading2"], fontName=bold, fontSize=14, leading=17)
    h3 = ParagraphStyle("wb-h3", parent=ss["Heading3"], fontName=bold, fontSize=11, leading=14)
    note = ParagraphStyle("wb-note", parent=body, fontSize=8, leading=10, textColor=colors.HexColor("#555555"))
    cell = ParagraphStyle("wb-cell", parent=body, fontSize=7.5, leading=9)
    head = ParagraphStyle("wb-head", parent=cell, fontName=bold)
    num = ParagraphStyle("wb-num", parent=cell, alignment=2)
    quote = ParagraphStyle("wb-quote", parent=cell, textColor=colors.HexColor("#333333"))

    margin = 0.7 * inch
    frame_w = letter[0] - 2 * margin
    p = wb.provenance

    def table(header: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[float], *,
              nums: Sequence[int] = ()) -> Table:
        """A table of Paragraph cells (strings are escaped; flowables are kept), header repeated."""
        total = sum(widths)
        cols = [w * frame_w / total for w in widths]
        data = [[Paragraph(_x(h), head) for h in header]]
        for r in rows:
            data.append([c if not isinstance(c, str) else Paragraph(_x(c), num if i in nums else cell)
                         for i, c in enumerate(r)])
        t = Table(data, colWidths=cols, repeatRows=1, splitInRow=1)
        t.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#ECF0F1")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ]))
        return t

    def kv(rows: Sequence[tuple[str, str]], key_w: float = 2.2) -> Table:
        t = Table([[Paragraph(_x(k), cell), Paragraph(_x(v), cell)] for k, v in rows],
                  colWidths=[key_w * inch, frame_w - key_w * inch], splitInRow=1)
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
                               ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#F7F9F9")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return t

    def chart(data: bytes) -> Image:
        img = Image(io.BytesIO(data))
        scale = min(frame_w / img.imageWidth, 4.2 * inch / img.imageHeight)
        img.drawWidth, img.drawHeight = img.imageWidth * scale, img.imageHeight * scale
        return img

    def none(text: str) -> Paragraph:
        return Paragraph(f"<i>{_x(text)}</i>", body)

    flow: list[Any] = [Paragraph(_x(wb.title), title), Paragraph(_x(p.footer()), note), Spacer(1, 10),
                       Paragraph("Summary", h2), kv(wb.summary_rows(), 3.2), Spacer(1, 6),
                       Paragraph(_x(wb.sample_text()), body), Paragraph("Extrapolation", h3),
                       Paragraph(_x(wb.extrapolation_text()), body)]
    if wb.estimate:
        flow += [Spacer(1, 4), kv(wb.extrapolation_table(), 3.2)]
    flow.append(Paragraph("Findings by category", h3))
    if wb.categories:
        flow.append(table(["Category", "Findings", "Claims", "Overpaid", "Underpaid"],
                          [[c.label, str(c.findings), str(c.claims), money(c.overpaid), money(c.underpaid)]
                           for c in wb.categories], [3, 1, 1, 1.3, 1.3], nums=(1, 2, 3, 4)))
    else:
        flow.append(none(NO_FINDINGS))
    flow.append(PageBreak())

    flow.append(Paragraph("Findings", h2))
    if wb.findings:
        rows: list[list[Any]] = []
        for f in wb.findings:
            ev = [Paragraph(_x(_excerpt(x)), quote) for x in f.evidence if x.strip()]
            msg = _x(f.message) + (f"<br/><font size=6.5 color='#555555'>{_x(f.amount_basis)}</font>"
                                   if f.amount_basis else "")
            rows.append([f.claim_id, "claim" if f.line is None else str(f.line),
                         Paragraph(f"{_x(f.label)}<br/><font size=6.5 color='#555555'>{_x(f.direction)}</font>", cell),
                         f.billed, f.supported, money(f.amount), Paragraph(msg, cell), ev or "", f.reference])
        flow.append(table(["Claim", "Line", "Category", "Billed", "Supported", "Amount", "Finding", "Evidence",
                           "Rule"], rows, [0.85, 0.5, 1.0, 0.7, 0.85, 0.7, 1.3, 1.5, 0.9], nums=(1, 5)))
    else:
        flow.append(none(NO_FINDINGS))

    flow.append(Paragraph("Claims", h2))
    if wb.claims:
        flow.append(table(["Claim", "Provider", "Date of service", "Status", "Paid", "Overpayment",
                           "Underpayment", "Findings"],
                          [[c.claim_id, c.provider_id, c.date_of_service, "in error" if c.in_error else c.status,
                            money(c.paid), money(c.overpayment), money(c.underpayment), str(c.findings)]
                           for c in wb.claims], [0.95, 1, 0.9, 0.95, 0.8, 0.95, 1.05, 0.65], nums=(4, 5, 6, 7)))
    else:
        flow.append(none("no claim was selected for review"))

    flow += [Paragraph("Not reviewable", h2),
             Paragraph("Listed, never counted as correct: outside the error rate's numerator and denominator.", note)]
    if wb.not_reviewable:
        flow.append(table(["Claim", "Paid", "Reason"], [[c.claim_id, money(c.paid), c.reason]
                                                        for c in wb.not_reviewable], [1.2, 1, 4], nums=(1,)))
    else:
        flow.append(none("none: every selected claim was reviewed"))

    flow += [Paragraph("Provider E/M patterns", h2),
             Paragraph(f"Each is a {_x(LEAD_NOTE)}: a pattern to look into, never an error or an amount.", note)]
    if not wb.patterns_done:
        flow.append(none(f"E/M patterns: {NOT_DONE}"))
    else:
        if wb.patterns_rule:
            flow.append(Paragraph(_x(wb.patterns_rule), body))
        flow.append(Paragraph("Leads", h3))
        flow.append(table(["Provider", "Family", "Why"], [[x.provider, x.family, x.reason] for x in wb.leads],
                          [1.2, 1.2, 4]) if wb.leads else none("no lead"))
        if wb.patterns:
            flow.append(Paragraph("Distribution", h3))
            flow.append(table(["Provider", "Family", "Code", "Visits", "Share", "Peer share"],
                              [[r.provider, r.family, r.code, str(r.count), percent(r.share), percent(r.peer_share)]
                               for r in wb.patterns], [1.3, 1.3, 0.8, 0.8, 0.8, 0.8], nums=(3, 4, 5)))

    flow += [PageBreak(), Paragraph("Charts", h2), chart(category_chart(wb, "png")), Spacer(1, 8),
             chart(em_chart(wb, "png"))]
    if wb.problems:
        flow.append(Paragraph("Inputs that could not be read", h2))
        flow += [Paragraph(_x(x), cell, bulletText="•") for x in wb.problems]

    flow += [Paragraph("Provenance", h2),
             kv([("medcoder version", p.version), ("Run", p.run),
                 ("Seed", "none (census)" if p.seed is None else str(p.seed))]),
             Paragraph("Code-set and edit-table releases", h3),
             table(["Kind", "Release"], sorted(p.releases.items()), [1, 2]) if p.releases else none("none recorded"),
             Paragraph("Inputs", h3),
             table(["File", "sha256"], [[i["path"], i["sha256"]] for i in p.inputs], [1, 1.35])
             if p.inputs else none("none recorded")]
    if p.options:
        flow += [Paragraph("Options", h3), kv([(k, str(v)) for k, v in sorted(p.options.items())])]

    footer = p.footer()

    class NumberedCanvas(Canvas):
        """Keeps each page until the end, then draws every footer with the page count."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # reportlab's method name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._footer(total)
                super().showPage()
            super().save()

        def _footer(self, total: int) -> None:
            self.saveState()
            self.setFont(regular, FOOTER_SIZE)
            self.setFillColor(colors.HexColor("#555555"))
            right = f"page {self._pageNumber} of {total}"
            room = frame_w - stringWidth(right, regular, FOOTER_SIZE) - 12
            line = footer
            if stringWidth(line, regular, FOOTER_SIZE) > room:
                while line and stringWidth(line + "…", regular, FOOTER_SIZE) > room:
                    line = line[:-1]
                line += "…"
            y = 0.45 * inch
            self.line(margin, y + 10, letter[0] - margin, y + 10)
            self.drawString(margin, y, line)
            self.drawRightString(letter[0] - margin, y, right)
            self.restoreState()

    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=letter, leftMargin=margin, rightMargin=margin, topMargin=0.7 * inch,
                            bottomMargin=0.8 * inch, title=wb.title, author="medcoder", creator="medcoder",
                            subject="claims audit workbook", invariant=1)
    doc.build(flow, canvasmaker=NumberedCanvas)
    return buf.getvalue()


def write_pdf(wb: Workbook, path: Path) -> Path:
    """Write the workbook PDF to ``path``, atomically."""
    path = Path(path)
    check_folder(path)
    return write_atomic(path, render_pdf(wb))


__all__ = ["EXCERPT_CHARS", "render_pdf", "write_pdf"]
