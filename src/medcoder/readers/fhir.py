"""FHIR R4 (R4B models) Bundles: Patient, Encounter, DocumentReference, Composition, Condition.

The resources medcoder reads (those listed above and Binary) are validated with the
``fhir.resources.R4B`` models; an invalid one is refused naming the entry, the resource and
the field. Other resources (Observation, MedicationRequest…) are passed over unvalidated.

* Patient: sex from ``gender`` (male M, female F, other/unknown U); age in whole years at the
  date of service from ``birthDate`` (a partial date counts from its first day); one Patient.
* Encounter (the first): setting from ``class`` (v3 ActCode or the v2 0004 patient classes);
  date of service from ``period.start``, or ``period.end`` for inpatient stays (the discharge
  date selects the code set), else the DocumentReference ``context.period.start`` or ``date``,
  else the Composition ``date``.
* Note text: every Composition's sections (nested ones too), each one a section of the text,
  named from its title or LOINC code; then every DocumentReference (not entered-in-error): its
  first attachment that is text (``text/plain``, ``text/markdown``, ``text/html`` with the tags
  taken out; no content type means text/plain), from inline ``data`` (base64) or a ``url``
  naming a Binary in the Bundle. Notes are joined with a blank line between them, headings are
  looked for in each, and each note's span is recorded in ``metadata["documents"]``.
* Condition: ``StructuredCondition`` from ``code`` (the ICD-10-CM coding when there is one),
  ``clinicalStatus``, ``verificationStatus`` and ``category`` codes.
"""

from __future__ import annotations

import datetime as _dt
import html.parser
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

from medcoder.encounter import Encounter, Setting, StructuredCondition
from medcoder.errors import FileFormatError, InputError
from medcoder.readers import base
from medcoder.readers.base import Part, ReadContext

FORMAT = "fhir"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
READ_TYPES = ("Patient", "Encounter", "DocumentReference", "Composition", "Condition", "Binary")

# Encounter.class: v3 ActCode (R4 binding) and the HL7 v2 table 0004 codes some servers send
CLASS_SETTINGS: dict[str, Setting] = {
    "AMB": "outpatient",
    "OBSENC": "outpatient",
    "PRENC": "outpatient",
    "SS": "outpatient",
    "VR": "outpatient",
    "HH": "outpatient",
    "EMER": "emergency",
    "IMP": "inpatient",
    "ACUTE": "inpatient",
    "NONAC": "inpatient",
    "FLD": "ambulance",
    "O": "outpatient",
    "R": "outpatient",
    "P": "outpatient",
    "E": "emergency",
    "I": "inpatient",
    "B": "inpatient",
}
_GENDER = {"male": "M", "female": "F", "other": "U", "unknown": "U"}
_TEXT_TYPES = ("text/plain", "text/markdown", "text/x-markdown", "text/html", "application/xhtml+xml")

# Composition section codes (LOINC) for sections whose title is not a known heading
LOINC_SECTIONS = {
    "10154-3": "chief_complaint",
    "46239-0": "chief_complaint",
    "29299-5": "chief_complaint",
    "10164-2": "hpi",
    "11348-0": "past_medical_history",
    "11450-4": "past_medical_history",
    "47519-4": "procedures",
    "10157-6": "family_history",
    "29762-2": "social_history",
    "10187-3": "ros",
    "10160-0": "medications",
    "10183-2": "medications",
    "48765-2": "allergies",
    "29545-1": "exam",
    "8716-3": "exam",
    "30954-2": "results",
    "51848-0": "assessment",
    "18776-5": "plan",
    "51847-2": "assessment_plan",
    "11535-2": "discharge_diagnoses",
    "8648-8": "hospital_course",
}


