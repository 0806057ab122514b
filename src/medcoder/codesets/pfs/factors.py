"""Medicare physician fee schedule conversion factors, by year, with the rule that set each.

The bundled table is ``medcoder/data/conversion_factors.csv``; columns::

    year,kind,cf,anesthesia_cf,effective_from,effective_to,citation

``kind`` is ``single`` (one CF for everyone: every year before 2026), ``non_apm`` or ``apm``
(from CY2026 the law sets one CF for qualifying APM participants and one for everyone else).
``effective_from``/``effective_to`` default to the calendar year; give them when a CF changed
mid-year. A user may add or correct rows with the same columns in
``<data dir>/conversion_factors.csv``: a (year, kind) there replaces the bundled rows for that
(year, kind).
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import os
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from pathlib import Path

from medcoder.errors import FileFormatError

KINDS = ("single", "non_apm", "apm")
USER_FILE = "conversion_factors.csv"
COLUMNS = ("year", "kind", "cf", "anesthesia_cf", "effective_from", "effective_to", "citation")


@dataclass(frozen=True)
class ConversionFactor:
    year: int
    kind: str
    cf: Decimal
    anesthesia_cf: Decimal | None
    effective_from: _dt.date
    effective_to: _dt.date
    citation: str
    source: str  # "bundled" or the user's file

    def covers(self, dos: _dt.date) -> bool:
        return self.effective_from <= dos <= self.effective_to


def _date(value: str, default: _dt.date, where: str, line: int, column: int) -> _dt.date:
    if not value.strip():
        return default
    try:
        return _dt.date.fromisoformat(value.strip())
    except ValueError as exc:
        raise FileFormatError(
            f"{COLUMNS[column - 1]} {value!r} is not a date (YYYY-MM-DD)", path=where, line=line, column=column
        ) from exc


def _number(value: str, name: str, where: str, line: int, column: int) -> Decimal:
    try:
        d = Decimal(value.strip())
    except InvalidOperation:
        d = Decimal("NaN")
    if not d.is_finite() or d <= 0:
        raise FileFormatError(f"{name} {value!r} is not a positive number", path=where, line=line, column=column)
    return d


def parse_factors(text: str, where: str, source: str) -> list[ConversionFactor]:
    """Rows of a conversion factor CSV; errors name the file, line and column."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = [c.strip().lower() for c in next(reader)]
    except StopIteration:
        raise FileFormatError("file is empty; expected columns " + ",".join(COLUMNS), path=where, line=1) from None
    missing = [c for c in ("year", "kind", "cf", "citation") if c not in header]
    if missing:
        raise FileFormatError(
            f"missing column(s) {', '.join(missing)}; expected " + ",".join(COLUMNS), path=where, line=1
        )
    pos = {c: header.index(c) for c in COLUMNS if c in header}
    out: list[ConversionFactor] = []
    for line, row in enumerate(reader, start=2):
        if not any(c.strip() for c in row):
            continue
        cells = row + [""] * (len(header) - len(row))

        def get(name: str, cells: list[str] = cells) -> str:
            return cells[pos[name]].strip() if name in pos else ""

        def col(name: str) -> int:
            return pos[name] + 1

        year_s = get("year")
        if not (year_s.isdigit() and 1992 <= int(year_s) <= 2100):
            raise FileFormatError(f"year {year_s!r} is not a calendar year", path=where, line=line, column=col("year"))
        year = int(year_s)
        kind = get("kind").lower()
        if kind not in KINDS:
            raise FileFormatError(
                f"kind {kind!r} is not one of {', '.join(KINDS)}", path=where, line=line, column=col("kind")
            )
        cf = _number(get("cf"), "cf", where, line, col("cf"))
        anes = get("anesthesia_cf")
        anes_cf = _number(anes, "anesthesia_cf", where, line, col("anesthesia_cf")) if anes else None
        start = _date(get("effective_from"), _dt.date(year, 1, 1), where, line, col("effective_from") if "effective_from" in pos else 5)
        end = _date(get("effective_to"), _dt.date(year, 12, 31), where, line, col("effective_to") if "effective_to" in pos else 6)
        if end < start:
            raise FileFormatError("effective_to is before effective_from", path=where, line=line)
        citation = get("citation")
        if not citation:
            raise FileFormatError(
                "citation is blank; say which rule or notice set this conversion factor",
                path=where, line=line, column=col("citation"),
            )
        out.append(ConversionFactor(year, kind, cf, anes_cf, start, end, citation, source))
    return out


