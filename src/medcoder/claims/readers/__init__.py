"""Claim readers: one module per format (``x837p``: X12 837P 005010X222A1)."""
