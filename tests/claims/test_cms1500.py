"""The CMS-1500 (02/12) PDF writer: a coded example on the form's 10 cpi x 6 lpi grid, read back
with pdfium (text in each box's rectangle, character positions, a rendered page)."""

from __future__ import annotations

import dataclasses
import datetime as _dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest

from medcoder.claims.build import build_professional
from medcoder.claims.model import Claim, Provider
from medcoder.claims.writers.cms1500 import (
    BOX,
    LINE_STEP,
    LINES_PER_PAGE,
    box_rect,
    field_rect,
    write_cms1500,
)
from medcoder.coding import code
from medcoder.errors import InputError

Rect = tuple[float, float, float, float]


@pytest.fixture
def make_claim(coding_kb: Any, profile: Any, patient: Any, examples: Path) -> Any:
    def make(example: str = "office-injection.json", **kw: Any) -> Claim:
        return build_professional(code(examples / example, kb=coding_kb), profile, patient=patient,
                                  payer="medicare", patient_control_number="PCN-" + example[:6],
                                  rendering="lee", **kw)
    return make


def text_in(page: Any, rect: Rect) -> str:
    tp = page.get_textpage()
    try:
        return " ".join(tp.get_text_bounded(*rect).split())
    finally:
        tp.close()


def money(d: Decimal) -> str:
    cents = int(d * 100)
    return f"{cents // 100} {cents % 100:02d}"


def test_page_one_boxes_hold_the_claim(tmp_path: Path, make_claim: Any) -> None:
    claim = make_claim()
    out = tmp_path / "claim.pdf"
    data = write_cms1500(claim, out, billing_phone="217-555-0100")
    assert out.read_bytes() == data and data.startswith(b"%PDF-")
    pdf = pdfium.PdfDocument(data)
    assert len(pdf) == 1
    page = pdf[0]
    assert page.get_size() == (612, 792)  # 8.5 x 11 inch
    assert "DOE, JOHN" in text_in(page, box_rect("2"))
    assert text_in(page, box_rect("1a")).endswith("1EG4TE5MK73")
    assert text_in(page, field_rect("3", "mm")) == "03"
    assert text_in(page, field_rect("3", "yyyy")) == "1950"
    assert text_in(page, field_rect("3", "male")) == "X"
    first = claim.diagnoses[0].code
    assert text_in(page, field_rect("21", "A")) == first.replace(".", "")  # no decimal point
    assert text_in(page, field_rect("21", "ind")) == "0"
    for i, dx in enumerate(claim.diagnoses):
        assert text_in(page, field_rect("21", chr(65 + i))) == dx.code.replace(".", "")
    assert claim.total_charge == Decimal("204")
    assert text_in(page, box_rect("28")).endswith("204 00")
    assert text_in(page, box_rect("33a")).endswith("1234567893")
    assert text_in(page, box_rect("25")).endswith("123456789 X")  # EIN, no hyphen
    assert "PCN-OFFICE" in text_in(page, box_rect("26"))
    assert "RIVERSIDE FAMILY MEDICINE" in text_in(page, box_rect("33"))
    assert "SPRINGFIELD IL 62701" in text_in(page, box_rect("33"))
    assert text_in(page, field_rect("33", "area")) == "217"
    assert "ANN LEE" in text_in(page, box_rect("31"))
    assert text_in(page, box_rect("22")) == "22 RESUBMISSION CODE / ORIGINAL REF. NO."  # an original claim
    # the service lines, in the order the claim has them
    for k, ln in enumerate(claim.lines, start=1):
        assert text_in(page, field_rect("24", "code", k)) == ln.code
        assert text_in(page, field_rect("24", "from_mm", k)) == f"{ln.date_of_service.month:02d}"
        assert text_in(page, field_rect("24", "to_yy", k)) == f"{ln.date_of_service.year % 100:02d}"
        assert text_in(page, field_rect("24", "pos", k)) == "11"
        assert text_in(page, field_rect("24", "charge", k)) == money(ln.charge)
        assert text_in(page, field_rect("24", "pointers", k)) == "".join(chr(64 + p) for p in ln.pointers)
        assert text_in(page, field_rect("24", "npi", k)) == "1245319599"
        for i, m in enumerate(ln.modifiers):
            assert text_in(page, field_rect("24", f"mod{i + 1}", k)) == m
    assert [ln.modifiers for ln in claim.lines if ln.code == "99213"] == [["25"]]
    assert text_in(page, field_rect("24", "code", len(claim.lines) + 1)) == ""


