"""Identifiers on a claim, validated: NPI (check digit), tax id (EIN or SSN), taxonomy code.

- NPI: 10 digits; the 10th is a Luhn check digit computed over the 9 digits prefixed with the
  card issuer prefix 80840 (CMS, "Requirements for the National Provider Identifier check
  digit", 45 CFR 162.406; ISO 7812).
- Tax id: 9 digits (EIN "12-3456789" or SSN "123-45-6789"); 837 REF*EI / REF*SY.
- Provider taxonomy: 10 characters, digits and letters, ending in X (NUCC Health Care
  Provider Taxonomy code set).
"""

from __future__ import annotations

import re

from medcoder.errors import InvalidIdentifierError

_TAXONOMY = re.compile(r"^[0-9A-Z]{9}X$")


def npi_check_digit(first9: str) -> int:
    """The Luhn check digit of an NPI's first nine digits (with the 80840 prefix)."""
    digits = [int(c) for c in "80840" + first9]
    total = 0
    # from the right, every second digit (starting with the rightmost of the payload) doubled
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10


def validate_npi(value: object, *, where: str = "NPI") -> str:
    """The NPI as 10 digits, or an InvalidIdentifierError saying what is wrong."""
    s = str(value).strip() if value is not None else ""
    if not re.fullmatch(r"\d{10}", s):
        raise InvalidIdentifierError(f"expected an NPI of 10 digits, got {s!r}", where=where)
    if s[0] not in "12":
        raise InvalidIdentifierError(f"an NPI starts with 1 or 2, got {s!r}", where=where)
    want = npi_check_digit(s[:9])
    if int(s[9]) != want:
        raise InvalidIdentifierError(
            f"NPI {s} fails its check digit (expected {want} as the 10th digit): mistyped?",
            where=where,
        )
    return s


def validate_tax_id(value: object, *, where: str = "tax id") -> tuple[str, str]:
    """``(digits, kind)``: kind ``EIN`` (12-3456789 or 9 digits) or ``SSN`` (123-45-6789)."""
    s = str(value).strip() if value is not None else ""
    if re.fullmatch(r"\d{3}-\d{2}-\d{4}", s):
        return s.replace("-", ""), "SSN"
    if re.fullmatch(r"\d{2}-?\d{7}", s):
        return s.replace("-", ""), "EIN"
    raise InvalidIdentifierError(
        f"expected a tax id of 9 digits (EIN 12-3456789 or SSN 123-45-6789), got {s!r}", where=where
    )


def validate_taxonomy(value: object, *, where: str = "taxonomy") -> str:
    s = str(value).strip().upper() if value is not None else ""
    if not _TAXONOMY.match(s):
        raise InvalidIdentifierError(
            f"expected a provider taxonomy code of 10 characters ending in X (e.g. 207Q00000X), got {s!r}",
            where=where,
        )
    return s
