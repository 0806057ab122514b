"""Dates of service and the official release calendars."""

from __future__ import annotations

import datetime as _dt

from medcoder.errors import BadDateError

Date = _dt.date


def parse_date(value: str | _dt.date | None, *, field: str = "date") -> _dt.date:
    """Parse ``YYYY-MM-DD`` (also ``YYYYMMDD``); ``None`` means today."""
    if value is None:
        return _dt.date.today()
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%Y%m%d"):
        try:
            return _dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise BadDateError(f"{field} {text!r} is not a date; expected YYYY-MM-DD (e.g. 2026-03-15)")


def fiscal_year(d: _dt.date) -> int:
    """US federal fiscal year: FY2026 runs 2025-10-01 .. 2026-09-30 (ICD-10-CM/PCS releases)."""
    return d.year + 1 if d.month >= 10 else d.year


def fy_start(fy: int) -> _dt.date:
    return _dt.date(fy - 1, 10, 1)


def fy_end(fy: int) -> _dt.date:
    return _dt.date(fy, 9, 30)
