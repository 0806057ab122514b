"""Claims as plain data (JSON / YAML) and back: the claim file medcoder reads and writes.

A claim file holds one claim (a mapping) or several (a list, or ``{"claims": [...]}``)::

    kind: professional                 # or institutional
    patient_control_number: PCN-1001
    billing: {name: Riverside Family Medicine, npi: "1234567893", tax_id: "12-3456789",
              address: {line1: 1 Main St, city: Springfield, state: IL, zip: "62701"}}
    rendering: {last_name: Lee, first_name: Ann, npi: "1245319599"}
    payer: {name: Medicare Part B, payer_id: "00952", kind: medicare}
    patient: {last_name: Doe, first_name: John, birth_date: 1950-03-02, sex: M, member_id: 1EG4TE5MK73}
    date: 2025-06-10                   # shorthand: service_from = service_to = every line's date
    place_of_service: "11"
    diagnoses: [E11.9, {code: I10, poa: Y}]
    lines:
      - {code: "99213", modifiers: ["25"], units: 1, charge: 145, pointers: [1, 2]}
      - {code: "96372", charge: 40, pointers: [1]}

Institutional claims add ``admission_date``, ``admission_type``, ``admission_source``,
``discharge_status``, ``type_of_bill``, ``drg``, ``admitting_diagnosis``, ``attending``,
``pcs_procedures: [{code: 0DTJ4ZZ, date: 2025-06-11}]`` and ``revenue_code`` on lines.
Every error names the field (``claims.yaml: claim[1].lines[2].units: expected a number``).
"""

from __future__ import annotations

import datetime as _dt
import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from medcoder.claims.identifiers import validate_tax_id
from medcoder.claims.model import (
    Address,
    Claim,
    ClaimDiagnosis,
    Payer,
    PcsProcedure,
    Person,
    Provider,
    ServiceLine,
)
from medcoder.errors import InputError


class YamlLoader(yaml.SafeLoader):
    """Safe YAML that keeps dates as written, so a date that does not exist (2025-02-30) is
    reported by the field that holds it rather than by the YAML library."""


def _as_written(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    return loader.construct_scalar(node)  # type: ignore[arg-type]


YamlLoader.add_constructor("tag:yaml.org,2002:timestamp", _as_written)


_INSTITUTIONAL = ("admission_type", "admission_source", "discharge_status", "type_of_bill", "drg",
                  "admitting_diagnosis", "admission_hour", "discharge_hour")


class _R:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, message: str) -> InputError:
        return InputError(f"{path}: {message}", where=self.source)

    def obj(self, v: Any, path: str) -> dict[str, Any]:
        if not isinstance(v, dict):
            raise self.fail(path, "expected a mapping (key: value lines)")
        return v

    def text(self, o: dict[str, Any], key: str, path: str, required: bool = True) -> str | None:
        v = o.get(key)
        if v is None or str(v).strip() == "":
            if required:
                raise self.fail(f"{path}.{key}", "required, missing")
            return None
        return str(v).strip()

    def date(self, v: Any, path: str) -> _dt.date:
        if isinstance(v, _dt.datetime):
            return v.date()
        if isinstance(v, _dt.date):
            return v
        try:
            return _dt.date.fromisoformat(str(v))
        except ValueError:
            raise self.fail(path, f"expected a date YYYY-MM-DD, got {v!r}") from None

    def number(self, v: Any, path: str) -> Decimal:
        try:
            d = Decimal(str(v))
        except InvalidOperation:
            raise self.fail(path, f"expected a number, got {v!r}") from None
        if not d.is_finite():
            raise self.fail(path, f"expected a number, got {v!r}")
        return d

    def address(self, v: Any, path: str) -> Address | None:
        if v is None:
            return None
        o = self.obj(v, path)
        return Address(str(self.text(o, "line1", path)), str(self.text(o, "city", path)),
                       str(self.text(o, "state", path)), str(self.text(o, "zip", path)),
                       self.text(o, "line2", path, required=False))

    def provider(self, v: Any, path: str) -> Provider:
        o = self.obj(v, path)
        person = "last_name" in o
        tax_id = self.text(o, "tax_id", path, required=False)
        tax_kind = self.text(o, "tax_id_kind", path, required=False)
        if tax_id is not None:
            try:  # 12-3456789 -> 123456789 (EIN); a malformed one stays for the scrubber to report
                tax_id, kind = validate_tax_id(tax_id)
                tax_kind = tax_kind or kind
            except InputError:
                pass
        return Provider(
            name=str(self.text(o, "last_name" if person else "name", path)),
            first_name=self.text(o, "first_name", path, required=False) if person else None,
            npi=str(self.text(o, "npi", path)),
            taxonomy=self.text(o, "taxonomy", path, required=False),
            tax_id=tax_id,
            tax_id_kind=tax_kind,
            address=self.address(o.get("address"), f"{path}.address"),
            entity="person" if person else "organization",
        )

    def person(self, v: Any, path: str) -> Person:
        o = self.obj(v, path)
        dob = o.get("birth_date")
        sex = str(o.get("sex") or "U").upper()
        if sex not in ("M", "F", "U"):
            raise self.fail(f"{path}.sex", f"expected M, F or U, got {o.get('sex')!r}")
        return Person(str(self.text(o, "last_name", path)), str(self.text(o, "first_name", path)),
                      self.date(dob, f"{path}.birth_date") if dob is not None else None, sex,
                      member_id=self.text(o, "member_id", path, required=False),
                      address=self.address(o.get("address"), f"{path}.address"))


