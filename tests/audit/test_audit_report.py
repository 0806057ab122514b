"""The audit workbook: content assembled from invented reviews (code numbers only), written as HTML
(parsed back with html.parser), PDF (read back with pdfium: text and a rendered first page), CSV
and JSON (read back with csv / json)."""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest

from medcoder.audit.model import AuditClaim, AuditLine, ClaimReview, Finding
from medcoder.audit.report import build_workbook, render_pdf, write_html, write_pdf, write_tables
from medcoder.audit.report.charts import category_chart, em_chart, em_panels
from medcoder.audit.report.tables import CLAIM_COLUMNS, FINDING_COLUMNS, NOT_REVIEWABLE_COLUMNS
from medcoder.audit.report.workbook import Workbook
from medcoder.errors import InputError

D = Decimal
SCRIPT = "<script>alert('x')</script>"
SHA = "0f" * 32


def _claim(cid: str, provider: str, day: int) -> AuditClaim:
    return AuditClaim(cid, f"PAT-{cid}", provider, _dt.date(2025, 3, day),
                      [AuditLine(1, "99215", paid=D("120.00")), AuditLine(2, "J1885", units=D(4), paid=D("50.00"))])


def _finding(cid: str, line: int | None, category: str, amount: str, direction: str = "overpayment",
             evidence: tuple[str, ...] = ()) -> Finding:
    return Finding(cid, line, category, direction, "99215" if line == 1 else "J1885 x 4",
                   "99213" if line == 1 else "J1885 x 2", f"{category} on {cid}", evidence=evidence,
                   reference=f"rule for {category}", amount=D(amount), amount_basis="paid amount")


@pytest.fixture
def claims() -> dict[str, AuditClaim]:
    return {c.claim_id: c for c in (_claim(f"C{i:02d}", "1234567893" if i % 2 else "1987654329", i)
                                    for i in range(1, 9))}


@pytest.fixture
def reviews() -> list[ClaimReview]:
    return [
        ClaimReview("C01", "reviewed", paid=D("170.00"), overpayment=D("55.10"), findings=[
            _finding("C01", 1, "em-level", "55.10", evidence=(f"Assessment: stable. {SCRIPT}", "Plan: follow up"))]),
        ClaimReview("C02", "reviewed", paid=D("170.00"), overpayment=D("25.00"), findings=[
            _finding("C02", 2, "mue-units", "25.00", evidence=("4 units given",))]),
        ClaimReview("C03", "reviewed", paid=D("170.00"), underpayment=D("30.00"), findings=[
            _finding("C03", 1, "em-level", "-30.00", direction="underpayment")]),
        # compliance only: listed, but the claim is not "in error"
        ClaimReview("C04", "reviewed", paid=D("170.00"), findings=[
            _finding("C04", None, "diagnosis-missing", "0", direction="none")]),
        ClaimReview("C05", "reviewed", paid=D("170.00")),
        ClaimReview("C06", "not-reviewable", reason="no documentation", paid=D("170.00")),
        ClaimReview("C07", "not-reviewable", reason="=HYPERLINK(\"x\") unreadable record", paid=D("170.00")),
    ]


ESTIMATE = {"point": "12345.67", "lower": "8100.25", "upper": "16591.09", "se": "2500.10", "df": 4,
            "t": 1.859548, "precision": "0.344", "n": 7, "N": 8, "method": "simple random, mean per unit",
            "describe": "Based on a simple random sample of 7 of 8 claims (seed 11), the estimated "
                        "overpayment is $12,345.67."}
PATTERNS = {
    "rule": "share of the top two levels above the peer mean + 2 SD",
    "rows": [{"provider": p, "family": "office-established", "code": c, "count": n, "share": s, "peer_share": q}
             for p, c, n, s, q in [("1234567893", "99213", 2, "0.2", "0.6"), ("1234567893", "99215", 8, "0.8", "0.4"),
                                   ("1987654329", "99213", 6, "0.6", "0.2"), ("1987654329", "99215", 4, "0.4", "0.8"),
                                   ("1111111112", "99213", 40, "0.9", "0.5"), ("1111111112", "99215", 4, "0.1", "0.5")]],
    "leads": [{"provider": "1234567893", "family": "office-established", "reason": "top two levels 80% vs peers 40%"}],
}
PROVENANCE = {"medcoder": "0.1.0", "run": "2025-06-01T10:00:00",
              "tables": [{"kind": "ncci-ptp", "release": "2025Q2"}, {"kind": "mue", "release": "2025Q2"}],
              "inputs": [{"path": "claims.csv", "sha256": SHA}], "seed": 11, "sample_size": 7,
              "problems": ["claims.csv:9: date of service '2025-02-30' does not exist"]}


