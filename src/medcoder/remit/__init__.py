"""Remittance: read X12 835 payment/advice files, explain every adjustment, match them to
medcoder's claims, classify denials and prepare the fix.

- ``model``: the remittance as medcoder sees it (:class:`Remittance` → :class:`ClaimPayment` →
  :class:`ServicePayment`, with :class:`Adjustment` and :class:`ProviderAdjustment`);
- ``readers.x835``: the 835 005010X221A1 reader; ``writers.x835``: the 835 writer used for
  generated remittances and round trips;
- ``explain``: CARC/RARC/group/status wording from the imported code lists;
- ``match``: remittance claims and lines against the claims medcoder produced;
- ``denials``: root-cause categories and recommended actions (data, with references);
- ``fix``: corrected claims (frequency 7) and appeal letters;
- ``report``: denial analytics (tables, CSV/JSON, chart).

Nothing heavy is imported here.
"""
