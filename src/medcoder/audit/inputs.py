"""What an audit reads: the billed claims, the documentation, the 835 paid amounts and the members.

    extract = read_billed_claims(Path("claims.csv"))      # or an 837P/837I, a claim file, a folder
    docs = read_documentation(Path("records/"))           # C123.txt, C124.json, C125.hl7 …
    notes = attach_remits(extract.claims, [Path("era.835")])
    members = read_members(Path("members.csv"))
    with_docs, without_docs, orphans = join(extract.claims, docs.docs)

Bad input never stops the read. A row, file or value that cannot be used is a
:class:`RowProblem` (file, line, column, plain words) and whatever depends on it is kept out and
said so: a claim with one bad row is left out entirely ("claim C12 left out: line 14 paid 'abc'
is not an amount"), never silently dropped, never half read. Only a file that cannot be an input
at all (no such file, a CSV without the required columns) raises ``InputError``.

Which rule each piece follows:

- **claim-line extract (CSV)**: one row per billed service line, the layout of a payer's
  claims-data extract; the fields are those of the CMS-1500 / 837P (claim id = CLM01 patient
  control number or the payer's claim number, items 24A date of service, 24D procedure code and
  up to four modifiers (837P SV101-3..6), 24G units (SV104), 24F charge (SV102), 21 diagnoses (HI,
  up to 12 on a professional claim, 25 on an institutional one), 24E pointers (SV107), 24B place
  of service (SV105), 24J rendering NPI). Column names: see :func:`read_claim_extract`.
- **837P / 837I and claim YAML/JSON**: read by ``medcoder.claims.io.load_claims`` (pyx12-checked
  X12); the AuditClaim's ``claim_id`` is the patient control number (CLM01), which the 835
  returns unchanged in CLP01.
- **documentation**: one file per claim, named after its claim id, read by
  ``medcoder.readers.read_document`` (plain text, encounter JSON, FHIR R4 Bundle, HL7 v2).
  Messages name files, never their text.
- **835 paid amounts** (005010X221A1): CLP01 = claim id; lines by SVC06 (submitted code, when
  the payer changed it) or SVC01-2 with the modifiers and the DTM*472 date, else by position;
  the paid amount is SVC03 summed over every adjudication of the claim, so a reversal (CLP02 22,
  TR3 1.10.2.8, negated amounts) nets out its original; a payment repeated with the same TRN02 +
  TRN03 is counted once (``RemitBatch``).
- **members**: enrolment span and date of death per patient, as a payer's eligibility file has
  them (the audit flags services outside enrolment or after death).
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from medcoder.audit.model import ZERO, AuditClaim, AuditLine, Documentation, Member
from medcoder.errors import InputError

__all__ = [
    "DOC_SUFFIXES",
    "EXTRACT_COLUMNS",
    "MEMBER_COLUMNS",
    "DocsResult",
    "ExtractResult",
    "MembersResult",
    "Orphan",
    "RowProblem",
    "attach_remits",
    "audit_claim_from",
    "join",
    "read_billed_claims",
    "read_claim_extract",
    "read_documentation",
    "read_members",
]


@dataclass(frozen=True)
class RowProblem:
    """One thing in the inputs that could not be used: where it is and what is wrong (never
    the text of a note)."""

    path: str
    line: int | None  # 1-based line of the file (CSV), None for a whole file
    column: str | None  # the column as the file names it
    message: str
    claim_id: str | None = None  # the claim it keeps out, if any

    def __str__(self) -> str:
        where = self.path + (f":{self.line}" if self.line else "")
        return f"{where}{f' ({self.column})' if self.column else ''}: {self.message}"


@dataclass
class ExtractResult:
    """The claims read, and what could not be read (``left_out``: the claim ids kept out)."""

    claims: list[AuditClaim] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)


@dataclass
class DocsResult:
    """Documentation per claim id; ``not_reviewable`` gives the reason for each claim id whose
    documentation exists but cannot be used (unreadable, or two files for one claim)."""

    docs: dict[str, Documentation] = field(default_factory=dict)
    problems: list[RowProblem] = field(default_factory=list)
    not_reviewable: dict[str, str] = field(default_factory=dict)


@dataclass
class MembersResult:
    members: dict[str, Member] = field(default_factory=dict)
    problems: list[RowProblem] = field(default_factory=list)


@dataclass(frozen=True)
class Orphan:
    """A documentation file whose claim id matches no claim (a mismatched id)."""

    claim_id: str
    path: str
    suggestion: str | None  # the claim id it probably meant (case, leading zeros, spaces)
    message: str


# -- columns ------------------------------------------------------------------------------------------
#: canonical column -> accepted names (compared lowercased, without spaces, "_", "-", ".", "#");
#: when a file has several names for one column the first in this order is used
EXTRACT_COLUMNS: dict[str, tuple[str, ...]] = {
    "claim_id": ("claim_id", "claim", "claim_no", "claim_number", "claim_num", "claim_control_number",
                 "patient_control_number", "pcn", "clm01", "icn", "tcn"),
    "patient_id": ("patient_id", "patient", "member_id", "member", "mrn", "beneficiary_id", "subscriber_id",
                   "mbi", "hicn", "insured_id"),
    "provider_id": ("provider_id", "rendering_npi", "rendering_provider_npi", "rendering_provider_id",
                    "rendering_provider", "provider_npi", "npi", "provider", "billing_npi",
                    "billing_provider_npi"),
    "date_of_service": ("date_of_service", "dos", "service_date", "from_date", "service_from_date", "dos_from",
                        "date_from", "service_from", "date"),
    "code": ("code", "procedure_code", "cpt_hcpcs", "hcpcs_cpt", "cpt", "hcpcs", "cpt_code", "hcpcs_code",
             "proc_code", "procedure", "service_code"),
    "modifiers": ("modifiers", "modifier", "mods", "mod"),
    "units": ("units", "unit", "service_units", "units_billed", "billed_units", "quantity", "qty", "days_units"),
    "charge": ("charge", "charges", "line_charge", "charge_amount", "billed", "billed_amount", "billed_charge",
               "submitted_charge", "amount_billed"),
    "paid": ("paid", "paid_amount", "amount_paid", "line_paid", "payment", "payment_amount", "net_paid"),
    "diagnoses": ("diagnoses", "diagnosis", "diagnosis_codes", "dx", "dx_codes", "icd10", "icd10cm", "icd_codes"),
    "pointers": ("pointers", "dx_pointers", "diagnosis_pointers", "dx_pointer", "diagnosis_pointer", "pointer"),
    "payer": ("payer", "payer_name", "plan", "insurance", "carrier"),
    "patient_name": ("patient_name", "member_name", "beneficiary_name", "name"),
    "birth_date": ("birth_date", "dob", "date_of_birth", "patient_dob", "birthdate"),
    "sex": ("sex", "gender", "patient_sex", "patient_gender"),
    "place_of_service": ("place_of_service", "pos", "place_of_service_code", "pos_code"),
    "setting": ("setting", "care_setting"),
    "line": ("line", "line_number", "line_no", "line_num", "ln", "service_line"),
}
REQUIRED = ("claim_id", "patient_id", "provider_id", "date_of_service", "code")
#: numbered columns: modifier1..modifier4 (837P SV101-3..6), dx1..dx12 (HI; 25 on an 837I)
_NUMBERED = {
    "modifiers": (("modifier", "mod"), 4),
    "diagnoses": (("dx", "diagnosis", "diag", "icd", "dx_code", "diagnosis_code", "icd10"), 25),
}
MEMBER_COLUMNS: dict[str, tuple[str, ...]] = {
    "patient_id": ("patient_id", "member_id", "member", "patient", "mrn", "beneficiary_id", "subscriber_id", "mbi"),
    "enrolled_from": ("enrolled_from", "enrollment_start", "enrolment_start", "eligibility_start",
                      "effective_date", "coverage_start", "start_date", "from_date", "enrolled", "start", "from"),
    "enrolled_to": ("enrolled_to", "enrollment_end", "enrolment_end", "eligibility_end", "termination_date",
                    "term_date", "coverage_end", "end_date", "to_date", "end", "to"),
    "date_of_death": ("date_of_death", "dod", "death_date", "deceased_date", "died"),
}
CSV_SUFFIXES = (".csv", ".tsv", ".txt")
DOC_SUFFIXES = (".txt", ".text", ".note", ".json", ".hl7", ".er7", ".hl7v2")


def _key(name: str) -> str:
    return re.sub(r"[\s_\-.#/()]+", "", name.strip().lstrip("\ufeff").lower())


def _columns(header: Sequence[str], spec: Mapping[str, tuple[str, ...]]) -> dict[str, int]:
    """Canonical column -> index in the header (first accepted name present wins)."""
    index: dict[str, int] = {}
    for i, h in enumerate(header):
        index.setdefault(_key(h), i)
    found: dict[str, int] = {}
    for canon, names in spec.items():
        for n in names:
            if _key(n) in index:
                found[canon] = index[_key(n)]
                break
    return found


def _numbered(header: Sequence[str], prefixes: tuple[str, ...], most: int) -> list[int]:
    """Indexes of PREFIX1 … PREFIXn columns, in number order."""
    keys = [_key(h) for h in header]
    for prefix in prefixes:
        p = _key(prefix)
        got = {int(m.group(1)): i for i, k in enumerate(keys) if (m := re.fullmatch(re.escape(p) + r"(\d{1,2})", k))}
        if got:
            return [got[n] for n in sorted(got) if 1 <= n <= most]
    return []


# -- values -------------------------------------------------------------------------------------------
class _Bad(ValueError):
    """A value that does not parse: the message says what was expected."""


_DATE_FORMATS = (("%Y-%m-%d", r"\d{4}-\d{1,2}-\d{1,2}"), ("%m/%d/%Y", r"\d{1,2}/\d{1,2}/\d{4}"),
                 ("%Y%m%d", r"\d{8}"))


def _show(v: str) -> str:
    return repr(v if len(v) <= 40 else v[:37] + "...")


def parse_date(value: str) -> _dt.date:
    """YYYY-MM-DD, MM/DD/YYYY (M/D/YYYY) or YYYYMMDD; a time after the date is ignored."""
    v = value.strip()
    v = re.split(r"[T ]", v, maxsplit=1)[0] if re.match(r"\d{4}-\d\d-\d\d[T ]", v) else v
    for fmt, shape in _DATE_FORMATS:
        if re.fullmatch(shape, v):
            try:
                return _dt.datetime.strptime(v, fmt).date()
            except ValueError:
                raise _Bad(f"{_show(value)} is not a date that exists") from None
    raise _Bad(f"{_show(value)} is not a date (expected YYYY-MM-DD or MM/DD/YYYY)")


def parse_amount(value: str, *, negative: bool = False) -> Decimal:
    """A dollar amount: 125, 125.00, $1,250.00, (12.00) for a negative."""
    v = value.strip().replace("$", "").replace(",", "").replace(" ", "")
    if re.fullmatch(r"\(\d+(\.\d+)?\)", v):
        v = "-" + v[1:-1]
    if not re.fullmatch(r"[-+]?(\d+(\.\d*)?|\.\d+)", v):
        raise _Bad(f"{_show(value)} is not an amount (expected a number such as 125.00)")
    d = Decimal(v)
    if d < 0 and not negative:
        raise _Bad(f"{_show(value)} is negative")
    return d


def _units(value: str) -> Decimal:
    v = value.strip().replace(",", "")
    try:
        d = Decimal(v)
    except InvalidOperation:
        raise _Bad(f"{_show(value)} is not a number of units") from None
    if not d.is_finite() or d <= 0:
        raise _Bad(f"{_show(value)} is not a positive number of units")
    return d


_CODE = re.compile(r"\d{4}[0-9A-Z]|[A-V]\d{4}")  # CPT (incl. Category II/III, PLA) / HCPCS Level II
_MODIFIER = re.compile(r"[0-9A-Z]{2}")
_ICD = re.compile(r"[A-Z]\d[0-9A-Z](\.[0-9A-Z]{1,4})?")


def _code(value: str) -> str:
    v = value.strip().upper()
    if _CODE.fullmatch(v):
        return v
    hint = " (a spreadsheet may have dropped its leading zeros)" if v.isdigit() and len(v) < 5 else ""
    raise _Bad(f"{_show(value)} is not a CPT/HCPCS code (five characters, e.g. 99213 or J1885){hint}")


def _modifiers(values: Iterable[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        for m in re.split(r"[\s,;|/\-]+", value.strip().upper()):
            if not m:
                continue
            if not _MODIFIER.fullmatch(m):
                raise _Bad(f"{_show(m)} is not a modifier (two letters or digits, e.g. 25 or RT)")
            out.append(m)
    return out


def _diagnoses(values: Iterable[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        for d in re.split(r"[\s,;|]+", value.strip().upper()):
            if not d:
                continue
            code = d if "." in d or len(d) <= 3 else f"{d[:3]}.{d[3:]}"  # X12 HI carries no dot
            if not _ICD.fullmatch(code):
                raise _Bad(f"{_show(d)} is not an ICD-10-CM code (e.g. E11.9 or I10)")
            if code not in out:
                out.append(code)
    return out


def _pointers(value: str) -> list[int]:
    out: list[int] = []
    for p in re.split(r"[\s,;|:]+", value.strip().upper()):
        if not p:
            continue
        if p.isdigit() and 1 <= int(p) <= 25:
            out.append(int(p))
        elif len(p) == 1 and "A" <= p <= "L":  # CMS-1500 item 24E letters A-L
            out.append(ord(p) - ord("A") + 1)
        else:
            raise _Bad(f"{_show(p)} is not a diagnosis pointer (1-12 or A-L)")
    return out


_SEX = {"M": "M", "MALE": "M", "F": "F", "FEMALE": "F", "U": "U", "UNKNOWN": "U", "": "U"}
_SETTINGS = ("outpatient", "emergency", "inpatient", "ambulance")


def _sex(value: str) -> str:
    v = value.strip().upper()
    if v not in _SEX:
        raise _Bad(f"{_show(value)} is not a sex (expected M, F or U)")
    return _SEX[v]


def _pos(value: str) -> str:
    v = value.strip()
    if v.isdigit() and 1 <= len(v) <= 2:
        return v.zfill(2)  # a spreadsheet drops the leading zero of 02, 09 …
    raise _Bad(f"{_show(value)} is not a place of service code (two digits, e.g. 11)")


def _setting(value: str) -> str:
    v = value.strip().lower()
    if v not in _SETTINGS:
        raise _Bad(f"{_show(value)} is not a setting (expected {', '.join(_SETTINGS)})")
    return v


def _line_no(value: str) -> int:
    v = value.strip()
    if v.isdigit() and int(v) >= 1:
        return int(v)
    raise _Bad(f"{_show(value)} is not a line number (1, 2, …)")


# -- CSV ----------------------------------------------------------------------------------------------
def _decode(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror})", where=path) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")  # what a spreadsheet saves as "CSV"


def _rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and (file line, values) of each non-blank row; the delimiter (comma, tab,
    semicolon or bar) is the one the header line uses most."""
    text = _decode(path)
    if not text.strip():
        raise InputError("the file is empty (expected a header line and one row per claim line)", where=path)
    first = text.lstrip("\r\n").splitlines()[0]
    delim = max((",", "\t", ";", "|"), key=first.count) if path.suffix.lower() != ".tsv" else "\t"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    last = 0
    try:
        for values in reader:
            start, last = last + 1, reader.line_num
            if not any(v.strip() for v in values):
                continue
            if header is None:
                header = [v.strip() for v in values]
                continue
            rows.append((start, values))
    except csv.Error as exc:
        raise InputError(f"line {reader.line_num}: not a readable CSV ({exc})", where=path) from None
    return header or [], rows


