"""Claim readers: one module per format (``x837p``: X12 837P 005010X222A1, ``x837i``: 837I
005010X223A2). ``read_x12_claims`` picks the reader from the implementation guide named in
GS08 (or ST03)."""

from __future__ import annotations

import importlib
from pathlib import Path

from medcoder.claims.model import Claim
from medcoder.errors import InputError

#: implementation guide version (GS08 / ST03) -> (module, reader function)
READERS = {
    "005010X222A1": ("medcoder.claims.readers.x837p", "read_837p"),
    "005010X223A2": ("medcoder.claims.readers.x837i", "read_837i"),
}


def guide_of(path: Path) -> str:
    """The implementation guide an X12 file declares (GS08, else ST03)."""
    try:
        text = path.read_bytes()[:4096].decode("ascii", errors="replace").lstrip()
    except OSError as exc:
        raise InputError(f"cannot read the claim file ({exc.strerror})", where=path) from None
    if not text.startswith("ISA") or len(text) < 106:
        raise InputError("not an X12 interchange: expected an ISA segment of 106 characters", where=path)
    elem, term = text[3], text[105]
    segments = [raw.strip("\r\n ") for raw in text.split(term)]
    if len(segments) > 1 and segments[1][:2] in ("GS", "ST") and segments[1][2:3] != elem:
        raise InputError(
            f"segment 2 ({segments[1][:2]}) does not use the element separator {elem!r} that the ISA "
            f"declares (ISA position 4; segment terminator {term!r} after ISA16): the delimiters are "
            "inconsistent", where=f"{path}:2")
    for raw in segments:
        seg = raw.split(elem)
        if seg[0] == "GS" and len(seg) > 8 and seg[8]:
            return seg[8]
        if seg[0] == "ST" and len(seg) > 3 and seg[3]:
            return seg[3]
    raise InputError("no GS or ST segment naming the implementation guide", where=path)


def read_x12_claims(path: str | Path) -> list[Claim]:
    p = Path(path)
    guide = guide_of(p)
    if guide not in READERS:
        known = ", ".join(f"{g}" for g in READERS)
        raise InputError(f"implementation guide {guide!r} is not a claim medcoder reads (expected one of {known})",
                         where=p)
    module, func = READERS[guide]
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError:
        raise InputError(f"reading {guide} files is not available in this version", where=p) from None
    reader = getattr(mod, func)
    claims: list[Claim] = reader(p)
    return claims
