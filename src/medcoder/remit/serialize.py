"""Remittances as plain dicts (YAML / JSON): the shape of :mod:`medcoder.remit.model`, field for field.

``remittance_from_dict`` and ``claim_payment_from_dict`` read what ``remittance_to_dict`` (and
``model.to_dict``) write, and also what a person types in a scenario file:

- amounts as strings or numbers (``"120.00"``, ``120``, ``120.5``) → ``Decimal``;
- dates as ISO ``YYYY-MM-DD`` strings (or YAML dates) → ``datetime.date``;
- codes typed as numbers (``code: 99213``, ``reason: 45``) → strings;
- an adjustment either as a dict (``{group: CO, reason: "45", amount: "20.00"}``) or as the
  short form ``"CO-45 20.00"`` (``GROUP-CARC AMOUNT [QUANTITY]``: the CAS01 group code, the
  CAS02 reason code, CAS03 amount and CAS04 quantity of the 835 005010X221A1 CAS segment).

Bad data raises :class:`~medcoder.errors.InputError` whose message starts with the field path
(``claim.lines[1].charge: …``) and whose ``where`` is the source file; unknown fields are
refused (a misspelt field would otherwise be silently dropped).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from medcoder.errors import InputError

from .model import (
    Adjustment,
    ClaimPayment,
    Party,
    ProviderAdjustment,
    Remittance,
    ServicePayment,
    to_dict,
)

_T = TypeVar("_T")

__all__ = [
    "adjustment_from_value",
    "claim_payment_from_dict",
    "remittance_from_dict",
    "remittance_to_dict",
]

_GROUPS = ("CO", "CR", "OA", "PI", "PR")
_SHORT_ADJ = re.compile(r"^\s*([A-Za-z]{2})\s*-\s*([A-Za-z]?\d{1,3})\s+(-?[0-9][0-9,]*(?:\.\d+)?|-?\.\d+)(?:\s+(-?\d+(?:\.\d+)?))?\s*$")


class _Ctx:
    """Where we are: the source (for ``where``) and the field path (for the message)."""

    __slots__ = ("source",)

    def __init__(self, source: str | None) -> None:
        self.source = source

    def fail(self, path: str, message: str) -> InputError:
        return InputError(f"{path}: {message}", where=self.source or None)


# -- scalar converters ------------------------------------------------------------------------


def _text(ctx: _Ctx, path: str, v: Any) -> str:
    if isinstance(v, bool) or v is None or isinstance(v, (list, dict)):
        raise ctx.fail(path, f"expected text, got {_shown(v)}")
    if isinstance(v, float):
        raise ctx.fail(path, f"expected text, got the number {v!r}; quote it")
    return str(v).strip()


def _opt_text(ctx: _Ctx, path: str, v: Any) -> str | None:
    return None if v is None else _text(ctx, path, v)


def _amount(ctx: _Ctx, path: str, v: Any) -> Decimal:
    if isinstance(v, bool) or v is None:
        raise ctx.fail(path, f"expected an amount such as 120.00, got {_shown(v)}")
    if isinstance(v, Decimal):
        return v
    if isinstance(v, (int, float)):
        return Decimal(str(v))
    if isinstance(v, str):
        s = v.strip().replace(",", "").removeprefix("$")
        try:
            d = Decimal(s)
        except InvalidOperation:
            d = None
        if d is not None and d.is_finite():
            return d
    raise ctx.fail(path, f"expected an amount such as 120.00, got {_shown(v)}")


def _opt_amount(ctx: _Ctx, path: str, v: Any) -> Decimal | None:
    return None if v is None else _amount(ctx, path, v)


def _date(ctx: _Ctx, path: str, v: Any) -> _dt.date:
    if isinstance(v, _dt.datetime):
        return v.date()
    if isinstance(v, _dt.date):
        return v
    if isinstance(v, str):
        try:
            return _dt.date.fromisoformat(v.strip())
        except ValueError:
            pass
    raise ctx.fail(path, f"expected an ISO date YYYY-MM-DD, got {_shown(v)}")


def _opt_date(ctx: _Ctx, path: str, v: Any) -> _dt.date | None:
    return None if v is None else _date(ctx, path, v)


def _int(ctx: _Ctx, path: str, v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, str)):
        raise ctx.fail(path, f"expected a whole number, got {_shown(v)}")
    try:
        return int(v)
    except ValueError:
        raise ctx.fail(path, f"expected a whole number, got {_shown(v)}") from None


def _text_list(ctx: _Ctx, path: str, v: Any) -> list[str]:
    if v is None:
        return []
    if isinstance(v, (str, int)) and not isinstance(v, bool):
        return [_text(ctx, path, v)]  # a single code written without brackets
    if not isinstance(v, list):
        raise ctx.fail(path, f"expected a list of codes, got {_shown(v)}")
    return [_text(ctx, f"{path}[{i}]", x) for i, x in enumerate(v)]


def _text_dict(ctx: _Ctx, path: str, v: Any) -> dict[str, str]:
    if v is None:
        return {}
    m = _mapping(ctx, path, v)
    return {str(k): _text(ctx, f"{path}.{k}", x) for k, x in m.items()}


def _amount_dict(ctx: _Ctx, path: str, v: Any) -> dict[str, Decimal]:
    if v is None:
        return {}
    m = _mapping(ctx, path, v)
    return {str(k): _amount(ctx, f"{path}.{k}", x) for k, x in m.items()}


def _mapping(ctx: _Ctx, path: str, v: Any) -> Mapping[str, Any]:
    if not isinstance(v, Mapping):
        raise ctx.fail(path, f"expected a mapping of fields, got {_shown(v)}")
    return v


def _shown(v: Any) -> str:
    if v is None:
        return "nothing"
    if isinstance(v, (list, dict)):
        return f"a {type(v).__name__}"
    r = repr(v)
    return r if len(r) <= 40 else r[:37] + "..."


# -- records ----------------------------------------------------------------------------------

_Conv = Callable[[_Ctx, str, Any], Any]


def _fields(
    ctx: _Ctx, path: str, data: Any, spec: dict[str, _Conv], required: tuple[str, ...]
) -> dict[str, Any]:
    m = _mapping(ctx, path, data)
    unknown = [k for k in m if k not in spec]
    if unknown:
        raise ctx.fail(
            f"{path}.{unknown[0]}", f"unknown field (expected one of: {', '.join(spec)})"
        )
    for k in required:
        if m.get(k) is None:
            raise ctx.fail(f"{path}.{k}", "is required")
    return {k: conv(ctx, f"{path}.{k}", m[k]) for k, conv in spec.items() if k in m}


def adjustment_from_value(value: Any, *, path: str = "adjustment", source: str | None = None) -> Adjustment:
    """One CAS adjustment from ``{group, reason, amount, quantity}`` or ``"CO-45 20.00"``."""
    return _adjustment(_Ctx(source), path, value)


def _adjustment(ctx: _Ctx, path: str, v: Any) -> Adjustment:
    if isinstance(v, str):
        m = _SHORT_ADJ.match(v)
        if not m:
            raise ctx.fail(
                path, f"expected GROUP-CARC AMOUNT such as 'CO-45 20.00', got {_shown(v)}"
            )
        group, reason, amount, qty = m.groups()
        f: dict[str, Any] = {"group": group, "reason": reason, "amount": amount, "quantity": qty}
    else:
        f = _fields(
            ctx,
            path,
            v,
            {"group": _text, "reason": _text, "amount": _amount, "quantity": _opt_amount},
            ("group", "reason", "amount"),
        )
    group = str(f["group"]).upper()
    if group not in _GROUPS:
        raise ctx.fail(f"{path}.group" if not isinstance(v, str) else path,
                       f"{group!r} is not a CAS group code ({', '.join(_GROUPS)})")
    reason = str(f["reason"]).upper()
    if reason.isdigit():
        reason = str(int(reason))
    return Adjustment(
        group=group,
        reason=reason,
        amount=_amount(ctx, path, f["amount"]),
        quantity=_opt_amount(ctx, path, f.get("quantity")),
    )


def _list_of(ctx: _Ctx, path: str, v: Any, what: str, item: Callable[[_Ctx, str, Any], _T]) -> list[_T]:
    """A list field (absent = empty), each item read by ``item`` at ``path[i]``."""
    if v is None:
        return []
    if not isinstance(v, list):
        raise ctx.fail(path, f"expected a list of {what}, got {_shown(v)}")
    return [item(ctx, f"{path}[{i}]", x) for i, x in enumerate(v)]


def _adjustments(ctx: _Ctx, path: str, v: Any) -> list[Adjustment]:
    return _list_of(ctx, path, v, "adjustments", _adjustment)


_LINE: dict[str, _Conv] = {
    "code": _text,
    "qualifier": _text,
    "modifiers": _text_list,
    "charge": _amount,
    "paid": _amount,
    "revenue_code": _opt_text,
    "units_paid": _opt_amount,
    "submitted_code": _opt_text,
    "submitted_qualifier": _opt_text,
    "submitted_modifiers": _text_list,
    "units_submitted": _opt_amount,
    "date_from": _opt_date,
    "date_to": _opt_date,
    "adjustments": _adjustments,
    "remarks": _text_list,
    "line_control_number": _opt_text,
    "allowed": _opt_amount,
    "segment": _int,
}


def _line(ctx: _Ctx, path: str, v: Any) -> ServicePayment:
    f = _fields(ctx, path, v, _LINE, ("code", "charge", "paid"))
    f.setdefault("qualifier", "HC")
    f.setdefault("modifiers", [])
    return ServicePayment(**f)


def _lines(ctx: _Ctx, path: str, v: Any) -> list[ServicePayment]:
    return _list_of(ctx, path, v, "service lines", _line)


_CLAIM: dict[str, _Conv] = {
    "patient_control_number": _text,
    "status": _text,
    "charge": _amount,
    "paid": _amount,
    "patient_responsibility": _opt_amount,
    "filing_indicator": _opt_text,
    "payer_claim_id": _opt_text,
    "facility_type": _opt_text,
    "frequency": _opt_text,
    "drg": _opt_text,
    "patient": _text_dict,
    "insured": _text_dict,
    "rendering": _text_dict,
    "corrected_patient": _text_dict,
    "crossover_payer": _text_dict,
    "service_from": _opt_date,
    "service_to": _opt_date,
    "received": _opt_date,
    "adjustments": _adjustments,
    "remarks": _text_list,
    "amounts": _amount_dict,
    "references": _text_dict,
    "lines": _lines,
    "segment": _int,
}


def _claim(ctx: _Ctx, path: str, v: Any) -> ClaimPayment:
    f = _fields(ctx, path, v, _CLAIM, ("patient_control_number", "status", "charge", "paid"))
    f.setdefault("patient_responsibility", None)
    f.setdefault("filing_indicator", None)
    f.setdefault("payer_claim_id", None)
    return ClaimPayment(**f)


def claim_payment_from_dict(
    data: Any, *, path: str = "claim", source: str | None = None
) -> ClaimPayment:
    """A :class:`ClaimPayment` (835 loop 2100 with its 2110 lines) from its dict form."""
    return _claim(_Ctx(source), path, data)


_PARTY: dict[str, _Conv] = {
    "name": _text,
    "id_qualifier": _opt_text,
    "id": _opt_text,
    "address": _text_list,
    "city": _opt_text,
    "state": _opt_text,
    "zip": _opt_text,
    "contact": _text_dict,
    "references": _text_dict,
}


def _party(ctx: _Ctx, path: str, v: Any) -> Party:
    return Party(**_fields(ctx, path, v, _PARTY, ("name",)))


_PLB: dict[str, _Conv] = {
    "provider_id": _text,
    "fiscal_period_end": _opt_date,
    "reason": _text,
    "reference": _opt_text,
    "amount": _amount,
}


def _plb(ctx: _Ctx, path: str, v: Any) -> ProviderAdjustment:
    f = _fields(ctx, path, v, _PLB, ("provider_id", "reason", "amount"))
    f.setdefault("fiscal_period_end", None)
    f.setdefault("reference", None)
    return ProviderAdjustment(**f)


def _plbs(ctx: _Ctx, path: str, v: Any) -> list[ProviderAdjustment]:
    return _list_of(ctx, path, v, "provider adjustments", _plb)


def _claims(ctx: _Ctx, path: str, v: Any) -> list[ClaimPayment]:
    return _list_of(ctx, path, v, "claims", _claim)


_REMIT: dict[str, _Conv] = {
    "control_number": _text,
    "handling": _text,
    "total_paid": _amount,
    "credit_debit": _text,
    "method": _text,
    "payment_date": _opt_date,
    "trace_number": _text,
    "trace_originator": _text,
    "payer": _party,
    "payee": _party,
    "production_date": _opt_date,
    "claims": _claims,
    "provider_adjustments": _plbs,
    "source": _text,
    "interchange_control": _text,
    "sender": _text,
    "receiver": _text,
    "segment": _int,
    "warnings": _text_list,
}


def remittance_from_dict(data: Any, *, source: str) -> Remittance:
    """A :class:`Remittance` (one 835 ST…SE) from its dict form; ``source`` names the file it came
    from (errors point at it, and it becomes ``Remittance.source`` unless the data gives one)."""
    ctx = _Ctx(source)
    f = _fields(ctx, "remittance", data, _REMIT, ("total_paid", "payer", "payee"))
    f.setdefault("control_number", "0001")
    f.setdefault("handling", "I")
    f.setdefault("credit_debit", "C")
    f.setdefault("method", "NON")
    f.setdefault("payment_date", None)
    f.setdefault("trace_number", "")
    f.setdefault("trace_originator", "")
    if not f.get("source"):
        f["source"] = source
    return Remittance(**f)


def remittance_to_dict(rem: Remittance) -> dict[str, Any]:
    """The plain (JSON-able) form: Decimals as strings, dates ISO; ``remittance_from_dict`` reads it back."""
    out: dict[str, Any] = to_dict(rem)
    return out
