"""CMS-1500 (02/12) paper claim writer: a professional claim laid out on the form's print grid.

The 1500 form is printed in 10-pitch (10 characters per inch) and 6 lines per inch on
8.5 x 11 inch paper. Every field is placed by (column, line) on that grid, both 1-based:

* column ``c`` starts ``0.3 + (c - 1) / 10`` inch from the left edge of the paper (the form's
  "X offset" of 0.3 inch to the first print position);
* line ``n`` is the 1/6 inch band starting ``n / 6`` inch below the top edge, so line 8, the
  line of box 1, starts at 1.33 inch (the form's "Y offset" to the highest print position on
  the form body).

Sources: the NUCC *1500 Health Insurance Claim Form Reference Instruction Manual for Form
Version 02/12* (nucc.org, "1500 Claim Form Reference Instruction Manual") for what goes into each
item (names as LAST, FIRST; dates MM DD YY in 24A and MM DD YYYY elsewhere; no decimal point in
ICD-10 codes; ICD indicator 0; charges right-justified with the cents apart and no dollar sign;
no hyphen in the tax id; up to six service lines per form); the printing rules for the form
(10-pitch pica type, font size 10 or 12, Courier; Y offset 1.33 inch, X offset 0.3 inch), as
summarised at https://222health.com/healthcare-industry/medicare/10152.html ("The Printing
Rules for the CMS 1500"); the line/column of each item follows the 02/12 print-file layout
that OpenEMR uses (openemr/openemr, ``src/Billing/Hcfa1500.php`` and
``library/gen_hcfa_1500_02_12.inc.php``: box 1 on line 8, box 2 line 10 column 1, box 21
diagnoses on lines 38-40 every 13 columns from column 3, service line ``k`` on line
``42 + 2k`` with its shaded half on the line above, boxes 25-28 on line 56, 33a on line 61).

The data are set in Courier 10 pt with 1.2 pt of extra character spacing, so every character
advances exactly 0.1 inch and falls in its grid column. Light box outlines and short labels of
our own (box number + a few words; ``form=False`` leaves them out, for printing on pre-printed
red forms) let the PDF be read on plain paper. More than six service lines go on further pages,
each a complete form (header boxes repeated, box 28 the total of that page's lines).
"""

from __future__ import annotations

import datetime as _dt
import io
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from reportlab.lib.pagesizes import letter
from reportlab.pdfgen.canvas import Canvas

from medcoder.claims.model import Address, Claim, Provider, ServiceLine
from medcoder.errors import InputError
from medcoder.fileio import write_atomic as _write_atomic

PAGE_WIDTH, PAGE_HEIGHT = letter  # 612 x 792 points (8.5 x 11 inch)
CPI = 10  # characters per inch
LPI = 6  # lines per inch
X_OFFSET = 0.3  # inch from the left edge of the paper to column 1
COL_PT = 72 / CPI  # 7.2 points per column
LINE_PT = 72 / LPI  # 12 points per line
FONT = "Courier"
FONT_SIZE = 10
CHAR_SPACE = COL_PT - 0.6 * FONT_SIZE  # Courier glyphs are 0.6 em wide: pad them to 0.1 inch
BASELINE = 9.0  # points below the top of a line band
LINES_PER_PAGE = 6  # service lines on one form (box 24)
MAX_MODIFIERS = 4  # 24D


@dataclass(frozen=True)
class Field:
    """A data position: ``width`` characters from (``col``, ``row``)."""

    col: int
    row: int
    width: int


@dataclass(frozen=True)
class Box:
    """One box of the form: its outline (first/last column, first/last line, inclusive), our
    short label, and its data positions by name."""

    label: str
    cols: tuple[int, int]
    rows: tuple[int, int]
    fields: Mapping[str, Field] = field(default_factory=dict)
    label_row: int | None = None  # the line whose top the label sits at (default: the first)


def _f(col: int, row: int, width: int) -> Field:
    return Field(col, row, width)


# Service line k (1-6) is on line 42 + 2k; its shaded upper half (supplemental information) on
# the line above. The fields of box "24" are those of line 1; line k adds 2 * (k - 1) rows.
LINE_STEP = 2

