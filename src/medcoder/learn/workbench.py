"""Learn a site model from the workbench's own coders ("accepted decisions feed learn").

Every encounter the workbench's coders completed (status coded or released) is one training
document: the note text, the final codes (accepted, edited, added) and the evidence spans they
kept (``Workbench.learn_examples``, ``workbench.learnfeed``). The model is built by the same
``SiteModelBuilder`` as the CodiEsp one and saved to the data dir by the caller
(``medcoder learn --workbench``); its provenance names the database (password hidden), the
number of encounters and the date.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from medcoder.errors import InputError
from medcoder.learn.builder import SiteModelBuilder
from medcoder.learn.model import SiteModel

__all__ = ["learn_workbench"]


def learn_workbench(
    settings: Any = None, *, min_support: int = 2, min_precision: float = 0.3
) -> SiteModel:
    """A site model from the coded encounters of the workbench database in ``settings``
    (``workbench.Settings``; default: from the ``MEDCODER_*`` environment)."""
    from medcoder.workbench import Settings, Workbench
    from medcoder.workbench.learnfeed import feed_builder
    from medcoder.workbench.security import SYSTEM

    settings = settings or Settings.from_env()
    with Workbench.open(settings) as wb:
        rows = wb.learn_examples(SYSTEM)
    if not rows:
        raise InputError("the workbench has no coded encounters to learn from yet "
                         "(complete some encounters first)",
                         where=str(settings.redacted().get("database_url", "workbench")))
    builder = SiteModelBuilder(
        min_support=min_support, min_precision=min_precision,
        provenance={"corpus": "workbench", "source": settings.redacted().get("database_url"),
                    "encounters": len(rows), "evidence": "spans kept by the workbench's coders",
                    "learned": _dt.date.today().isoformat()},
    )
    feed_builder(builder, rows)
    return builder.build()
