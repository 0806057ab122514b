"""Reproducible random samples of claims: simple random and stratified (by paid amount).

The rules followed: CMS Program Integrity Manual (Pub. 100-08) Ch. 8 §8.4 (statistical
sampling for overpayment estimation: a defined sampling frame and sampling unit, a probability
sample, simple random or stratified, and documentation that lets the sample be recreated: the
random number generator, its seed and the frame); HHS-OIG RAT-STATS likewise draws from a
numbered frame with a recorded seed.

The draw procedure (``PROCEDURE``), written so that anyone can recreate a sample from the
frame and the seed, on any machine and Python version:

1. The frame's claim ids are sorted by Unicode code point (Python's ``sorted`` on ``str``);
   the order in which they were handed to us does not matter.
2. One generator, ``random.Random(seed)`` (MT19937 seeded from the non-negative integer
   ``seed`` by ``init_by_array``, unchanged since Python 3.2), is used for the whole sample.
   Only its ``getrandbits`` output is used (the raw Mersenne Twister words), never
   ``random.sample`` or ``randrange``, whose internals are not promised to stay the same.
3. A uniform integer below m is drawn by rejection: take k = m.bit_length() bits with
   ``getrandbits(k)``; if the value is >= m, draw again.
4. From the sorted list x[0..N-1], a partial Fisher-Yates shuffle: for i = 0 .. n-1, draw j
   uniform in i .. N-1 (step 3 with m = N - i, plus i) and swap x[i] and x[j]; the sample is
   x[0..n-1], in draw order.
5. Stratified: the strata are taken in order (lowest paid amounts first) and each draws from
   its own sorted ids with the same generator, continuing its stream.

The frame checksum is the SHA-256 of the sorted ids, each followed by a newline, in UTF-8;
for a stratified frame ``frame_amounts_sha256`` also covers the paid amounts that define the
strata (``id<TAB>amount<LF>`` per claim, amounts as the canonical ``Decimal`` string).

Strata are (lower, upper] bounds on the paid amount (``None`` for no bound), or a number k: k
strata of nearly equal size by the rank of the paid amount, claims with the same amount always
in the same stratum (so a stratum may be larger than N/k where amounts tie).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from typing import Any

from medcoder.errors import InputError

PROCEDURE = (
    "ids sorted by code point; one random.Random(seed) (MT19937) stream; uniform integers "
    "below m by rejection on getrandbits(m.bit_length()); partial Fisher-Yates shuffle of the "
    "sorted ids, first n in draw order; strata drawn in order, lowest paid amounts first"
)
SRS = "simple random sample"
STRATIFIED = "stratified random sample"

Bound = Decimal | None


def frame_sha256(ids: Iterable[str]) -> str:
    """SHA-256 of the sorted ids, one per line (each followed by ``\\n``), UTF-8."""
    h = hashlib.sha256()
    for i in sorted(ids):
        h.update(i.encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


def _amounts_sha256(frame: Mapping[str, Decimal]) -> str:
    h = hashlib.sha256()
    for i in sorted(frame):
        h.update(f"{i}\t{frame[i]}\n".encode())
    return h.hexdigest()


def _randbelow(rng: random.Random, m: int) -> int:
    """Uniform integer in [0, m) by rejection on ``getrandbits`` (step 3 of the procedure)."""
    k = m.bit_length()
    while True:
        r = rng.getrandbits(k)
        if r < m:
            return r


def _draw(rng: random.Random, ids: Sequence[str], n: int) -> list[str]:
    """Partial Fisher-Yates on the sorted ids (step 4)."""
    x = sorted(ids)
    big_n = len(x)
    for i in range(n):
        j = i + _randbelow(rng, big_n - i)
        x[i], x[j] = x[j], x[i]
    return x[:n]


def _check_seed(seed: int) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError(f"the seed must be a non-negative integer, not {seed!r}", where="seed")
    return seed


def _check_ids(ids: Iterable[Any], where: str) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    dups: list[str] = []
    for i in ids:
        if not isinstance(i, str) or not i.strip():
            raise InputError(f"claim ids must be non-empty strings, not {i!r}", where=where)
        if i in seen:
            dups.append(i)
        seen.add(i)
        out.append(i)
    if dups:
        shown = ", ".join(repr(d) for d in sorted(set(dups))[:5])
        raise InputError(f"the frame lists {len(dups)} duplicate claim id(s): {shown}; each claim "
                         "must appear once", where=where)
    if not out:
        raise InputError("the frame is empty: there is nothing to sample", where=where)
    return out


@dataclass(frozen=True)
class Stratum:
    """One stratum: its (lower, upper] paid-amount bounds, N_h claims in the frame, the n_h drawn."""

    label: str
    lower: Bound
    upper: Bound
    N: int
    n: int
    ids: tuple[str, ...]  # drawn, in draw order
    frame_sha256: str

    @property
    def bounds_text(self) -> str:
        lo = "-inf" if self.lower is None else str(self.lower)
        hi = "+inf" if self.upper is None else str(self.upper)
        return f"({lo}, {hi}]"

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "bounds": [None if self.lower is None else str(self.lower),
                       None if self.upper is None else str(self.upper)],
            "bounds_text": self.bounds_text,
            "N_h": self.N,
            "n_h": self.n,
            "ids": list(self.ids),
            "frame_sha256": self.frame_sha256,
        }


@dataclass(frozen=True)
class Sample:
    """A drawn sample with everything needed to recreate it (see the module docstring)."""

    method: str  # SRS | STRATIFIED
    seed: int
    frame_size: int
    frame_sha256: str
    strata: tuple[Stratum, ...]
    procedure: str = PROCEDURE
    frame_amounts_sha256: str | None = None
    _where: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def N(self) -> int:
        return self.frame_size

    @property
    def n(self) -> int:
        return sum(s.n for s in self.strata)

    @property
    def ids(self) -> list[str]:
        """Every sampled claim id, stratum by stratum, in draw order."""
        return [i for s in self.strata for i in s.ids]

    @property
    def stratified(self) -> bool:
        return self.method == STRATIFIED

    def stratum_of(self, claim_id: str) -> Stratum:
        if not self._where:
            for s in self.strata:
                for i in s.ids:
                    self._where[i] = s.label
        label = self._where.get(claim_id)
        if label is None:
            raise InputError(f"claim {claim_id!r} is not in the sample", where="sample")
        return next(s for s in self.strata if s.label == label)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "method": self.method,
            "procedure": self.procedure,
            "seed": self.seed,
            "N": self.frame_size,
            "frame_size": self.frame_size,
            "n": self.n,
            "frame_sha256": self.frame_sha256,
            "strata": [s.to_dict() for s in self.strata],
            "ids": self.ids,
        }
        if self.frame_amounts_sha256 is not None:
            d["frame_amounts_sha256"] = self.frame_amounts_sha256
        return d


def simple_random_sample(frame: Sequence[str], n: int, *, seed: int) -> Sample:
    """Draw ``n`` claims without replacement from ``frame`` (claim ids), reproducibly."""
    _check_seed(seed)
    ids = _check_ids(frame, "frame")
    big_n = len(ids)
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise InputError(f"the sample size must be a positive integer, not {n!r}", where="n")
    if n > big_n:
        raise InputError(f"a sample of {n} cannot be drawn from a frame of {big_n} claims", where="n")
    rng = random.Random(seed)
    drawn = _draw(rng, ids, n)
    checksum = frame_sha256(ids)
    stratum = Stratum("1", None, None, big_n, n, tuple(drawn), checksum)
    return Sample(SRS, seed, big_n, checksum, (stratum,))


def _to_amount(claim_id: str, v: Any) -> Decimal:
    try:
        d = v if isinstance(v, Decimal) else Decimal(str(v))
    except (InvalidOperation, ValueError):
        raise InputError(f"claim {claim_id!r}: paid amount {v!r} is not a number", where="frame") from None
    if not d.is_finite():
        raise InputError(f"claim {claim_id!r}: paid amount {v!r} is not a finite number", where="frame")
    return d


def _in(amount: Decimal, lo: Bound, hi: Bound) -> bool:
    return (lo is None or amount > lo) and (hi is None or amount <= hi)


def _bounds_from_list(strata: Sequence[tuple[Any, Any]]) -> list[tuple[Bound, Bound]]:
    out: list[tuple[Bound, Bound]] = []
    for k, pair in enumerate(strata, 1):
        try:
            lo_raw, hi_raw = pair
        except (TypeError, ValueError):
            raise InputError(f"stratum {k}: bounds must be a (lower, upper] pair, not {pair!r}",
                             where="strata") from None
        lo = None if lo_raw is None else _to_amount(f"stratum {k} lower bound", lo_raw)
        hi = None if hi_raw is None else _to_amount(f"stratum {k} upper bound", hi_raw)
        if lo is not None and hi is not None and not lo < hi:
            raise InputError(f"stratum {k}: lower bound {lo} is not below upper bound {hi}",
                             where="strata")
        out.append((lo, hi))
    out.sort(key=lambda b: (b[0] is not None, b[0] if b[0] is not None else Decimal(0)))
    for (_, hi1), (lo2, _) in pairwise(out):
        if hi1 is None or lo2 is None or lo2 < hi1:
            raise InputError(f"strata overlap: (…, {hi1}] and ({lo2}, …]", where="strata")
    return out


def _bounds_by_rank(amounts: list[Decimal], k: int) -> list[tuple[Bound, Bound]]:
    """k strata of nearly equal size by rank; a stratum's upper bound is the amount of its last
    claim, so equal amounts never straddle two strata; strata left empty by ties are dropped."""
    values = sorted(amounts)
    big_n = len(values)
    uppers: list[Decimal] = []
    for j in range(1, k):
        cut = values[(j * big_n) // k - 1] if (j * big_n) // k >= 1 else values[0]
        if (not uppers or cut > uppers[-1]) and cut < values[-1]:
            uppers.append(cut)
    out: list[tuple[Bound, Bound]] = []
    lo: Bound = None
    for u in uppers:
        out.append((lo, u))
        lo = u
    out.append((lo, None))
    return out


def stratified_sample(
    frame: Mapping[str, Decimal],
    *,
    strata: Sequence[tuple[Any, Any]] | int,
    n_per_stratum: Mapping[str | int, int] | int,
    seed: int,
) -> Sample:
    """Stratify ``frame`` (claim id -> paid amount) by paid amount and draw from each stratum.

    ``strata``: a list of (lower, upper] bounds (``None`` = unbounded) that together cover every
    paid amount, or a number of strata of nearly equal size by rank. Strata are labelled "1",
    "2", ... from the lowest amounts. ``n_per_stratum``: one size for all, or a size per label
    (``"1"`` or ``1``); n_h = N_h makes a certainty stratum (every claim reviewed). A stratum
    needs n_h >= 2 unless it is taken whole, or its variance cannot be estimated.
    """
    _check_seed(seed)
    if not isinstance(frame, Mapping):
        raise InputError("a stratified frame maps claim id -> paid amount", where="frame")
    ids = _check_ids(frame.keys(), "frame")
    amounts = {i: _to_amount(i, frame[i]) for i in ids}
    if isinstance(strata, bool):
        raise InputError("strata: give a list of (lower, upper] bounds or a number", where="strata")
    if isinstance(strata, int):
        if strata < 1:
            raise InputError(f"the number of strata must be at least 1, not {strata}", where="strata")
        if strata > len(ids):
            raise InputError(f"{strata} strata cannot be formed from {len(ids)} claims", where="strata")
        bounds = _bounds_by_rank(list(amounts.values()), strata)
    else:
        if not strata:
            raise InputError("no strata given", where="strata")
        bounds = _bounds_from_list(strata)
    members: list[list[str]] = [[] for _ in bounds]
    for i in ids:
        a = amounts[i]
        hit = [k for k, (lo, hi) in enumerate(bounds) if _in(a, lo, hi)]
        if not hit:
            raise InputError(f"claim {i!r}: paid amount {a} falls in no stratum", where="strata")
        members[hit[0]].append(i)
    sizes: list[int] = []
    for k, m in enumerate(members, 1):
        label = str(k)
        if not m:
            lo, hi = bounds[k - 1]
            raise InputError(f"stratum {label} ({lo}, {hi}] holds no claims", where="strata")
        if isinstance(n_per_stratum, Mapping):
            got = n_per_stratum.get(label, n_per_stratum.get(k))
            if got is None:
                raise InputError(f"no sample size for stratum {label}", where="n_per_stratum")
            n_h = got
        else:
            n_h = n_per_stratum
        if isinstance(n_h, bool) or not isinstance(n_h, int) or n_h < 1:
            raise InputError(f"stratum {label}: the sample size must be a positive integer, not "
                             f"{n_h!r}", where="n_per_stratum")
        if n_h > len(m):
            raise InputError(f"stratum {label}: a sample of {n_h} cannot be drawn from its {len(m)} "
                             "claims", where="n_per_stratum")
        if n_h < 2 and n_h < len(m):
            raise InputError(f"stratum {label}: a sample of 1 from {len(m)} claims gives no variance "
                             "estimate; draw at least 2 or take the stratum whole",
                             where="n_per_stratum")
        sizes.append(n_h)
    if isinstance(n_per_stratum, Mapping):
        known = {str(k) for k in range(1, len(members) + 1)}
        extra = sorted(str(k) for k in n_per_stratum if str(k) not in known)
        if extra:
            raise InputError(f"sample sizes given for unknown strata: {', '.join(extra)}",
                             where="n_per_stratum")
    rng = random.Random(seed)
    out: list[Stratum] = []
    for k, (m, n_h) in enumerate(zip(members, sizes, strict=True), 1):
        lo, hi = bounds[k - 1]
        out.append(Stratum(str(k), lo, hi, len(m), n_h, tuple(_draw(rng, m, n_h)), frame_sha256(m)))
    return Sample(STRATIFIED, seed, len(ids), frame_sha256(ids), tuple(out),
                  frame_amounts_sha256=_amounts_sha256(amounts))
