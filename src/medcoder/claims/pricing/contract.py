"""A commercial payer's contracted fee schedule: a CSV the practice keeps.

::

    code,modifier,allowed,percent_of_medicare
    99213,,118.00,
    71046,26,,140
    20610,,,125.5

One row per code (and modifier): ``allowed`` is the contracted amount per unit;
``percent_of_medicare`` prices the line at that percent of its Medicare amount (the full
Medicare computation: locality, setting, multiple procedure reduction). A line's row is the one
with its first modifier that has a row, else the row with no modifier. A code the contract
does not list is not priced (a notice says so). Errors name the file, line and column.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from medcoder.claims.model import Claim
from medcoder.claims.pricing.config import ContractRef
from medcoder.claims.pricing.model import LinePrice, cents
from medcoder.errors import FileFormatError, InputError

COLUMNS = ("code", "modifier", "allowed", "percent_of_medicare")


@dataclass(frozen=True)
class ContractRow:
    code: str
    modifier: str
    allowed: Decimal | None
    percent: Decimal | None
    line: int


@dataclass(frozen=True)
class Contract:
    payer_key: str
    path: Path
    rows: dict[tuple[str, str], ContractRow]
    base_rate: Decimal | None = None

    def row_for(self, code: str, modifiers: list[str]) -> ContractRow | None:
        c = code.strip().upper()
        for m in modifiers:
            hit = self.rows.get((c, m.strip().upper()))
            if hit is not None:
                return hit
        return self.rows.get((c, ""))


def _num(value: str, name: str, path: Path, line: int, col: int) -> Decimal:
    try:
        d = Decimal(value.replace("$", "").replace(",", "").rstrip("%"))
    except InvalidOperation:
        d = Decimal("NaN")
    if not d.is_finite() or d < 0:
        raise FileFormatError(f"{name} {value!r} is not an amount of zero or more", path=path, line=line, column=col)
    return d


def load_contract(ref: ContractRef) -> Contract:
    path = ref.file
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"contract fee schedule {path} does not exist", where=ref.where) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the contract fee schedule {path} ({exc})", where=ref.where) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise FileFormatError("empty file; expected the columns " + ",".join(COLUMNS), path=path, line=1) from None
    if "code" not in header or not ({"allowed", "percent_of_medicare"} & set(header)):
        raise FileFormatError(
            f"the header is {','.join(header)[:80]!r}; expected code, modifier (optional) and allowed and/or "
            "percent_of_medicare", path=path, line=1,
        )
    col = {name: header.index(name) for name in COLUMNS if name in header}
    rows: dict[tuple[str, str], ContractRow] = {}
    for cells in reader:
        n = reader.line_num
        if not any(c.strip() for c in cells):
            continue

        def get(name: str, cells: list[str] = cells) -> str:
            i = col.get(name)
            return cells[i].strip() if i is not None and i < len(cells) else ""

        code = get("code").upper()
        if len(code) != 5 or not code.isalnum():
            raise FileFormatError(f"code {get('code')!r} is not a 5-character CPT/HCPCS code", path=path, line=n,
                                  column=col["code"] + 1)
        mod = get("modifier").upper()
        if mod and (len(mod) != 2 or not mod.isalnum()):
            raise FileFormatError(f"modifier {mod!r} is not 2 letters or digits", path=path, line=n,
                                  column=col["modifier"] + 1)
        allowed, pct = get("allowed"), get("percent_of_medicare")
        if bool(allowed) == bool(pct):
            raise FileFormatError(
                f"{code}: give exactly one of allowed or percent_of_medicare", path=path, line=n,
            )
        if (code, mod) in rows:
            raise FileFormatError(f"{code}{'-' + mod if mod else ''} is listed twice (lines "
                                  f"{rows[(code, mod)].line} and {n})", path=path, line=n)
        rows[(code, mod)] = ContractRow(
            code, mod,
            _num(allowed, "allowed", path, n, col.get("allowed", 0) + 1) if allowed else None,
            _num(pct, "percent_of_medicare", path, n, col.get("percent_of_medicare", 0) + 1) if pct else None,
            n,
        )
    if not rows:
        raise FileFormatError("no fee rows after the header", path=path)
    return Contract(ref.payer_key, path, rows, ref.base_rate)


def price_contract_lines(
    claim: Claim, contract: Contract, medicare: Callable[[], list[LinePrice]], notices: list[str],
) -> list[LinePrice]:
    """Each line from the contract; ``medicare()`` (computed once, only when a
    percent-of-Medicare row is used) gives the Medicare line amounts."""
    cache: list[list[LinePrice]] = []

    def medicare_line(i: int) -> LinePrice:
        if not cache:
            cache.append(medicare())
        return cache[0][i]

    out: list[LinePrice] = []
    missing: list[str] = []
    name = contract.path.name
    for i, line in enumerate(claim.lines):
        lp = LinePrice(
            line=i + 1, code=line.code, modifiers=list(line.modifiers), units=line.units,
            date_of_service=line.date_of_service, method="contract", charge=line.charge,
        )
        row = contract.row_for(line.code, line.modifiers)
        if row is None:
            lp.method = "not-priced"
            lp.reason = f"{line.code} is not in the {contract.payer_key} contract ({name})"
            missing.append(line.code)
        elif row.allowed is not None:
            lp.unit_amount = row.allowed
            lp.allowed = cents(row.allowed * line.units)
            lp.paid = True
            lp.steps.append(f"contract {contract.payer_key} ({name} line {row.line}): {row.allowed} per unit x "
                            f"{line.units} = {lp.allowed}")
        else:
            pct = row.percent or Decimal(0)
            m = medicare_line(i)
            lp.steps.extend(m.steps)
            lp.setting, lp.status, lp.status_meaning = m.setting, m.status, m.status_meaning
            lp.global_days, lp.global_meaning = m.global_days, m.global_meaning
            lp.notices.extend(m.notices)
            if not m.paid:
                lp.reason = f"{pct}% of Medicare, and Medicare pays nothing for it: {m.reason}"
            else:
                lp.allowed = cents(m.allowed * pct / 100)
                lp.paid = True
                lp.steps.append(f"contract {contract.payer_key} ({name} line {row.line}): {pct}% of the Medicare "
                                f"amount {m.allowed} = {lp.allowed}")
        out.append(lp)
    if missing:
        notices.append(
            f"the {contract.payer_key} contract ({name}) has no fee for {', '.join(dict.fromkeys(missing))}: "
            "those lines are not priced; add them to the contract file"
        )
    if sum(1 for lp in out if lp.method == "contract" and lp.unit_amount is not None) > 1:
        notices.append("contract amounts per unit are used as listed: no multiple procedure reduction is applied to them")
    return out
