"""``medcoder bill NOTE --profile practice.yaml --patient patient.yaml [--out DIR]``.

The whole day's job for one encounter: code the note, build the claim from the billing profile
(professional for office, emergency and ambulance notes; institutional for inpatient stays when
the profile has a ``facility`` section), scrub it, price it (when pricing is available), and
write the claim files into DIR:

    claim.yaml        medcoder's claim file (read back by every ``medcoder claim`` command)
    claim.837         X12 837P 005010X222A1 or 837I 005010X223A2
    claim.fhir.json   FHIR R4 Claim
    claim.pdf         CMS-1500 (professional claims, when the PDF writer is installed)
    scrub.json        the scrubber's findings
    price.json        the expected payment (when priced)

Every file is written to a temporary file in DIR and renamed, so a failure leaves no half-written
file. The submitter (837 loop 1000A) is the profile's ``submitter`` section
(``{name, id, contact, phone}``), else the practice with a ``phone`` given there.
Exit status 0 when the claim is clean, 1 when the scrubber found errors (the files are still
written so a coder can fix them), 2 for bad input.
"""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from medcoder.fileio import write_atomic as _write_atomic


def _submitter(profile: Any) -> dict[str, Any]:
    from medcoder.errors import InputError

    sub = profile.sections.get("submitter") or {}
    phone = str(sub.get("phone") or "")
    if not phone:
        raise InputError("the 837 needs a submitter contact phone: add submitter: {phone: ...} to the profile",
                         where=f"{profile.source}: submitter.phone")
    return {"submitter_name": str(sub.get("name") or profile.practice.name),
            "submitter_id": str(sub.get("id") or profile.practice.npi),
            "contact_name": str(sub.get("contact") or "Billing Office"), "contact_phone": phone}


def _optional(module: str, name: str) -> Any:
    """A writer or pricer that an installation may lack (its dependency not installed)."""
    import importlib

    try:
        return getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None


def _patient(path: Path) -> Any:
    from medcoder.claims.serialize import _R, YamlLoader
    from medcoder.errors import InputError

    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=YamlLoader)
    except OSError as exc:
        raise InputError(f"cannot read the patient file ({exc.strerror})", where=path) from None
    except yaml.YAMLError:
        raise InputError("not valid YAML", where=path) from None
    return _R(str(path)).person(data, "patient")


