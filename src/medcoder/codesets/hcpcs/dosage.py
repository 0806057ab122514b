"""Billing dosage of drug codes, parsed from the HCPCS long description, and units of service.

A drug code is billed in units of the amount its description names: J1100 "..., 1 mg" is one
unit per milligram, J1885 "..., per 15 mg" one unit per 15 mg, J1840 "..., up to 500 mg" one
unit per started 500 mg. ``parse_dosage`` turns that phrase into ``{"amount": 1, "unit": "mg"}``;
``units_for`` turns a dose given in any compatible unit into units of service, rounding up.

Units are normalised to: ``mg``, ``mcg``, ``g`` (mass); ``ml`` (volume, ``cc`` too);
``units`` (activity: USP units and international units alike); ``meq``; ``mci``/``uci``
(radioactivity); ``sq cm`` (area: skin substitutes billed "per square centimeter"). A
description with no such phrase, with several competing ones, or billed "per study dose" or
"per dose" gets no dosage (``None``).
"""

from __future__ import annotations

import re
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from typing import Any

from medcoder.errors import InputError

# alias → canonical unit
_ALIASES: dict[str, str] = {
    "mg": "mg",
    "milligram": "mg",
    "milligrams": "mg",
    "mcg": "mcg",
    "microgram": "mcg",
    "micrograms": "mcg",
    "ug": "mcg",
    "µg": "mcg",
    "g": "g",
    "gm": "g",
    "gram": "g",
    "grams": "g",
    "ml": "ml",
    "milliliter": "ml",
    "milliliters": "ml",
    "millilitre": "ml",
    "cc": "ml",
    "unit": "units",
    "units": "units",
    "usp unit": "units",
    "usp units": "units",
    "iu": "units",
    "i.u.": "units",
    "international unit": "units",
    "international units": "units",
    "meq": "meq",
    "milliequivalent": "meq",
    "milliequivalents": "meq",
    "mci": "mci",
    "millicurie": "mci",
    "millicuries": "mci",
    "uci": "uci",
    "microcurie": "uci",
    "microcuries": "uci",
    "sq cm": "sq cm",
    "square centimeter": "sq cm",
    "square centimeters": "sq cm",
    "square centimetre": "sq cm",
    "square centimetres": "sq cm",
    "cm2": "sq cm",
    "cm²": "sq cm",
}
# canonical unit → (dimension, size in the dimension's base unit)
_DIMENSION: dict[str, tuple[str, Decimal]] = {
    "mcg": ("mass", Decimal("0.001")),
    "mg": ("mass", Decimal(1)),
    "g": ("mass", Decimal(1000)),
    "ml": ("volume", Decimal(1)),
    "units": ("activity", Decimal(1)),
    "meq": ("milliequivalents", Decimal(1)),
    "uci": ("radioactivity", Decimal(1)),
    "mci": ("radioactivity", Decimal(1000)),
    "sq cm": ("area", Decimal(1)),
}

_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d*\.\d+|\d+"
_UNIT = (
    r"international\s+units?|usp\s+units?|units?|i\.u\.|iu|micrograms?|mcg|milligrams?|mg|"
    r"grams?|gm|g|milliliters?|millilitres?|ml|cc|milliequivalents?|meq|millicuries?|mci|"
    r"microcuries?|uci|square\s+centimet(?:er|re)s?|sq\.?\s*cm|cm2|cm²"
)
_DOSE = re.compile(
    rf"(?:\b(?P<qual>per|up\s+to)\s+)?(?:(?P<num>{_NUMBER})\s*(?P<mult>million\s+)?)?"
    rf"(?P<unit>{_UNIT})(?![a-z0-9])",
    re.I,
)
_PARENS = re.compile(r"\([^()]*\)")
# "(500 ml = 1 unit)": the description states the billing unit outright
_EQUALS_ONE = re.compile(rf"\(\s*(?P<num>{_NUMBER})\s*(?P<unit>{_UNIT})\s*=\s*1\s+unit\s*\)", re.I)