BOX: dict[str, Box] = {
    "carrier": Box("CARRIER", (41, 79), (1, 5), {"name": _f(41, 2, 31), "line1": _f(41, 3, 31),
                                                 "line2": _f(41, 4, 31), "city": _f(41, 5, 31)}),
    "page": Box("", (1, 20), (5, 5), {"page": _f(1, 5, 20)}),
    "1": Box("1 INSURANCE TYPE", (1, 48), (7, 8), {
        "medicare": _f(1, 8, 1), "medicaid": _f(8, 8, 1), "tricare": _f(15, 8, 1),
        "champva": _f(24, 8, 1), "group": _f(31, 8, 1), "feca": _f(39, 8, 1), "other": _f(45, 8, 1),
    }),
    "1a": Box("1a INSURED ID", (49, 79), (7, 8), {"id": _f(50, 8, 29)}),
    "2": Box("2 PATIENT NAME", (1, 29), (9, 10), {"name": _f(1, 10, 28)}),
    "3": Box("3 BIRTH DATE / SEX", (30, 48), (9, 10), {
        "mm": _f(31, 10, 2), "dd": _f(34, 10, 2), "yyyy": _f(37, 10, 4),
        "male": _f(42, 10, 1), "female": _f(47, 10, 1),
    }),
    "4": Box("4 INSURED NAME", (49, 79), (9, 10), {"name": _f(50, 10, 29)}),
    "5": Box("5 PATIENT ADDRESS", (1, 29), (11, 16), {
        "street": _f(1, 12, 28), "city": _f(1, 14, 24), "state": _f(26, 14, 2), "zip": _f(1, 16, 12),
    }),
    "6": Box("6 RELATIONSHIP TO INSURED", (30, 48), (11, 12), {
        "self": _f(33, 12, 1), "spouse": _f(38, 12, 1), "child": _f(42, 12, 1), "other": _f(47, 12, 1),
    }),
    "7": Box("7 INSURED ADDRESS", (49, 79), (11, 16), {
        "street": _f(50, 12, 29), "city": _f(50, 14, 23), "state": _f(74, 14, 2), "zip": _f(50, 16, 12),
    }),
    "8": Box("8 RESERVED", (30, 48), (13, 16)),
    "9": Box("9 OTHER INSURED", (1, 29), (17, 26)),
    "10": Box("10 CONDITION RELATED TO", (30, 48), (17, 26)),
    "11": Box("11 INSURED GROUP / FECA", (49, 79), (17, 18), {"group": _f(50, 18, 29)}),
    "11a-d": Box("11a-d INSURED DETAILS", (49, 79), (19, 26)),
    "12": Box("12 PATIENT SIGNATURE", (1, 48), (27, 30), {"signature": _f(7, 29, 20), "date": _f(35, 29, 10)}),
    "13": Box("13 INSURED SIGNATURE", (49, 79), (27, 30), {"signature": _f(55, 29, 20)}),
    "14": Box("14 DATE OF CURRENT ILLNESS", (1, 29), (31, 32), {
        "mm": _f(2, 32, 2), "dd": _f(5, 32, 2), "yyyy": _f(8, 32, 4), "qual": _f(16, 32, 3),
    }),
    "15": Box("15 OTHER DATE", (30, 48), (31, 32)),
    "16": Box("16 UNABLE TO WORK", (49, 79), (31, 32)),
    "17": Box("17 REFERRING PROVIDER", (1, 48), (33, 34), {
        "qual": _f(1, 34, 2), "name": _f(4, 34, 25), "npi": _f(33, 34, 10),
    }),
    "18": Box("18 HOSPITALIZATION DATES", (49, 79), (33, 34)),
    "19": Box("19 ADDITIONAL INFORMATION", (1, 48), (35, 36)),
    "20": Box("20 OUTSIDE LAB", (49, 79), (35, 36)),
    "21": Box("21 DIAGNOSES (ICD IND.)", (1, 48), (37, 40), {
        "ind": _f(42, 37, 1),
        **{chr(65 + i): _f(3 + 13 * (i % 4), 38 + i // 4, 7) for i in range(12)},  # 7: ICD-10 without its dot
    }),
    "22": Box("22 RESUBMISSION CODE / ORIGINAL REF. NO.", (49, 79), (37, 38), {
        "code": _f(50, 38, 10), "original": _f(62, 38, 17),
    }),
    "23": Box("23 PRIOR AUTHORIZATION", (49, 79), (39, 40)),
    "24": Box("24 SERVICE LINES", (1, 79), (41, 54), {
        "from_mm": _f(1, 44, 2), "from_dd": _f(4, 44, 2), "from_yy": _f(7, 44, 2),
        "to_mm": _f(10, 44, 2), "to_dd": _f(13, 44, 2), "to_yy": _f(16, 44, 2),
        "pos": _f(19, 44, 2), "code": _f(25, 44, 6),
        **{f"mod{i + 1}": _f(33 + 3 * i, 44, 2) for i in range(MAX_MODIFIERS)},
        "pointers": _f(45, 44, 4), "charge": _f(50, 44, 8), "units": _f(59, 44, 3),
        "npi": _f(68, 44, 10),
    }),
    "25": Box("25 FEDERAL TAX ID  SSN EIN", (1, 21), (55, 56), {
        "tax_id": _f(1, 56, 15), "ssn": _f(17, 56, 1), "ein": _f(19, 56, 1),
    }),
    "26": Box("26 PATIENT ACCOUNT NO.", (22, 36), (55, 56), {"account": _f(23, 56, 14)}),
    "27": Box("27 ACCEPT ASSIGNMENT", (37, 48), (55, 56), {"yes": _f(38, 56, 1), "no": _f(43, 56, 1)}),
    "28": Box("28 TOTAL CHARGE", (49, 61), (55, 56), {"total": _f(52, 56, 8)}),
    "29": Box("29 AMOUNT PAID", (62, 69), (55, 56)),
    "30": Box("30 RESERVED", (70, 79), (55, 56)),
    "31": Box("31 RENDERING PROVIDER", (1, 21), (57, 62), {"name": _f(1, 60, 20), "date": _f(6, 61, 10)}),
    "32": Box("32 SERVICE FACILITY", (22, 48), (57, 62), {
        "name": _f(23, 58, 26), "street": _f(23, 59, 26), "city": _f(23, 60, 26), "npi": _f(23, 61, 10),
    }),
    "33": Box("33 BILLING PROVIDER & PHONE", (49, 79), (57, 62), {
        "area": _f(66, 57, 3), "phone": _f(70, 57, 7), "name": _f(50, 58, 29), "street": _f(50, 59, 29),
        "city": _f(50, 60, 29), "npi": _f(50, 61, 10),
    }),
}
BOX["33a"] = Box("33a NPI", (49, 61), (61, 62), {"npi": BOX["33"].fields["npi"]}, label_row=62)
# dividers inside box 24 (the column where each item starts) and their labels
SERVICE_COLUMNS: tuple[tuple[int, str], ...] = (
    (1, "24A FROM"), (10, "TO"), (19, "B POS"), (22, "C EMG"), (25, "D CODE  MODIFIERS"),
    (45, "E DX PTR"), (49, "F CHARGES"), (59, "G UNITS"), (63, "H"), (65, "I"), (67, "J RENDERING NPI"),
)
INSURANCE_TYPE = {"medicare": "medicare", "medicaid": "medicaid", "tricare": "tricare", "champva": "champva",
                  "commercial": "group", "bcbs": "group", "feca": "feca"}
RELATIONSHIP = {"18": "self", "01": "spouse", "19": "child"}


def col_x(col: int) -> float:
    """The x (points from the left edge) where column ``col`` starts."""
    return 72 * X_OFFSET + (col - 1) * COL_PT


def row_top(row: int) -> float:
    """The y (PDF points from the bottom edge) of the top of line ``row``."""
    return PAGE_HEIGHT - row * LINE_PT


def box_rect(key: str) -> tuple[float, float, float, float]:
    """A box's outline as PDF (left, bottom, right, top) points: edges fall half a column
    left of the box's first column and at the band edges of its first and last lines."""
    b = BOX[key]
    return (col_x(b.cols[0]) - COL_PT / 2, row_top(b.rows[1] + 1), col_x(b.cols[1] + 1) - COL_PT / 2,
            row_top(b.rows[0]))


def field_rect(key: str, name: str, line: int = 1) -> tuple[float, float, float, float]:
    """The (left, bottom, right, top) points a field's characters occupy; ``line`` is the
    service line (1-6) for the fields of box 24."""
    f = BOX[key].fields[name]
    row = f.row + (LINE_STEP * (line - 1) if key == "24" else 0)
    return col_x(f.col), row_top(row + 1), col_x(f.col + f.width), row_top(row)


def _text(value: str) -> str:
    """Upper case printable ASCII (accents dropped, spacing collapsed), as the form's OCR reads."""
    plain = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    return " ".join("".join(c for c in plain if 32 <= ord(c) < 127).split()).upper()


def _money(amount: Decimal, width: int, where: str) -> str:
    """Dollars right-justified, a space where the form's dollar/cents line is, two cents digits."""
    cents = int((amount * 100).quantize(Decimal(1)))
    text = f"{cents // 100} {cents % 100:02d}".rjust(width)
    if len(text) > width:
        raise InputError(f"amount {amount} does not fit the {width} characters of the form's field; "
                         "split the claim", where=where)
    return text


def _units(units: Decimal, where: str) -> str:
    text = f"{units.normalize():f}"
    if len(text) > 3:
        raise InputError(f"units {text} do not fit 24G (3 characters)", where=where)
    return text


def _person_name(last: str, first: str | None) -> str:
    return _text(f"{last}, {first}" if first else last)


def _provider_name(p: Provider, *, natural: bool = False) -> str:
    """A person as LAST, FIRST (FIRST LAST with ``natural``); an organisation by its name."""
    if not p.first_name:
        return _text(p.name)
    return _text(f"{p.first_name} {p.name}" if natural else f"{p.name}, {p.first_name}")


def _city(a: Address) -> str:
    # NUCC: no commas or periods in addresses; a space between city and state
    return _text(f"{a.city} {a.state} {a.zip}").replace(",", "").replace(".", "")


class _Page:
    def __init__(self, canvas: Canvas) -> None:
        self.c = canvas

    def put(self, key: str, name: str, value: str, *, line: int = 1) -> None:
        if not value:
            return
        f = BOX[key].fields[name]
        row = f.row + (LINE_STEP * (line - 1) if key == "24" else 0)
        self.c.setFont(FONT, FONT_SIZE)
        self.c.setFillGray(0)
        self.c.drawString(col_x(f.col), row_top(row) - BASELINE, value[: f.width], charSpace=CHAR_SPACE)

    def date(self, key: str, d: _dt.date, *, year: str = "yyyy", prefix: str = "", line: int = 1) -> None:
        self.put(key, prefix + "mm", f"{d.month:02d}", line=line)
        self.put(key, prefix + "dd", f"{d.day:02d}", line=line)
        self.put(key, prefix + year, f"{d.year:04d}" if year == "yyyy" else f"{d.year % 100:02d}", line=line)


def _draw_form(c: Canvas) -> None:
    """Light outlines and our own short labels for every box."""
    c.setLineWidth(0.4)
    for key, b in BOX.items():
        if not b.label:
            continue
        left, bottom, right, top = box_rect(key)
        c.setStrokeGray(0.6)
        c.rect(left, bottom, right - left, top - bottom, stroke=1, fill=0)
        c.setFillGray(0.4)
        c.setFont("Helvetica", 5)
        c.drawString(left + 1.5, (top if b.label_row is None else row_top(b.label_row)) - 5.5, b.label)
    # box 24: a header band, then six lines with a shaded upper half, and the item dividers
    left, bottom, right, top = box_rect("24")
    for k in range(LINES_PER_PAGE):
        upper = row_top(43 + LINE_STEP * k)
        c.setFillGray(0.93)
        c.rect(left, upper - LINE_PT, right - left, LINE_PT, stroke=0, fill=1)
        c.setStrokeGray(0.75)
        c.line(left, upper, right, upper)
        c.setFillGray(0.4)
        c.setFont("Helvetica", 6)
        c.drawString(left - 8, upper - LINE_PT * 1.8, str(k + 1))
    c.setStrokeGray(0.75)
    for col, label in SERVICE_COLUMNS:
        x = col_x(col) - COL_PT / 2
        if col > 1:
            c.line(x, row_top(42), x, bottom)
        c.setFillGray(0.4)
        c.setFont("Helvetica", 5)
        c.drawString(x + 1.5, row_top(42) - 7, label)
    for i in range(12):  # the A-L letters of box 21
        f = BOX["21"].fields[chr(65 + i)]
        c.setFont("Helvetica", 5)
        c.drawString(col_x(f.col) - COL_PT * 1.5, row_top(f.row) - BASELINE, chr(65 + i) + ".")


def _service_line(page: _Page, claim: Claim, ln: ServiceLine, k: int, where: str) -> None:
    if len(ln.modifiers) > MAX_MODIFIERS:
        raise InputError(f"24D holds at most {MAX_MODIFIERS} modifiers, got {len(ln.modifiers)}", where=where)
    page.date("24", ln.date_of_service, year="yy", prefix="from_", line=k)
    page.date("24", ln.date_of_service, year="yy", prefix="to_", line=k)
    page.put("24", "pos", ln.place_of_service or claim.place_of_service, line=k)
    page.put("24", "code", _text(ln.code), line=k)
    for i, m in enumerate(ln.modifiers):
        page.put("24", f"mod{i + 1}", _text(m), line=k)
    page.put("24", "pointers", "".join(chr(64 + p) for p in ln.pointers), line=k)
    page.put("24", "charge", _money(ln.charge, 8, f"{where}.charge"), line=k)
    page.put("24", "units", _units(ln.units, f"{where}.units"), line=k)
    if claim.rendering is not None:
        page.put("24", "npi", claim.rendering.npi, line=k)


def _header(page: _Page, claim: Claim, *, illness_date: _dt.date | None, referring: Provider | None,
            billing_phone: str | None, signed: _dt.date | None) -> None:
    payer = claim.payer
    page.put("carrier", "name", _text(payer.name))
    if payer.address is not None:
        page.put("carrier", "line1", _text(payer.address.line1))
        page.put("carrier", "line2", _text(payer.address.line2 or ""))
        page.put("carrier", "city", _city(payer.address))
    page.put("1", INSURANCE_TYPE.get(payer.kind, "other"), "X")
    sub, pat = claim.subscriber, claim.patient
    page.put("1a", "id", _text(sub.member_id or ""))
    page.put("2", "name", _person_name(pat.last_name, pat.first_name))
    if pat.birth_date is not None:
        page.date("3", pat.birth_date)
    if pat.sex in ("M", "F"):
        page.put("3", "male" if pat.sex == "M" else "female", "X")
    page.put("4", "name", _person_name(sub.last_name, sub.first_name))
    for key, person in (("5", pat), ("7", sub)):
        if person.address is not None:
            a = person.address
            page.put(key, "street", _text(" ".join(x for x in (a.line1, a.line2) if x)))
            page.put(key, "city", _text(a.city))
            page.put(key, "state", _text(a.state))
            page.put(key, "zip", _text(a.zip))
    page.put("6", RELATIONSHIP.get(claim.relationship, "other"), "X")
    if payer.kind == "medicare":
        page.put("11", "group", "NONE")  # no insurance primary to Medicare
    page.put("12", "signature", "SIGNATURE ON FILE")
    page.put("13", "signature", "SIGNATURE ON FILE")
    if illness_date is not None:
        page.date("14", illness_date)
        page.put("14", "qual", "431")  # onset of current symptoms or illness
    if referring is not None:
        page.put("17", "qual", "DN")
        page.put("17", "name", _provider_name(referring))
        page.put("17", "npi", referring.npi)
    page.put("21", "ind", "0")  # ICD-10-CM
    for i, dx in enumerate(claim.diagnoses):
        page.put("21", chr(65 + i), _text(dx.code).replace(".", ""))
    if claim.frequency in ("7", "8"):
        page.put("22", "code", claim.frequency)
        page.put("22", "original", _text(claim.original_claim_id or ""))
    bill = claim.billing
    tax_id = "".join(ch for ch in (bill.tax_id or "") if ch.isalnum())
    page.put("25", "tax_id", tax_id)
    page.put("25", "ssn" if bill.tax_id_kind == "SSN" else "ein", "X")
    page.put("26", "account", _text(claim.patient_control_number))
    page.put("27", "yes", "X")
    who = claim.rendering if claim.rendering is not None else bill
    page.put("31", "name", _provider_name(who, natural=True))
    if signed is not None:
        page.put("31", "date", signed.strftime("%m %d %y"))
    addr = bill.address
    for key in ("32", "33"):
        page.put(key, "name", _provider_name(bill))
        if addr is not None:
            page.put(key, "street", _text(" ".join(x for x in (addr.line1, addr.line2) if x)))
            page.put(key, "city", _city(addr))
        page.put(key, "npi", bill.npi)
    if billing_phone:
        page.put("33", "area", billing_phone[:3])
        page.put("33", "phone", billing_phone[3:])


def _check(claim: Claim, billing_phone: str | None) -> str | None:
    if claim.kind != "professional":
        raise InputError("the CMS-1500 carries professional claims; an institutional claim goes on a UB-04 "
                         "(or the 837I)", where="claim.kind")
    claim.check()
    if not claim.subscriber.member_id:
        raise InputError("box 1a needs the insured's member id", where="claim.subscriber.member_id")
    if claim.billing.address is None:
        raise InputError("box 33 needs the billing provider's address", where="claim.billing.address")
    if not claim.billing.tax_id:
        raise InputError("box 25 needs the billing provider's tax id (EIN or SSN)", where="claim.billing.tax_id")
    account = _text(claim.patient_control_number)
    if len(account) > BOX["26"].fields["account"].width:
        raise InputError(f"box 26 holds {BOX['26'].fields['account'].width} characters; the patient account "
                         f"number {account!r} is longer", where="claim.patient_control_number")
    if billing_phone is None:
        return None
    digits = "".join(ch for ch in billing_phone if ch.isdigit())
    if len(digits) != 10:
        raise InputError(f"expected a 10-digit billing phone for box 33, got {billing_phone!r}",
                         where="billing_phone")
    return digits


def write_cms1500(
    claim: Claim,
    path: str | Path | None = None,
    *,
    illness_date: _dt.date | None = None,
    referring: Provider | None = None,
    billing_phone: str | None = None,
    signed: _dt.date | None = None,
    form: bool = True,
) -> bytes:
    """The PDF of a professional claim on CMS-1500 (02/12) forms: one page per six service lines.

    ``illness_date`` (box 14, qualifier 431), ``referring`` (box 17, qualifier DN), the billing
    ``billing_phone`` (box 33) and the ``signed`` date (box 31) are printed when given. With
    ``path`` the PDF is also written there atomically (a temporary file in the same folder,
    then renamed). The output is byte-for-byte reproducible."""
    phone = _check(claim, billing_phone)
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=letter, invariant=True, pageCompression=1)
    c.setTitle("CMS-1500 (02/12) claim")
    c.setCreator("medcoder")
    chunks = [claim.lines[i: i + LINES_PER_PAGE] for i in range(0, len(claim.lines), LINES_PER_PAGE)]
    for n, chunk in enumerate(chunks, start=1):
        if form:
            _draw_form(c)
        page = _Page(c)
        _header(page, claim, illness_date=illness_date, referring=referring, billing_phone=phone, signed=signed)
        if len(chunks) > 1:
            page.put("page", "page", f"PAGE {n} OF {len(chunks)}")
        for k, ln in enumerate(chunk, start=1):
            _service_line(page, claim, ln, k, f"claim.lines[{(n - 1) * LINES_PER_PAGE + k}]")
        total = sum((ln.charge for ln in chunk), Decimal(0))
        page.put("28", "total", _money(total, 8, "claim.total_charge"))
        c.showPage()
    c.save()
    data = buf.getvalue()
    if path is not None:
        _write_atomic(Path(path), data)
    return data