@pytest.fixture
def wb(reviews: list[ClaimReview], claims: dict[str, AuditClaim]) -> Workbook:
    return build_workbook(reviews, claims, sample={"method": "simple random sample", "seed": 11, "N": 8, "n": 7},
                          estimate=ESTIMATE, patterns=PATTERNS, provenance=PROVENANCE, title="Audit of Clinic 12")


# -- content ----------------------------------------------------------------------------------------
def test_summary_counts_only_reviewed_claims(wb: Workbook) -> None:
    s = wb.summary
    assert (s.universe, s.selected, s.reviewed, s.not_reviewable) == (8, 7, 5, 2)
    assert s.claims_in_error == 3  # C04 has a compliance-only finding: not in error
    assert s.error_rate == D("0.6000")  # 3 / 5: the two not-reviewable claims are in neither count
    assert (s.overpayment, s.underpayment, s.net) == (D("80.10"), D("30.00"), D("50.10"))
    assert s.findings == 4
    by = {c.category: c for c in wb.categories}
    assert (by["em-level"].findings, by["em-level"].claims) == (2, 2)
    assert (by["em-level"].overpaid, by["em-level"].underpaid) == (D("55.10"), D("30.00"))
    assert wb.categories[0].category == "em-level"  # largest dollars first
    assert [c.claim_id for c in wb.not_reviewable] == ["C06", "C07"]
    assert all(c.findings == 0 and c.overpayment == 0 for c in wb.not_reviewable)
    assert wb.provenance.releases == {"ncci-ptp": "2025Q2", "mue": "2025Q2"}
    assert wb.provenance.seed == 11


def test_a_claim_reviewed_twice_or_an_unknown_status_is_refused(reviews: list[ClaimReview],
                                                                claims: dict[str, AuditClaim]) -> None:
    with pytest.raises(InputError, match="reviewed twice"):
        build_workbook([*reviews, ClaimReview("C01", "reviewed")], claims)
    with pytest.raises(InputError, match="status 'done'"):
        build_workbook([ClaimReview("C01", "done")], claims)


def test_pattern_shapes_are_read_alike(reviews: list[ClaimReview], claims: dict[str, AuditClaim]) -> None:
    nested = {"providers": {"1234567893": {"family": "office-established",
                                           "counts": {"99213": 2, "99215": 8},
                                           "shares": {"99213": "0.2", "99215": "0.8"},
                                           "peer_shares": {"99213": "0.6", "99215": "0.4"}}},
              "leads": ["1234567893: top two levels 80% vs peers 40%"]}
    flat = {"rows": PATTERNS["rows"][:2], "leads": []}
    a = build_workbook(reviews, claims, patterns=nested)
    b = build_workbook(reviews, claims, patterns=flat)
    assert a.patterns == b.patterns and len(a.patterns) == 2
    assert a.patterns[1].share == D("0.8") and a.patterns[1].count == 8
    assert a.leads[0].reason.startswith("1234567893: top two")


# -- PDF --------------------------------------------------------------------------------------------
def _page_text(page: Any) -> str:
    tp = page.get_textpage()
    try:
        return " ".join(tp.get_text_range().split())
    finally:
        tp.close()


def test_pdf_first_page_shows_the_title_and_the_summary(wb: Workbook, tmp_path: Path) -> None:
    out = write_pdf(wb, tmp_path / "audit.pdf")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["audit.pdf"]  # atomic: no temporary left
    pdf = pdfium.PdfDocument(out.read_bytes())
    pages = len(pdf)
    assert pages >= 3
    first = _page_text(pdf[0])
    assert first.startswith("Audit of Clinic 12")
    assert "Error rate (claims in error / reviewed) 60.0% (3 of 5 reviewed claims)" in first
    assert "Total overpayment $80.10" in first and "Net (over - under) $50.10" in first
    assert "Lower limit (90% two-sided) $8,100.25" in first
    for i in range(pages):  # provenance and page number in every footer
        text = _page_text(pdf[i])
        assert f"page {i + 1} of {pages}" in text
        assert "medcoder 0.1.0 · run 2025-06-01T10:00:00 · releases: ncci-ptp 2025Q2, mue 2025Q2 · seed 11" in text
    everything = " ".join(_page_text(pdf[i]) for i in range(pages))
    squeezed = everything.replace(" ", "")  # text wrapped in a table cell
    assert SHA in squeezed  # the input's checksum
    assert SCRIPT in squeezed  # the excerpt, as text
    assert "no documentation" in everything and "lead, not a finding" in everything

    img = pdf[0].render(scale=1).to_pil().convert("L")
    assert img.size == (612, 792)  # US letter at 72 dpi
    px = img.load()
    dark = sum(1 for y in range(0, 792, 2) for x in range(0, 612, 2) if px[x, y] < 128)
    assert 0.005 < dark / (306 * 396) < 0.5  # ink, but mostly paper
    # the title line, set at 22 pt near the top-left corner of the frame: a band of dark pixels
    title = sum(1 for y in range(50, 85) for x in range(50, 400) if px[x, y] < 100)
    assert title > 500
    blank = sum(1 for y in range(5, 40) for x in range(50, 560) if px[x, y] < 200)  # above the top margin
    assert blank == 0


