"""Code cards for ``medcoder show``: everything a coder's encoder shows for one code."""

from __future__ import annotations

import datetime as _dt
import logging
from typing import Any

from medcoder.codesets.kb import KnowledgeBase, default_kb
from medcoder.codesets.validate import _entry_dict, _history, detect_systems, validate_icd10cm
from medcoder.dates import parse_date
from medcoder.errors import DataError, UnknownCodeError

log = logging.getLogger(__name__)

# system → (table kind, history system name)
_KINDS = {
    "ICD-10-CM": ("icd10cm-tabular", "ICD-10-CM"),
    "ICD-10-PCS": ("icd10pcs", None),
    "HCPCS": ("hcpcs", "HCPCS"),
    "CPT": ("cpt", "CPT"),
}


def _opened_card(kb: KnowledgeBase, kind: str, code: str, dos: _dt.date) -> tuple[dict[str, Any] | None, Any]:
    if not kb.store.tables(kind) and kind != "icd10cm-tabular":
        return None, None
    try:
        opened = kb.open(kind, dos)
    except DataError:
        return None, None
    card = opened.reader.card(code)
    if card is not None:
        card.setdefault("release", opened.release)
        if opened.notice:
            card["notice"] = opened.notice
    return card, opened


def code_cards(code: str, date_of_service: _dt.date | str | None = None, kb: KnowledgeBase | None = None) -> list[dict[str, Any]]:
    """Every card the loaded tables hold for ``code`` (a code may be shaped like several systems)."""
    kb = kb or default_kb()
    dos = parse_date(date_of_service)
    c = code.strip().upper()
    cards: list[dict[str, Any]] = []
    for system in detect_systems(c):
        kind, hist_system = _KINDS[system]
        card: dict[str, Any] | None = None
        if system == "ICD-10-CM":
            card, _ = _opened_card(kb, kind, c, dos)
            v = validate_icd10cm(c, dos, kb)
            if card is None and not v.history:
                continue
            if card is None:
                card = {"system": system, "code": v.code, "title": None, "billable": False}
            index_entries = _index_entries(kb, v.code, dos)
            if index_entries:
                card["index_entries"] = index_entries
            card["validity"] = {
                "date_of_service": dos.isoformat(),
                "valid": v.valid,
                "reason": v.reason,
                "replacements": v.replacements,
                "suggestion": v.suggestion,
                "notice": v.notice,
            }
        elif system == "CPT":
            card = _cpt_card(kb, c, dos)
        else:
            card, _ = _opened_card(kb, kind, c, dos)
            if card is None and system == "HCPCS":
                card = _pfs_card(kb, c, dos)
        if card is not None and system in ("CPT", "HCPCS"):
            _add_edits(kb, card, c, dos)
        if hist_system is not None:
            entries = _history(hist_system, c)
            if entries:
                if card is None:
                    card = {"system": system, "code": c, "title": None}
                card["history"] = [_entry_dict(e) for e in entries]
                deleted = [e for e in entries if e.change == "deleted" and dos >= e.effective]
                if deleted and system != "ICD-10-CM":
                    e = deleted[-1]
                    card["validity"] = {
                        "date_of_service": dos.isoformat(),
                        "valid": False,
                        "reason": f"{c} was deleted on {e.effective.isoformat()}; report "
                        + " / ".join(e.replacements) + " instead",
                        "replacements": list(e.replacements),
                    }
        if card is not None:
            card.setdefault("system", system)
            cards.append(card)
    if not cards:
        systems = detect_systems(c)
        hint = (
            f"shaped like {' or '.join(systems)}, but no loaded table knows it"
            if systems
            else "not shaped like an ICD-10-CM, ICD-10-PCS, HCPCS or CPT code"
        )
        raise UnknownCodeError(f"{code!r}: {hint}")
    return cards


def _index_entries(kb: KnowledgeBase, code: str, dos: _dt.date) -> list[Any]:
    """Alphabetic Index entries that lead to the code, when an index is loaded."""
    out: list[Any] = []
    for kind in ("icd10cm-index", "icd10cm-eindex", "icd10cm-drug", "icd10cm-neoplasm"):
        card, _ = _opened_card(kb, kind, code, dos)
        if card:
            out.extend({"source": kind, **e} for e in card.get("entries", [])[:10])
    return out


def _cpt_card(kb: KnowledgeBase, code: str, dos: _dt.date) -> dict[str, Any] | None:
    card, _ = _opened_card(kb, "cpt", code, dos)
    if card is None:
        try:
            from medcoder.codesets.cpt import card_without_licence
        except ImportError:  # pragma: no cover
            return None
        card = card_without_licence(code)
    if card is not None:
        pfs = _pfs_card(kb, code, dos)
        if pfs is not None:
            card["fee_schedule"] = pfs
    return card


EDIT_KINDS = (
    ("mue-practitioner", "mue_practitioner"),
    ("mue-hospital", "mue_hospital"),
    ("mue-dme", "mue_dme"),
    ("ncci-ptp-practitioner", "ncci_ptp_practitioner"),
    ("ncci-ptp-hospital", "ncci_ptp_hospital"),
)


def _add_edits(kb: KnowledgeBase, card: dict[str, Any], code: str, dos: _dt.date) -> None:
    """MUE values and NCCI PTP edit counts, for the tables that are loaded."""
    for kind, key in EDIT_KINDS:
        if not kb.has(kind):
            continue
        found, _ = _opened_card(kb, kind, code, dos)
        if found:
            card[key] = found


def _pfs_card(kb: KnowledgeBase, code: str, dos: _dt.date) -> dict[str, Any] | None:
    card, _ = _opened_card(kb, "pfs-rvu", code, dos)
    return card
