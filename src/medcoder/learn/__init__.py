"""Learning from coders: phrases, priors and co-occurrence learned from coded documents.

    learn_codiesp(data_dir, split="train", lang="en") -> SiteModel     from the CodiEsp corpus
    SiteModelBuilder().add(text, codes, evidence=...) ... .build()      from any coded documents
    SiteModel.save(data_dir=None) / SiteModel.load(data_dir=None)       <data dir>/site-model/

Nothing is imported here until used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from medcoder.learn.builder import SiteModelBuilder
    from medcoder.learn.codiesp import learn_codiesp
    from medcoder.learn.model import LearnedPhrase, PhraseHit, SiteModel

_LAZY = {
    "SiteModel": "medcoder.learn.model",
    "LearnedPhrase": "medcoder.learn.model",
    "PhraseHit": "medcoder.learn.model",
    "SiteModelBuilder": "medcoder.learn.builder",
    "learn_codiesp": "medcoder.learn.codiesp",
}

__all__ = ["LearnedPhrase", "PhraseHit", "SiteModel", "SiteModelBuilder", "learn_codiesp"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'medcoder.learn' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
