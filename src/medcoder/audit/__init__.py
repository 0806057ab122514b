"""Audits and investigations: re-review billed claims against their documentation, quantify
what was paid wrongly, sample and extrapolate, spot provider patterns, and write the workbook.

- ``model``: AuditClaim / AuditLine (what was billed and paid), Documentation, Finding,
  ClaimReview, AuditRun;
- ``inputs``: claim-line CSV extracts, 837 files, documentation folders, 835 paid amounts,
  member enrolment / date of death;
- ``review`` + ``checks/``: the re-review, one module per finding family;
- ``sampling``, ``extrapolate``: reproducible samples and the overpayment estimate with the lower
  bound of the two-sided 90% confidence interval;
- ``patterns``: E/M level distribution per provider against the peers;
- ``report``: the audit workbook (HTML, PDF, CSV, JSON, charts).

Nothing heavy is imported here.
"""