def _missing(path: Path, header: list[str], found: Mapping[str, int], required: Sequence[str],
             spec: Mapping[str, tuple[str, ...]], extra: str = "") -> None:
    missing = [c for c in required if c not in found]
    if missing:
        names = "; ".join(f"{c} (or {', '.join(spec[c][1:4])})" if len(spec[c]) > 1 else c for c in missing)
        raise InputError(
            f"missing required column(s): {names}. Expected columns {', '.join(required)}{extra}; "
            f"the header has {', '.join(repr(h) for h in header) or 'nothing'}",
            where=path,
        )


@dataclass
class _Row:
    line: int
    claim_id: str
    values: dict[str, Any]
    bad: list[tuple[str, str]]  # (column as named in the file, message)


def read_claim_extract(path: Path) -> ExtractResult:
    """Read a claim-line CSV extract: one row per billed service line, rows of one claim id
    grouped into one :class:`AuditClaim` (in the order claims first appear).

    Columns (names are case-insensitive; spaces, ``_``, ``-``, ``.`` and ``#`` are ignored, so
    ``Claim ID``, ``claim_id`` and ``CLAIM-ID`` are one column). Required:

    - ``claim_id`` (also ``claim``, ``claim_number``, ``patient_control_number``, ``pcn``,
      ``icn``): the audit's key; documentation files are named after it;
    - ``patient_id`` (``member_id``, ``mrn``, ``beneficiary_id``, ``mbi``);
    - ``provider_id`` (``rendering_npi``, ``npi``, ``provider``, then ``billing_npi``);
    - ``date_of_service`` (``dos``, ``service_date``, ``from_date``): YYYY-MM-DD, MM/DD/YYYY or
      YYYYMMDD;
    - ``code`` (``procedure_code``, ``cpt``, ``hcpcs``): five characters, CPT or HCPCS.

    Optional: ``modifiers`` ("25", "25,59", "25 59"; or ``modifier1`` … ``modifier4``),
    ``units`` (default 1), ``charge``, ``paid`` ($ and thousands commas allowed; ``paid`` may
    be negative, a recoupment), ``diagnoses`` ("E11.9;I10", dots optional; or ``dx1`` …
    ``dx12``), ``pointers`` ("1,2" or "A B"; default: the row's own diagnoses), ``payer``,
    ``patient_name``, ``birth_date`` (``dob``), ``sex`` (M/F/U), ``place_of_service``
    (``pos``), ``setting`` (outpatient, emergency, inpatient, ambulance) and ``line`` (the
    line number; default: the row's order within its claim).

    A value that does not parse keeps its whole claim out, with a :class:`RowProblem`
    naming the file line and column; so do two rows with the same (claim_id, line) and rows of
    one claim that disagree on the patient or the date of service. Rows that disagree on the
    provider (a line-level rendering provider), payer, name, birth date, sex or setting are
    reported and the first value is kept. Missing required columns raise ``InputError`` naming the file and the
    columns expected.
    """
    path = Path(path)
    header, rows = _rows(path)
    found = _columns(header, EXTRACT_COLUMNS)
    _missing(path, header, found, REQUIRED, EXTRACT_COLUMNS,
             extra="; optional modifiers (or modifier1-4), units, charge, paid, diagnoses (or dx1-12), "
                   "pointers, payer, patient_name, birth_date, sex, place_of_service, setting, line")
    numbered = {k: _numbered(header, prefixes, most) for k, (prefixes, most) in _NUMBERED.items()}
    # a column named plainly ("modifier") beside numbered ones ("modifier2") is read as modifier 1
    for k in numbered:
        if numbered[k] and k in found and found[k] not in numbered[k]:
            numbered[k] = [found[k], *numbered[k]]
    result = ExtractResult()
    where = str(path)
    grouped: dict[str, list[_Row]] = {}
    for n, values in rows:
        if len(values) > len(header) and any(v.strip() for v in values[len(header):]):
            shifted = f"has {len(values)} fields where the header has {len(header)} (an unquoted comma?)"
            cid = _cell(values, found["claim_id"])
            if cid:  # the claim is kept out with the row
                grouped.setdefault(cid, []).append(_Row(n, cid, {}, [("", shifted)]))
            else:
                result.problems.append(RowProblem(where, n, None, f"line {n} {shifted}: row left out"))
            continue
        row = _parse_row(n, values, header, found, numbered)
        if row is None:
            result.problems.append(RowProblem(where, n, header[found["claim_id"]],
                                              f"line {n} has no claim id: row left out"))
            continue
        grouped.setdefault(row.claim_id, []).append(row)
    for cid, group in grouped.items():
        claim, problems = _claim(path, cid, group, header, found)
        result.problems.extend(problems)
        if claim is None:
            result.left_out.append(cid)
        else:
            result.claims.append(claim)
    return result


