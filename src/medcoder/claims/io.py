"""Read claims from any file medcoder accepts: X12 837P/837I or a JSON/YAML claim file.

    claims = load_claims("batch.837")      # X12: the implementation guide in GS08 decides
    claims = load_claims("claim.yaml")     # medcoder's claim file (claims/serialize.py)
"""

from __future__ import annotations

from pathlib import Path

from medcoder.claims.model import Claim
from medcoder.errors import InputError


def is_x12(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise InputError(f"cannot read the claim file ({exc.strerror})", where=path) from None
    return head.lstrip().startswith(b"ISA")


def load_claims(path: str | Path, *, check: bool = True) -> list[Claim]:
    """``check=False`` leaves the claim's structural rules to the scrubber (it reports them)."""
    p = Path(path)
    if not p.is_file():
        raise InputError("no such file", where=p)
    if is_x12(p):
        from medcoder.claims.readers import read_x12_claims

        return read_x12_claims(p)
    if p.suffix.lower() not in (".json", ".yaml", ".yml"):
        raise InputError("expected an X12 837 file (starting with ISA) or a .json/.yaml claim file", where=p)
    from medcoder.claims.serialize import read_claim_file

    return read_claim_file(p, check=check)
