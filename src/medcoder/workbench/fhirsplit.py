"""One workbench encounter per FHIR Encounter: split a Bundle that holds several.

``medcoder.readers.fhir`` reads a Bundle as ONE encounter (the first Encounter, every note
joined). A Bundle from an EHR export often holds several visits, each an Encounter with its own
notes. ``split_bundle`` groups the Bundle's resources per Encounter so that each group is read
on its own:

- a note (DocumentReference ``context.encounter``, Composition ``encounter``) and a Condition
  (``encounter``) belong to the Encounter their reference names: the Encounter's ``fullUrl``
  (``urn:uuid:...``) or ``Encounter/<id>`` (also as the tail of an absolute URL);
- every other resource (Patient, Binary, Observation, ...) and every Condition that names no
  encounter goes into every group;
- an Encounter that no note names is passed over (nothing to code).

A Bundle with fewer than two Encounters, or whose notes name no Encounter at all, is not split
(the reader reads it as before). A Bundle where some notes name an Encounter and others do not,
or where a note names an Encounter the Bundle does not hold, is refused: which visit such a
note belongs to cannot be told.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from medcoder.errors import InputError

__all__ = ["BundlePart", "split_bundle"]

_NOTES = ("DocumentReference", "Composition")


@dataclass(frozen=True)
class BundlePart:
    """One Encounter's share of a Bundle: its label (``Encounter/<id>`` or the entry) and the
    Bundle JSON to read."""

    label: str
    data: bytes


def _refs(resource: dict[str, Any]) -> list[str]:
    """The encounter references of a note or a Condition."""
    rtype = resource.get("resourceType")
    if rtype == "DocumentReference":
        ctx = resource.get("context")
        raw = ctx.get("encounter") if isinstance(ctx, dict) else None
    elif rtype in ("Composition", "Condition"):
        raw = resource.get("encounter")
    else:
        return []
    items = raw if isinstance(raw, list) else [raw] if raw is not None else []
    return [str(r["reference"]) for r in items if isinstance(r, dict) and r.get("reference")]


def split_bundle(data: bytes, *, name: str) -> list[BundlePart] | None:
    """The Bundle's parts, one per Encounter that has a note, in Bundle order; None when the
    document is not a Bundle to split (not JSON, not a Bundle, fewer than two Encounters, or
    no note names an Encounter): the reader reads it whole. InputError (``where=name``) when a
    note's encounter cannot be told."""
    head = data.lstrip()[:1]
    if head != b"{":
        return None
    try:
        obj = json.loads(data)
    except ValueError:
        return None  # the reader says what is wrong
    if not isinstance(obj, dict) or obj.get("resourceType") != "Bundle":
        return None
    entries = obj.get("entry")
    if not isinstance(entries, list) or not all(
            isinstance(e, dict) and isinstance(e.get("resource"), dict) for e in entries):
        return None
    encounters: list[int] = []
    names: dict[str, int] = {}  # reference -> entry index of the Encounter
    for i, e in enumerate(entries):
        res = e["resource"]
        if res.get("resourceType") != "Encounter":
            continue
        encounters.append(i)
        if e.get("fullUrl"):
            names[str(e["fullUrl"])] = i
        if res.get("id"):
            names[f"Encounter/{res['id']}"] = i
    if len(encounters) < 2:
        return None

    def owner(ref: str) -> int | None:
        if ref in names:
            return names[ref]
        tail = "/".join(ref.rstrip("/").split("/")[-2:])
        return names.get(tail) if tail.startswith("Encounter/") else None

    owners: dict[int, int | None] = {}  # entry index of a note or Condition -> its Encounter
    unnamed: list[int] = []
    for i, e in enumerate(entries):
        res = e["resource"]
        rtype = res.get("resourceType")
        if rtype not in (*_NOTES, "Condition"):
            continue
        refs = _refs(res)
        found = {owner(r) for r in refs}
        place = f"Bundle.entry[{i}] ({rtype}{'/' + str(res['id']) if res.get('id') else ''})"
        if None in found:
            bad = next(r for r in refs if owner(r) is None)
            raise InputError(f"{place}: names encounter {bad!r}, which is not an Encounter of the "
                             "Bundle; expected the fullUrl or Encounter/<id> of one of its "
                             f"{len(encounters)} Encounters", where=name)
        if len(found) > 1:
            raise InputError(f"{place}: names {len(found)} Encounters; a note belongs to one "
                             "visit", where=name)
        owners[i] = next(iter(found)) if found else None
        if not found and rtype in _NOTES:
            unnamed.append(i)
    notes = [i for i in owners if entries[i]["resource"].get("resourceType") in _NOTES]
    if len(unnamed) == len(notes):
        return None  # no note names its visit: read as one encounter, as the reader does
    if unnamed:
        i = unnamed[0]
        res = entries[i]["resource"]
        raise InputError(
            f"Bundle.entry[{i}] ({res.get('resourceType')}{'/' + str(res['id']) if res.get('id') else ''}): "
            f"names no encounter, but the Bundle holds {len(encounters)} Encounters and other notes "
            "name theirs; give it DocumentReference.context.encounter or Composition.encounter",
            where=name)
    parts: list[BundlePart] = []
    for enc in encounters:
        if not any(owners.get(i) == enc for i in notes):
            continue  # an Encounter without a note: nothing to code
        keep = [e for i, e in enumerate(entries)
                if i == enc or (i in owners and owners[i] in (enc, None))
                or (i not in owners and entries[i]["resource"].get("resourceType") != "Encounter")]
        res = entries[enc]["resource"]
        label = f"Encounter/{res['id']}" if res.get("id") else f"entry[{enc}]"
        bundle = {k: v for k, v in obj.items() if k != "entry"}
        bundle["entry"] = keep
        parts.append(BundlePart(label, json.dumps(bundle).encode("utf-8")))
    return parts
