"""medcoder's own encounter JSON (schema in ``docs/formats-input.md``).

    {"encounter_id": "E1", "setting": "inpatient", "date_of_service": "2026-03-15",
     "patient": {"age": 67, "sex": "F"},
     "text": "..."}                                   or
     "sections": [{"title": "HPI", "text": "..."}, {"title": "Assessment", "text": "..."}]

Unknown keys are refused (a misspelt ``date_of_servce`` would otherwise be ignored silently).
Sections are joined into one text, ``Title:`` heading line then the section's text verbatim,
``\\n\\n`` between sections; each section's span is recorded and kept as given (headings inside
a section's text are not looked for).
"""

from __future__ import annotations

import datetime as _dt
import difflib
from collections.abc import Sequence
from typing import Any

from medcoder.encounter import Encounter, StructuredCondition
from medcoder.errors import FileFormatError, InputError
from medcoder.readers import base
from medcoder.readers.base import Part, ReadContext

FORMAT = "encounter-json"

TOP_KEYS = (
    "encounter_id", "patient_id", "setting", "date_of_service", "patient", "text", "sections",
    "conditions", "metadata",
)
PATIENT_KEYS = ("id", "age", "sex", "birth_date")
SECTION_KEYS = ("title", "name", "text")
CONDITION_KEYS = (
    "code", "system", "display", "clinical_status", "verification_status", "category",
)