def _number(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def _plain(d: Decimal) -> int | float:
    return int(d) if d == d.to_integral_value() else float(d)


def _strip_parens(text: str) -> str:
    prev = None
    while prev != text:
        prev, text = text, _PARENS.sub(" ", text)
    return text


def _matches(text: str) -> list[tuple[Decimal, str]]:
    out = []
    for m in _DOSE.finditer(text):
        qual, num, unit = m.group("qual"), m.group("num"), m.group("unit")
        if num is None and not (qual and qual.lower() == "per"):
            continue  # a bare unit word ("units of service") is no dose
        amount = _number(num) if num else Decimal(1)
        if m.group("mult"):
            amount *= 1_000_000
        if amount <= 0:
            continue
        canonical = _ALIASES[_unit_key(unit)]
        out.append((amount, canonical))
    return out


def parse_dosage(description: str) -> dict[str, Any] | None:
    """``{"amount": 1, "unit": "mg"}`` from "Injection, dexamethasone sodium phosphate, 1 mg"."""
    text = " ".join(description.split())
    if re.search(r"\bper\s+(?:study\s+|treatment\s+)?dose\b", text, re.I):
        return None  # billed per dose (radiopharmaceuticals: the mCi are a ceiling)
    stated = _EQUALS_ONE.search(text)
    if stated:
        unit = _ALIASES[_unit_key(stated.group("unit"))]
        return {"amount": _plain(_number(stated.group("num"))), "unit": unit}
    text = _strip_parens(text)
    found = _matches(text)
    if not found:
        return None
    if len(found) > 1:
        # the billing unit is the dose phrase of the last comma-separated segment that has one
        for segment in reversed(text.split(",")):
            seg = _matches(segment)
            if seg:
                found = seg
                break
        if len(found) != 1:
            return None
    amount, unit = found[0]
    return {"amount": _plain(amount), "unit": unit}


def _unit_key(unit: str) -> str:
    key = " ".join(unit.strip().lower().replace("sq.", "sq ").split())
    return "sq cm" if key in ("sq cm", "sqcm") else key


def normalize_unit(unit: str) -> str:
    key = _unit_key(unit)
    if key not in _ALIASES:
        raise InputError(
            f"unknown dose unit {unit!r}; expected one of mg, mcg, g, ml, cc, units, iu, meq, mci, "
            f"uci, sq cm"
        )
    return _ALIASES[key]


_GIVEN = re.compile(rf"^\s*(?P<num>{_NUMBER})\s*(?P<unit>[^\d\s].*?)\s*$")


def parse_dose(text: str) -> tuple[Decimal, str]:
    """``"8 mg"`` → ``(Decimal(8), "mg")``; ``"1,000 mcg"``, ``"2.5ml"``, ``"300 units"`` too."""
    m = _GIVEN.match(text)
    if not m:
        raise InputError(
            f'dose {text!r} is not an amount and a unit; write it like "8 mg", "1,000 mcg" '
            f'or "250 ml"'
        )
    return _number(m.group("num")), normalize_unit(m.group("unit"))


def units_for(
    dosage: dict[str, Any], amount: float | int | str, unit: str | None = None, *, code: str = ""
) -> int:
    """Units of service for a dose of ``amount`` ``unit`` of a drug billed per ``dosage``.

    ``amount`` may carry its unit (``"8 mg"``) when ``unit`` is omitted. Rounds up: 25 mg of a
    drug billed per 10 mg is 3 units. Raises ``InputError`` when the units cannot be converted
    (mg given for a drug billed per ml) or the amount is not positive.
    """
    label = f"{code} " if code else ""
    if unit is None:
        if not isinstance(amount, str):
            raise InputError(f'dose {amount!r} has no unit; give it as "8 mg" or pass the unit')
        given, u = parse_dose(amount)
    else:
        try:
            given = Decimal(str(amount).replace(",", "").strip())
        except InvalidOperation as exc:
            raise InputError(f"dose amount {amount!r} is not a number") from exc
        u = normalize_unit(unit)
    if not given.is_finite() or given <= 0:
        raise InputError(f"dose amount must be a positive number, got {amount!r}")
    billed_unit = str(dosage["unit"])
    billed_dim, billed_size = _DIMENSION[billed_unit]
    dim, size = _DIMENSION[u]
    if dim != billed_dim:
        same = sorted(k for k, (d, _s) in _DIMENSION.items() if d == billed_dim)
        raise InputError(
            f"{label}is billed per {dosage['amount']} {billed_unit} ({billed_dim}); a dose in "
            f"{u} ({dim}) cannot be converted to it. Give the dose in {', '.join(same)}."
        )
    per_unit = Decimal(str(dosage["amount"])) * billed_size
    units = (
        (given * size / per_unit)
        .quantize(Decimal("1e-9"))
        .to_integral_value(rounding=ROUND_CEILING)
    )
    return max(1, int(units))
