"""HL7 v2 messages with a note: MDM (T02, T04, T06, T08, T10…) and ORU (R01).

Segments may end in ``\\r`` (the standard), ``\\n`` or ``\\r\\n``; an MLLP frame (0B … 1C) and
batch/file header segments (FHS, BHS, BTS, FTS) are taken off. One message per document.

* PID-3 patient id, PID-7 birth date (age in whole years at the date of service; a partial
  date counts from its first day), PID-8 sex (table 0001: F, M; O, U, A, N, X -> U).
* PV1-2 patient class (table 0004): E emergency; I, B inpatient; O, R, P outpatient;
  C, N, U or empty: outpatient unless given. PV1-19 visit number -> encounter id.
* Date of service: PV1-45 discharge date for inpatient stays (the discharge date selects the
  code set), else PV1-44 admit date, else TXA-4 activity date, TXA-6 origination date, OBR-7
  observation date, OBX-14.
* Note text: OBX segments of value type TX, FT or ST (and ED holding base64 text/plain), in
  order; OBX-5 repetitions and ``\\.br\\`` become line breaks, one line per OBX; notes under
  different TXA/OBR segments are separated by a blank line. OBX-11 W (wrong) and D (deleted)
  are left out. Escapes ``\\F\\ \\S\\ \\T\\ \\R\\ \\E\\ \\Xhh\\`` are undone; formatting commands
  (``\\.sp\\``, ``\\.in\\``, ``\\H\\``…) become line breaks or nothing.
* DG1-3 (code^text^system) -> ``StructuredCondition``; DG1-6 A/W/F -> category
  admitting/working/final.

The ``hl7`` package parses the message; medcoder undoes the escapes itself (the package's
unescape logs the field's text when it meets a bad sequence, and note text is never logged).
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import re
from typing import Any

from medcoder.encounter import Encounter, Setting, StructuredCondition
from medcoder.errors import FileFormatError, InputError
from medcoder.readers import base
from medcoder.readers.base import Part, ReadContext

FORMAT = "hl7v2"
MESSAGE_TYPES = ("MDM", "ORU")
TEXT_TYPES = ("TX", "FT", "ST")
PATIENT_CLASS: dict[str, Setting | None] = {
    "E": "emergency",
    "I": "inpatient",
    "B": "inpatient",
    "O": "outpatient",
    "R": "outpatient",
    "P": "outpatient",
    "C": None,
    "N": None,
    "U": None,
}
_SEX = {"F": "F", "M": "M", "O": "U", "U": "U", "A": "U", "N": "U", "X": "U"}
_DG1_TYPE = {"A": "admitting", "W": "working", "F": "final"}
# HL7 v2 coding system names (table 0396) -> FHIR system URIs
CODING_SYSTEMS = {
    "I10C": "http://hl7.org/fhir/sid/icd-10-cm",
    "ICD10CM": "http://hl7.org/fhir/sid/icd-10-cm",
    "ICD-10-CM": "http://hl7.org/fhir/sid/icd-10-cm",
    "I10": "http://hl7.org/fhir/sid/icd-10",
    "I9C": "http://hl7.org/fhir/sid/icd-9-cm",
    "I9CDX": "http://hl7.org/fhir/sid/icd-9-cm",
    "SCT": "http://snomed.info/sct",
    "SNOMEDCT": "http://snomed.info/sct",
}
_SEGMENT_SPLIT = re.compile(r"\r\n|\r|\n")
_SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{2}$")
_BATCH = ("FHS", "BHS", "BTS", "FTS")


class _Seg:
    """A segment with its line number; fields by HL7 number (MSH-9 is ``f(9)``)."""

    def __init__(self, seg: Any, line: int) -> None:
        self.seg = seg
        self.line = line
        self.id = str(seg[0])

    def f(self, n: int) -> str:
        try:
            return str(self.seg[n]) if n < len(self.seg) else ""
        except (IndexError, KeyError):
            return ""


class _Reader:
    def __init__(self, text: str, ctx: ReadContext) -> None:
        self.text = text
        self.ctx = ctx
        self.name = ctx.name

    def fail(self, message: str, line: int | None = None) -> FileFormatError:
        return FileFormatError(message, path=self.name, line=line)

    def where(self, seg: _Seg) -> str:
        return f"{self.name}:{seg.line}"

    def parse(self) -> list[_Seg]:
        import hl7

        body = self.text
        if body.startswith("\ufeff"):
            body = body[1:]
        body = body.lstrip(" \t\r\n\x0b").rstrip(" \t\r\n\x1c")
        lines: list[tuple[int, str]] = []
        for n, line in enumerate(_SEGMENT_SPLIT.split(body), start=1):
            line = line.strip("\x0b\x1c")
            if line.strip():
                lines.append((n, line))
        msh = [(n, s) for n, s in lines if s.startswith("MSH")]
        if not msh:
            first = lines[0][1][:3] if lines else ""
            raise self.fail(
                f"no MSH segment: an HL7 v2 message starts with 'MSH|^~\\&|' (the first "
                f"segment here is {first!r})",
                line=lines[0][0] if lines else None,
            )
        if len(msh) > 1:
            raise self.fail(
                f"{len(msh)} messages in one document (MSH at lines "
                f"{', '.join(str(n) for n, _ in msh)}); give one message per document",
                line=msh[1][0],
            )
        lines = [(n, s) for n, s in lines if s[:3] not in _BATCH]
        if not lines[0][1].startswith("MSH"):
            n, s = lines[0]
            raise self.fail(f"the message must start with MSH, not {s[:3]!r}", line=n)
        n0, head = lines[0]
        if len(head) < 8 or head[3].isalnum() or head[3].isspace():
            raise self.fail(
                "MSH segment too short or without separators: expected 'MSH|^~\\&|…'", line=n0
            )
        sep = head[3]
        for n, s in lines[1:]:
            seg_id = s.split(sep, 1)[0]
            if not _SEGMENT_ID.match(seg_id):
                raise self.fail(
                    "not an HL7 segment: the line does not start with a segment id (three "
                    f"capitals or digits, then {sep!r}); a line break inside a field must be "
                    "written \\.br\\",
                    line=n,
                )
        try:
            msg = hl7.parse("\r".join(s for _, s in lines))
        except Exception as e:  # hl7 raises ParseException, IndexError… on broken headers
            raise self.fail(f"cannot parse the HL7 message ({type(e).__name__})", line=n0) from None
        if len(msg) != len(lines):
            raise self.fail("cannot parse the HL7 message (segments lost)", line=n0)
        self.sep = {
            "F": sep,
            "S": head[4],
            "R": head[5] if len(head) > 5 else "~",
            "E": head[6] if len(head) > 6 else "\\",
            "T": head[7] if len(head) > 7 and head[7] != sep else "&",
        }
        return [_Seg(seg, n) for seg, (n, _) in zip(msg, lines, strict=False)]

    def read(self) -> Encounter:
        segs = self.parse()
        ov = self.ctx.overrides
        msh = segs[0]
        mtype = msh.f(9)
        kind = mtype.split(self.sep["S"])[0]
        if kind not in MESSAGE_TYPES:
            raise self.fail(
                f"MSH-9 message type {mtype!r} carries no note; expected MDM (T02, T04, T06, "
                "T08, T10) or ORU (R01)",
                line=msh.line,
            )
        first = {s.id: s for s in reversed(segs)}
        pid, pv1 = first.get("PID"), first.get("PV1")

        parts, skipped = self.notes(segs)
        if not parts:
            more = f"; passed over {', '.join(skipped)}" if skipped else ""
            raise self.fail(
                f"no note text in the {kind} message: expected OBX segments with value type "
                f"TX, FT or ST (or ED base64 text/plain) after the TXA or OBR{more}"
            )
        text, sections, spans = base.join_parts(parts)
        self.ctx.check_note(text)

        setting = ov.setting
        if setting is None:
            setting = self.setting(pv1) if pv1 is not None else "outpatient"
        dos, dos_from = ov.date_of_service, "argument"
        if dos is None:
            dos, dos_from = self.date_of_service(segs, setting)
        age, sex, patient_id = ov.age, ov.sex, None
        if pid is not None:
            patient_id = self.component(pid.f(3).split(self.sep["R"])[0], 0) or None
            raw_sex = pid.f(8).strip()
            if sex is None and raw_sex:
                if raw_sex.upper() not in _SEX:
                    raise InputError(
                        f"PID-8 sex {raw_sex!r} is not in HL7 table 0001; expected F, M, O, U, "
                        "A, N or X",
                        where=self.where(pid),
                    )
                sex = _SEX[raw_sex.upper()]  # type: ignore[assignment]
            raw_birth = self.component(pid.f(7), 0)
            if age is None and raw_birth:
                birth = base.date_value(
                    raw_birth, "PID-7 birth date", self.where(pid), partial=True
                )
                age = base.age_at(birth, dos or _dt.date.today(), "PID-7", self.where(pid))
        encounter_id = self.component(pv1.f(19), 0) if pv1 is not None else ""
        metadata: dict[str, Any] = {"documents": spans, "message_type": mtype}
        if dos is not None:
            metadata["date_of_service_from"] = dos_from
        txa = first.get("TXA")
        if txa is not None and txa.f(2):
            metadata["document_type"] = self.unescape(self.component(txa.f(2), 0))
        if txa is not None and txa.f(12):
            metadata["document_id"] = self.component(txa.f(12), 0)
        return Encounter(
            text=text,
            setting=setting,
            date_of_service=dos,
            patient_age=age,
            patient_sex=sex or "U",
            encounter_id=encounter_id or None,
            patient_id=patient_id,
            sections=sections,
            conditions=self.conditions(segs),
            source_format=FORMAT,
            source_name=self.name,
            metadata=metadata,
        )

    # -- fields -------------------------------------------------------------------------------
    def component(self, field: str, i: int) -> str:
        comps = field.split(self.sep["S"])
        return comps[i].strip() if i < len(comps) else ""

    def setting(self, pv1: _Seg) -> Setting:
        code = self.component(pv1.f(2), 0).upper()
        if not code:
            return "outpatient"
        if code not in PATIENT_CLASS:
            raise InputError(
                f"PV1-2 patient class {code!r} is not in HL7 table 0004; expected one of: "
                f"{', '.join(PATIENT_CLASS)} (E emergency, I inpatient, O outpatient…)",
                where=self.where(pv1),
            )
        return PATIENT_CLASS[code] or "outpatient"

    def date_of_service(self, segs: list[_Seg], setting: str) -> tuple[_dt.date | None, str]:
        fields: list[tuple[str, int]] = []
        if setting == "inpatient":
            fields.append(("PV1", 45))
        fields += [("PV1", 44), ("TXA", 4), ("TXA", 6), ("OBR", 7), ("OBX", 14)]
        for seg_id, n in fields:
            for s in segs:
                if s.id != seg_id:
                    continue
                value = self.component(s.f(n).split(self.sep["R"])[0], 0)
                if value:
                    place = f"{seg_id}-{n}"
                    return base.date_value(value, f"{place} date", self.where(s)), place
        return None, ""

    # -- notes --------------------------------------------------------------------------------
    def notes(self, segs: list[_Seg]) -> tuple[list[Part], list[str]]:
        parts: list[Part] = []
        skipped: list[str] = []
        lines: list[str] = []
        label = None

        def flush() -> None:
            if lines and any(x.strip() for x in lines):
                parts.append(Part("\n".join(lines), label=label))
            lines.clear()

        for s in segs:
            if s.id in ("TXA", "OBR"):
                flush()
                label = f"{s.id} line {s.line}"
                continue
            if s.id != "OBX":
                continue
            if label is None:
                label = f"OBX line {s.line}"
            vtype = s.f(2).strip().upper()
            status = s.f(11).strip().upper()
            if status in ("W", "D"):
                skipped.append(f"OBX line {s.line} (status {status})")
                continue
            raw = s.f(5)
            if vtype in TEXT_TYPES:
                reps = raw.split(self.sep["R"])
                lines.append("\n".join(self.unescape(r) for r in reps))
            elif vtype == "ED":
                note = self.encapsulated(raw, s)
                if note is None:
                    skipped.append(f"OBX line {s.line} (ED not text/plain)")
                else:
                    lines.append(note)
            elif raw:
                skipped.append(f"OBX line {s.line} (value type {vtype or 'empty'})")
        flush()
        return parts, skipped

    def encapsulated(self, raw: str, s: _Seg) -> str | None:
        """OBX-5 of type ED: source^type^subtype^encoding^data; text/plain only."""
        comps = raw.split(self.sep["S"])
        if len(comps) < 5:
            return None
        kind, sub, enc = (c.strip().upper() for c in comps[1:4])
        if kind not in ("TEXT", "TX") or sub not in ("PLAIN", "TXT", ""):
            return None
        payload = self.sep["S"].join(comps[4:])
        if enc in ("BASE64", "B64"):
            try:
                blob = base64.b64decode("".join(payload.split()), validate=True)
            except (binascii.Error, ValueError):
                raise self.fail("OBX-5 ED data is not valid base64", line=s.line) from None
            text, _ = base.decode_bytes(blob, self.name, place=f"OBX-5 (line {s.line})")
            return text
        if enc in ("A", "ASCII", "NONE", ""):
            return self.unescape(payload)
        return None

    def unescape(self, value: str) -> str:
        esc = self.sep["E"]
        if esc not in value:
            return value
        out: list[str] = []
        i, n = 0, len(value)
        while i < n:
            c = value[i]
            if c != esc:
                out.append(c)
                i += 1
                continue
            j = value.find(esc, i + 1)
            if j < 0:
                out.append(value[i:])  # an unterminated escape stays as written
                break
            out.append(self._sequence(value[i + 1 : j]))
            i = j + 1
        return "".join(out)

    def _sequence(self, seq: str) -> str:
        if seq in self.sep:
            return {"F": self.sep["F"], "S": self.sep["S"], "R": self.sep["R"],
                    "E": self.sep["E"], "T": self.sep["T"]}[seq]
        if seq in ("H", "N", ".fi", ".nf"):
            return ""
        if seq in (".br", ".ce"):
            return "\n"
        if seq.startswith(".sp"):
            count = seq[3:].strip().lstrip("+")
            return "\n" * (int(count) if count.isdigit() else 1)
        if seq.startswith(".sk"):
            count = seq[3:].strip().lstrip("+")
            return " " * (int(count) if count.isdigit() else 1)
        if seq.startswith((".in", ".ti")):
            return ""
        if seq.startswith("X") and len(seq) > 1:
            try:
                blob = bytes.fromhex(seq[1:])
            except ValueError:
                return ""
            try:
                return blob.decode("utf-8")
            except UnicodeDecodeError:
                return blob.decode("latin-1")
        return ""  # character set switches (C, M) and site escapes (Z) are dropped

    # -- diagnoses ----------------------------------------------------------------------------
    def conditions(self, segs: list[_Seg]) -> list[StructuredCondition]:
        out = []
        for s in segs:
            if s.id != "DG1":
                continue
            cwe = s.f(3)
            code = self.unescape(self.component(cwe, 0))
            display = self.unescape(self.component(cwe, 1)) or self.unescape(s.f(4)).strip()
            system = self.component(cwe, 2)
            if not code and not display:
                continue
            out.append(
                StructuredCondition(
                    code=code or None,
                    system=CODING_SYSTEMS.get(system.upper(), system) or None,
                    display=display or None,
                    category=_DG1_TYPE.get(s.f(6).strip().upper()) or (s.f(6).strip() or None),
                )
            )
        return out


def read(text: str, ctx: ReadContext) -> Encounter:
    return _Reader(text, ctx).read()