def _cell(values: list[str], i: int | None) -> str:
    return values[i].strip() if i is not None and i < len(values) else ""


def _parse_row(n: int, values: list[str], header: list[str], found: Mapping[str, int],
               numbered: Mapping[str, list[int]]) -> _Row | None:
    cid = _cell(values, found["claim_id"])
    if not cid:
        return None
    row = _Row(n, cid, {}, [])

    def col(name: str) -> str:
        return header[found[name]] if name in found else name

    def take(name: str, parse: Any, value: str) -> None:
        try:
            row.values[name] = parse(value)
        except _Bad as exc:
            row.bad.append((col(name), f"{col(name)} {exc}"))

    for name in ("patient_id", "provider_id"):
        v = _cell(values, found[name])
        if v:
            row.values[name] = v
        else:
            row.bad.append((col(name), f"{col(name)} is empty"))
    for name, parse in (("date_of_service", parse_date), ("code", _code)):
        v = _cell(values, found[name])
        if v:
            take(name, parse, v)
        else:
            row.bad.append((col(name), f"{col(name)} is empty"))
    simple: tuple[tuple[str, Any], ...] = (
        ("units", _units), ("charge", parse_amount), ("paid", lambda v: parse_amount(v, negative=True)),
        ("pointers", _pointers), ("birth_date", parse_date), ("sex", _sex), ("place_of_service", _pos),
        ("setting", _setting), ("line", _line_no))
    for name, parse in simple:
        v = _cell(values, found.get(name))
        if v:
            take(name, parse, v)
    for name in ("payer", "patient_name"):
        v = _cell(values, found.get(name))
        if v:
            row.values[name] = v
    many: tuple[tuple[str, Callable[[Iterable[str]], list[str]]], ...] = (
        ("modifiers", _modifiers), ("diagnoses", _diagnoses))
    for name, parse_many in many:
        idx = numbered[name] or ([found[name]] if name in found else [])
        got: list[str] = []
        for i in idx:
            try:
                got += [x for x in parse_many([_cell(values, i)]) if x not in got or name == "modifiers"]
            except _Bad as exc:
                row.bad.append((header[i], f"{header[i]} {exc}"))
        if name == "modifiers" and len(got) > 4:
            row.bad.append((header[idx[0]], f"{header[idx[0]]} carries {len(got)} modifiers; a service line "
                                            "carries at most four (837P SV101-3 to -6)"))
        elif got:
            row.values[name] = got
    return row