def test_rendered_page_has_ink_in_the_service_lines(tmp_path: Path, make_claim: Any) -> None:
    claim = make_claim()
    png = tmp_path / "page1.png"
    scale = 100 / 72  # 100 dpi
    for form in (True, False):
        pdf = pdfium.PdfDocument(write_cms1500(claim, form=form))
        img = pdf[0].render(scale=scale).to_pil().convert("L")
        img.save(png)
        assert png.stat().st_size > 0 and img.size == (850, 1100)

        def dark(rect: Rect, img: Any = img) -> int:
            left, bottom, right, top = (v * scale for v in rect)
            region = img.crop((int(left) + 1, int(1100 - top) + 1, int(right) - 1, int(1100 - bottom) - 1))
            return sum(region.histogram()[:128])

        lines = (*field_rect("24", "from_mm", 1)[:1], box_rect("24")[1], box_rect("24")[2],
                 field_rect("24", "from_mm", 1)[3])
        filled = dark(lines)
        assert filled > 500  # three service lines of Courier
        # the rows for lines 4-6 are empty of data (only outlines, lighter than the threshold)
        empty = (lines[0], box_rect("24")[1], lines[2], field_rect("24", "code", 4)[3] + 12)
        assert dark(empty) == 0
        # a box with no data holds no dark pixels below its label line
        left, bottom, right, top = box_rect("9")
        assert dark((left, bottom, right, top - 12)) == 0
        assert dark(box_rect("2")) > 50  # the patient's name


def test_characters_fall_on_the_10cpi_6lpi_grid(make_claim: Any) -> None:
    pdf = pdfium.PdfDocument(write_cms1500(make_claim()))
    tp = pdf[0].get_textpage()
    index, count = tp.search("DOE, JOHN").get_next()
    cells = [tp.get_charbox(index + i, loose=True) for i in range(count)]  # origin and font height
    # box 2 is column 1 of line 10: 0.3 inch from the left edge, in the 1/6 inch band from 10/6 inch;
    # every character advances 0.1 inch
    assert [round(c[0], 2) for c in cells] == [round(0.3 * 72 + 7.2 * i, 2) for i in range(count)]
    top_of_line, bottom_of_line = 792 - 10 * 12, 792 - 11 * 12
    assert all(bottom_of_line <= c[1] < c[3] <= top_of_line for c in cells)
    # the billing NPI is on line 61 twice: 32a from column 23 and 33a from column 50
    searcher = tp.search("1234567893")
    found = []
    while (hit := searcher.get_next()) is not None:
        found.append(tp.get_charbox(hit[0], loose=True))
    assert sorted(round(c[0], 2) for c in found) == [round((0.3 + 2.2) * 72, 2), round((0.3 + 4.9) * 72, 2)]
    assert all(792 - 62 * 12 <= c[1] < c[3] <= 792 - 61 * 12 for c in found)
    tp.close()


def test_every_field_lies_inside_its_box_on_the_page() -> None:
    for key, box in BOX.items():
        assert 1 <= box.cols[0] <= box.cols[1] <= 79 and 1 <= box.rows[0] <= box.rows[1] <= 62, key
        for name, f in box.fields.items():
            rows = [f.row + LINE_STEP * k for k in range(LINES_PER_PAGE)] if key == "24" else [f.row]
            assert box.cols[0] <= f.col and f.col + f.width - 1 <= box.cols[1], (key, name)
            assert all(box.rows[0] <= r <= box.rows[1] for r in rows), (key, name)
    # the fields of one box do not overlap on a line
    for key, box in BOX.items():
        cells = [(f.row, c) for f in box.fields.values() for c in range(f.col, f.col + f.width)]
        assert len(cells) == len(set(cells)), key


def test_seven_lines_make_two_complete_pages(make_claim: Any) -> None:
    claim = make_claim()
    base = claim.lines[0]
    extra = [dataclasses.replace(base, charge=Decimal(10 + i), modifiers=[]) for i in range(7 - len(claim.lines))]
    claim.lines = [*claim.lines, *extra]
    assert len(claim.lines) == 7
    pdf = pdfium.PdfDocument(write_cms1500(claim))
    assert len(pdf) == 2
    first, second = pdf[0], pdf[1]
    for n, page in enumerate((first, second), start=1):
        assert "DOE, JOHN" in text_in(page, box_rect("2"))  # every page carries the header boxes
        assert text_in(page, box_rect("33a")).endswith("1234567893")
        assert text_in(page, field_rect("21", "A")) == claim.diagnoses[0].code.replace(".", "")
        assert text_in(page, field_rect("page", "page")) == f"PAGE {n} OF 2"
    assert text_in(first, field_rect("24", "code", 6)) == claim.lines[5].code
    assert text_in(second, field_rect("24", "code", 1)) == claim.lines[6].code
    assert text_in(second, field_rect("24", "charge", 1)) == money(claim.lines[6].charge)
    assert text_in(second, field_rect("24", "code", 2)) == ""
    page1 = sum((ln.charge for ln in claim.lines[:6]), Decimal(0))
    assert text_in(first, box_rect("28")).endswith(money(page1))  # each page totals its own lines
    assert text_in(second, box_rect("28")).endswith(money(claim.lines[6].charge))


