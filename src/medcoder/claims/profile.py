"""The billing profile a practice keeps: who bills, who renders, which payers, what it charges.

A YAML or JSON file::

    practice:                      # the billing provider (837 loop 2010AA, CMS-1500 box 33)
      name: Riverside Family Medicine
      npi: "1234567893"
      tax_id: "12-3456789"
      taxonomy: 207Q00000X
      address: {line1: 1 Main St, city: Springfield, state: IL, zip: "62701"}
    providers:                     # rendering providers (loop 2310B, box 24J), by key
      lee: {first_name: Ann, last_name: Lee, npi: "1245319599", taxonomy: 207Q00000X}
    payers:                        # by key
      medicare: {name: Medicare Part B, payer_id: "00952", kind: medicare}
    charges:                       # the charge master: code -> charge per unit
      "99213": 145.00
      J1885: 9.50
    place_of_service:              # optional: CMS place of service code by setting
      outpatient: "11"

Every error names the file and the field (``profile.yaml: providers.lee.npi: ...``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from medcoder.claims.identifiers import validate_npi, validate_tax_id, validate_taxonomy
from medcoder.claims.model import Address, Payer, Provider
from medcoder.claims.serialize import YamlLoader
from medcoder.errors import InputError

# CMS Place of Service code set: 11 office, 23 emergency room - hospital, 21 inpatient
# hospital, 41 ambulance - land
EXTRA_SECTIONS = ("facility", "pricing", "submitter")
DEFAULT_POS = {"outpatient": "11", "emergency": "23", "inpatient": "21", "ambulance": "41"}


@dataclass(frozen=True)
class Profile:
    practice: Provider
    providers: dict[str, Provider]
    payers: dict[str, Payer]
    charges: dict[str, Decimal]
    place_of_service: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_POS))
    source: str = ""
    # sections other parts of medcoder read themselves: "facility" (institutional claims),
    # "pricing" (localities, contract fee schedules, base rates), "submitter" (837 1000A)
    sections: dict[str, Any] = field(default_factory=dict)

    def charge(self, code: str) -> Decimal | None:
        return self.charges.get(code.upper())

    def pricing(self) -> tuple[dict[str, Any] | None, Path | None]:
        """The ``pricing`` section and the folder its contract paths are relative to (the
        profile file's folder; None when the profile was not read from a file)."""
        base = Path(self.source).resolve().parent if self.source and Path(self.source).is_file() else None
        return self.sections.get("pricing"), base


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, message: str) -> InputError:
        return InputError(f"{path}: {message}", where=self.source)

    def obj(self, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, "expected a mapping (key: value lines)")
        return value

    def text(self, obj: dict[str, Any], key: str, path: str, *, required: bool = True) -> str | None:
        v = obj.get(key)
        if v is None or str(v).strip() == "":
            if required:
                raise self.fail(f"{path}.{key}", "required, missing")
            return None
        return str(v).strip()

    def address(self, value: Any, path: str) -> Address | None:
        if value is None:
            return None
        o = self.obj(value, path)
        return Address(
            line1=str(self.text(o, "line1", path)),
            city=str(self.text(o, "city", path)),
            state=str(self.text(o, "state", path)),
            zip=str(self.text(o, "zip", path)),
            line2=self.text(o, "line2", path, required=False),
        )

    def provider(self, value: Any, path: str, *, person: bool) -> Provider:
        o = self.obj(value, path)
        npi = validate_npi(self.text(o, "npi", path), where=f"{self.source}: {path}.npi")
        tax = self.text(o, "tax_id", path, required=False)
        tax_id, kind = validate_tax_id(tax, where=f"{self.source}: {path}.tax_id") if tax else (None, None)
        taxonomy = self.text(o, "taxonomy", path, required=False)
        return Provider(
            name=str(self.text(o, "last_name" if person else "name", path)),
            first_name=self.text(o, "first_name", path) if person else None,
            npi=npi,
            taxonomy=validate_taxonomy(taxonomy, where=f"{self.source}: {path}.taxonomy") if taxonomy else None,
            tax_id=tax_id,
            tax_id_kind=kind,
            address=self.address(o.get("address"), f"{path}.address"),
            entity="person" if person else "organization",
        )


