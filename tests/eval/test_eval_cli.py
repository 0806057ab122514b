"""`medcoder learn` and `medcoder eval codiesp` as a user runs them, on the mini corpus.

The commands live in ``medcoder.cli.eval_cmd``; they are mounted here on a small app the way
``cli/main.py`` mounts them.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from medcoder.cli.eval_cmd import eval_codiesp, learn
from medcoder.errors import DataError, InputError
from medcoder.eval.codiesp import default_predictor, evaluate, load_split

MINI = Path(__file__).parents[1] / "fixtures" / "codiesp_mini"

app = typer.Typer()
app.command("codiesp")(eval_codiesp)
app.command("learn")(learn)
runner = CliRunner()


def test_learn_then_score_the_site_model_on_dev(data_dir: Path, tmp_path: Path) -> None:
    out = runner.invoke(app, ["learn", str(MINI), "--json"])
    assert out.exit_code == 0, out.output
    summary = json.loads(out.stdout)
    assert summary["path"] == str(data_dir / "site-model" / "model.json")
    assert summary["provenance"]["split"] == "train" and summary["phrases"] > 0

    preds = tmp_path / "preds"
    md = tmp_path / "report.md"
    out = runner.invoke(app, ["codiesp", str(MINI), "--predictor", "site-model", "--predictions",
                              str(preds), "--markdown", str(md), "--json"])
    assert out.exit_code == 0, out.output
    report = json.loads(out.stdout)
    assert report["split"] == "dev" and report["docs"] == 2
    assert report["diagnoses"]["codes"]["recall"] == 0.6
    assert (preds / "D.tsv").read_text().startswith("S0000-00000000000004-1\t")
    assert "| diagnoses | codes |" in md.read_text()


def test_the_table_view_prints_the_metrics(data_dir: Path) -> None:
    assert runner.invoke(app, ["learn", str(MINI)]).exit_code == 0
    out = runner.invoke(app, ["codiesp", str(MINI), "--predictor", "site-model"])
    assert out.exit_code == 0, out.output
    assert "MAP" in out.stdout and "diagnoses" in out.stdout


def test_scoring_the_split_the_model_learned_from_is_refused(data_dir: Path) -> None:
    assert runner.invoke(app, ["learn", str(MINI)]).exit_code == 0
    out = runner.invoke(app, ["codiesp", str(MINI), "--split", "train", "--predictor", "site-model"])
    assert isinstance(out.exception, InputError)
    assert "measures memory" in str(out.exception)


def test_site_model_predictor_without_a_model_says_what_to_run(data_dir: Path) -> None:
    out = runner.invoke(app, ["codiesp", str(MINI), "--predictor", "site-model"])
    assert isinstance(out.exception, DataError)
    assert "medcoder learn" in str(out.exception)


def test_the_test_split_writes_predictions_and_scores_nothing(data_dir: Path, tmp_path: Path) -> None:
    assert runner.invoke(app, ["learn", str(MINI)]).exit_code == 0
    out = runner.invoke(app, ["codiesp", str(MINI), "--split", "test", "--predictor", "site-model",
                              "--predictions", str(tmp_path), "--json"])
    assert out.exit_code == 0, out.output
    report = json.loads(out.stdout)
    assert report["has_gold"] is False and report["diagnoses"] is None
    assert "r50.9" in (tmp_path / "D.tsv").read_text()


def test_the_default_predictor_is_medcoders_coder_when_installed() -> None:
    if importlib.util.find_spec("medcoder.coding") is None:
        with pytest.raises(DataError, match="--predictor site-model"):
            default_predictor()
        return
    dev = load_split(MINI, "dev")
    report = evaluate(dev, default_predictor(), name="coder")
    assert report.failures == []
    assert report.diagnoses is not None and report.diagnoses.codes.predicted > 0