class _HtmlText(html.parser.HTMLParser):
    _PARAGRAPH = frozenset(
        {"p", "div", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "pre",
         "blockquote", "section", "article", "dl"}
    )
    _LINE = frozenset({"br", "li", "tr", "dt", "dd"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self._PARAGRAPH:
            self.out.append("\n\n")
        elif tag in self._LINE:
            self.out.append("\n")
        elif tag in ("td", "th"):
            self.out.append(" ")

    def handle_startendtag(self, tag: str, attrs: Any) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._PARAGRAPH:
            self.out.append("\n\n")
        elif tag in self._LINE and tag != "br":
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        self.out.append(" ".join(data.split()) if not data.isspace() else " ")


def html_text(markup: str) -> str:
    """Text of an XHTML narrative or an HTML note: tags out, a blank line between blocks
    (paragraphs, headings, lists), a line break for ``<br>`` and list items."""
    p = _HtmlText()
    p.feed(markup)
    p.close()
    lines = [" ".join(line.split()) for line in "".join(p.out).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _validation_message(err: Any, head: str) -> str:
    parts = []
    for e in err.errors()[:3]:
        loc = base.dotted(e.get("loc") or ()) or "(resource)"
        msg = str(e.get("msg", "")).removeprefix("Value error, ")
        if e.get("type") == "missing":
            msg = "required field is missing"
        elif e.get("type") == "extra_forbidden":
            msg = "not a field of this resource"
        value = e.get("input")
        last = (e.get("loc") or ("",))[-1]
        if (
            isinstance(value, str | int | float)
            and len(str(value)) <= 40
            and last not in ("data", "div", "text")
            and e.get("type") not in ("missing", "extra_forbidden")
        ):
            msg += f" (got {value!r})"
        parts.append(f"{loc}: {msg}")
    more = len(err.errors()) - len(parts)
    tail = f" (and {more} more)" if more > 0 else ""
    return f"{head}: invalid FHIR: " + "; ".join(parts) + tail


class _Reader:
    def __init__(self, text: str, ctx: ReadContext) -> None:
        self.text = text
        self.ctx = ctx
        self.name = ctx.name
        self.resources: list[tuple[int, str, Any, dict[str, Any]]] = []  # index, type, model, raw
        self.seen: Counter[str] = Counter()

    def fail(self, message: str) -> FileFormatError:
        return FileFormatError(message, path=self.name)

    # -- validation ---------------------------------------------------------------------------
    def load(self) -> None:
        from fhir.resources.R4B import get_fhir_model_class
        from pydantic import ValidationError

        obj = self.ctx.json(self.text)
        if not isinstance(obj, dict):
            raise self.fail(f"a FHIR document must be a JSON object, got {type(obj).__name__}")
        rt = obj.get("resourceType")
        if rt != "Bundle":
            raise self.fail(
                f"resourceType {rt!r}: medcoder reads a FHIR Bundle (with Patient, Encounter, "
                "DocumentReference or Composition, Condition); wrap the resource in a Bundle"
            )
        entries = obj.get("entry", [])
        if not isinstance(entries, list):
            raise self.fail("Bundle.entry: expected a list of entries")
        for i, entry in enumerate(entries):
            place = f"Bundle.entry[{i}]"
            if not isinstance(entry, dict) or not isinstance(entry.get("resource"), dict):
                raise self.fail(f"{place}: expected an object with a 'resource'")
            res = entry["resource"]
            rtype = res.get("resourceType")
            if not isinstance(rtype, str):
                raise self.fail(f"{place}.resource: no resourceType")
            self.seen[rtype] += 1
            if rtype not in READ_TYPES:
                continue
            rid = res.get("id")
            head = f"{place} ({rtype}{'/' + str(rid) if rid else ''})"
            try:
                model = get_fhir_model_class(rtype).model_validate(res)
            except ValidationError as e:
                raise self.fail(_validation_message(e, head)) from None
            except Exception as e:  # fhir.resources raises KeyError/ValueError on some input
                raise self.fail(f"{head}: invalid FHIR ({type(e).__name__})") from None
            full_url = entry.get("fullUrl")
            self.resources.append((i, rtype, model, {"fullUrl": full_url, "id": rid}))

    def of_type(self, rtype: str) -> Iterator[tuple[int, Any]]:
        for i, t, model, _ in self.resources:
            if t == rtype:
                yield i, model

    def binary(self, url: str) -> Any:
        for _, t, model, raw in self.resources:
            if t != "Binary":
                continue
            if url == raw["fullUrl"] or (raw["id"] and url.endswith(f"Binary/{raw['id']}")):
                return model
        return None

    # -- the encounter ------------------------------------------------------------------------
    def read(self) -> Encounter:
        self.load()
        ov = self.ctx.overrides
        patients = list(self.of_type("Patient"))
        if len(patients) > 1:
            raise self.fail(
                f"the Bundle holds {len(patients)} Patient resources (entries "
                f"{', '.join(str(i) for i, _ in patients)}); give one patient's documents"
            )
        encounters = list(self.of_type("Encounter"))
        enc_model = encounters[0][1] if encounters else None
        enc_place = f"Bundle.entry[{encounters[0][0]}] (Encounter)" if encounters else ""

        parts, skipped = self.notes()
        if not parts:
            found = ", ".join(f"{n} {t}" for t, n in sorted(self.seen.items())) or "no entries"
            extra = f"; passed over: {', '.join(skipped)}" if skipped else ""
            raise self.fail(
                "no note text in the Bundle: expected a DocumentReference with a text "
                "attachment (inline base64 data, or a Binary in the Bundle) or a Composition "
                f"with section text; found {found}{extra}"
            )
        text, sections, spans = base.join_parts(parts)
        self.ctx.check_note(text)

        setting = ov.setting
        if setting is None:
            setting = self.setting(enc_model, enc_place) if enc_model is not None else "outpatient"
        dos, dos_from = ov.date_of_service, "argument"
        if dos is None:
            dos, dos_from = self.date_of_service(enc_model, enc_place, setting)
        age, sex, patient_id = ov.age, ov.sex, None
        if patients:
            i, pat = patients[0]
            place = f"Bundle.entry[{i}] (Patient)"
            patient_id = _identifier(pat)
            if sex is None and pat.gender is not None:
                g = str(pat.gender).lower()
                if g not in _GENDER:
                    raise InputError(
                        f"{place}.gender: {pat.gender!r} is not a FHIR gender; expected male, "
                        "female, other or unknown",
                        where=self.name,
                    )
                sex = _GENDER[g]  # type: ignore[assignment]
            if age is None and pat.birthDate is not None:
                birth = base.date_value(
                    pat.birthDate, f"{place}.birthDate", self.name, partial=True
                )
                age = base.age_at(birth, dos or _dt.date.today(), f"{place}.birthDate", self.name)
        metadata: dict[str, Any] = {"documents": spans, "resources": dict(self.seen)}
        if dos is not None:
            metadata["date_of_service_from"] = dos_from
        if len(encounters) > 1:
            metadata["encounters"] = len(encounters)
        return Encounter(
            text=text,
            setting=setting,
            date_of_service=dos,
            patient_age=age,
            patient_sex=sex or "U",
            encounter_id=_identifier(enc_model) if enc_model is not None else None,
            patient_id=patient_id,
            sections=sections,
            conditions=self.conditions(),
            source_format=FORMAT,
            source_name=self.name,
            metadata=metadata,
        )

    def setting(self, enc: Any, place: str) -> Setting:
        cls = enc.class_fhir
        code = (cls.code or "").strip() if cls is not None else ""
        if not code:
            return "outpatient"
        if code.upper() in CLASS_SETTINGS:
            return CLASS_SETTINGS[code.upper()]
        raise InputError(
            f"{place}.class: unknown encounter class {code!r}; expected one of: "
            f"{', '.join(CLASS_SETTINGS)} (AMB, OBSENC… outpatient; EMER emergency; IMP, "
            "ACUTE, NONAC inpatient; FLD ambulance)",
            where=self.name,
        )

    def date_of_service(
        self, enc: Any, place: str, setting: str
    ) -> tuple[_dt.date | None, str]:
        candidates: list[tuple[Any, str]] = []
        if enc is not None and enc.period is not None:
            if setting == "inpatient" and enc.period.end is not None:
                candidates.append((enc.period.end, f"{place}.period.end"))
            candidates.append((enc.period.start, f"{place}.period.start"))
        for i, doc in self.of_type("DocumentReference"):
            ctx = doc.context
            if ctx is not None and ctx.period is not None:
                candidates.append((ctx.period.start, f"Bundle.entry[{i}] (DocumentReference).context.period.start"))
            candidates.append((doc.date, f"Bundle.entry[{i}] (DocumentReference).date"))
        for i, comp in self.of_type("Composition"):
            candidates.append((comp.date, f"Bundle.entry[{i}] (Composition).date"))
        for value, where in candidates:
            if value is None or (isinstance(value, str) and len(value) < 10):
                continue  # absent, or only a year or month: not a day to code on
            return base.date_value(value, where, self.name), where
        return None, ""

    # -- notes --------------------------------------------------------------------------------
    def notes(self) -> tuple[list[Part], list[str]]:
        from medcoder.text.sections import canonical_name

        parts: list[Part] = []
        skipped: list[str] = []
        for i, comp in self.of_type("Composition"):
            if comp.status == "entered-in-error":
                skipped.append(f"entry[{i}] Composition entered-in-error")
                continue
            stack = [(s, f"Bundle.entry[{i}].section[{k}]") for k, s in enumerate(comp.section or [])]
            stack.reverse()
            while stack:
                sec, label = stack.pop()
                body = html_text(sec.text.div) if sec.text is not None and sec.text.div else ""
                title = (sec.title or "").strip().rstrip(":").rstrip()
                if body.strip():
                    name = canonical_name(title) if title else "other"
                    if name == "other":
                        name = _loinc_section(sec.code) or name
                    parts.append(Part(body, title=title, name=name, label=label))
                kids = [(s, f"{label}.section[{k}]") for k, s in enumerate(sec.section or [])]
                stack.extend(reversed(kids))
        for i, doc in self.of_type("DocumentReference"):
            label = f"Bundle.entry[{i}] (DocumentReference{'/' + doc.id if doc.id else ''})"
            if doc.status == "entered-in-error":
                skipped.append(f"entry[{i}] DocumentReference entered-in-error")
                continue
            note = None
            for k, content in enumerate(doc.content or []):
                att = content.attachment
                ctype, charset = _content_type(att.contentType)
                if ctype not in _TEXT_TYPES:
                    skipped.append(f"entry[{i}] {ctype}")
                    continue
                data = att.data
                if data is None and att.url:
                    bin_ = self.binary(att.url)
                    if bin_ is None:
                        skipped.append(f"entry[{i}] url {att.url!r} (not a Binary in the Bundle)")
                        continue
                    data = bin_.data
                    ctype2, charset2 = _content_type(bin_.contentType)
                    if bin_.contentType:
                        ctype, charset = ctype2, charset2 or charset
                if not data:
                    skipped.append(f"entry[{i}] attachment without data")
                    continue
                place = f"{label}.content[{k}].attachment"
                note, _enc = base.decode_bytes(data, self.name, charset, place=place)
                if ctype in ("text/html", "application/xhtml+xml"):
                    note = html_text(note)
                break
            if note is not None and note.strip():
                parts.append(Part(note, label=label.removeprefix("Bundle.")))
        return parts, skipped

    def conditions(self) -> list[StructuredCondition]:
        out = []
        for _, cond in self.of_type("Condition"):
            cc = cond.code
            if cc is None:
                continue
            codings = list(cc.coding or [])
            pick = next((c for c in codings if c.system == ICD10CM), codings[0] if codings else None)
            out.append(
                StructuredCondition(
                    code=pick.code if pick is not None else None,
                    system=pick.system if pick is not None else None,
                    display=(pick.display if pick is not None else None) or cc.text,
                    clinical_status=_first_code(cond.clinicalStatus),
                    verification_status=_first_code(cond.verificationStatus),
                    category=_first_code((cond.category or [None])[0]),
                )
            )
        return out


def _content_type(value: str | None) -> tuple[str, str | None]:
    if not value:
        return "text/plain", None
    main, _, rest = value.partition(";")
    charset = None
    for param in rest.split(";"):
        k, _, v = param.partition("=")
        if k.strip().lower() == "charset":
            charset = v.strip()
    return main.strip().lower(), charset


def _first_code(concept: Any) -> str | None:
    if concept is None:
        return None
    for c in concept.coding or []:
        if c.code:
            return str(c.code)
    return str(concept.text) if concept.text else None


def _loinc_section(concept: Any) -> str | None:
    if concept is None:
        return None
    for c in concept.coding or []:
        if c.code in LOINC_SECTIONS and (not c.system or "loinc" in c.system):
            return LOINC_SECTIONS[c.code]
    return None


def _identifier(resource: Any) -> str | None:
    for ident in resource.identifier or []:
        if ident.value:
            return str(ident.value)
    return str(resource.id) if resource.id else None


def read(text: str, ctx: ReadContext) -> Encounter:
    return _Reader(text, ctx).read()