@cache
def bundled_factors() -> tuple[ConversionFactor, ...]:
    text = resources.files("medcoder").joinpath("data", USER_FILE).read_text(encoding="utf-8")
    return tuple(parse_factors(text, "medcoder/data/conversion_factors.csv", "bundled"))


_user_cache: dict[tuple[str, int, int], tuple[ConversionFactor, ...]] = {}
_UserKey = tuple[str, int, int] | None
# answers of factor_for per (user file version, date, apm): the user's file is stat'ed on every
# call (a plain-string os.stat: pricing asks once per line), the answer is computed once
_answers: dict[tuple[_UserKey, _dt.date, bool], tuple[ConversionFactor | None, tuple[str, ...]]] = {}


def _user_key(data_dir: Path | None) -> _UserKey:
    if data_dir is None:
        return None
    path = os.path.join(os.fspath(data_dir), USER_FILE)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (path, st.st_mtime_ns, st.st_size)


def _user_factors_at(key: _UserKey) -> tuple[ConversionFactor, ...]:
    if key is None:
        return ()
    if key not in _user_cache:
        path = key[0]
        text = Path(path).read_text(encoding="utf-8-sig")
        _user_cache[key] = tuple(parse_factors(text, path, path))
    return _user_cache[key]


def _user_factors(data_dir: Path | None) -> tuple[ConversionFactor, ...]:
    return _user_factors_at(_user_key(data_dir))


def _merged(user: tuple[ConversionFactor, ...]) -> list[ConversionFactor]:
    replaced = {(f.year, f.kind) for f in user}
    return [f for f in bundled_factors() if (f.year, f.kind) not in replaced] + list(user)


def load_factors(data_dir: Path | None = None) -> list[ConversionFactor]:
    """Bundled conversion factors, with the user's file (if any) in ``data_dir`` taking precedence."""
    return _merged(_user_factors(data_dir))


def factor_for(
    dos: _dt.date, *, apm: bool = False, data_dir: Path | None = None
) -> tuple[ConversionFactor | None, list[str]]:
    """The conversion factor in force on ``dos`` (for a qualifying APM participant if ``apm``).

    Returns the factor (None when none is known for that date) and notices for the user.
    """
    key = _user_key(data_dir)
    memo = (key, dos, apm)
    hit = _answers.get(memo)
    if hit is None:
        if len(_answers) > 4096:
            _answers.clear()
        factor, notes = _factor_for(dos, apm, _merged(_user_factors_at(key)))
        hit = _answers[memo] = (factor, tuple(notes))
    return hit[0], list(hit[1])


def _factor_for(
    dos: _dt.date, apm: bool, factors: list[ConversionFactor]
) -> tuple[ConversionFactor | None, list[str]]:
    notices: list[str] = []
    covering = [f for f in factors if f.covers(dos)]
    by_kind = {f.kind: f for f in sorted(covering, key=lambda f: f.effective_from)}
    if not covering:
        return None, [
            f"no conversion factor is known for {dos.isoformat()} (CY{dos.year}); add it to "
            f"{USER_FILE} in the data dir (columns {','.join(COLUMNS)})"
        ]
    wanted = "apm" if apm else "non_apm"
    if wanted in by_kind:
        return by_kind[wanted], notices
    if "single" in by_kind:
        if apm:
            notices.append(
                f"CY{dos.year} has one conversion factor for all practitioners; qualifying APM "
                "participation does not change it"
            )
        return by_kind["single"], notices
    if apm and "non_apm" in by_kind:
        notices.append(
            f"no qualifying-APM conversion factor is known for CY{dos.year}; used the non-APM one"
        )
        return by_kind["non_apm"], notices
    return None, [f"no non-APM conversion factor is known for CY{dos.year}"]


def year_of_anesthesia_cf(value: Decimal) -> int | None:
    """The year whose national anesthesia CF (bundled) is ``value``; None when no year matches."""
    years = {f.year for f in bundled_factors() if f.anesthesia_cf == value}
    return years.pop() if len(years) == 1 else None
