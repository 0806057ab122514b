"""``medcoder remit parse|explain|match|report|fix``: what came back from the payer.

Each command is a thin wrapper over the library (``medcoder.remit``):

- ``parse FILE...``: read X12 835 files (``readers.x835``), check the TR3 balancing rules
  (``balance``), list payments and claims; exit 1 when an 835 does not balance.
- ``explain FILE...``: every claim, line, adjustment (group + CARC), remark (RARC) and PLB in
  plain words (``explain``), with each denied or reduced line's root cause and recommended
  action (``denials``).
- ``match FILE... --claims F``: the 835's claims and lines against medcoder's claims
  (``match``), paid vs expected from pricing (``--price``): underpaid / overpaid lines.
- ``report FILE...``: denial analytics (``report``): tables, ``--out DIR`` for CSV + JSON +
  chart, ``--chart PATH`` for the chart alone (PNG or SVG).
- ``fix FILE --claims F``: for each denied claim, the corrected claim (frequency 7, 837P) and,
  where the action is an appeal, the appeal letter (Markdown and PDF), into ``--out DIR``.

Duplicate payments (the same TRN02 + TRN03 twice, in one file or across files) are read once
and said so. ``--pyx12`` checks each file against 005010X221A1 first (slow: about two files a
second); its findings are shown as warnings, ``--strict-guide`` refuses such files.
``--lenient`` reads excerpts whose SE segment count was not updated (a warning instead of an
error).
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Annotated, Any

import typer

remit_app = typer.Typer(help="Remittances (X12 835): read, explain, match, report denials, prepare fixes.",
                        no_args_is_help=True)

Files = Annotated[list[Path], typer.Argument(help="X12 835 remittance files.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for programs.")]
Pyx12Opt = Annotated[bool, typer.Option("--pyx12/--no-pyx12", help="Check each file with pyx12 first (slow).")]
StrictGuideOpt = Annotated[bool, typer.Option(
    "--strict-guide", help="With --pyx12: refuse a file pyx12 finds invalid (default: warn).")]
LenientOpt = Annotated[bool, typer.Option(
    "--lenient", help="Accept a wrong SE segment count (a warning), e.g. for hand-cut excerpts.")]
ClaimsOpt = Annotated[list[Path], typer.Option(
    "--claims", help="The claims sent: X12 837P/837I or medcoder claim files (repeatable).")]


def _batch(files: list[Path], pyx12: bool, strict_guide: bool, lenient: bool) -> Any:
    from medcoder.remit.readers.x835 import read_835_files

    validate: Any = (True if strict_guide else "warn") if pyx12 else False
    return read_835_files(files, validate=validate, strict=not lenient)


def _explainer() -> Any:
    from medcoder.codesets.kb import default_kb
    from medcoder.remit.explain import Explainer

    return Explainer(default_kb())


def _warn(console: Any, lines: list[str]) -> None:
    from rich.markup import escape

    for w in lines:
        console.print(f"[yellow]warning:[/] {escape(w)}")


def _money(x: Any) -> str:
    from medcoder.remit.explain import money

    return money(x)


# -- parse -----------------------------------------------------------------------------------------
@remit_app.command("parse")
def remit_parse(files: Files, pyx12: Pyx12Opt = False, strict_guide: StrictGuideOpt = False,
                lenient: LenientOpt = False, as_json: JsonOpt = False) -> None:
    """Read 835 files: payments, claims, balancing; exit 1 when an 835 does not balance."""
    from rich.markup import escape
    from rich.table import Table

    from medcoder.cli.main import _console, _print_json
    from medcoder.remit.balance import check_balance
    from medcoder.remit.model import to_dict

    batch = _batch(files, pyx12, strict_guide, lenient)
    problems = {id(r): check_balance(r) for r in batch.remittances}
    unbalanced = any(problems.values())
    if as_json:
        _print_json({
            "remittances": [{**to_dict(r), "balance": [_problem(p) for p in problems[id(r)]]}
                            for r in batch.remittances],
            "duplicates": [{"source": r.source, "trace_number": r.trace_number,
                            "trace_originator": r.trace_originator} for r in batch.duplicates],
            "warnings": batch.warnings,
        })
        raise typer.Exit(1 if unbalanced else 0)
    console = _console()
    for r in batch.remittances:
        when = r.payment_date.isoformat() if r.payment_date else "no date"
        t = Table(title=f"{escape(Path(r.source).name)} ST {escape(r.control_number)}: {escape(r.payer.name)} → "
                        f"{escape(r.payee.name)}, {r.method} {escape(r.trace_number)} {when}, "
                        f"{_money(r.total_paid)}")
        for name, justify in (("claim", "left"), ("status", "left"), ("charge", "right"), ("paid", "right"),
                              ("patient", "right"), ("lines", "right"), ("payer claim", "left")):
            t.add_column(name, justify=justify)  # type: ignore[arg-type]
        for c in r.claims:
            t.add_row(escape(c.patient_control_number), c.status, _money(c.charge), _money(c.paid),
                      _money(c.patient_responsibility) if c.patient_responsibility is not None else "",
                      str(len(c.lines)), escape(c.payer_claim_id or ""))
        console.print(t)
        if r.provider_adjustments:
            console.print(f"provider-level adjustments: {_money(r.plb_total)} ("
                          + ", ".join(f"{p.reason} {_money(p.amount)}" for p in r.provider_adjustments) + ")")
        found = problems[id(r)]
        if found:
            for p in found:
                console.print(f"[red]does not balance:[/] {escape(p.message)}")
        else:
            console.print("[green]balances[/] (claim paid = charge − adjustments; payment = claims − PLB)")
        _warn(console, r.warnings)
    _warn(console, [w for w in batch.warnings if not any(w in r.warnings for r in batch.remittances)])
    raise typer.Exit(1 if unbalanced else 0)


def _problem(p: Any) -> dict[str, Any]:
    return {"level": p.level, "where": p.where, "expected": str(p.expected), "found": str(p.found),
            "message": p.message}


# -- explain ---------------------------------------------------------------------------------------
@remit_app.command("explain")
def remit_explain(files: Files, pyx12: Pyx12Opt = False, strict_guide: StrictGuideOpt = False,
                  lenient: LenientOpt = False, as_json: JsonOpt = False) -> None:
    """Every claim, line, adjustment and remark in plain words, with denial root causes."""
    from medcoder.cli.main import _console, _print_json
    from medcoder.remit.denials import classify
    from medcoder.remit.model import to_dict

    batch = _batch(files, pyx12, strict_guide, lenient)
    ex = _explainer()
    out = [(r, ex.explain(r), [classify(c) for c in r.claims]) for r in batch.remittances]
    if as_json:
        _print_json({"remittances": [
            {**e.to_dict(), "source": r.source, "denials": [[to_dict(d) for d in ds] for ds in den]}
            for r, e, den in out], "warnings": batch.warnings})
        return
    console = _console()
    for r, e, den in out:
        _render_explanation(console, r, e, den)
    _warn(console, [w for w in batch.warnings if not any(w in r.warnings for r in batch.remittances)])


def _render_explanation(console: Any, r: Any, e: Any, denials: list[list[Any]]) -> None:
    from rich.markup import escape
    from rich.table import Table

    console.print(f"[bold]{escape(Path(r.source).name)}[/] {escape(e.summary)}")
    for ce, ds in zip(e.claims, denials, strict=True):
        console.print(f"\n{escape(ce.summary)}")  # the claim, then each line, in words
        if ds:
            t = Table(title="denied or reduced", title_justify="left")
            for name in ("line", "code", "category", "CARC/RARC", "amount", "action"):
                t.add_column(name)
            for d in ds:
                codes = " ".join([f"{d.group}-{d.carcs[0]}" if d.carcs else d.group, *d.rarcs])
                t.add_row(str(d.line or "claim"), escape(d.code or ""), escape(d.category_label), escape(codes),
                          _money(d.amount), escape(d.action_label))
            console.print(t)
            for d in ds:
                console.print(f"  {'line ' + str(d.line) if d.line else 'claim'}: {escape(d.reason)} "
                              f"[dim]({escape(d.reference)})[/]")
        _warn(console, ce.warnings)
    for p in e.provider_adjustments:
        console.print(f"PLB: {escape(p.text)}")
    _warn(console, e.warnings)
    console.print()


# -- match -----------------------------------------------------------------------------------------
@remit_app.command("match")
def remit_match(
    files: Files,
    claims: ClaimsOpt,
    price: Annotated[bool, typer.Option("--price/--no-price", help="Price the claims for paid vs expected.")] = True,
    profile: Annotated[Path | None, typer.Option(
        "--profile", help="Billing profile whose pricing section sets locality, base rate, contracts.")] = None,
    lenient: LenientOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Match 835 claims and lines to medcoder's claims; flag unmatched, underpaid, overpaid."""
    from medcoder.claims.io import load_claims
    from medcoder.cli.main import _console, _print_json
    from medcoder.remit.match import match

    batch = _batch(files, False, False, lenient)
    sent = [c for f in claims for c in load_claims(f, check=False)]
    prices, notes = _prices(sent, profile) if price else ({}, [])
    result = match(batch.remittances, sent, prices=prices or None)
    if as_json:
        _print_json({**result.to_dict(), "pricing_notes": notes, "warnings": batch.warnings})
        return
    _render_match(_console(), result, notes + batch.warnings)