def test_pdf_findings_table_repeats_its_header_on_every_page(claims: dict[str, AuditClaim]) -> None:
    many = [ClaimReview(f"D{i:03d}", "reviewed", paid=D("10"), overpayment=D("1.00"),
                        findings=[_finding(f"D{i:03d}", 1, "em-level", "1.00", evidence=("excerpt " * 40,))])
            for i in range(60)]
    pdf = pdfium.PdfDocument(render_pdf(build_workbook(many, {}, title="Many")))
    texts = [_page_text(pdf[i]) for i in range(len(pdf))]
    header = "Claim Line Category Billed Supported Amount Finding Evidence Rule"
    findings = [t for t in texts if "em-level on D0" in t or t.startswith(header)]
    assert len(findings) >= 3  # the findings span pages (long excerpts split inside their row)
    assert all(header in t for t in findings)
    claims_pages = [t for t in texts if "D0" in t and " in error $10.00" in t]
    assert len(claims_pages) >= 2
    assert all("Claim Provider Date of service Status Paid Overpayment Underpayment Findings" in t
               for t in claims_pages)
    assert sum(t.count("em-level on D0") for t in texts) == 60


def test_pdf_is_the_same_bytes_twice(wb: Workbook) -> None:
    assert render_pdf(wb) == render_pdf(wb)


# -- HTML -------------------------------------------------------------------------------------------
class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.sections: list[str] = []
        self.urls: list[str] = []
        self.text: dict[str, list[str]] = {}
        self._section = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        a = dict(attrs)
        if tag == "section":
            self._section = a.get("id") or ""
            self.sections.append(self._section)
        self.urls += [v for k, v in attrs if (k == "src" or k.endswith("href")) and v]

    def handle_data(self, data: str) -> None:
        self.text.setdefault(self._section, []).append(data)

    def section(self, name: str) -> str:
        return " ".join(" ".join(self.text.get(name, [])).split())


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def test_html_has_every_section_escapes_excerpts_and_carries_the_provenance(wb: Workbook, tmp_path: Path) -> None:
    out = write_html(wb, tmp_path / "audit.html")
    raw = out.read_text(encoding="utf-8")
    page = _parse(out)
    assert page.sections == ["summary", "extrapolation", "findings", "claims", "not-reviewable", "patterns",
                             "charts", "problems", "provenance"]
    assert "script" not in page.tags  # the excerpt's <script> is text, not an element
    assert SCRIPT in page.section("findings")
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in raw
    assert all(u.startswith("#") for u in page.urls)  # nothing to fetch: links inside the page only
    assert "<link" not in raw and "@import" not in raw and "url(http" not in raw
    assert page.tags.count("svg") == 2  # both charts inline
    assert "Error rate (claims in error / reviewed) 60.0% (3 of 5 reviewed claims)" in page.section("summary")
    assert "Total overpayment $80.10" in page.section("summary")
    assert "Lower limit (90% two-sided) $8,100.25" in page.section("extrapolation")
    assert "C06 $170.00 no documentation" in page.section("not-reviewable")
    pats = page.section("patterns")
    assert "lead, not a finding" in pats and "top two levels 80% vs peers 40%" in pats
    prov = page.section("provenance")
    assert "medcoder version 0.1.0" in prov and SHA in prov and "ncci-ptp 2025Q2" in prov and "Seed 11" in prov
    assert "2025-02-30" in page.section("problems")
    chart = page.section("charts")
    assert "E/M level not supported" in chart and "1234567893 office-established (lead)" in chart


# -- tables -----------------------------------------------------------------------------------------
def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    data = path.read_bytes()
    assert b"\r\n" in data
    r = csv.DictReader(io.StringIO(data.decode("utf-8"), newline=""))
    rows = list(r)
    return list(r.fieldnames or []), rows


