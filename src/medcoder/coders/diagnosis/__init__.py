"""The ICD-10-CM diagnosis coder (``engine.DiagnosisCoder``); see ``docs/coding.md``."""