def _prices(claims: list[Any], profile: Path | None) -> tuple[dict[str, Any], list[str]]:
    from medcoder.claims.pricing import price_claim
    from medcoder.cli.claim_price import pricing_section
    from medcoder.codesets.kb import default_kb
    from medcoder.errors import MedcoderError

    pricing, base_dir = pricing_section(profile)
    kb = default_kb()
    out: dict[str, Any] = {}
    notes: list[str] = []
    for c in claims:
        try:
            out[c.patient_control_number] = price_claim(c, kb, pricing=pricing, base_dir=base_dir)
        except MedcoderError as exc:  # e.g. the fee schedule is not imported: said, not fatal
            notes.append(f"claim {c.patient_control_number} not priced: {exc}")
    return out, notes


def _render_match(console: Any, result: Any, notes: list[str]) -> None:
    from rich.markup import escape
    from rich.table import Table

    t = Table(title="claims matched to the remittance")
    for name, justify in (("claim", "left"), ("matched by", "left"), ("status", "left"), ("charge", "right"),
                          ("paid", "right"), ("expected", "right"), ("lines", "left")):
        t.add_column(name, justify=justify)  # type: ignore[arg-type]
    for m in result.matched:
        flagged = [f"{lm.claim_line}:{lm.code} {lm.status} {lm.difference}" for lm in m.lines
                   if lm.status in ("underpaid", "overpaid")]
        extra = [f"no 835 line for claim line {lm.claim_line}" for lm in m.claim_only]
        extra += [f"835 line {lm.remit_line} {lm.code} not on the claim" for lm in m.remit_only]
        t.add_row(escape(m.claim.patient_control_number), f"{m.method} ({m.confidence})", escape(str(m.status)),
                  _money(m.claim.total_charge), _money(m.net_paid),
                  _money(m.expected) if m.expected is not None else "", escape("\n".join(flagged + extra)))
    console.print(t)
    for p in result.unmatched_payments:
        console.print(f"[yellow]unmatched 835 claim[/] {escape(p.patient_control_number)} "
                      f"(charge {_money(p.charge)}, paid {_money(p.paid)}): no claim sent has it")
    for c in result.unpaid_claims:
        console.print(f"[yellow]no remittance yet[/] for claim {escape(c.patient_control_number)}")
    _warn(console, list(result.notes) + notes)


