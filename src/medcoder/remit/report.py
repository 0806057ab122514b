"""Denial analytics over X12 835 remittances (005010X221A1): totals, denial rates by payer,
category, CARC and procedure code, the dollars at stake and the largest fixable denials.

    report = denial_report(remittances)                 # classify with medcoder.remit.denials
    report = denial_report(remittances, denials={(0, 0): [...]})   # or denials given per claim
    report.to_dict()                                    # JSON
    write_csv(report, out_dir)                          # one CSV per table
    rich_tables(report)                                 # the terminal
    write_chart(report, Path("denials.svg"))            # categories: dollars and counts

What is counted (each rule with the element of the 835 TR3 it rests on):

- **Duplicate remittances.** A payment is identified by its reassociation trace, TRN02 (check or
  EFT trace number) with TRN03 (payer identifier) (835 TR3 section 1.10.2.3, TRN segment). A
  remittance whose TRN02+TRN03 was already seen is skipped entirely and noted; one with an empty
  TRN02 cannot be recognised and is always counted.
- **Reversals.** A CLP with CLP02 ``22`` takes back an earlier adjudication (835 TR3 section
  1.10.2.8 "Reversals and corrections"). The report describes the adjudications still standing:
  a reversal cancels the latest earlier adjudication of the same claim (CLP01, and CLP07 when
  both carry one) among the remittances given, in order, and neither is counted. A reversal whose
  original is not among them is left out and noted.
- **Adjudicated claims and lines**: the standing CLPs (loop 2100) and their SVCs (loop 2110).
  Charged is CLP03, paid CLP04, patient responsibility CLP05.
- **Denied claim**: CLP02 ``4`` (denied), a claim-level denial (a :class:`Denial` with
  ``line=None`` and ``denied=True``), or a claim whose every service line is denied.
- **Denied line**: a line with a line-level denial with ``denied=True``, or any line of a
  denied claim.
- **Denied dollars**: the sum of ``Denial.amount`` over denials with ``denied=True`` (nothing paid
  for it); **reduced dollars**: the same over ``denied=False`` (paid but reduced). The amounts are
  the CAS adjustments (CAS03/06/…) each denial stands for, as the classifier summed them.
- **Rates** (``Decimal``, a fraction between 0 and 1, rounded half-up to 4 places; 0 when the
  denominator is 0): claim denial rate = denied claims / adjudicated claims; line denial rate =
  denied lines / adjudicated lines; dollar denial rate = denied dollars / charged. Reversals and
  the adjudications they cancel are excluded from numerators and denominators.
- **Dollars at stake**: the sum of the amounts of fixable denials (``Denial.fixable``: a corrected
  claim or an appeal could recover the money). The top fixable denials are sorted by amount
  (largest first), then by patient control number and line.
- **By CARC**: keyed by the CAS group code (CAS01) and the deciding CARC (``Denial.carcs[0]``).
- **By procedure code**: SVC01-1 qualifier and SVC01-2 code of each standing line; claim-level
  denials have no code and are counted only in the other tables.

CSV files written by :func:`write_csv` (UTF-8, RFC 4180, one header row; amounts and rates as
plain decimals, empty for none) and their columns are in :data:`CSV_COLUMNS`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from medcoder.errors import InputError
from medcoder.fileio import write_atomic as _write_atomic
from medcoder.remit.chart import write_chart
from medcoder.remit.model import ZERO, ClaimPayment, Denial, Remittance

if TYPE_CHECKING:
    from rich.table import Table

__all__ = [
    "CSV_COLUMNS",
    "DEFINITIONS",
    "CarcRow",
    "CategoryRow",
    "DenialReport",
    "FixableRow",
    "PayerRow",
    "ProcedureRow",
    "Totals",
    "denial_report",
    "rate",
    "rich_tables",
    "write_chart",
    "write_csv",
    "write_json",
]

RATE_PLACES = Decimal("0.0001")
REVERSAL = "22"  # CLP02 22: reversal of previous payment
DENIED = "4"  # CLP02 4: denied
TOP_N = 20

DEFINITIONS: dict[str, str] = {
    "claim_denial_rate": "denied claims / adjudicated claims (reversals and the adjudications they cancel excluded)",
    "line_denial_rate": "denied lines / adjudicated lines (reversals and the adjudications they cancel excluded)",
    "dollar_denial_rate": "denied dollars / charged (CLP03) over the same claims",
    "denied_claim": "CLP02 4, a claim-level denial, or every service line denied",
    "denied_line": "a line-level denial with nothing paid, or a line of a denied claim",
    "denied_dollars": "sum of the amounts of denials with nothing paid (denied=True)",
    "reduced_dollars": "sum of the amounts of denials paid but reduced (denied=False)",
    "fixable_dollars": "sum of the amounts of fixable denials (corrected claim or appeal)",
    "duplicates": "remittances whose TRN02+TRN03 was already seen; skipped",
    "rates": "fractions 0..1 rounded half-up to 4 places; 0 when the denominator is 0",
}


def rate(numerator: Decimal | int, denominator: Decimal | int) -> Decimal:
    """``numerator / denominator`` rounded half-up to 4 places; ``0`` when the denominator is 0."""
    if not denominator:
        return Decimal("0.0000")
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Totals:
    remittances: int  # counted (duplicates excluded)
    duplicates: int  # remittances skipped as duplicates
    reversals: int  # CLP02 22 claims left out
    cancelled: int  # adjudications a reversal in the input took back (left out)
    claims: int  # adjudicated claims
    lines: int  # adjudicated lines
    charged: Decimal
    paid: Decimal
    patient_responsibility: Decimal
    denied_claims: int
    denied_lines: int
    denials: int  # Denial objects counted
    denied_dollars: Decimal
    reduced_dollars: Decimal
    fixable_dollars: Decimal  # dollars at stake
    fixable_denials: int
    claim_denial_rate: Decimal
    line_denial_rate: Decimal
    dollar_denial_rate: Decimal


@dataclass(frozen=True)
class PayerRow:
    payer: str  # N1*PR N102
    payer_id: str  # N1*PR N104 (else TRN03)
    remittances: int
    claims: int
    denied_claims: int
    claim_denial_rate: Decimal
    lines: int
    denied_lines: int
    line_denial_rate: Decimal
    charged: Decimal
    paid: Decimal
    denied_dollars: Decimal
    reduced_dollars: Decimal
    dollar_denial_rate: Decimal
    fixable_dollars: Decimal


@dataclass(frozen=True)
class CategoryRow:
    category: str
    label: str
    denials: int
    denied: int  # denials with nothing paid
    reduced: int  # denials paid but reduced
    claims: int  # distinct claims concerned
    amount: Decimal  # denied + reduced dollars
    denied_dollars: Decimal
    reduced_dollars: Decimal
    fixable_dollars: Decimal
    share: Decimal  # of all denial dollars (rate rules)


@dataclass(frozen=True)
class CarcRow:
    group: str  # CAS01
    carc: str  # deciding CARC
    categories: tuple[str, ...]
    denials: int
    claims: int
    amount: Decimal
    fixable_dollars: Decimal


@dataclass(frozen=True)
class ProcedureRow:
    qualifier: str  # SVC01-1
    code: str  # SVC01-2
    lines: int
    denied_lines: int
    line_denial_rate: Decimal
    charged: Decimal  # SVC02
    paid: Decimal  # SVC03
    denials: int  # line-level denials
    amount: Decimal  # their dollars


@dataclass(frozen=True)
class FixableRow:
    payer: str
    patient_control_number: str
    payer_claim_id: str | None
    line: int | None
    code: str | None
    category: str
    category_label: str
    group: str
    carcs: tuple[str, ...]
    action: str
    action_label: str
    amount: Decimal
    denied: bool


@dataclass
class DenialReport:
    totals: Totals
    by_payer: list[PayerRow] = field(default_factory=list)
    by_category: list[CategoryRow] = field(default_factory=list)
    by_carc: list[CarcRow] = field(default_factory=list)
    by_procedure: list[ProcedureRow] = field(default_factory=list)
    top_fixable: list[FixableRow] = field(default_factory=list)
    top: int = TOP_N
    notes: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """No denial of any kind (the chart then says "no denials")."""
        return not self.by_category

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able structure: amounts and rates as decimal strings, tuples as lists."""
        return {
            "definitions": dict(DEFINITIONS),
            "top": self.top,
            "totals": _row(self.totals),
            "by_payer": [_row(r) for r in self.by_payer],
            "by_category": [_row(r) for r in self.by_category],
            "by_carc": [_row(r) for r in self.by_carc],
            "by_procedure": [_row(r) for r in self.by_procedure],
            "top_fixable": [_row(r) for r in self.top_fixable],
            "notes": list(self.notes),
        }


