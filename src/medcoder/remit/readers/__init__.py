"""Remittance readers: ``x835`` reads X12 835 005010X221A1 payment/advice files into
:class:`medcoder.remit.model.Remittance` objects (one per ST…SE transaction)."""

from __future__ import annotations

from medcoder.remit.readers.x835 import RemitBatch, read_835, read_835_files, read_835_text

__all__ = ["RemitBatch", "read_835", "read_835_files", "read_835_text"]