def _claim(path: Path, cid: str, rows: list[_Row], header: list[str],
           found: Mapping[str, int]) -> tuple[AuditClaim | None, list[RowProblem]]:
    where = str(path)
    problems: list[RowProblem] = []
    out = False
    for r in rows:
        for column, msg in r.bad:
            problems.append(RowProblem(where, r.line, column or None,
                                       f"claim {cid} left out: line {r.line} {msg}", claim_id=cid))
            out = True
    good = [r for r in rows if not r.bad]
    if not good:
        return None, problems
    first = good[0]
    for name, why in (("patient_id", "patient"), ("date_of_service", "date of service")):
        for r in good[1:]:
            a, b = first.values.get(name), r.values.get(name)
            if a != b:
                problems.append(RowProblem(
                    where, r.line, header[found[name]],
                    f"claim {cid} left out: line {r.line} {why} {_plain(b)} differs from {_plain(a)} on line "
                    f"{first.line} (the rows of one claim must share its {why})", claim_id=cid))
                out = True
                break
    kept: dict[str, Any] = {}
    for name, why in (("provider_id", "provider"), ("payer", "payer"), ("patient_name", "patient name"), ("birth_date", "birth date"),
                      ("sex", "sex"), ("setting", "setting")):
        have = [(r, r.values[name]) for r in good if name in r.values]
        if not have:
            continue
        kept[name] = have[0][1]
        other = next(((r, v) for r, v in have if v != have[0][1]), None)
        if other is not None:
            problems.append(RowProblem(
                where, other[0].line, header[found[name]],
                f"claim {cid}: line {other[0].line} {why} differs from line {have[0][0].line}; the first value is "
                "kept", claim_id=cid))
    numbers: dict[int, int] = {}
    for pos, r in enumerate(rows, start=1):
        n = r.values.get("line", pos)
        if n in numbers:
            problems.append(RowProblem(
                where, r.line, header[found["line"]] if "line" in found else None,
                f"claim {cid} left out: line {r.line} repeats claim line {n} (also on line {numbers[n]})",
                claim_id=cid))
            out = True
        else:
            numbers[n] = r.line
    if out:
        return None, problems
    diagnoses: list[str] = []
    for r in good:
        for d in r.values.get("diagnoses", []):
            if d not in diagnoses:
                diagnoses.append(d)
    lines: list[AuditLine] = []
    for pos, r in enumerate(good, start=1):
        v = r.values
        pointers = v.get("pointers") or [diagnoses.index(d) + 1 for d in v.get("diagnoses", [])]
        bad_ptr = [p for p in pointers if p > len(diagnoses)]
        if bad_ptr:
            problems.append(RowProblem(
                where, r.line, header[found["pointers"]] if "pointers" in found else None,
                f"claim {cid} left out: line {r.line} diagnosis pointer(s) {bad_ptr} point past the "
                f"{len(diagnoses)} diagnoses of the claim", claim_id=cid))
            return None, problems
        lines.append(AuditLine(
            line=v.get("line", pos), code=v["code"], modifiers=v.get("modifiers", []),
            units=v.get("units", Decimal("1")), charge=v.get("charge"), paid=v.get("paid"),
            paid_source="extract" if "paid" in v else None, date_of_service=v["date_of_service"],
            pointers=pointers[:4] if len(pointers) > 4 and "pointers" not in v else pointers,
            place_of_service=v.get("place_of_service")))
    lines.sort(key=lambda ln: ln.line)
    pos_values = [ln.place_of_service for ln in lines if ln.place_of_service]
    claim = AuditClaim(
        claim_id=cid, patient_id=first.values["patient_id"], provider_id=kept["provider_id"],
        date_of_service=first.values["date_of_service"], lines=lines, diagnoses=diagnoses,
        payer=kept.get("payer"), patient_name=kept.get("patient_name"),
        patient_birth_date=kept.get("birth_date"), patient_sex=kept.get("sex", "U"),
        setting=kept.get("setting", "outpatient"), place_of_service=pos_values[0] if pos_values else None,
        source=f"{path}:{first.line}",
    )
    return claim, problems


