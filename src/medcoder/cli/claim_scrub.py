"""``medcoder claim scrub FILE...``: every edit family on every claim, findings by line.

Exit status: 0 when no claim has an error finding, 1 when one does (2 for bad input, as every
command). ``--json`` prints one report per claim (``ScrubReport.to_dict``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

SEVERITY_STYLE = {"error": "red", "warning": "yellow", "info": "cyan"}


def claim_scrub(
    files: Annotated[list[Path], typer.Argument(help="Claim files: X12 837P/837I, or medcoder claim JSON/YAML.")],
    history: Annotated[list[Path] | None, typer.Option(
        "--history", help="Claims already submitted (any claim file), for the duplicate-claim edit; repeatable.")] = None,
    only: Annotated[list[str] | None, typer.Option(
        "--edit", help="Run only this edit family (repeatable), e.g. ncci-ptp.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for programs.")] = False,
) -> None:
    """Scrub claims against payer edits; exit 1 when any claim has an error finding."""
    from medcoder.claims.edits import families, scrub
    from medcoder.claims.io import load_claims
    from medcoder.cli.main import _console, _print_json
    from medcoder.codesets.kb import default_kb
    from medcoder.errors import InputError

    known = {f.name for f in families()}
    if only:
        unknown = sorted(set(only) - known)
        if unknown:
            raise InputError(f"unknown edit family {', '.join(unknown)}; known: {', '.join(sorted(known))}",
                             where="--edit")
    kb = default_kb()
    past = [c for h in history or [] for c in load_claims(h, check=False)]
    reports: list[tuple[Path, Any]] = []
    for f in files:
        claims = load_claims(f, check=False)
        for i, claim in enumerate(claims):
            # claims earlier in the same batch count as submitted for the duplicate-claim edit
            reports.append((f, scrub(claim, kb, history=past + claims[:i], only=only)))
    failed = any(not r.clean for _, r in reports)
    if as_json:
        _print_json([{"file": str(f), **r.to_dict()} for f, r in reports])
        raise typer.Exit(1 if failed else 0)
    _render(_console(), reports)
    raise typer.Exit(1 if failed else 0)


def _render(console: Any, reports: list[tuple[Path, Any]]) -> None:
    from rich.markup import escape

    for f, r in reports:
        counts = {s: sum(1 for x in r.findings if x.severity == s) for s in SEVERITY_STYLE}
        verdict = "[green]clean[/]" if r.clean else "[red]will be rejected[/]"
        console.print(f"[bold]{escape(f.name)}[/] claim {escape(r.claim_id or '(no patient control number)')} "
                      f"({r.kind}, {r.date_of_service}): {verdict}; errors {counts['error']}, "
                      f"warnings {counts['warning']}, info {counts['info']}")
        for x in r.findings:
            where = []
            if x.lines:
                where.append("line " + ",".join(map(str, x.lines)))
            if x.diagnoses:
                where.append("dx " + ",".join(map(str, x.diagnoses)))
            at = f" ({'; '.join(where)})" if where else ""
            console.print(f"  [{SEVERITY_STYLE[x.severity]}]{x.severity:<7}[/] [bold]{x.rule}[/]{at}: {escape(x.message)}")
            console.print(f"          [dim]{escape(x.reference)}[/]")
        console.print(f"  [dim]edits run: {', '.join(r.families_run)}[/]")


def register(app: typer.Typer, claim_app: typer.Typer) -> None:
    claim_app.command("scrub")(claim_scrub)