def claim_from_dict(data: Any, *, source: str = "claim", path: str = "claim", check: bool = True) -> Claim:
    """One claim from its plain-data form. Amounts and units are always checked (a negative
    charge is bad input); with ``check`` the claim's structural rules too (``Claim.check``) —
    the scrubber passes ``check=False`` and reports those as findings instead."""
    r = _R(source)
    o = r.obj(data, path)
    kind = str(o.get("kind") or "professional")
    if kind not in ("professional", "institutional"):
        raise r.fail(f"{path}.kind", f"expected professional or institutional, got {kind!r}")
    payer_o = r.obj(o.get("payer"), f"{path}.payer") if o.get("payer") is not None else None
    if payer_o is None:
        raise r.fail(f"{path}.payer", "required, missing (name, payer_id, kind)")
    payer = Payer(key=str(payer_o.get("key") or payer_o.get("payer_id") or ""),
                  name=str(r.text(payer_o, "name", f"{path}.payer")),
                  payer_id=str(r.text(payer_o, "payer_id", f"{path}.payer")),
                  kind=str(payer_o.get("kind") or "commercial").lower(),
                  address=r.address(payer_o.get("address"), f"{path}.payer.address"))
    for key in ("billing", "patient"):
        if o.get(key) is None:
            raise r.fail(f"{path}.{key}", "required, missing")
    patient = r.person(o["patient"], f"{path}.patient")
    default_date = r.date(o["date"], f"{path}.date") if o.get("date") is not None else None
    diagnoses: list[ClaimDiagnosis] = []
    raw_dx = o.get("diagnoses") or []
    if not isinstance(raw_dx, list):
        raise r.fail(f"{path}.diagnoses", "expected a list of codes")
    for i, d in enumerate(raw_dx, start=1):
        if isinstance(d, dict):
            diagnoses.append(ClaimDiagnosis(str(r.text(d, "code", f"{path}.diagnoses[{i}]")).upper(),
                                            r.text(d, "poa", f"{path}.diagnoses[{i}]", required=False)))
        else:
            diagnoses.append(ClaimDiagnosis(str(d).strip().upper()))
    pos = str(o.get("place_of_service") or ("" if kind == "institutional" else "11"))
    lines: list[ServiceLine] = []
    raw_lines = o.get("lines") or []
    if not isinstance(raw_lines, list):
        raise r.fail(f"{path}.lines", "expected a list of service lines")
    for i, ln in enumerate(raw_lines, start=1):
        lp = f"{path}.lines[{i}]"
        lo = r.obj(ln, lp)
        code = str(lo.get("code") or "").strip().upper()
        rev = r.text(lo, "revenue_code", lp, required=False)
        if not code and not rev:
            raise r.fail(f"{lp}.code", "required, missing (a CPT/HCPCS code, or a revenue code)")
        when = lo.get("date")
        if when is None and default_date is None:
            raise r.fail(f"{lp}.date", "required, missing (or give the claim a date)")
        mods = lo.get("modifiers") or []
        if isinstance(mods, str):
            mods = [mods]
        charge = r.number(lo.get("charge", 0), f"{lp}.charge")
        if charge < 0:
            raise r.fail(f"{lp}.charge", f"a charge cannot be negative, got {charge}")
        units = r.number(lo.get("units", 1), f"{lp}.units")
        if units <= 0:
            raise r.fail(f"{lp}.units", f"units must be positive, got {units}")
        lines.append(ServiceLine(
            code=code,
            system=str(lo.get("system") or ("REV" if not code else "CPT" if code[:1].isdigit() else "HCPCS")),
            charge=charge,
            units=units,
            date_of_service=r.date(when, f"{lp}.date") if when is not None else default_date,  # type: ignore[arg-type]
            modifiers=[str(m).strip().upper() for m in mods],
            pointers=[int(r.number(p, f"{lp}.pointers")) for p in (lo.get("pointers") or [])],
            place_of_service=str(lo["place_of_service"]) if lo.get("place_of_service") else pos or None,
            revenue_code=rev,
            unit_kind=str(lo.get("unit_kind") or "UN"),
            label=str(lo.get("label") or ""),
            control_number=str(lo["control_number"]).strip() or None if lo.get("control_number") else None,
        ))
    dates = [ln.date_of_service for ln in lines]
    start = o.get("service_from")
    end = o.get("service_to")
    service_from = r.date(start, f"{path}.service_from") if start is not None else (default_date or min(dates, default=None))
    service_to = r.date(end, f"{path}.service_to") if end is not None else (default_date or max(dates, default=None))
    if service_from is None or service_to is None:
        raise r.fail(f"{path}.date", "required, missing (the date of service)")
    if service_from > service_to:
        raise r.fail(f"{path}.service_to", f"ends ({service_to}) before the claim starts ({service_from})")
    claim = Claim(
        kind=kind,  # type: ignore[arg-type]
        patient_control_number=str(o.get("patient_control_number") or ""),
        billing=r.provider(o["billing"], f"{path}.billing"),
        rendering=r.provider(o["rendering"], f"{path}.rendering") if o.get("rendering") else None,
        payer=payer,
        patient=patient,
        subscriber=r.person(o["subscriber"], f"{path}.subscriber") if o.get("subscriber") else patient,
        relationship=str(o.get("relationship") or "18"),
        service_from=service_from,
        service_to=service_to,
        place_of_service=pos,
        diagnoses=diagnoses,
        lines=lines,
        frequency=str(o.get("frequency") or "1"),
        original_claim_id=r.text(o, "original_claim_id", path, required=False),
    )
    for key in _INSTITUTIONAL:
        if o.get(key) is not None:
            setattr(claim, key, str(o[key]).strip())
    if o.get("admission_date") is not None:
        claim.admission_date = r.date(o["admission_date"], f"{path}.admission_date")
    for key in ("attending", "operating"):
        if o.get(key):
            setattr(claim, key, r.provider(o[key], f"{path}.{key}"))
    for i, pr in enumerate(o.get("pcs_procedures") or [], start=1):
        pp = f"{path}.pcs_procedures[{i}]"
        if isinstance(pr, dict):
            when = pr.get("date")
            claim.pcs_procedures.append(PcsProcedure(str(r.text(pr, "code", pp)).upper(),
                                                     r.date(when, f"{pp}.date") if when is not None else service_to))
        else:
            claim.pcs_procedures.append(PcsProcedure(str(pr).strip().upper(), service_to))
    if not check:
        return claim
    try:
        claim.check()
    except InputError as exc:
        raise InputError(f"{str(exc.where or '').replace('claim', path, 1)}: {exc.message}", where=source) from None
    return claim


