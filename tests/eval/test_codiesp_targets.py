"""The coder on the real CodiEsp dev split: the issues' targets, as a regression guard.

Measured with the bundled tabular, the FY2025 Index and Neoplasm Table, and the ICD-10-PCS
FY2026 tables and FY2025 Index from ../shared; the site model (phrases, priors and the ranker)
is learned from train only. Diagnoses have targets (issue 4: MAP 0.40 alone, 0.50 learned);
procedures (ICD-10-PCS, issue 5) have none, and are guarded at what they reached. docs/evaluation.md has
the full numbers and the error analysis.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from medcoder.eval.codiesp import default_predictor, evaluate, load_split
from medcoder.learn.codiesp import learn_codiesp


@pytest.mark.shared
def test_codiesp_dev_map_without_and_with_learning(shared_data: Path, tabular_kb: Any) -> None:
    icd = shared_data / "icd10cm"
    tabular_kb.import_file("icd10cm-index", icd / "icd10cm-index-2025-reconstructed.xml")
    tabular_kb.import_file("icd10cm-neoplasm", icd / "icd-10-cm-neoplasm-2025.xml")
    tabular_kb.import_file("icd10pcs", shared_data / "icd10pcs" / "icd10pcs_tables_2026.xml")
    tabular_kb.import_file("icd10pcs-index", shared_data / "icd10pcs" / "icd10pcs_index_2025.xml")
    codiesp = shared_data / "codiesp"
    dev = load_split(codiesp, "dev")

    alone = evaluate(dev, default_predictor(None), name="coder")
    assert alone.diagnoses is not None and not alone.failures
    assert alone.diagnoses.codes.map >= 0.40, alone.diagnoses.codes
    assert alone.procedures is not None and alone.procedures.codes_prefix is not None
    assert alone.procedures.codes.map >= 0.28, alone.procedures.codes
    assert alone.procedures.codes_prefix.map >= alone.procedures.codes.map

    model = learn_codiesp(codiesp, "train")
    assert model.ranker is not None and model.ranker.provenance["documents"] == 500
    learned = evaluate(dev, default_predictor(model), name="coder + site model")
    assert learned.diagnoses is not None and not learned.failures
    assert learned.diagnoses.codes.map >= 0.50, learned.diagnoses.codes
    assert learned.diagnoses.codes.recall > alone.diagnoses.codes.recall
    assert learned.procedures is not None and learned.procedures.codes.map >= 0.32, learned.procedures.codes