def _row(obj: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields(obj):
        v = getattr(obj, f.name)
        if isinstance(v, Decimal):
            out[f.name] = str(v)
        elif isinstance(v, tuple):
            out[f.name] = list(v)
        else:
            out[f.name] = v
    return out


# ---------------------------------------------------------------------------------------------
# building the report


@dataclass
class _Standing:
    ri: int  # index into the remittances given
    ci: int  # index into remittance.claims
    remittance: Remittance
    claim: ClaimPayment


def _standing(remittances: list[Remittance], notes: list[str]) -> tuple[list[_Standing], int, int, int, int]:
    """The adjudications standing after duplicates and reversals, in input order."""
    seen: dict[tuple[str, str], int] = {}
    standing: list[_Standing] = []
    counted = duplicates = reversals = cancelled = 0
    for ri, rem in enumerate(remittances):
        if rem.trace_number:
            first = seen.get(rem.key)
            if first is not None:
                duplicates += 1
                notes.append(
                    f"remittance {ri + 1} (TRN02 {rem.trace_number}, TRN03 {rem.trace_originator}) "
                    f"duplicates remittance {first + 1}; counted once"
                )
                continue
            seen[rem.key] = ri
        counted += 1
        for ci, claim in enumerate(rem.claims):
            if not claim.is_reversal:
                standing.append(_Standing(ri, ci, rem, claim))
                continue
            reversals += 1
            for k in range(len(standing) - 1, -1, -1):
                prior = standing[k].claim
                if prior.patient_control_number != claim.patient_control_number:
                    continue
                if prior.payer_claim_id and claim.payer_claim_id and prior.payer_claim_id != claim.payer_claim_id:
                    continue
                del standing[k]
                cancelled += 1
                break
            else:
                notes.append(
                    f"reversal of claim {claim.patient_control_number} (remittance {ri + 1}): "
                    "the original adjudication is not among the remittances given; left out"
                )
    return standing, counted, duplicates, reversals, cancelled


@dataclass
class _PayerAcc:
    payer: str
    payer_id: str
    remittances: set[int] = field(default_factory=set)
    claims: int = 0
    denied_claims: int = 0
    lines: int = 0
    denied_lines: int = 0
    charged: Decimal = ZERO
    paid: Decimal = ZERO
    denied_dollars: Decimal = ZERO
    reduced_dollars: Decimal = ZERO
    fixable_dollars: Decimal = ZERO


@dataclass
class _CategoryAcc:
    label: str
    denials: int = 0
    denied: int = 0
    reduced: int = 0
    claims: set[int] = field(default_factory=set)
    denied_dollars: Decimal = ZERO
    reduced_dollars: Decimal = ZERO
    fixable_dollars: Decimal = ZERO


@dataclass
class _CarcAcc:
    categories: set[str] = field(default_factory=set)
    denials: int = 0
    claims: set[int] = field(default_factory=set)
    amount: Decimal = ZERO
    fixable_dollars: Decimal = ZERO


@dataclass
class _ProcAcc:
    lines: int = 0
    denied_lines: int = 0
    charged: Decimal = ZERO
    paid: Decimal = ZERO
    denials: int = 0
    amount: Decimal = ZERO


def _default_classify() -> Callable[[ClaimPayment], list[Denial]]:
    """:func:`medcoder.remit.denials.classify`, imported when first needed."""
    import importlib

    try:
        module = importlib.import_module("medcoder.remit.denials")
    except ImportError as exc:  # pragma: no cover - the module ships with medcoder
        raise InputError("no denials given and medcoder.remit.denials cannot be imported") from exc
    fn = getattr(module, "classify", None)
    if not callable(fn):  # pragma: no cover - the module ships with medcoder
        raise InputError("no denials given and medcoder.remit.denials has no classify()")
    return fn


def denial_report(
    remittances: list[Remittance],
    denials: dict[tuple[int, int], list[Denial]] | None = None,
    *,
    classify: Callable[[ClaimPayment], list[Denial]] | None = None,
    top: int = TOP_N,
) -> DenialReport:
    """Denial analytics over ``remittances`` (read oldest first).

    ``denials`` maps (remittance index, claim index), indexes into ``remittances`` and
    ``remittance.claims``, to that claim's denials; a claim absent from it has none. Without it,
    each standing claim is classified with ``classify`` (default
    :func:`medcoder.remit.denials.classify`). ``top`` is how many fixable denials to list.
    """
    if denials is not None and classify is not None:
        raise InputError("give either denials or classify, not both", where="denial_report")
    if top < 0:
        raise InputError(f"top must be 0 or more, not {top}", where="denial_report")
    given = denials
    fn = classify if classify is not None else (_default_classify() if given is None else None)

    def denials_for(s: _Standing) -> list[Denial]:
        if given is not None:
            return list(given.get((s.ri, s.ci), []))
        return list(fn(s.claim)) if fn is not None else []
    notes: list[str] = []
    standing, counted, duplicates, reversals, cancelled = _standing(remittances, notes)

    payers: dict[tuple[str, str], _PayerAcc] = {}
    categories: dict[str, _CategoryAcc] = {}
    carcs: dict[tuple[str, str], _CarcAcc] = {}
    procs: dict[tuple[str, str], _ProcAcc] = {}
    fixable: list[FixableRow] = []
    claims = lines = denied_claims = denied_lines = n_denials = n_fixable = 0
    charged = paid = patient = denied_dollars = reduced_dollars = fixable_dollars = ZERO

    for k, s in enumerate(standing):
        claim, rem = s.claim, s.remittance
        payer_name = rem.payer.name or "(unnamed payer)"
        payer_id = rem.payer.id or rem.trace_originator or ""
        pacc = payers.setdefault((payer_name, payer_id), _PayerAcc(payer_name, payer_id))
        pacc.remittances.add(s.ri)
        found = denials_for(s)
        line_denials: dict[int, list[Denial]] = {}
        claim_level: list[Denial] = []
        for d in found:
            if d.line is not None and 1 <= d.line <= len(claim.lines):
                line_denials.setdefault(d.line, []).append(d)
            else:
                if d.line is not None:
                    notes.append(
                        f"claim {claim.patient_control_number}: a denial names line {d.line}, which the "
                        f"claim does not have ({len(claim.lines)} lines); counted at claim level"
                    )
                claim_level.append(d)
        denied_line_set = {i for i, ds in line_denials.items() if any(d.denied for d in ds)}
        claim_denied = (
            claim.is_denied
            or any(d.denied for d in claim_level)
            or (bool(claim.lines) and len(denied_line_set) == len(claim.lines))
        )
        if claim_denied:
            denied_line_set = set(range(1, len(claim.lines) + 1))

        claims += 1
        lines += len(claim.lines)
        charged += claim.charge
        paid += claim.paid
        patient += claim.patient_responsibility or ZERO
        denied_claims += claim_denied
        denied_lines += len(denied_line_set)
        pacc.claims += 1
        pacc.denied_claims += claim_denied
        pacc.lines += len(claim.lines)
        pacc.denied_lines += len(denied_line_set)
        pacc.charged += claim.charge
        pacc.paid += claim.paid

        for i, svc in enumerate(claim.lines, 1):
            proc = procs.setdefault((svc.qualifier, svc.code), _ProcAcc())
            proc.lines += 1
            proc.denied_lines += i in denied_line_set
            proc.charged += svc.charge
            proc.paid += svc.paid
            for d in line_denials.get(i, []):
                proc.denials += 1
                proc.amount += d.amount

        for d in [*claim_level, *(d for i in sorted(line_denials) for d in line_denials[i])]:
            n_denials += 1
            cat = categories.setdefault(d.category, _CategoryAcc(d.category_label or d.category))
            cat.denials += 1
            cat.claims.add(k)
            if d.denied:
                cat.denied += 1
                cat.denied_dollars += d.amount
                denied_dollars += d.amount
                pacc.denied_dollars += d.amount
            else:
                cat.reduced += 1
                cat.reduced_dollars += d.amount
                reduced_dollars += d.amount
                pacc.reduced_dollars += d.amount
            carc = carcs.setdefault((d.group, d.carcs[0] if d.carcs else ""), _CarcAcc())
            carc.categories.add(d.category)
            carc.denials += 1
            carc.claims.add(k)
            carc.amount += d.amount
            if d.fixable:
                n_fixable += 1
                fixable_dollars += d.amount
                cat.fixable_dollars += d.amount
                carc.fixable_dollars += d.amount
                pacc.fixable_dollars += d.amount
                code = d.code
                if code is None and d.line is not None and 1 <= d.line <= len(claim.lines):
                    code = claim.lines[d.line - 1].code
                fixable.append(FixableRow(
                    payer=payer_name, patient_control_number=d.patient_control_number or claim.patient_control_number,
                    payer_claim_id=d.payer_claim_id if d.payer_claim_id is not None else claim.payer_claim_id,
                    line=d.line, code=code, category=d.category, category_label=d.category_label,
                    group=d.group, carcs=tuple(d.carcs), action=d.action, action_label=d.action_label,
                    amount=d.amount, denied=d.denied,
                ))

    all_dollars = denied_dollars + reduced_dollars
    totals = Totals(
        remittances=counted, duplicates=duplicates, reversals=reversals, cancelled=cancelled,
        claims=claims, lines=lines, charged=charged, paid=paid, patient_responsibility=patient,
        denied_claims=denied_claims, denied_lines=denied_lines, denials=n_denials,
        denied_dollars=denied_dollars, reduced_dollars=reduced_dollars,
        fixable_dollars=fixable_dollars, fixable_denials=n_fixable,
        claim_denial_rate=rate(denied_claims, claims), line_denial_rate=rate(denied_lines, lines),
        dollar_denial_rate=rate(denied_dollars, charged),
    )
    by_payer = sorted(
        (PayerRow(
            payer=p.payer, payer_id=p.payer_id, remittances=len(p.remittances), claims=p.claims,
            denied_claims=p.denied_claims, claim_denial_rate=rate(p.denied_claims, p.claims),
            lines=p.lines, denied_lines=p.denied_lines, line_denial_rate=rate(p.denied_lines, p.lines),
            charged=p.charged, paid=p.paid, denied_dollars=p.denied_dollars,
            reduced_dollars=p.reduced_dollars, dollar_denial_rate=rate(p.denied_dollars, p.charged),
            fixable_dollars=p.fixable_dollars,
        ) for p in payers.values()),
        key=lambda r: (-r.denied_dollars, -r.denied_claims, r.payer, r.payer_id),
    )
    by_category = sorted(
        (CategoryRow(
            category=name, label=c.label, denials=c.denials, denied=c.denied, reduced=c.reduced,
            claims=len(c.claims), amount=c.denied_dollars + c.reduced_dollars,
            denied_dollars=c.denied_dollars, reduced_dollars=c.reduced_dollars,
            fixable_dollars=c.fixable_dollars, share=rate(c.denied_dollars + c.reduced_dollars, all_dollars),
        ) for name, c in categories.items()),
        key=lambda r: (-r.amount, -r.denials, r.category),
    )
    by_carc = sorted(
        (CarcRow(
            group=g, carc=code, categories=tuple(sorted(c.categories)), denials=c.denials,
            claims=len(c.claims), amount=c.amount, fixable_dollars=c.fixable_dollars,
        ) for (g, code), c in carcs.items()),
        key=lambda r: (-r.amount, -r.denials, r.group, r.carc),
    )
    by_procedure = sorted(
        (ProcedureRow(
            qualifier=q, code=code, lines=p.lines, denied_lines=p.denied_lines,
            line_denial_rate=rate(p.denied_lines, p.lines), charged=p.charged, paid=p.paid,
            denials=p.denials, amount=p.amount,
        ) for (q, code), p in procs.items()),
        key=lambda r: (-r.amount, -r.denied_lines, r.qualifier, r.code),
    )
    fixable.sort(key=lambda r: (-r.amount, r.patient_control_number, r.line or 0, r.carcs))
    return DenialReport(
        totals=totals, by_payer=by_payer, by_category=by_category, by_carc=by_carc,
        by_procedure=by_procedure, top_fixable=fixable[:top], top=top, notes=notes,
    )


# ---------------------------------------------------------------------------------------------
# outputs

CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    # metric, value: every field of Totals, one per row
    "totals.csv": ("metric", "value"),
    "by-payer.csv": (
        "payer", "payer_id", "remittances", "claims", "denied_claims", "claim_denial_rate", "lines",
        "denied_lines", "line_denial_rate", "charged", "paid", "denied_dollars", "reduced_dollars",
        "dollar_denial_rate", "fixable_dollars",
    ),
    "by-category.csv": (
        "category", "label", "denials", "denied", "reduced", "claims", "amount", "denied_dollars",
        "reduced_dollars", "fixable_dollars", "share",
    ),
    # carcs and categories: space-separated
    "by-carc.csv": ("group", "carc", "categories", "denials", "claims", "amount", "fixable_dollars"),
    "by-procedure.csv": (
        "qualifier", "code", "lines", "denied_lines", "line_denial_rate", "charged", "paid",
        "denials", "amount",
    ),
    "top-fixable.csv": (
        "payer", "patient_control_number", "payer_claim_id", "line", "code", "category",
        "category_label", "group", "carcs", "action", "action_label", "amount", "denied",
    ),
}


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, tuple | list):
        return " ".join(str(x) for x in v)
    if isinstance(v, bool):
        return "yes" if v else "no"
    return str(v)