class _Reader:
    def __init__(self, text: str, ctx: ReadContext) -> None:
        self.text = text
        self.ctx = ctx

    def where(self, path: Sequence[str | int]) -> str:
        return base.json_where(self.ctx.name, self.text, path)

    def fail(self, message: str, path: Sequence[str | int]) -> FileFormatError:
        line, col = base.locate_json(self.text, path)
        return FileFormatError(message, path=self.ctx.name, line=line, column=col)

    def keys(self, obj: dict[str, Any], allowed: Sequence[str], path: list[str | int]) -> None:
        for k in obj:
            if k not in allowed:
                close = difflib.get_close_matches(k, allowed, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise self.fail(
                    f"{base.dotted([*path, k]) if path else k}: unknown key {k!r}{hint} "
                    f"(expected: {', '.join(allowed)})",
                    [*path, k],
                )

    def string(self, obj: dict[str, Any], key: str, path: list[str | int]) -> str | None:
        v = obj.get(key)
        if v is None:
            return None
        if isinstance(v, int | float) and not isinstance(v, bool) and key.endswith("id"):
            return str(v)
        if not isinstance(v, str):
            raise self.fail(
                f"{base.dotted([*path, key])}: expected a string, got {type(v).__name__}",
                [*path, key],
            )
        return v

    def read(self) -> Encounter:
        from medcoder.text.sections import SECTION_NAMES, canonical_name

        obj = self.ctx.json(self.text)
        if not isinstance(obj, dict):
            raise FileFormatError(
                f"encounter JSON must be an object, got {type(obj).__name__}", path=self.ctx.name
            )
        if "resourceType" in obj:
            raise FileFormatError(
                f"this is FHIR (resourceType {obj['resourceType']!r}), not encounter JSON; "
                "read it with fmt='fhir'",
                path=self.ctx.name,
            )
        self.keys(obj, TOP_KEYS, [])
        ov = self.ctx.overrides
        name = self.ctx.name

        # the note
        has_text, has_sections = "text" in obj, "sections" in obj
        if has_text and has_sections:
            raise self.fail("give either 'text' or 'sections', not both", ["sections"])
        if not has_text and not has_sections:
            raise FileFormatError(
                "no note text: encounter JSON needs 'text' (a string) or 'sections' "
                "(a list of {title, text})",
                path=name,
            )
        parts: list[Part] = []
        if has_text:
            note = obj["text"]
            if not isinstance(note, str):
                raise self.fail(f"text: expected a string, got {type(note).__name__}", ["text"])
            parts.append(Part(note))
        else:
            secs = obj["sections"]
            if not isinstance(secs, list) or not secs:
                raise self.fail("sections: expected a non-empty list of {title, text}", ["sections"])
            for i, sec in enumerate(secs):
                path: list[str | int] = ["sections", i]
                if not isinstance(sec, dict):
                    raise self.fail(f"sections[{i}]: expected an object {{title, text}}", path)
                self.keys(sec, SECTION_KEYS, path)
                if "text" not in sec:
                    raise self.fail(f"sections[{i}]: no 'text'", path)
                body = self.string(sec, "text", path) or ""
                title = (self.string(sec, "title", path) or "").strip().rstrip(":").rstrip()
                sec_name = self.string(sec, "name", path)
                if sec_name is None:
                    sec_name = canonical_name(title) if title else "other"
                elif sec_name not in SECTION_NAMES:
                    raise InputError(
                        f"sections[{i}].name: unknown section name {sec_name!r}; expected one "
                        f"of: {', '.join(SECTION_NAMES)}",
                        where=self.where([*path, "name"]),
                    )
                parts.append(Part(body, title=title, name=sec_name, label=f"sections[{i}]"))
        text, sections, _ = base.join_parts(parts)
        self.ctx.check_note(text)

        # the encounter
        setting = ov.setting
        if setting is None:
            raw = obj.get("setting")
            setting = (
                "outpatient"
                if raw is None
                else base.setting_value(raw, "setting", self.where(["setting"]))
            )
        dos = ov.date_of_service
        if dos is None and obj.get("date_of_service") is not None:
            dos = base.date_value(
                obj["date_of_service"], "date_of_service", self.where(["date_of_service"])
            )
        patient = obj.get("patient") or {}
        if not isinstance(patient, dict):
            raise self.fail("patient: expected an object {age, sex}", ["patient"])
        self.keys(patient, PATIENT_KEYS, ["patient"])
        age = ov.age
        if age is None and patient.get("age") is not None:
            age = base.age_value(
                patient["age"], "patient.age", self.where(["patient", "age"])
            )
        if age is None and patient.get("birth_date") is not None:
            w = self.where(["patient", "birth_date"])
            birth = base.date_value(patient["birth_date"], "patient.birth_date", w, partial=True)
            age = base.age_at(birth, dos or _dt.date.today(), "patient.birth_date", w)
        sex = ov.sex
        if sex is None:
            raw_sex = patient.get("sex")
            sex = (
                "U"
                if raw_sex is None
                else base.sex_value(raw_sex, "patient.sex", self.where(["patient", "sex"]))
            )
        metadata = obj.get("metadata") or {}
        if not isinstance(metadata, dict):
            raise self.fail("metadata: expected an object", ["metadata"])
        return Encounter(
            text=text,
            setting=setting,
            date_of_service=dos,
            patient_age=age,
            patient_sex=sex,
            encounter_id=self.string(obj, "encounter_id", []),
            patient_id=self.string(obj, "patient_id", []) or self.string(patient, "id", ["patient"]),
            sections=sections,
            conditions=self.conditions(obj.get("conditions")),
            source_format=FORMAT,
            source_name=name,
            metadata=dict(metadata),
        )

    def conditions(self, raw: Any) -> list[StructuredCondition]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            raise self.fail("conditions: expected a list of {code, system, display}", ["conditions"])
        out = []
        for i, c in enumerate(raw):
            path: list[str | int] = ["conditions", i]
            if not isinstance(c, dict):
                raise self.fail(f"conditions[{i}]: expected an object {{code, system, display}}", path)
            self.keys(c, CONDITION_KEYS, path)
            vals = {k: self.string(c, k, path) for k in CONDITION_KEYS}
            if not vals["code"] and not vals["display"]:
                raise self.fail(f"conditions[{i}]: needs a 'code' or a 'display'", path)
            out.append(StructuredCondition(**vals))
        return out


def read(text: str, ctx: ReadContext) -> Encounter:
    return _Reader(text, ctx).read()
