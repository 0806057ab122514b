"""What the CMS NCCI files say, field by field, and how their names carry the release.

PTP (procedure-to-procedure) edit files, one set per setting, each split in parts::

    ccipra-v322r0-f1.txt … -f4.txt    practitioner (Medicare Part B, ASC)
    ccioph-v322r0-f1.txt … -f4.txt    outpatient hospital (OPPS / IOCE)

``v322r0`` is version 32.2, revision 0: the major number counts years from 1994 (32 → 2026)
and the minor digit the quarter from 0 (2 → Q3, in force from July 1). Each part is a
tab-delimited text (the zip may also hold the same part as ``.xlsx``): a few copyright lines,
then the column header, then one edit per line::

    Column 1 | Column 2 | *=in existence prior to 1996 | Effective Date | Deletion Date *=no data |
    Modifier 0=not allowed 1=allowed 9=not applicable | PTP Edit Rationale

MUE (medically unlikely edit) tables, one per setting, CSV (and ``.xlsx``)::

    MCR_MUE_PractitionerServices_Eff_07-01-2026.csv
    MCR_MUE_OutpatientHospitalServices_Eff_07-01-2026.csv
    MCR_MUE_DMESupplierServices_Eff_07-01-2026.csv

a quoted copyright cell, then ``HCPCS/CPT Code, <Setting> Services MUE Values, MUE Adjudication
Indicator, MUE Rationale``; the indicator cell is the digit and its meaning
("2 Date of Service Edit: Policy").
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from pathlib import Path

# -- PTP ---------------------------------------------------------------------------------------

MODIFIER_INDICATOR = {
    0: "not allowed: no modifier bypasses the edit",
    1: "allowed: an NCCI-associated modifier (59, XE, XS, XP, XU, anatomic …) may bypass the "
    "edit when the services are distinct",
    9: "not applicable: the edit was deleted retroactively and does not apply",
}

# setting → the three letters in the CMS file name, and the words used in messages
PTP_SETTINGS = {
    "practitioner": ("pra", "practitioner"),
    "hospital": ("oph", "outpatient hospital"),
}

# a HCPCS/CPT code as the NCCI files print it: five letters or digits (99213, 0001A, J1100, 0591T)
CODE_RE = re.compile(r"^[A-Z0-9]{5}$")

_VERSION_RE = re.compile(r"cci(pra|oph)[-_ ]?v(\d{2})(\d)r(\d+)", re.IGNORECASE)
_QUARTER_RE = re.compile(r"(?<!\d)(20\d\d)[-_ ]?q([1-4])(?![0-9])", re.IGNORECASE)
_PART_RE = re.compile(r"[-_]f(\d{1,2})(?![0-9])", re.IGNORECASE)
_MUE_EFF_RE = re.compile(r"eff[-_ ]?(\d{1,2})[-_](\d{1,2})[-_](\d{4})", re.IGNORECASE)

# -- MUE ---------------------------------------------------------------------------------------

MAI = {
    1: "Line Edit: the units on each claim line are checked against the MUE value",
    2: "Date of Service Edit: Policy: the units of all lines for the date of service are "
    "added up; an absolute limit set by policy (an appeal cannot pay more)",
    3: "Date of Service Edit: Clinical: the units of all lines for the date of service are "
    "added up; a clinical limit (documentation of medical necessity may support more on appeal)",
}

# setting → (name in the CMS file name, words in the MUE value column header, words for messages)
MUE_SETTINGS = {
    "practitioner": ("PractitionerServices", "practitioner", "practitioner services"),
    "hospital": ("OutpatientHospitalServices", "outpatient hospital", "outpatient hospital services"),
    "dme": ("DMESupplierServices", "dme supplier", "DME supplier services"),
}


# -- releases ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quarter:
    """A quarterly NCCI release: ``2026Q3`` is in force 2026-07-01 to 2026-09-30."""

    year: int
    quarter: int

    @property
    def label(self) -> str:
        return f"{self.year}Q{self.quarter}"

    @property
    def start(self) -> _dt.date:
        return _dt.date(self.year, 3 * self.quarter - 2, 1)

    @property
    def end(self) -> _dt.date:
        if self.quarter == 4:
            return _dt.date(self.year, 12, 31)
        return _dt.date(self.year, 3 * self.quarter + 1, 1) - _dt.timedelta(days=1)

    @classmethod
    def of(cls, d: _dt.date) -> Quarter:
        return cls(d.year, (d.month - 1) // 3 + 1)


@dataclass(frozen=True)
class PtpName:
    """What a PTP file name says: setting, version, quarter and part."""

    setting: str | None  # practitioner | hospital | None (not in the name)
    version: str | None  # "v322r0"
    quarter: Quarter
    part: int


def ptp_name(name: str) -> PtpName | None:
    """Read ``ccipra-v322r0-f1.txt`` (or a name holding ``2026Q3``); None when neither is there."""
    part_m = _PART_RE.search(name)
    part = int(part_m.group(1)) if part_m else 1
    m = _VERSION_RE.search(name)
    if m:
        minor = int(m.group(3))
        if minor > 3:
            return None
        setting = "practitioner" if m.group(1).lower() == "pra" else "hospital"
        version = f"v{m.group(2)}{m.group(3)}r{m.group(4)}"
        return PtpName(setting, version, Quarter(1994 + int(m.group(2)), minor + 1), part)
    q = _QUARTER_RE.search(name)
    if q:
        return PtpName(None, None, Quarter(int(q.group(1)), int(q.group(2))), part)
    return None


def mue_effective(name: str) -> _dt.date | None:
    """The date in ``…_Eff_07-01-2026.csv``, else the first day of a ``2026Q3`` in the name."""
    m = _MUE_EFF_RE.search(name)
    if m:
        try:
            return _dt.date(int(m.group(3)), int(m.group(1)), int(m.group(2)))
        except ValueError:
            return None
    q = _QUARTER_RE.search(name)
    if q:
        return Quarter(int(q.group(1)), int(q.group(2))).start
    return None


def yyyymmdd(text: str) -> _dt.date | None:
    """``20260701`` → date; None when it is not such a date."""
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return _dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def excel_serial(text: str) -> _dt.date | None:
    """An Excel date serial (``46204``) as a date; None when it is not one."""
    try:
        n = float(text)
    except ValueError:
        return None
    if not (1 <= n < 2958466) or not n.is_integer():
        return None
    return _dt.date(1899, 12, 30) + _dt.timedelta(days=int(n))


def cell_text(value: str) -> str:
    """A spreadsheet cell as the text file would print it (``80053.0`` → ``80053``)."""
    v = value.strip()
    if v.endswith(".0") and v[:-2].isdigit():
        return v[:-2]
    return v


def shown(path: Path) -> str | Path:
    """How an error names a file: a member unpacked from a zip into a temporary folder by its
    own name (the temporary folder is gone when the user reads the message)."""
    if any(p.startswith((".staging-", "medcoder-unzip-")) for p in path.parts[:-1]):
        return f"{path.name} (in the zip)"
    return path
