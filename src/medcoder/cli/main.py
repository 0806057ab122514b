"""The ``medcoder`` command line: thin wrappers over library functions.

Errors a user can cause print ``error[MCxxx]: where: what`` and exit with status 2; nothing
prints a traceback unless ``MEDCODER_DEBUG=1``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from medcoder.errors import MedcoderError

app = typer.Typer(
    name="medcoder",
    help="Medical coding with a human coder in control: code sets, coding, claims, remittances, audits, batch jobs and the workbench.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(help="The official code sets and edit tables in the data dir.", no_args_is_help=True)
app.add_typer(data_app, name="data")
eval_app = typer.Typer(help="Evaluate the coder on a gold-coded corpus.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")
claim_app = typer.Typer(help="Claims: validate X12 files, scrub claims against payer edits, price them.",
                        no_args_is_help=True)
app.add_typer(claim_app, name="claim")


def _register_eval() -> None:
    from medcoder.cli import eval_cmd

    eval_app.command("codiesp")(eval_cmd.eval_codiesp)
    app.command("learn")(eval_cmd.learn)


_register_eval()


def _register_claims() -> None:
    """Each claim command lives in its own module (``cli/claim_<name>.py``) exposing
    ``register(app, claim_app)``."""
    import importlib

    for name in ("claim_scrub", "claim_price", "bill_cmd", "remit_cmd", "audit_cmd", "batch_cmd", "serve_cmd"):
        try:
            mod = importlib.import_module(f"medcoder.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"medcoder.cli.{name}":
                continue
            raise
        mod.register(app, claim_app)

DateOpt = Annotated[str | None, typer.Option("--date", "--dos", help="Date of service YYYY-MM-DD (default: today).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for programs.")]


def _console() -> Any:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


def _print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, default=str) + "\n")


@app.command()
def show(
    codes: Annotated[list[str], typer.Argument(help="One or more codes: ICD-10-CM, ICD-10-PCS, HCPCS, CPT.")],
    date: DateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The code card: title, billable, hierarchy, notes (inherited ones marked), 7th characters, validity, history."""
    from medcoder.codesets.cards import code_cards

    out = [card for code in codes for card in code_cards(code, date)]
    if as_json:
        _print_json(out if len(out) > 1 else out[0])
        return
    from medcoder.cli.render import render_card

    console = _console()
    for card in out:
        render_card(console, card)


@app.command()
def lookup(
    text: Annotated[str, typer.Argument(help='Words a coder types, e.g. "fracture distal radius left".')],
    date: DateOpt = None,
    limit: Annotated[int, typer.Option(help="Results per source.")] = 15,
    as_json: JsonOpt = False,
) -> None:
    """Index paths and Tabular matches for words, ranked, each with its path."""
    from medcoder.codesets.lookup import lookup as do_lookup

    result = do_lookup(text, date, limit=limit)
    if as_json:
        _print_json(result)
        return
    from medcoder.cli.render import render_lookup

    render_lookup(_console(), result)


@data_app.command("status")
def data_status(as_json: JsonOpt = False) -> None:
    """What is loaded: system, release, effective dates, rows, source, checksum."""
    from medcoder.codesets.status import status

    st = status()
    if as_json:
        _print_json(st)
        return
    from medcoder.cli.render import render_status

    render_status(_console(), st)


@data_app.command("import")
def data_import(
    kind: Annotated[str, typer.Argument(help="Table kind (see `medcoder data kinds`).")],
    path: Annotated[Path, typer.Argument(help="The official file or zip.")],
    as_json: JsonOpt = False,
) -> None:
    """Build a table from an official file or zip; a failed import changes nothing."""
    from dataclasses import asdict

    from medcoder.codesets.kb import default_kb

    info = default_kb().import_file(kind, path)
    if as_json:
        _print_json(asdict(info))
        return
    _console().print(
        f"[green]imported[/] {info.kind} {info.release}: {info.rows:,} rows, effective "
        f"{info.effective_from} to {info.effective_to or 'open'} (sha256 {info.sha256[:12]}…)"
    )


@data_app.command("kinds")
def data_kinds(as_json: JsonOpt = False) -> None:
    """Every table kind medcoder can import, with its official source."""
    from medcoder.codesets.registry import specs

    rows: list[dict[str, Any]] = [
        {"kind": s.kind, "title": s.title, "source": s.official_source, "licence": s.licence,
         "sync": [x.url for x in s.sync], "bundled": s.bundled is not None}
        for s in specs().values()
    ]
    if as_json:
        _print_json(rows)
        return
    from rich.table import Table

    t = Table("kind", "title", "official source", "sync")
    for r in rows:
        t.add_row(r["kind"], r["title"], r["source"], "yes" if r["sync"] else "import only")
    _console().print(t)


