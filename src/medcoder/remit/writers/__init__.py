"""Remittance writers: ``x835`` writes X12 835 005010X221A1 files (generated remittances,
round trips)."""

from __future__ import annotations

from medcoder.remit.writers.x835 import write_835

__all__ = ["write_835"]
