"""Denial root causes: each denied or reduced 835 line → a category, an action and a reference.

The mapping is data (``rules.yaml``: CARCs from the X12 Claim Adjustment Reason Code list,
narrowed by CAS01 group code, RARC remarks, modifiers or crossover); :func:`classify` applies it
to a :class:`~medcoder.remit.model.ClaimPayment`. PyYAML is imported only when rules are loaded.
"""

from __future__ import annotations

from .classify import (
    ACTIONS,
    CATEGORIES,
    NOT_DENIALS,
    Rule,
    RuleSet,
    classify,
    default_rules,
    load_rules,
)

__all__ = [
    "ACTIONS",
    "CATEGORIES",
    "NOT_DENIALS",
    "Rule",
    "RuleSet",
    "classify",
    "default_rules",
    "load_rules",
]
