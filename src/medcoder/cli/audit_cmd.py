"""``medcoder audit run --claims FILE|DIR --docs DIR [--remits DIR] --out DIR``.

A thin wrapper over :func:`medcoder.audit.run.run_audit`: reads the billed claims and their
documentation, re-reviews every claim (or a reproducible sample: ``--sample N --seed S``,
``--strata K`` for a stratified sample by paid amount), quantifies the findings, extrapolates
a sample's overpayment (point estimate and the lower limit of the two-sided 90% confidence
interval), and writes the workbook into ``--out``: ``audit.html``, ``audit.pdf``, CSV tables
and ``summary.json``. Exit 0 when it completed (findings or not); 2 for unusable input.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

audit_app = typer.Typer(help="Audits: re-review billed claims against their documentation, quantify, extrapolate.",
                        no_args_is_help=True)


@audit_app.command("run")
def audit_run(
    claims: Annotated[Path, typer.Option(
        "--claims", help="Billed claims: a CSV claim-line extract, 837P/837I or claim files, or a folder of them.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the audit workbook.")],
    docs: Annotated[Path | None, typer.Option(
        "--docs", help="Documentation folder: one file per claim named after its claim id (.txt, .json, .hl7).")] = None,
    remits: Annotated[list[Path] | None, typer.Option(
        "--remits", help="835 files or folders, for the paid amounts (repeatable).")] = None,
    members: Annotated[Path | None, typer.Option(
        "--members", help="Members CSV: patient_id, enrolled_from, enrolled_to, date_of_death.")] = None,
    sample: Annotated[int | None, typer.Option("--sample", help="Review a random sample of N claims.")] = None,
    strata: Annotated[int | None, typer.Option(
        "--strata", help="With --sample: stratify by paid amount into K strata.")] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed of the sample (recorded).")] = None,
    unreviewable: Annotated[str, typer.Option(
        "--unreviewable", help="A sampled claim without documentation counts as: paid (overpaid in full) | zero.")] = "paid",
    locality: Annotated[str | None, typer.Option(
        "--locality", help="Medicare locality for fee-schedule amounts (MAC-LOCALITY).")] = None,
    zip_code: Annotated[str | None, typer.Option("--zip", help="ZIP code whose Medicare locality to use.")] = None,
    title: Annotated[str, typer.Option("--title", help="The workbook's title.")] = "Claims audit",
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Re-review billed claims against their documentation and write the audit workbook."""
    from medcoder.audit.run import run_audit
    from medcoder.cli.main import _console, _print_json

    result = run_audit(claims, docs, out_dir=out, remits=remits or [], members_path=members, sample_size=sample,
                       strata=strata, seed=seed, unreviewable=unreviewable, locality=locality, zip_code=zip_code,
                       title=title)
    summary = result.summary()
    if as_json:
        _print_json(summary)
        return
    _render(_console(), result, summary)


def _render(console: Any, result: Any, s: dict[str, Any]) -> None:
    from rich.markup import escape
    from rich.table import Table

    console.print(f"[bold]audit[/]: {s['universe']} claims, {s['selected']} selected, {s['reviewed']} reviewed, "
                  f"{s['not_reviewable']} not reviewable; {s['claims_in_error']} in error "
                  f"(error rate {float(s['error_rate']):.1%}); overpaid ${s['overpayment']}, "
                  f"underpaid ${s['underpayment']}")
    t = Table(title="findings")
    for name in ("claim", "line", "category", "billed", "supported", "amount", "why"):
        t.add_column(name)
    for r in result.reviewed:
        for f in r.findings:
            t.add_row(escape(f.claim_id), str(f.line or ""), f.category, escape(f.billed), escape(f.supported),
                      str(f.amount), escape(f.message))
    if t.row_count:
        console.print(t)
    for r in result.not_reviewable:
        console.print(f"[yellow]not reviewable[/] {escape(r.claim_id)}: {escape(r.reason or '')}")
    if result.estimate is not None:
        console.print(escape(result.estimate.describe()))
    for p in result.problems:
        console.print(f"[yellow]problem:[/] {escape(p)}")
    for p in result.written:
        console.print(f"wrote {escape(str(p))}")


def register(app: typer.Typer, claim_app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