# -- report ----------------------------------------------------------------------------------------
@remit_app.command("report")
def remit_report(
    files: Files,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Folder for the CSV tables, report.json and denials.png.")] = None,
    chart: Annotated[Path | None, typer.Option("--chart", help="Write the denial chart here (.png or .svg).")] = None,
    top: Annotated[int, typer.Option("--top", help="How many fixable denials to list.")] = 20,
    lenient: LenientOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Denial analytics: rates by payer, category, CARC and code; dollars at stake; top fixable."""
    from medcoder.cli.main import _console, _print_json
    from medcoder.remit.report import denial_report, rich_tables, write_chart, write_csv, write_json

    batch = _batch(files, False, False, lenient)
    rep = denial_report(batch.remittances, top=top)
    written: list[Path] = []
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        written += write_csv(rep, out)
        written.append(write_json(rep, out / "report.json"))
        written.append(write_chart(rep, out / "denials.png"))
    if chart is not None:
        written.append(write_chart(rep, chart))
    if as_json:
        _print_json({**rep.to_dict(), "warnings": batch.warnings, "written": [str(p) for p in written]})
        return
    console = _console()
    for t in rich_tables(rep):
        console.print(t)
    _warn(console, batch.warnings)
    for p in written:
        console.print(f"wrote {p}")


# -- fix -------------------------------------------------------------------------------------------
@remit_app.command("fix")
def remit_fix(
    files: Files,
    claims: ClaimsOpt,
    out: Annotated[Path, typer.Option("--out", help="Folder for corrected claims, changes and appeal letters.")],
    profile: Annotated[Path | None, typer.Option(
        "--profile", help="Billing profile: the 837 submitter, and who signs the appeal.")] = None,
    documentation: Annotated[list[Path] | None, typer.Option(
        "--documentation", help="The note of a claim, named after its patient control number (PCN.txt); "
                                "repeatable.")] = None,
    lenient: LenientOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """For each denied or reduced claim: the corrected claim (frequency 7) and/or an appeal letter."""
    from medcoder.claims.io import load_claims
    from medcoder.cli.main import _console, _print_json
    from medcoder.codesets.kb import default_kb
    from medcoder.remit.denials import classify
    from medcoder.remit.fix import appeal_letter, appeal_pdf, corrected_claim, propose_corrections
    from medcoder.remit.match import match

    batch = _batch(files, False, False, lenient)
    sent = [c for f in claims for c in load_claims(f, check=False)]
    docs = {p.stem: p.read_text(encoding="utf-8", errors="replace") for p in documentation or []}
    kb = default_kb()
    ex = _explainer()
    submitter, contact = _from_profile(profile)
    result = match(batch.remittances, sent)
    out.mkdir(parents=True, exist_ok=True)
    done: list[dict[str, Any]] = []
    for m in result.matched:
        payment = m.payment
        if payment is None:  # reversed and not paid again: nothing to correct yet
            continue
        denials = classify(payment)
        if not denials:
            continue
        pcn = m.claim.patient_control_number
        doc = docs.get(pcn)
        item: dict[str, Any] = {"claim": pcn, "payer_claim_id": payment.payer_claim_id,
                                "denials": len(denials), "written": []}
        changes = propose_corrections(m.claim, payment, denials, kb=kb, documentation=doc)
        if changes:
            fixed = corrected_claim(m.claim, payment, changes, kb=kb)
            item["changes"] = [c.to_dict() for c in fixed.changes]
            item["pending"] = [c.to_dict() for c in fixed.pending]
            item["written"].append(_write_json(out / f"{pcn}.corrected.json", fixed.to_dict()))
            if submitter is not None and fixed.changes and fixed.claim.kind == "professional":
                from medcoder.claims.writers.x837p import write_837p

                item["written"].append(_write_text(out / f"{pcn}.corrected.837", write_837p(fixed.claim, **submitter)))
        appeals = [d for d in denials if d.action == "appeal"]
        if appeals:
            excerpts = _excerpts(doc, appeals)
            letter = appeal_letter(m.claim, payment, appeals, excerpts=excerpts,
                                   describe=lambda kind, code: ex.describe(kind, code).text, contact=contact)
            item["written"].append(_write_text(out / f"{pcn}.appeal.md", letter))
            item["written"].append(str(appeal_pdf(letter, out / f"{pcn}.appeal.pdf")))
        done.append(item)
    if as_json:
        _print_json({"claims": done, "unmatched": [p.patient_control_number for p in result.unmatched_payments],
                     "warnings": batch.warnings})
        return
    console = _console()
    from rich.markup import escape

    if not done:
        console.print("no denied or reduced claim to fix")
    for item in done:
        console.print(f"[bold]claim {escape(item['claim'])}[/] ({item['denials']} denial(s)):")
        for c in item.get("changes", []):
            console.print(f"  change {escape(c['where'])}: {escape(c['before'] or '-')} → {escape(c['after'])} "
                          f"({escape(c['why'])})")
        for c in item.get("pending", []):
            choose = f" [dim](choose: {escape(', '.join(c['options']))})[/]" if c.get("options") else ""
            console.print(f"  [yellow]needs review[/] {escape(c['where'])}: {escape(c['why'])}{choose}")
        for p in item["written"]:
            console.print(f"  wrote {escape(str(p))}")
    if submitter is None and any(i.get("changes") for i in done):
        console.print("[yellow]no --profile: the corrected claims are written as JSON, not 837[/]")
    for p in result.unmatched_payments:
        console.print(f"[yellow]unmatched 835 claim[/] {escape(p.patient_control_number)}: no claim sent has it")


def _excerpts(doc: str | None, denials: list[Any]) -> list[str]:
    """Sentences of the note that name a denied line's code (a lead for the letter, shown quoted)."""
    if not doc:
        return []
    import re

    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n{2,}", doc) if s.strip()]
    wanted = {d.code for d in denials if d.code}
    hits = [s for s in sentences if any(w in s for w in wanted)]
    return (hits or sentences[:3])[:5]


def _from_profile(profile: Path | None) -> tuple[dict[str, Any] | None, dict[str, str] | None]:
    if profile is None:
        return None, None
    from medcoder.claims.profile import load_profile
    from medcoder.cli.bill_cmd import _submitter

    prof = load_profile(profile)
    sub = {**_submitter(prof), "created": _dt.datetime.now().replace(microsecond=0)}
    s = prof.sections.get("submitter") or {}
    contact = {"name": str(s.get("contact") or "Billing Office"), "phone": str(s.get("phone") or "")}
    return sub, contact


def _write_text(path: Path, text: str) -> str:
    from medcoder.codesets.store import atomic_write

    with atomic_write(path) as fh:
        fh.write(text)
    return str(path)


def _write_json(path: Path, data: Any) -> str:
    import json

    return _write_text(path, json.dumps(data, indent=2, default=str) + "\n")


def register(app: typer.Typer, claim_app: typer.Typer) -> None:
    app.add_typer(remit_app, name="remit")
