"""Prepare the fix for a denial: a corrected claim (frequency 7 replacement, 8 void) or an
appeal letter.

- :mod:`.corrected`: :func:`propose_corrections` (the changes, with evidence, each applied or
  left for review) and :func:`corrected_claim` (the new claim, re-scrubbed);
- :mod:`.appeal`: :func:`appeal_letter` (Markdown) and :func:`appeal_pdf` (reportlab, imported
  only when a PDF is made).
"""

from __future__ import annotations

from medcoder.remit.fix.appeal import appeal_letter, appeal_pdf
from medcoder.remit.fix.corrected import Change, Corrected, corrected_claim, propose_corrections

__all__ = ["Change", "Corrected", "appeal_letter", "appeal_pdf", "corrected_claim", "propose_corrections"]