@data_app.command("sync")
def data_sync(
    kinds: Annotated[list[str] | None, typer.Argument(help="Kinds to sync (default: every kind with a download).")] = None,
    mirror: Annotated[str | None, typer.Option(help="Base URL of a mirror holding the same file names.")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds per download before giving up.")] = 60.0,
    as_json: JsonOpt = False,
) -> None:
    """Download the official files from CMS/CDC, verify them and import them."""
    from medcoder.codesets.sync import sync

    report = sync(kinds or None, mirror=mirror, timeout=timeout)
    if as_json:
        _print_json(report)
    else:
        console = _console()
        for r in report["results"]:
            colour = "green" if r["ok"] else "red"
            console.print(f"[{colour}]{'ok' if r['ok'] else 'failed'}[/] {r['kind']} {r.get('release', '')}: {r['message']}")
    if not all(r["ok"] for r in report["results"]):
        raise typer.Exit(1)


@app.command("code")
def code_cmd(
    file: Annotated[str, typer.Argument(help="A note: text, encounter JSON, FHIR Bundle or HL7 v2 file; '-' reads stdin.")],
    setting: Annotated[str | None, typer.Option(help="outpatient | emergency | inpatient | ambulance (default: the file's, else outpatient).")] = None,
    age: Annotated[int | None, typer.Option(help="Patient age in years.")] = None,
    sex: Annotated[str | None, typer.Option(help="M | F | U.")] = None,
    dos: Annotated[str | None, typer.Option("--dos", "--date", help="Date of service YYYY-MM-DD.")] = None,
    mode: Annotated[str, typer.Option(help="billing (what goes on the claim) | mentions (every condition, with context).")] = "billing",
    fmt: Annotated[str, typer.Option("--format", help="table | json")] = "table",
) -> None:
    """Code a note: ICD-10-CM diagnoses with evidence, rationale, warnings and physician queries."""
    from medcoder.coding import code as code_document
    from medcoder.dates import parse_date
    from medcoder.errors import InputError

    if fmt not in ("table", "json"):
        raise InputError(f"unknown format {fmt!r}; expected table or json")
    result = code_document(
        file,
        setting=setting,
        date_of_service=parse_date(dos) if dos else None,
        age=age,
        sex=sex,
        mode=mode,
    )
    if fmt == "json":
        _print_json(result.to_dict())
        return
    from medcoder.cli.render_coding import render_result

    render_result(_console(), result)


@app.command()
def demo(as_json: JsonOpt = False) -> None:
    """A tour on the bundled data: code cards, validation on dates of service, lookups."""
    from medcoder.demo import run_demo

    if as_json:
        _print_json(run_demo())
        return
    result = run_demo(coding=False)
    from rich.table import Table

    from medcoder.cli.render import render_card, render_lookup

    console = _console()
    from medcoder.cli.render_coding import render_result
    from medcoder.demo import code_examples

    for name, coded in code_examples():
        render_result(console, coded, title=name)
    console.rule("Code cards")
    for card in result["cards"]:
        render_card(console, card)
    console.rule("Validation for a date of service")
    t = Table("code", "date of service", "valid", "why / what to report", show_lines=False)
    for v in result["validations"]:
        t.add_row(v["code"], v["date_of_service"], "[green]yes[/]" if v["valid"] else "[red]no[/]",
                  v["reason"] or v.get("notice") or "")
    console.print(t)
    console.rule("Lookups")
    for lk in result["lookups"]:
        render_lookup(console, {**lk, "notices": []})


@claim_app.command("validate")
def claim_validate(
    files: Annotated[list[Path], typer.Argument(help="X12 files (837P, 837I, 835 ...).")],
    ack: Annotated[Path | None, typer.Option("--ack", help="Write the 999 acknowledgment here (one file: that file; several: a folder).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Validate X12 files against their implementation guide (pyx12); exit 0 when all are valid, 1 otherwise."""
    from medcoder.claims.validate import validate_x12

    results = [validate_x12(f) for f in files]
    if ack is not None:
        if len(results) == 1 and not ack.is_dir():
            ack.write_text(results[0].ack_999, encoding="ascii")
        else:
            ack.mkdir(parents=True, exist_ok=True)
            for r in results:
                (ack / (Path(r.path).name + ".999")).write_text(r.ack_999, encoding="ascii")
    if as_json:
        _print_json([r.to_dict() for r in results])
    else:
        for r in results:
            print(f"{r.path}: {'valid' if r.ok else 'INVALID'}")
            for e in r.errors:
                print(f"  {e}")
    raise typer.Exit(0 if all(r.ok for r in results) else 1)


@app.command()
def version() -> None:
    """Print medcoder's version."""
    from medcoder import __version__

    print(__version__)


_register_claims()  # last: the claim modules may use this module's helpers


def main() -> None:
    try:
        app()
    except MedcoderError as exc:
        if os.environ.get("MEDCODER_DEBUG"):
            raise
        sys.stderr.write(f"error[{exc.code}]: {exc}\n")
        sys.exit(2)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)


if __name__ == "__main__":  # pragma: no cover
    main()