def test_a_replacement_claim_shows_code_7_and_the_original_reference(make_claim: Any) -> None:
    claim = make_claim(frequency="7", original_claim_id="2026163000123")
    page = pdfium.PdfDocument(write_cms1500(claim))[0]
    assert text_in(page, field_rect("22", "code")) == "7"
    assert text_in(page, field_rect("22", "original")) == "2026163000123"
    void = make_claim(frequency="8", original_claim_id="2026163000999")
    page = pdfium.PdfDocument(write_cms1500(void))[0]
    assert text_in(page, field_rect("22", "code")) == "8"
    assert text_in(page, field_rect("22", "original")) == "2026163000999"


def test_optional_boxes_14_17_and_31_date(make_claim: Any) -> None:
    referring = Provider("Smith", "1982738495", first_name="Jane", entity="person")
    data = write_cms1500(make_claim(), illness_date=_dt.date(2026, 5, 9), referring=referring,
                         signed=_dt.date(2026, 5, 13))
    page = pdfium.PdfDocument(data)[0]
    assert text_in(page, box_rect("14")).endswith("05 09 2026 431")
    assert text_in(page, field_rect("17", "qual")) == "DN"
    assert text_in(page, field_rect("17", "name")) == "SMITH, JANE"
    assert text_in(page, field_rect("17", "npi")) == "1982738495"
    assert text_in(page, field_rect("31", "date")) == "05 13 26"
    bare = pdfium.PdfDocument(write_cms1500(make_claim()))[0]
    assert text_in(bare, box_rect("14")) == "14 DATE OF CURRENT ILLNESS"
    assert text_in(bare, box_rect("17")) == "17 REFERRING PROVIDER"


def test_plain_data_without_the_form(make_claim: Any) -> None:
    page = pdfium.PdfDocument(write_cms1500(make_claim(), form=False))[0]
    assert text_in(page, box_rect("2")) == "DOE, JOHN"
    tp = page.get_textpage()
    assert "PATIENT NAME" not in tp.get_text_range()


def test_atomic_write_leaves_only_the_pdf(tmp_path: Path, make_claim: Any) -> None:
    claim = make_claim()
    out = tmp_path / "claims" / "doe.pdf"
    out.parent.mkdir()
    out.write_bytes(b"an older file")
    data = write_cms1500(claim, out)
    assert sorted(p.name for p in out.parent.iterdir()) == ["doe.pdf"]
    assert out.read_bytes() == data
    assert write_cms1500(claim, str(out)) == data  # reproducible bytes
    assert sorted(p.name for p in out.parent.iterdir()) == ["doe.pdf"]
    # a claim that fails leaves the earlier file as it was and no temporary file
    bad = dataclasses.replace(claim, kind="institutional")
    with pytest.raises(InputError):
        write_cms1500(bad, out)
    assert out.read_bytes() == data
    assert sorted(p.name for p in out.parent.iterdir()) == ["doe.pdf"]


def test_an_institutional_claim_is_refused(make_claim: Any) -> None:
    claim = dataclasses.replace(make_claim(), kind="institutional")
    with pytest.raises(InputError, match="UB-04") as exc:
        write_cms1500(claim)
    assert exc.value.where == "claim.kind"


@pytest.mark.parametrize(
    ("change", "where", "words"),
    [
        (lambda c: setattr(c.lines[0], "modifiers", ["25", "59", "XS", "76", "77"]), "claim.lines[1]",
         "at most 4 modifiers"),
        (lambda c: setattr(c, "patient_control_number", "ACCOUNT-NUMBER-TOO-LONG"),
         "claim.patient_control_number", "box 26"),
        (lambda c: setattr(c.lines[0], "charge", Decimal("123456.00")), "claim.lines[1].charge", "does not fit"),
        (lambda c: setattr(c.lines[0], "units", Decimal("1000")), "claim.lines[1].units", "24G"),
        (lambda c: setattr(c, "billing", dataclasses.replace(c.billing, tax_id=None)), "claim.billing.tax_id",
         "box 25"),
    ],
)
def test_what_the_form_cannot_hold_is_an_input_error(make_claim: Any, change: Any, where: str,
                                                     words: str) -> None:
    claim = make_claim()
    change(claim)
    with pytest.raises(InputError, match=words) as exc:
        write_cms1500(claim)
    assert exc.value.where == where


def test_a_bad_billing_phone_is_an_input_error(make_claim: Any) -> None:
    with pytest.raises(InputError, match="10-digit") as exc:
        write_cms1500(make_claim(), billing_phone="555-0100")
    assert exc.value.where == "billing_phone"