def _date_or_none(d: _dt.date | None) -> str | None:
    return d.isoformat() if d else None


def _provider_dict(p: Provider | None) -> dict[str, Any] | None:
    if p is None:
        return None
    out: dict[str, Any] = {"last_name" if p.entity == "person" else "name": p.name, "npi": p.npi}
    for k in ("first_name", "taxonomy", "tax_id", "tax_id_kind"):
        if getattr(p, k):
            out[k] = getattr(p, k)
    if p.address:
        out["address"] = _address_dict(p.address)
    return out


def _address_dict(a: Address) -> dict[str, Any]:
    out = {"line1": a.line1, "city": a.city, "state": a.state, "zip": a.zip}
    if a.line2:
        out["line2"] = a.line2
    return out


def _person_dict(p: Person) -> dict[str, Any]:
    out: dict[str, Any] = {"last_name": p.last_name, "first_name": p.first_name, "sex": p.sex}
    if p.birth_date:
        out["birth_date"] = p.birth_date.isoformat()
    if p.member_id:
        out["member_id"] = p.member_id
    if p.address:
        out["address"] = _address_dict(p.address)
    return out


def claim_to_dict(claim: Claim) -> dict[str, Any]:
    """The plain-data form ``claim_from_dict`` reads back (JSON-safe: amounts as strings)."""
    out: dict[str, Any] = {
        "kind": claim.kind,
        "patient_control_number": claim.patient_control_number,
        "billing": _provider_dict(claim.billing),
        "payer": {"name": claim.payer.name, "payer_id": claim.payer.payer_id, "kind": claim.payer.kind},
        "patient": _person_dict(claim.patient),
        "service_from": claim.service_from.isoformat(),
        "service_to": claim.service_to.isoformat(),
        "place_of_service": claim.place_of_service,
        "frequency": claim.frequency,
        "diagnoses": [{"code": d.code, **({"poa": d.poa} if d.poa else {})} for d in claim.diagnoses],
        "lines": [
            {
                "code": ln.code, "system": ln.system, "modifiers": list(ln.modifiers), "units": str(ln.units),
                "charge": str(ln.charge), "date": ln.date_of_service.isoformat(), "pointers": list(ln.pointers),
                "place_of_service": ln.place_of_service, "unit_kind": ln.unit_kind,
                **({"revenue_code": ln.revenue_code} if ln.revenue_code else {}),
                **({"control_number": ln.control_number} if ln.control_number else {}),
            }
            for ln in claim.lines
        ],
    }
    if claim.rendering:
        out["rendering"] = _provider_dict(claim.rendering)
    if claim.subscriber != claim.patient:
        out["subscriber"] = _person_dict(claim.subscriber)
        out["relationship"] = claim.relationship
    if claim.original_claim_id:
        out["original_claim_id"] = claim.original_claim_id
    if claim.kind == "institutional":
        for key in _INSTITUTIONAL:
            if getattr(claim, key):
                out[key] = getattr(claim, key)
        out["admission_date"] = _date_or_none(claim.admission_date)
        for key in ("attending", "operating"):
            if getattr(claim, key):
                out[key] = _provider_dict(getattr(claim, key))
        out["pcs_procedures"] = [{"code": p.code, "date": p.date.isoformat()} for p in claim.pcs_procedures]
    return out


def read_claim_file(path: str | Path, *, check: bool = True) -> list[Claim]:
    """Claims from a JSON or YAML claim file (one claim, a list, or ``{claims: [...]}``)."""
    p = Path(path)
    try:
        raw = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read the claim file ({exc.strerror})", where=p) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", where=p) from None
    try:
        data = json.loads(raw) if p.suffix.lower() == ".json" else yaml.load(raw, Loader=YamlLoader)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        line = exc.lineno if isinstance(exc, json.JSONDecodeError) else (mark.line + 1 if mark is not None else None)
        raise InputError("not valid " + ("JSON" if p.suffix.lower() == ".json" else "YAML")
                         + (f" (line {line})" if line else ""), where=p) from None
    if isinstance(data, dict) and "claims" in data:
        data = data["claims"]
    items = data if isinstance(data, list) else [data]
    many = isinstance(data, list)
    return [claim_from_dict(c, source=str(p), path=f"claim[{i}]" if many else "claim", check=check)
            for i, c in enumerate(items, start=1)]
