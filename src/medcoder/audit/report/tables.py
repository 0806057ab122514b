"""The audit workbook as tables: CSV (RFC 4180: comma, double-quote quoting, CRLF line ends, UTF-8,
one header row) and one JSON document.

    write_tables(wb, out_dir) -> [findings.csv, claims.csv, not-reviewable.csv, summary.json]

* ``findings.csv``: one row per finding (:data:`FINDING_COLUMNS`); ``evidence`` holds the
  excerpts, each in curly quotes, separated by `` | ``; ``amount`` is positive when overpaid,
  negative when underpaid;
* ``claims.csv``: one row per selected claim (:data:`CLAIM_COLUMNS`): status (``in error``,
  ``reviewed``, ``not-reviewable``), paid, over/under/net, findings count;
* ``not-reviewable.csv``: the claims that could not be reviewed and why;
* ``summary.json``: everything (:meth:`Workbook.to_dict`): summary, categories, findings, claims,
  sample, extrapolation, patterns, provenance, problems. Amounts are strings of the Decimal.

Amounts in the CSVs are plain numbers with two decimals (no ``$`` or thousands separator), so a
spreadsheet sums them. A free-text cell that begins with ``=``, ``+``, ``-``, ``@``, tab or CR
(a documentation excerpt, a message, a reason) is prefixed with ``'`` so that a spreadsheet shows
it as text instead of running it as a formula (OWASP, "CSV Injection"). Each file is written
atomically.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path

from medcoder.audit.report.workbook import Workbook, write_atomic
from medcoder.errors import InputError

FINDING_COLUMNS = ("claim_id", "line", "category", "category_label", "direction", "billed", "supported",
                   "amount", "amount_basis", "message", "evidence", "reference")
CLAIM_COLUMNS = ("claim_id", "provider_id", "date_of_service", "payer", "status", "paid", "overpayment",
                 "underpayment", "net", "findings", "reason")
NOT_REVIEWABLE_COLUMNS = ("claim_id", "provider_id", "date_of_service", "paid", "reason")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _amount(d: Decimal | None) -> str:
    return "" if d is None else str(d.quantize(Decimal("0.01")))


def _text(value: object) -> str:
    t = "" if value is None else str(value)
    return "'" + t if t.startswith(FORMULA_START) else t


def _csv(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def findings_csv(wb: Workbook) -> bytes:
    return _csv(FINDING_COLUMNS, (
        [f.claim_id, "" if f.line is None else str(f.line), f.category, f.label, f.direction, _text(f.billed),
         _text(f.supported), _amount(f.amount), _text(f.amount_basis), _text(f.message),
         _text(" | ".join(f"“{' '.join(x.split())}”" for x in f.evidence if x.strip())), _text(f.reference)]
        for f in wb.findings))


def claims_csv(wb: Workbook) -> bytes:
    return _csv(CLAIM_COLUMNS, (
        [c.claim_id, c.provider_id, c.date_of_service, _text(c.payer), "in error" if c.in_error else c.status,
         _amount(c.paid), _amount(c.overpayment), _amount(c.underpayment), _amount(c.net), str(c.findings),
         _text(c.reason)]
        for c in wb.claims))


def not_reviewable_csv(wb: Workbook) -> bytes:
    return _csv(NOT_REVIEWABLE_COLUMNS, ([c.claim_id, c.provider_id, c.date_of_service, _amount(c.paid),
                                          _text(c.reason)] for c in wb.not_reviewable))


def summary_json(wb: Workbook) -> bytes:
    return (json.dumps(wb.to_dict(), indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def write_tables(wb: Workbook, out_dir: Path) -> list[Path]:
    """Write the four tables into ``out_dir`` (which must exist); returns their paths."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise InputError("the output folder does not exist", where=out_dir)
    return [write_atomic(out_dir / "findings.csv", findings_csv(wb)),
            write_atomic(out_dir / "claims.csv", claims_csv(wb)),
            write_atomic(out_dir / "not-reviewable.csv", not_reviewable_csv(wb)),
            write_atomic(out_dir / "summary.json", summary_json(wb))]


__all__ = ["CLAIM_COLUMNS", "FINDING_COLUMNS", "NOT_REVIEWABLE_COLUMNS", "claims_csv", "findings_csv",
           "not_reviewable_csv", "summary_json", "write_tables"]