def _plain(v: Any) -> str:
    return v.isoformat() if isinstance(v, _dt.date) else repr(v)


# -- 837 / claim files --------------------------------------------------------------------------------
def audit_claim_from(c: Any, path: Path, n: int) -> AuditClaim:
    """An AuditClaim for a medcoder ``Claim`` (837P/837I or claim file; ``n``: its position in
    ``path``, for messages)."""
    rendering = c.rendering or getattr(c, "attending", None) or c.billing
    patient = c.patient
    member = patient.member_id or (c.subscriber.member_id if c.relationship == "18" else None)
    patient_id = member or f"{patient.last_name}, {patient.first_name}" + (
        f" {patient.birth_date.isoformat()}" if patient.birth_date else "")
    setting = "outpatient"
    if c.kind == "institutional" and (c.type_of_bill or "").startswith(("11", "12", "18", "21")):
        setting = "inpatient"  # UB-04 FL4 type of bill 11x/12x hospital inpatient, 18x swing bed, 21x SNF
    lines = [AuditLine(line=i, code=ln.code, modifiers=list(ln.modifiers), units=ln.units, charge=ln.charge,
                       date_of_service=ln.date_of_service, pointers=list(ln.pointers),
                       place_of_service=ln.place_of_service)
             for i, ln in enumerate(c.lines, start=1)]
    return AuditClaim(
        claim_id=c.patient_control_number, patient_id=patient_id, provider_id=rendering.npi,
        date_of_service=c.service_from, lines=lines, diagnoses=[d.code for d in c.diagnoses],
        payer=c.payer.name, patient_name=f"{patient.last_name}, {patient.first_name}",
        patient_birth_date=patient.birth_date, patient_sex=patient.sex or "U", setting=setting,
        place_of_service=c.place_of_service or None, source=f"{path} claim {n}", claim=c,
    )