def _csv_bytes(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(list(header))
    for r in rows:
        w.writerow([_cell(v) for v in r])
    return buf.getvalue().encode("utf-8")


def _out_dir(out_dir: Path) -> Path:
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError("the output folder is a file", where=out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return out_dir


def write_csv(report: DenialReport, out_dir: Path) -> list[Path]:
    """One CSV per table in ``out_dir`` (created if missing), each written atomically; columns as
    in :data:`CSV_COLUMNS`. Returns the paths in the order of :data:`CSV_COLUMNS`."""
    out_dir = _out_dir(out_dir)
    tables: dict[str, list[Any]] = {
        "by-payer.csv": report.by_payer,
        "by-category.csv": report.by_category,
        "by-carc.csv": report.by_carc,
        "by-procedure.csv": report.by_procedure,
        "top-fixable.csv": report.top_fixable,
    }
    written: list[Path] = []
    for name, header in CSV_COLUMNS.items():
        if name == "totals.csv":
            rows: list[list[Any]] = [[f.name, getattr(report.totals, f.name)] for f in fields(Totals)]
        else:
            rows = [[getattr(r, c) for c in header] for r in tables[name]]
        path = out_dir / name
        _write_atomic(path, _csv_bytes(header, rows))
        written.append(path)
    return written


def write_json(report: DenialReport, path: Path) -> Path:
    """``report.to_dict()`` as indented JSON, written atomically."""
    path = Path(path)
    if path.is_dir():
        raise InputError("the JSON output is a folder", where=path)
    text = json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
    _write_atomic(path, text.encode("utf-8"))
    return path


def _pct(r: Decimal) -> str:
    return f"{(r * 100).quantize(Decimal('0.01'))}%"


def _money(d: Decimal) -> str:
    return f"{d.quantize(Decimal('0.01')):,}"


def rich_tables(report: DenialReport) -> list[Table]:
    """The report as Rich tables for the terminal: totals, by payer, by category, by CARC, by
    procedure code and the top fixable denials (a table with no rows is still returned)."""
    from rich.table import Table

    t = report.totals
    totals = Table(title="Denials: totals", title_justify="left", show_header=False)
    totals.add_column("metric", style="bold")
    totals.add_column("value", justify="right")
    for label, value in (
        ("remittances", f"{t.remittances}" + (f" ({t.duplicates} duplicate skipped)" if t.duplicates else "")),
        ("claims", str(t.claims)),
        ("lines", str(t.lines)),
        ("charged", _money(t.charged)),
        ("paid", _money(t.paid)),
        ("patient responsibility", _money(t.patient_responsibility)),
        ("denied claims", f"{t.denied_claims} ({_pct(t.claim_denial_rate)})"),
        ("denied lines", f"{t.denied_lines} ({_pct(t.line_denial_rate)})"),
        ("denied dollars", f"{_money(t.denied_dollars)} ({_pct(t.dollar_denial_rate)})"),
        ("reduced dollars", _money(t.reduced_dollars)),
        ("dollars at stake (fixable)", f"{_money(t.fixable_dollars)} in {t.fixable_denials} denials"),
        ("reversals left out", f"{t.reversals} (+{t.cancelled} adjudications they cancel)"),
    ):
        totals.add_row(label, value)

    payer = Table(title="By payer", title_justify="left")
    for c in ("payer", "claims", "denied", "claim rate", "lines", "denied", "line rate",
              "charged", "denied $", "$ rate", "fixable $"):
        payer.add_column(c, justify="left" if c == "payer" else "right")
    for p in report.by_payer:
        payer.add_row(
            f"{p.payer} ({p.payer_id})" if p.payer_id else p.payer, str(p.claims), str(p.denied_claims),
            _pct(p.claim_denial_rate), str(p.lines), str(p.denied_lines), _pct(p.line_denial_rate),
            _money(p.charged), _money(p.denied_dollars), _pct(p.dollar_denial_rate),
            _money(p.fixable_dollars),
        )

    cat = Table(title="By category", title_justify="left")
    for c in ("category", "denials", "claims", "denied $", "reduced $", "fixable $", "share"):
        cat.add_column(c, justify="left" if c == "category" else "right")
    for r in report.by_category:
        cat.add_row(r.label, str(r.denials), str(r.claims), _money(r.denied_dollars),
                    _money(r.reduced_dollars), _money(r.fixable_dollars), _pct(r.share))

    carc = Table(title="By CARC", title_justify="left")
    for c in ("group", "CARC", "category", "denials", "claims", "amount", "fixable $"):
        carc.add_column(c, justify="right" if c in ("denials", "claims", "amount", "fixable $") else "left")
    for cr in report.by_carc:
        carc.add_row(cr.group, cr.carc, ", ".join(cr.categories), str(cr.denials), str(cr.claims),
                     _money(cr.amount), _money(cr.fixable_dollars))

    proc = Table(title="By procedure code", title_justify="left")
    for c in ("code", "lines", "denied", "line rate", "charged", "paid", "denial $"):
        proc.add_column(c, justify="left" if c == "code" else "right")
    for pr in report.by_procedure:
        proc.add_row(f"{pr.qualifier}:{pr.code}" if pr.qualifier else pr.code, str(pr.lines),
                     str(pr.denied_lines), _pct(pr.line_denial_rate), _money(pr.charged),
                     _money(pr.paid), _money(pr.amount))

    top = Table(title=f"Top {report.top} fixable denials", title_justify="left")
    for c in ("claim", "line", "code", "CARC", "category", "action", "amount"):
        top.add_column(c, justify="right" if c in ("line", "amount") else "left")
    for f in report.top_fixable:
        top.add_row(f.patient_control_number, "" if f.line is None else str(f.line), f.code or "",
                    f"{f.group}-{f.carcs[0]}" if f.carcs else f.group, f.category_label or f.category,
                    f.action_label or f.action, _money(f.amount))
    return [totals, payer, cat, carc, proc, top]