def parse_profile(data: Any, source: str = "profile") -> Profile:
    r = _Reader(source)
    top = r.obj(data, "profile")
    if "practice" not in top:
        raise r.fail("practice", "required, missing (the billing provider: name, npi, tax_id, address)")
    practice = r.provider(top["practice"], "practice", person=False)
    if practice.tax_id is None:
        raise r.fail("practice.tax_id", "required, missing (the billing provider's EIN or SSN)")
    if practice.address is None:
        raise r.fail("practice.address", "required, missing (line1, city, state, zip)")
    providers = {
        str(k): r.provider(v, f"providers.{k}", person=True)
        for k, v in r.obj(top.get("providers") or {}, "providers").items()
    }
    payers: dict[str, Payer] = {}
    for k, v in r.obj(top.get("payers") or {}, "payers").items():
        o = r.obj(v, f"payers.{k}")
        payers[str(k)] = Payer(
            key=str(k),
            name=str(r.text(o, "name", f"payers.{k}")),
            payer_id=str(r.text(o, "payer_id", f"payers.{k}")),
            kind=str(r.text(o, "kind", f"payers.{k}", required=False) or "commercial").lower(),
            address=r.address(o.get("address"), f"payers.{k}.address"),
        )
    if not payers:
        raise r.fail("payers", "required: at least one payer (name, payer_id)")
    charges: dict[str, Decimal] = {}
    for code, amount in r.obj(top.get("charges") or {}, "charges").items():
        try:
            d = Decimal(str(amount))
        except InvalidOperation:
            raise r.fail(f"charges.{code}", f"expected an amount, got {amount!r}") from None
        if d < 0:
            raise r.fail(f"charges.{code}", f"a charge cannot be negative, got {amount}")
        charges[str(code).strip().upper()] = d
    pos = dict(DEFAULT_POS)
    for setting, code in r.obj(top.get("place_of_service") or {}, "place_of_service").items():
        if setting not in DEFAULT_POS:
            raise r.fail(f"place_of_service.{setting}", f"unknown setting; one of {', '.join(DEFAULT_POS)}")
        if not str(code).isdigit() or len(str(code)) != 2:
            raise r.fail(f"place_of_service.{setting}", f"expected a 2-digit CMS place of service code, got {code!r}")
        pos[setting] = str(code)
    unknown = sorted(set(top) - {"practice", "providers", "payers", "charges", "place_of_service", *EXTRA_SECTIONS})
    if unknown:
        raise r.fail(unknown[0], f"unknown section; the profile has {', '.join(sorted({'practice', 'providers', 'payers', 'charges', 'place_of_service', *EXTRA_SECTIONS}))}")
    sections = {k: r.obj(top[k], k) for k in EXTRA_SECTIONS if top.get(k) is not None}
    return Profile(practice, providers, payers, charges, pos, source, sections)


def load_profile(path: str | Path) -> Profile:
    """Read a billing profile (YAML or JSON); errors name the file and the field."""
    p = Path(path)
    try:
        raw = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read the billing profile ({exc.strerror})", where=p) from None
    try:
        data = json.loads(raw) if p.suffix.lower() == ".json" else yaml.load(raw, Loader=YamlLoader)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        # the mark where the broken construct began (an unclosed bracket), else where it broke
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        line = getattr(mark, "line", None)
        line = exc.lineno if isinstance(exc, json.JSONDecodeError) else (line + 1 if line is not None else None)
        raise InputError(f"not valid {'JSON' if p.suffix.lower() == '.json' else 'YAML'}"
                         + (f" (line {line})" if line else ""), where=p) from None
    return parse_profile(data, str(p))