def bill(
    note: Annotated[str, typer.Argument(help="The note: text, encounter JSON, FHIR Bundle or HL7 v2 file.")],
    profile_path: Annotated[Path, typer.Option("--profile", help="The billing profile (YAML/JSON).")],
    patient_path: Annotated[Path, typer.Option("--patient", help="The patient (YAML: last_name, first_name, birth_date, sex, member_id, address).")],
    payer: Annotated[str | None, typer.Option(help="Payer key in the profile (default: the first).")] = None,
    rendering: Annotated[str | None, typer.Option(help="Rendering provider key (default: the first).")] = None,
    pcn: Annotated[str | None, typer.Option("--pcn", help="Patient control number (default: from the note's name).")] = None,
    out: Annotated[Path, typer.Option("--out", help="Folder for the claim files.")] = Path("claim-out"),
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary for programs.")] = False,
) -> None:
    """Code a note, build its claim, scrub and price it, write 837, FHIR and CMS-1500 files."""
    from medcoder.claims.edits import scrub
    from medcoder.claims.profile import load_profile
    from medcoder.claims.serialize import claim_to_dict
    from medcoder.claims.writers.fhir_claim import to_fhir_claim
    from medcoder.cli.main import _console, _print_json
    from medcoder.codesets.kb import default_kb
    from medcoder.coding import code as code_document
    from medcoder.errors import DataError, InputError

    profile = load_profile(profile_path)
    patient = _patient(patient_path)
    payer_key = payer or next(iter(profile.payers))
    render_key = rendering or next(iter(profile.providers), None)
    kb = default_kb()
    result = code_document(note, kb=kb)
    control = pcn or ("PCN-" + "".join(c for c in Path(note).stem.upper() if c.isalnum())[:10])  # CMS-1500 box 26: 14 characters
    submitter = _submitter(profile)
    if result.setting == "inpatient":
        if "facility" not in profile.sections:
            raise InputError("an inpatient note needs the hospital's facility section in the profile "
                             "(see src/medcoder/examples/hospital-profile.yaml)", where=f"{profile.source}: facility")
        from medcoder.claims.build_institutional import build_institutional
        from medcoder.claims.writers.x837i import write_837i

        dos = result.date_of_service
        claim = build_institutional(result, profile, patient=patient, payer=payer_key, patient_control_number=control,
                                    admission_date=dos, discharge_date=dos + _dt.timedelta(days=1))
        x12 = write_837i(claim, **submitter)
    else:
        from medcoder.claims.build import build_professional
        from medcoder.claims.writers.x837p import write_837p

        claim = build_professional(result, profile, patient=patient, payer=payer_key,
                                   patient_control_number=control, rendering=render_key)
        x12 = write_837p(claim, **submitter)
    report = scrub(claim, kb)
    files: dict[str, bytes] = {
        "claim.yaml": yaml.safe_dump(json.loads(json.dumps(claim_to_dict(claim), default=str)),
                                     sort_keys=False, allow_unicode=True).encode("utf-8"),
        "claim.837": x12.encode("ascii"),
        "claim.fhir.json": (json.dumps(to_fhir_claim(claim), indent=2, default=str) + "\n").encode("utf-8"),
        "scrub.json": (json.dumps(report.to_dict(), indent=2) + "\n").encode("utf-8"),
    }
    priced: dict[str, Any] | None = None
    price_claim = _optional("medcoder.claims.pricing", "price_claim")
    not_priced = None
    if price_claim is not None:
        try:
            priced = price_claim(claim, kb, pricing=profile.sections.get("pricing"), payer_key=payer_key).to_dict()
        except DataError as exc:  # a fee schedule table is not loaded: the claim is still written
            not_priced = exc.message
            priced = {"priced": False, "reason": exc.message}
        files["price.json"] = (json.dumps(priced, indent=2, default=str) + "\n").encode("utf-8")
    if claim.kind == "professional":
        write_cms1500 = _optional("medcoder.claims.writers.cms1500", "write_cms1500")
        if write_cms1500 is not None:
            files["claim.pdf"] = write_cms1500(claim)
    out.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        _write_atomic(out / name, data)
    summary: dict[str, Any] = {"claim": control, "kind": claim.kind, "diagnoses": [d.code for d in claim.diagnoses],
               "lines": [{"code": ln.code or ln.revenue_code, "modifiers": ln.modifiers, "units": str(ln.units),
                          "charge": str(ln.charge)} for ln in claim.lines],
               "clean": report.clean, "errors": len(report.errors), "warnings": len(report.warnings),
               "expected_payment": priced.get("total_allowed") if priced else None, "not_priced": not_priced,
               "files": [str(out / n) for n in files]}
    if as_json:
        _print_json(summary)
    else:
        console = _console()
        console.print(f"[bold]{control}[/] {claim.kind} claim, {len(claim.lines)} line(s), total charge "
                      f"{claim.total_charge}; diagnoses {', '.join(summary['diagnoses'])}")
        for ln in summary["lines"]:
            mods = "-" + "-".join(ln["modifiers"]) if ln["modifiers"] else ""
            console.print(f"  {ln['code']}{mods} x{ln['units']}  {ln['charge']}")
        console.print(("[green]clean[/]" if report.clean else "[red]errors[/]")
                      + f": {len(report.errors)} error(s), {len(report.warnings)} warning(s) (scrub.json)")
        for f in report.errors + report.warnings:
            console.print(f"  {f.severity} {f.rule}: {f.message}")
        if not_priced:
            console.print(f"[yellow]not priced[/]: {not_priced}")
        elif priced:
            console.print(f"expected payment: {summary['expected_payment']} (price.json)")
        console.print("wrote " + ", ".join(summary["files"]))
    raise typer.Exit(0 if report.clean else 1)


def register(app: typer.Typer, claim_app: typer.Typer) -> None:
    app.command("bill")(bill)