def _is_x12(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(16).lstrip().startswith(b"ISA")
    except OSError:
        return False


def _read_one(path: Path) -> ExtractResult:
    from medcoder.claims.io import load_claims

    if _is_x12(path) or path.suffix.lower() in (".json", ".yaml", ".yml"):
        claims = load_claims(path, check=False)
        return ExtractResult(claims=[audit_claim_from(c, path, i) for i, c in enumerate(claims, start=1)])
    if path.suffix.lower() in CSV_SUFFIXES:
        return read_claim_extract(path)
    raise InputError("not a claims file: expected a CSV claim-line extract (.csv/.tsv), an X12 837P/837I "
                     "(starting with ISA) or a .json/.yaml claim file", where=path)


def read_billed_claims(path: Path) -> ExtractResult:
    """The billed claims of a CSV extract, an 837P/837I, a claim YAML/JSON file, or a folder of
    them (its files in name order; hidden files and README files are skipped).

    A single file that cannot be read raises ``InputError``; in a folder it becomes a problem
    naming the file and the other files are read. A claim id found twice (in two files, or
    twice in an 837) keeps both claims out: the documentation is filed by claim id, so
    neither can be reviewed for sure."""
    path = Path(path)
    if not path.exists():
        raise InputError("no such file or folder", where=path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")
                       and not p.name.lower().startswith("readme"))
        result = ExtractResult()
        for f in files:
            try:
                part = _read_one(f)
            except InputError as exc:
                result.problems.append(RowProblem(str(f), None, None, f"file not read: {exc.message}"))
                continue
            result.claims += part.claims
            result.problems += part.problems
            result.left_out += part.left_out
        if not files:
            result.problems.append(RowProblem(str(path), None, None, "the folder has no claims file"))
    else:
        result = _read_one(path)
    return _unique(result)


def _unique(result: ExtractResult) -> ExtractResult:
    seen: dict[str, list[AuditClaim]] = {}
    for c in result.claims:
        seen.setdefault(c.claim_id, []).append(c)
    twice = {cid for cid, cs in seen.items() if len(cs) > 1}
    for cid in sorted(twice):
        places = ", ".join(c.source for c in seen[cid])
        result.problems.append(RowProblem(
            seen[cid][0].source, None, None,
            f"claim {cid} left out: the claim id appears {len(seen[cid])} times ({places}); "
            "documentation is filed by claim id, so none of them can be reviewed", claim_id=cid))
        result.left_out.append(cid)
    result.claims = [c for c in result.claims if c.claim_id not in twice]
    return result


# -- documentation ------------------------------------------------------------------------------------
def read_documentation(folder: Path) -> DocsResult:
    """The documentation folder: one file per claim, named after its claim id (``C123.txt``
    plain text, ``C123.json`` encounter JSON or FHIR R4 Bundle, ``C123.hl7`` HL7 v2); the claim
    id is the file name without its last extension. Files are read with
    ``medcoder.readers.read_document``.

    A file that cannot be read (unknown extension, a reader's error) is a problem naming the
    file, and its claim is not reviewable; two files for one claim id are both reported and the
    claim is not reviewable (which one documents the claim is not for the audit to guess).
    Hidden files are skipped; a subfolder is reported. Messages never contain note text."""
    from medcoder.readers import read_document

    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("expected a folder of documentation files (one per claim id)" if folder.exists()
                         else "no such folder", where=folder)
    result = DocsResult()
    by_id: dict[str, list[Path]] = {}
    for p in sorted(folder.iterdir()):
        if p.name.startswith("."):
            continue
        if p.is_dir():
            result.problems.append(RowProblem(str(p), None, None,
                                              "a subfolder: documentation is one file per claim id; not read"))
            continue
        by_id.setdefault(p.stem.strip(), []).append(p)
    for cid, paths in by_id.items():
        if len(paths) > 1:
            names = " and ".join(p.name for p in paths)
            for p in paths:
                result.problems.append(RowProblem(
                    str(p), None, None,
                    f"claim {cid} not reviewable: two documentation files for one claim ({names}); keep one",
                    claim_id=cid))
            result.not_reviewable[cid] = f"two documentation files ({names})"
            continue
        (p,) = paths
        if p.suffix.lower() not in DOC_SUFFIXES:
            msg = (f"not a documentation format medcoder reads ({p.suffix or 'no extension'}); expected "
                   f"{', '.join(DOC_SUFFIXES)}")
            result.problems.append(RowProblem(str(p), None, None, f"claim {cid} not reviewable: {msg}",
                                              claim_id=cid))
            result.not_reviewable[cid] = f"documentation unreadable: {msg}"
            continue
        try:
            enc = read_document(p)
        except InputError as exc:  # the readers' messages name the place, never the text
            result.problems.append(RowProblem(str(p), None, None,
                                              f"claim {cid} not reviewable: documentation unreadable: {exc}",
                                              claim_id=cid))
            result.not_reviewable[cid] = f"documentation unreadable ({p.name})"
            continue
        result.docs[cid] = Documentation(claim_id=cid, path=str(p), format=enc.source_format, encounter=enc)
    return result


# -- 835 paid amounts ---------------------------------------------------------------------------------
CENT = Decimal("0.01")


def _money(d: Decimal) -> str:
    return f"{d:.2f}"


def _read_835s(paths: Sequence[Path], notes: list[str]) -> Any:
    from medcoder.remit.readers.x835 import RemitBatch, read_835

    batch = RemitBatch()
    for p in paths:
        try:
            rems = read_835(p, validate=False)
        except InputError as exc:
            notes.append(f"{exc}: 835 not read (its payments are not attached)")
            continue
        for r in rems:
            batch.add(r)
    notes.extend(batch.warnings)
    return batch


def _norm_mods(mods: Iterable[str]) -> list[str]:
    return sorted(m.strip().upper() for m in mods if m.strip())


def _match_services(claim: AuditClaim, services: Sequence[Any]) -> tuple[dict[int, int], list[int]]:
    """Service k (0-based) of one CLP -> index of the claim line; and the services left over.

    The submitted code (SVC06, else SVC01-2) with the modifiers and the date; then the code and
    date; then the code alone; then the position."""
    free = list(range(len(claim.lines)))
    got: dict[int, int] = {}

    def keys(s: Any, ln: AuditLine) -> tuple[bool, bool, bool]:
        code = (s.submitted_code or s.code or "").strip().upper()
        mods = s.submitted_modifiers if s.submitted_code else s.modifiers
        dos = ln.date_of_service or claim.date_of_service
        return (code == ln.code.upper(), _norm_mods(mods) == _norm_mods(ln.modifiers),
                s.date_from is None or s.date_from == dos)

    for need in ((0, 1, 2), (0, 2), (0,)):
        for k, s in enumerate(services):
            if k in got:
                continue
            for i in free:
                ks = keys(s, claim.lines[i])
                if all(ks[j] for j in need):
                    got[k] = i
                    free.remove(i)
                    break
    for k, _s in enumerate(services):
        if k not in got and k in free:
            got[k] = k
            free.remove(k)
    return got, [k for k in range(len(services)) if k not in got]


def attach_remits(claims: Sequence[AuditClaim], remit_paths: Sequence[Path]) -> list[str]:
    """Set each line's paid amount from the 835s and return notes (plain words, with file and
    segment).

    Each 835 claim (CLP) is matched to the AuditClaim whose ``claim_id`` is its patient control
    number (CLP01); its lines as :func:`_match_services` says. A line's 835 amount is the sum of
    SVC03 over every adjudication of the claim, so a reversal (CLP02 22) and its correction net
    out; it becomes ``AuditLine.paid`` with ``paid_source`` "835 FILE:SEGMENT" when the extract
    had none or a different amount (the difference is noted, the 835 wins). A CLP without
    service lines pays a one-line claim's line, or sets every line to 0 when it pays nothing;
    otherwise it is noted and the lines are left as they were. Unreadable files, duplicate
    payments (same TRN02 + TRN03, counted once), CLPs that match no claim and claims that no CLP
    pays are noted."""
    notes: list[str] = []
    batch = _read_835s([Path(p) for p in remit_paths], notes)
    by_id: dict[str, list[AuditClaim]] = {}
    for c in claims:
        by_id.setdefault(c.claim_id.strip(), []).append(c)
    per_claim: dict[str, list[tuple[str, Any]]] = {}
    for r in batch.remittances:
        for p in r.claims:
            pcn = p.patient_control_number.strip()
            found = by_id.get(pcn, [])
            if len(found) != 1:
                why = "matches no claim of the audit" if not found else f"matches {len(found)} claims of the audit"
                notes.append(f"{r.source}:{p.segment}: 835 claim {pcn!r} (paid {_money(p.paid)}) {why}: not attached")
                continue
            per_claim.setdefault(pcn, []).append((r.source, p))
    for cid, payments in per_claim.items():
        _attach(by_id[cid][0], payments, notes)
    unpaid = [c.claim_id for c in claims if c.claim_id.strip() not in per_claim]
    if unpaid and batch.remittances:
        shown = ", ".join(unpaid[:20]) + (f" and {len(unpaid) - 20} more" if len(unpaid) > 20 else "")
        notes.append(f"{len(unpaid)} claim(s) have no claim payment in the 835s given ({shown}): their paid "
                     "amounts stay as the claims input says")
    return notes


def _attach(claim: AuditClaim, payments: list[tuple[str, Any]], notes: list[str]) -> None:
    cid = claim.claim_id
    amounts: dict[int, Decimal] = {}
    sources: dict[int, list[str]] = {}
    for source, p in payments:
        where = f"{source}:{p.segment}"
        if p.is_reversal:
            notes.append(f"claim {cid}: {where} is a reversal (CLP02 22, paid {_money(p.paid)}); it nets out the "
                         "earlier payment")
        if not p.lines:
            if len(claim.lines) == 1 or p.paid == 0:
                for i in range(len(claim.lines)):
                    share = p.paid if len(claim.lines) == 1 else ZERO
                    amounts[i] = amounts.get(i, ZERO) + share
                    sources.setdefault(i, []).append(where)
            else:
                notes.append(f"claim {cid}: {where} pays {_money(p.paid)} for the claim without service lines (no SVC); "
                             "it cannot be split among the claim's lines, which are left as they were")
            continue
        got, left = _match_services(claim, p.lines)
        for k, i in got.items():
            s = p.lines[k]
            amounts[i] = amounts.get(i, ZERO) + s.paid
            sources.setdefault(i, []).append(f"{source}:{s.segment}")
        for k in left:
            s = p.lines[k]
            notes.append(f"claim {cid}: {source}:{s.segment}: 835 line {s.code} (paid {_money(s.paid)}) matches no "
                         "line of the claim: not attached")
        lines_paid = sum((s.paid for s in p.lines), ZERO)
        if lines_paid != p.paid:
            notes.append(f"claim {cid}: {where}: the claim payment {_money(p.paid)} differs from its lines' {_money(lines_paid)} "
                         "(a claim-level adjustment): only the lines' amounts are attached")
    for i, ln in enumerate(claim.lines):
        if i not in amounts:
            notes.append(f"claim {cid} line {ln.line} ({ln.code}): no 835 line paid or denied it; paid left "
                         + ("as in the extract" if ln.paid is not None else "unknown"))
            continue
        paid = amounts[i].quantize(CENT)
        src = "835 " + ", ".join(sources[i])
        if ln.paid is None:
            ln.paid, ln.paid_source = paid, src
        elif ln.paid != paid:
            notes.append(f"claim {cid} line {ln.line} ({ln.code}): the extract says paid {_money(ln.paid)}, the 835 "
                         f"{_money(paid)} ({', '.join(sources[i])}); the 835 amount is used")
            ln.paid, ln.paid_source = paid, src


# -- members ------------------------------------------------------------------------------------------
def read_members(path: Path) -> MembersResult:
    """The members file (CSV): ``patient_id`` (also ``member_id``, ``mrn``, ``mbi``), and the
    optional ``enrolled_from`` (``enrollment_start``, ``effective_date``), ``enrolled_to``
    (``enrollment_end``, ``termination_date``; empty: still enrolled) and ``date_of_death``
    (``dod``). Dates as in the extract.

    Several rows of one patient are merged when their enrolment spans overlap or follow each
    other; a gap, or two dates of death, keeps the member out (a problem), so that no finding
    rests on a span the file cannot express. A row whose dates do not parse, or whose span
    ends before it starts, is a problem and left out."""
    path = Path(path)
    header, rows = _rows(path)
    found = _columns(header, MEMBER_COLUMNS)
    _missing(path, header, found, ("patient_id",), MEMBER_COLUMNS,
             extra=" and optional enrolled_from, enrolled_to, date_of_death")
    result = MembersResult()
    where = str(path)
    spans: dict[str, list[tuple[int, Member]]] = {}
    for n, values in rows:
        pid = _cell(values, found["patient_id"])
        if not pid:
            result.problems.append(RowProblem(where, n, header[found["patient_id"]],
                                              f"line {n} has no patient id: row left out"))
            continue
        dates: dict[str, _dt.date | None] = {}
        bad = False
        for name in ("enrolled_from", "enrolled_to", "date_of_death"):
            v = _cell(values, found.get(name))
            dates[name] = None
            if v:
                try:
                    dates[name] = parse_date(v)
                except _Bad as exc:
                    col = header[found[name]]
                    result.problems.append(RowProblem(where, n, col, f"member {pid} line {n}: {col} {exc}: row left out"))
                    bad = True
        if bad:
            spans.setdefault(pid, [])
            continue
        start, end = dates["enrolled_from"], dates["enrolled_to"]
        if start and end and end < start:
            result.problems.append(RowProblem(where, n, header[found["enrolled_to"]],
                                              f"member {pid} line {n}: enrolment ends {end} before it starts "
                                              f"{start}: row left out"))
            spans.setdefault(pid, [])
            continue
        spans.setdefault(pid, []).append((n, Member(pid, start, end, dates["date_of_death"], f"{where}:{n}")))
    for pid, items in spans.items():
        if not items:
            continue
        member, why = _merge(items)
        if member is None:
            result.problems.append(RowProblem(where, items[-1][0], None, f"member {pid} left out: {why}"))
        else:
            result.members[pid] = member
    return result


def _merge(items: list[tuple[int, Member]]) -> tuple[Member | None, str]:
    if len(items) == 1:
        return items[0][1], ""
    lines = ", ".join(str(n) for n, _ in items)
    deaths = {m.date_of_death for _, m in items if m.date_of_death}
    if len(deaths) > 1:
        return None, f"lines {lines} give different dates of death"
    far = _dt.date.max
    ordered = sorted((m for _, m in items), key=lambda m: m.enrolled_from or _dt.date.min)
    start, end = ordered[0].enrolled_from, ordered[0].enrolled_to or far
    for m in ordered[1:]:
        s = m.enrolled_from or _dt.date.min
        if end != far and s > end + _dt.timedelta(days=1):
            return None, (f"lines {lines} give enrolment spans with a gap ({end} to {s}); the members file "
                          "holds one span per member")
        end = max(end, m.enrolled_to or far)
    first = ordered[0]
    return Member(first.patient_id, start, None if end == far else end, next(iter(deaths), None),
                  ", ".join(m.source for _, m in items)), ""


# -- join ---------------------------------------------------------------------------------------------
def _near(cid: str) -> str:
    """Case, whitespace and the leading zeros of each digit run do not count."""
    s = re.sub(r"\s+", "", cid).casefold()
    return re.sub(r"(?<!\d)0+(?=\d)", "", s)


def join(
    claims: Sequence[AuditClaim], docs: Mapping[str, Documentation] | DocsResult,
) -> tuple[list[tuple[AuditClaim, Documentation]], list[AuditClaim], list[Orphan]]:
    """Pair claims with their documentation by claim id (exactly): ``with_docs`` (claim,
    documentation) pairs, ``without_docs`` the claims to report "not reviewable", and
    ``orphans`` the documentation files whose id matches no claim, each with the claim id it
    probably meant when one differs only by case, leading zeros or whitespace (never paired
    on a guess)."""
    table = docs.docs if isinstance(docs, DocsResult) else docs
    ids = {c.claim_id for c in claims}
    with_docs = [(c, table[c.claim_id]) for c in claims if c.claim_id in table]
    without = [c for c in claims if c.claim_id not in table]
    near: dict[str, list[str]] = {}
    for c in claims:
        near.setdefault(_near(c.claim_id), []).append(c.claim_id)
    orphans: list[Orphan] = []
    for cid, d in table.items():
        if cid in ids:
            continue
        hits = [x for x in near.get(_near(cid), []) if x != cid]
        suggestion = hits[0] if len(hits) == 1 else None
        msg = f"documentation {d.path}: no claim {cid!r} in the claims given (mismatched id)"
        if suggestion is not None:
            msg += f"; did you mean {suggestion!r}? (the ids differ only in case, leading zeros or spaces)"
        elif hits:
            msg += f"; near matches: {', '.join(repr(h) for h in hits)}"
        orphans.append(Orphan(cid, d.path, suggestion, msg))
    return with_docs, without, orphans
