"""The remittance code lists medcoder reads: what each is, its code shape, where it is published.

Every list is a CSV whose header is ``Code,Description`` (the layout of the copies exported
from X12's code-list pages); optional further columns ``Start``/``Start Date``, ``Stop``/
``Stop Date``, ``Last Modified`` and ``Notes`` are read when present. X12's pages print a code's
dates and notes after its description (``…treatment.Start: 01/01/1997 | Stop: 08/01/2004 |
Last Modified: 04/01/2007Notes: (Modified 4/1/07)``); exports often run them into the
description text, and the importer takes them out again into their own fields.

Dates (WPC / X12 code-list conventions): **Start** is when the code was first available;
**Last Modified** is the release in which its wording last changed; **Stop** is the last date
the code may be used in an original transaction (after it, only in derivative ones, such as a
reversal or a secondary claim reporting the original use).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RemitList:
    kind: str
    system: str  # the name on a code card
    title: str
    noun: str  # "a CARC": what one code is, in messages
    list_name: str  # "the claim adjustment reason code list", in messages
    code_re: re.Pattern[str]
    shape: str  # the code shape, in words, for error messages
    file_hint: str  # the usual file name
    numeric: bool = False  # leading zeros are not part of the code (CARC "045" is 45)
    split_run_in_notes: bool = False  # "amountThis adjustment …": a note run into the description


LISTS: dict[str, RemitList] = {
    "carc": RemitList(
        kind="carc",
        system="CARC",
        title="Claim adjustment reason code",
        noun="a CARC",
        list_name="the claim adjustment reason code (CARC) list",
        code_re=re.compile(r"^(?:[1-9]\d{0,2}|[ABDPWY]\d{1,2})$"),
        shape="1-999, or A, B, D, P, W or Y followed by digits (45, B15, P2)",
        file_hint="claim_adjustment_reason_codes.csv",
        numeric=True,
    ),
    "rarc": RemitList(
        kind="rarc",
        system="RARC",
        title="Remittance advice remark code",
        noun="a RARC",
        list_name="the remittance advice remark code (RARC) list",
        code_re=re.compile(r"^(?:MA\d{1,3}|M\d{1,3}|N\d{1,4})$"),
        shape="M, MA or N followed by digits (M15, MA130, N130)",
        file_hint="remittance_advice_remark_codes.csv",
    ),
    "claim-adjustment-groups": RemitList(
        kind="claim-adjustment-groups",
        system="CAS group code",
        title="Claim adjustment group code (835 CAS01)",
        noun="a claim adjustment group code",
        list_name="the claim adjustment group code list",
        code_re=re.compile(r"^(?:CO|CR|OA|PI|PR)$"),
        shape="CO, CR, OA, PI or PR",
        file_hint="claim_adjustment_group_codes.csv",
    ),
    "claim-status": RemitList(
        kind="claim-status",
        system="Claim status code",
        title="Claim status code (835 CLP02)",
        noun="a claim status code",
        list_name="the claim status code list",
        code_re=re.compile(r"^\d{1,2}$"),
        shape="one or two digits (1, 4, 22)",
        file_hint="claim_status_codes.csv",
        numeric=True,
    ),
    "plb-reasons": RemitList(
        kind="plb-reasons",
        system="PLB adjustment reason",
        title="Provider-level adjustment reason code (835 PLB03-1)",
        noun="a PLB adjustment reason code",
        list_name="the provider-level (PLB) adjustment reason code list",
        code_re=re.compile(r"^[0-9A-Z]{2}$"),
        shape="two letters or digits (WO, L6, 72)",
        file_hint="provider_adjustment_reason_codes.csv",
        split_run_in_notes=True,
    ),
}

# a file given as the wrong kind is recognised by these lists' distinctive code shapes
GUESS_ORDER = ("rarc", "carc")

# the date fields printed after a description, and a run-in note
DATE_RE = re.compile(r"(Start|Stop|Last Modified):\s*(\S+)")
FIRST_DATE_RE = re.compile(r"(?:Start|Stop|Last Modified):\s*\d{1,2}/\d{1,2}/\d{4}")
RUN_IN_NOTE_RE = re.compile(r"(?<=[a-z])(?=[A-Z][a-z])")
GROUPS_RE = re.compile(
    r"Use only with Group Codes?\s+((?:CO|CR|OA|PI|PR)(?:\s*(?:,|or|and|/)\s*(?:CO|CR|OA|PI|PR))*)"
)

# optional columns, by their header (lower case, spaces collapsed)
COLUMNS = {
    "start": "start",
    "start date": "start",
    "effective date": "start",
    "stop": "stop",
    "stop date": "stop",
    "deactivation date": "stop",
    "last modified": "modified",
    "last modified date": "modified",
    "notes": "notes",
}


def normalize(lst: RemitList, code: str) -> str:
    c = code.strip().upper()
    if lst.numeric and c.isdigit():
        return str(int(c))
    return c


def shown(path: Path) -> str | Path:
    """How an error names a file: a member unpacked from a zip into a temporary folder by its
    own name (the temporary folder is gone when the user reads the message)."""
    if any(p.startswith((".staging-", "medcoder-unzip-")) for p in path.parts[:-1]):
        return f"{path.name} (in the zip)"
    return path
