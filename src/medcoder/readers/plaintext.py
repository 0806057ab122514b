"""Plain text notes (``.txt`` or anything that is not JSON or HL7 v2).

The text is kept exactly as decoded (line endings included), so offsets index the file's text;
sections are found by heading. Nothing in a plain note says the setting, the date or the
patient: they come from the caller (setting defaults to outpatient).
"""

from __future__ import annotations

from medcoder.encounter import Encounter
from medcoder.readers.base import ReadContext

FORMAT = "text"


def read(text: str, ctx: ReadContext) -> Encounter:
    from medcoder.text.sections import find_sections

    ctx.check_note(text)
    ov = ctx.overrides
    return Encounter(
        text=text,
        setting=ov.setting or "outpatient",
        date_of_service=ov.date_of_service,
        patient_age=ov.age,
        patient_sex=ov.sex or "U",
        sections=find_sections(text),
        source_format=FORMAT,
        source_name=ctx.name,
    )