def test_csv_and_json_hold_the_columns_and_the_totals(wb: Workbook, tmp_path: Path) -> None:
    paths = write_tables(wb, tmp_path)
    assert [p.name for p in paths] == ["findings.csv", "claims.csv", "not-reviewable.csv", "summary.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths)
    assert {p.stat().st_mode & 0o777 for p in paths} == {0o644}  # readable by others, unlike mkstemp's 0600
    cols, findings = _rows(tmp_path / "findings.csv")
    assert tuple(cols) == FINDING_COLUMNS and len(findings) == 4
    assert sum(D(f["amount"]) for f in findings) == D("50.10")
    em = next(f for f in findings if f["claim_id"] == "C01")
    assert em["evidence"] == f"“Assessment: stable. {SCRIPT}” | “Plan: follow up”"
    assert (em["line"], em["billed"], em["supported"]) == ("1", "99215", "99213")
    assert next(f for f in findings if f["claim_id"] == "C04")["line"] == ""
    cols, rows = _rows(tmp_path / "claims.csv")
    assert tuple(cols) == CLAIM_COLUMNS and len(rows) == 7
    assert sum(D(r["overpayment"]) for r in rows) == D("80.10")
    assert sum(D(r["underpayment"]) for r in rows) == D("30.00")
    assert [r["status"] for r in rows] == ["in error"] * 3 + ["reviewed"] * 2 + ["not-reviewable"] * 2
    assert rows[0]["paid"] == "170.00" and rows[2]["net"] == "-30.00"
    cols, nr = _rows(tmp_path / "not-reviewable.csv")
    assert tuple(cols) == NOT_REVIEWABLE_COLUMNS
    assert [(r["claim_id"], r["reason"]) for r in nr] == [
        ("C06", "no documentation"), ("C07", "'=HYPERLINK(\"x\") unreadable record")]  # not run as a formula
    doc = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert doc["summary"]["error_rate"] == "0.6000" and doc["summary"]["net"] == "50.10"
    assert doc["extrapolation"]["lower"] == "8100.25" and doc["provenance"]["inputs"][0]["sha256"] == SHA
    assert len(doc["findings"]) == 4 and doc["patterns"]["leads"][0]["provider"] == "1234567893"


# -- an empty audit, sections not done, bad places --------------------------------------------------
def test_an_empty_audit_renders_in_every_format(tmp_path: Path) -> None:
    wb = build_workbook([], {}, title="Empty audit")
    assert wb.summary.error_rate is None
    page = _parse(write_html(wb, tmp_path / "audit.html"))
    assert "no findings" in page.section("findings") and "no findings" in page.section("summary")
    assert "not done" in page.section("extrapolation") and "not done" in page.section("patterns")
    assert "not computed (no claim reviewed)" in page.section("summary")
    assert "problems" not in page.sections
    pdf = pdfium.PdfDocument(write_pdf(wb, tmp_path / "audit.pdf").read_bytes())
    first = _page_text(pdf[0])
    assert first.startswith("Empty audit") and "no findings" in first and "not done" in first
    write_tables(wb, tmp_path)
    assert (tmp_path / "findings.csv").read_text(encoding="utf-8").strip() == ",".join(FINDING_COLUMNS)
    assert json.loads((tmp_path / "summary.json").read_text())["summary"]["error_rate"] is None


def test_writing_into_a_missing_folder_is_an_input_error(wb: Workbook, tmp_path: Path) -> None:
    for write in (write_html, write_pdf):
        with pytest.raises(InputError, match="does not exist"):
            write(wb, tmp_path / "nowhere" / "audit.out")
    with pytest.raises(InputError, match="does not exist"):
        write_tables(wb, tmp_path / "nowhere")


# -- charts -----------------------------------------------------------------------------------------
def test_charts_are_deterministic_and_put_leads_first(wb: Workbook) -> None:
    svg = category_chart(wb, "svg")
    assert svg == category_chart(wb, "svg")
    assert b"E/M level not supported" in svg and b"units over the MUE" in svg
    png = em_chart(wb, "png")
    assert png.startswith(b"\x89PNG") and png == em_chart(wb, "png")
    # the provider with a lead first, then by visits (1111111112 has 44, 1987654329 has 10)
    assert [p for p, _, _ in em_panels(wb)] == ["1234567893", "1111111112", "1987654329"]
    with pytest.raises(InputError, match="svg or png"):
        category_chart(wb, "gif")
