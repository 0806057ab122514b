"""Benchmark X12 835 readers: medcoder's own reader (with and without pyx12), pyx12 alone, and
x12sdk (pydantic models, ``pip install x12sdk``; optional).

    python benchmarks/bench_x12_libs.py [--claims 5000] [--repeat 20]

Two inputs: the twelve shared samples in ``../shared/data/x12/835`` (can each library read them
all?) and one generated 835 of ``--claims`` invented claims (three lines each, written by
``medcoder.remit.writers.x835``) for throughput. Prints one table per input: library, files
read, errors, files/s, claims/s. A file counts as read when the library returns without an
exception; for pyx12 a file with findings counts as an error (it is a validator).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO.parent / "shared" / "data" / "x12" / "835"
sys.path.insert(0, str(REPO / "src"))

from medcoder.claims.model import (  # noqa: E402
    Address,
    Claim,
    ClaimDiagnosis,
    Payer,
    Person,
    Provider,
    ServiceLine,
)
from medcoder.remit.generate import adjudicate, remittance_for  # noqa: E402
from medcoder.remit.model import Party  # noqa: E402
from medcoder.remit.readers.x835 import pyx12_findings, read_835  # noqa: E402
from medcoder.remit.writers.x835 import write_835  # noqa: E402


def _claim(n: int) -> Claim:
    dos = dt.date(2026, 5, 1) + dt.timedelta(days=n % 28)
    addr = Address("5 Oak Ave", "Springfield", "IL", "62704")
    sub = Person("Doe", f"Pat{n}", dt.date(1950, 3, 2), "M", member_id=f"M{n:09d}", address=addr)
    lines = [ServiceLine(code=c, system="CPT", charge=Decimal(ch), units=Decimal(1), date_of_service=dos)
             for c, ch in (("99213", "145"), ("96372", "40"), ("J1885", "9.50"))]
    return Claim(kind="professional", patient_control_number=f"PCN{n:07d}",
                 billing=Provider(name="Riverside", npi="1234567893"),
                 payer=Payer("medicare", "Medicare Part B", "00952", kind="medicare"),
                 patient=sub, subscriber=sub, service_from=dos, service_to=dos, place_of_service="11",
                 diagnoses=[ClaimDiagnosis("I10")], lines=lines)


def generated(claims: int, folder: Path) -> Path:
    payer = Party("Example Health Plan", "XV", "12345", ["PO Box 100"], "Springfield", "IL", "62701",
                  {"BL": "EDI", "BL.TE": "8005550100"})
    payee = Party("Riverside Family Medicine", "XX", "1234567893")
    outcomes = ("paid", "paid", "partial", "denied")
    pays = [adjudicate(_claim(i), outcomes[i % 4], allowed={1: Decimal("92.14")} if i % 4 < 2 else None,
                       coinsurance=Decimal("18.43") if i % 4 == 0 else Decimal(0))
            for i in range(claims)]
    rem = remittance_for(pays, payer=payer, payee=payee, trace="EFT0001", paid_on=dt.date(2026, 7, 1))
    path = folder / f"generated-{claims}.835"
    path.write_text(write_835([rem], sender="PAYER01", receiver="RIVERSIDE",
                              when=dt.datetime(2026, 7, 1, 8)))
    return path


def _x12sdk_reader() -> Callable[[Path], int] | None:
    try:
        from x12sdk.io import X12ModelReader
    except ImportError:
        return None

    def read(p: Path) -> int:
        with X12ModelReader(str(p)) as r:
            models = list(r.models())
        return sum(len(getattr(lx, "loop_2100", []) or []) for m in models
                   for lx in (getattr(m, "loop_2000", None) or []))
    return read


def _medcoder(validate: bool) -> Callable[[Path], int]:
    def read(p: Path) -> int:
        return sum(len(r.claims) for r in read_835(p, validate=validate, strict=False))
    return read


def _pyx12(p: Path) -> int:
    found = pyx12_findings(p.read_text(encoding="ascii"))
    if found:
        raise ValueError(found[0])
    return 0


def measure(name: str, read: Callable[[Path], int], files: list[Path], claims_of: dict[Path, int],
            repeat: int) -> tuple[str, int, int, float, float]:
    ok = errors = 0
    good: list[Path] = []
    for p in files:
        try:
            read(p)
            ok += 1
            good.append(p)
        except Exception:
            errors += 1
    t0 = time.perf_counter()
    runs = 0
    while True:
        for p in good:
            read(p)
        runs += 1
        elapsed = time.perf_counter() - t0
        if runs >= repeat or elapsed > 20:
            break
    n_files = runs * len(good)
    n_claims = runs * sum(claims_of[p] for p in good)
    return name, ok, errors, n_files / elapsed if elapsed else 0.0, n_claims / elapsed if elapsed else 0.0


def table(title: str, rows: list[tuple[str, int, int, float, float]]) -> None:
    print(f"\n{title}")
    print(f"{'library':<28} {'files read':>10} {'errors':>7} {'files/s':>10} {'claims/s':>11}")
    for name, ok, err, fps, cps in rows:
        print(f"{name:<28} {ok:>10} {err:>7} {fps:>10.1f} {cps:>11.0f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--claims", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    logging.disable(logging.CRITICAL)
    print(f"python {platform.python_version()} on {platform.machine()}")
    libs: list[tuple[str, Callable[[Path], int]]] = [
        ("medcoder (validate=False)", _medcoder(False)),
        ("medcoder (validate=True)", _medcoder(True)),
        ("pyx12 (validation only)", _pyx12),
    ]
    sdk = _x12sdk_reader()
    if sdk is not None:
        libs.append(("x12sdk (pydantic models)", sdk))
    else:
        print("x12sdk is not installed: pip install x12sdk to compare it")
    if SAMPLES.is_dir():
        files = sorted(SAMPLES.iterdir())
        claims_of = {p: _medcoder(False)(p) for p in files}
        table(f"the {len(files)} shared samples ({sum(claims_of.values())} claims), x{args.repeat}",
              [measure(n, f, files, claims_of, args.repeat) for n, f in libs])
    with tempfile.TemporaryDirectory() as tmp:
        big = generated(args.claims, Path(tmp))
        claims_of = {big: args.claims}
        rows = [measure(n, f, [big], claims_of, 3 if "validate=False" in n else 1) for n, f in libs]
        table(f"one generated 835 of {args.claims} claims ({big.stat().st_size // 1024} KiB)", rows)


if __name__ == "__main__":
    main()
