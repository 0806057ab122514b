"""``medcoder claim price FILE... [--profile P] [--locality L] [--zip Z] [--json]``.

Prices each claim (:func:`medcoder.claims.pricing.price_claim`): a table per claim with each
line's code, modifiers, units, allowed amount and how it was computed, then the total and the
notices. ``--profile`` gives the billing profile whose ``pricing`` section sets the locality,
the hospital base rate and the payer contracts (contract files relative to the profile);
``--locality``/``--zip`` replace its locality. ``--json`` prints ``ClaimPrice.to_dict`` per claim.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer


def claim_price(
    files: Annotated[list[Path], typer.Argument(help="Claim files: X12 837P/837I, or medcoder claim JSON/YAML.")],
    profile: Annotated[Path | None, typer.Option(
        "--profile", help="Billing profile (YAML/JSON) whose pricing section sets locality, base rate, contracts.")] = None,
    locality: Annotated[str | None, typer.Option(
        "--locality", help="Medicare locality MAC-LOCALITY (e.g. 13202-01) or name; replaces the profile's.")] = None,
    zip_code: Annotated[str | None, typer.Option(
        "--zip", help="ZIP code whose Medicare locality to use; replaces the profile's.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for programs.")] = False,
) -> None:
    """Price claims: Medicare fee schedule, anesthesia, payer contracts, inpatient MS-DRG."""
    from medcoder.claims.io import load_claims
    from medcoder.claims.pricing import price_claim
    from medcoder.cli.main import _console, _print_json
    from medcoder.codesets.kb import default_kb
    from medcoder.errors import InputError

    if locality is not None and zip_code is not None:
        raise InputError("give --locality or --zip, not both", where="--zip")
    pricing, base_dir = pricing_section(profile)
    kb = default_kb()
    results: list[tuple[Path, Any]] = []
    for f in files:
        for claim in load_claims(f):
            results.append((f, price_claim(claim, kb, pricing=pricing, base_dir=base_dir, locality=locality,
                                           zip_code=zip_code)))
    if as_json:
        _print_json([{"file": str(f), **p.to_dict()} for f, p in results])
        return
    _render(_console(), results)


def pricing_section(profile: Path | None) -> tuple[dict[str, Any] | None, Path | None]:
    """The profile file's ``pricing`` section and its folder (None, None without a profile)."""
    if profile is None:
        return None, None
    from medcoder.claims.profile import load_profile

    return load_profile(profile).pricing()


def _render(console: Any, results: list[tuple[Path, Any]]) -> None:
    from rich.markup import escape
    from rich.table import Table

    for f, p in results:
        where = f", locality {p.locality.key} {p.locality.name or ''}" if p.locality else ""
        t = Table(title=f"{escape(f.name)} claim {escape(p.claim_id or '(no patient control number)')} "
                        f"({p.kind}, payer {escape(p.payer_key)} {p.payer_kind}, {p.method}{escape(where)})")
        if p.drg is not None:
            d = p.drg
            t.add_column("MS-DRG")
            t.add_column("weight", justify="right")
            t.add_column("LOS / GMLOS", justify="right")
            t.add_column("payment", justify="right")
            t.add_column("how")
            t.add_row(f"{d.drg or '-'} {escape(d.title or '')}", str(d.weight or "-"),
                      f"{d.length_of_stay if d.length_of_stay is not None else '-'} / {d.geometric_mean_los or '-'}",
                      str(d.payment if d.payment is not None else "-"), escape("\n".join(d.steps)))
        else:
            for name, justify in (("line", "right"), ("code", "left"), ("modifiers", "left"), ("units", "right"),
                                  ("allowed", "right"), ("how", "left")):
                t.add_column(name, justify=justify)  # type: ignore[arg-type]
            for ln in p.lines:
                allowed = str(ln.allowed) if ln.paid else f"[yellow]{ln.allowed}[/]"
                t.add_row(str(ln.line), ln.code, ",".join(ln.modifiers), str(ln.units), allowed, escape(ln.how()))
        console.print(t)
        console.print(f"  total allowed [bold]{p.total_allowed}[/] (charges {p.total_charge})")
        for s in p.steps:
            console.print(f"  [dim]{escape(s)}[/]")
        for n in p.notices:
            console.print(f"  [cyan]notice[/] {escape(n)}")


def register(app: typer.Typer, claim_app: typer.Typer) -> None:
    claim_app.command("price")(claim_price)
