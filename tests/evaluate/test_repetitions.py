"""`--seeds N`: N complete runs with moved seeds, their accuracies side by side, mean and std."""

import json
import statistics

import pytest
from typer.testing import CliRunner

from ragft.cli import app


def test_seeds_repeat_the_run_and_summarise(tmp_path, tiny_model_dir):
    out = tmp_path / "run"
    result = CliRunner().invoke(
        app,
        [
            "run",
            "--data",
            "people",
            "--arms",
            "base,finetuned",
            "--model",
            str(tiny_model_dir),
            "--seeds",
            "2",
            "--epochs",
            "1",
            "--limit",
            "6",
            "--out",
            str(out),
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    top = json.loads((out / "results.json").read_text())
    runs = [json.loads((out / f"seed-{i}" / "results.json").read_text()) for i in range(2)]
    assert [r["config"]["seed"] for r in runs] == [42, 43] and [r["config"]["data"]["seed"] for r in runs] == [42, 43]
    # another data seed draws other people: other questions
    questions = [
        [json.loads(x)["question"] for x in (out / f"seed-{i}" / "questions.jsonl").read_text().splitlines()]
        for i in range(2)
    ]
    assert questions[0] != questions[1]
    study = top["experiments"]["seeds"]
    for arm in ("base", "finetuned"):
        values = [r["arms"][arm]["accuracy"] for r in runs]
        assert study["arms"][arm]["accuracy"]["values"] == values
        assert study["arms"][arm]["accuracy"]["mean"] == pytest.approx(statistics.fmean(values), abs=1e-6)
        assert study["arms"][arm]["accuracy"]["std"] == pytest.approx(statistics.stdev(values), abs=1e-6)
    assert (out / "seeds.png").read_bytes().startswith(b"\x89PNG")
    assert "mean ± std" in (out / "report.md").read_text() and "seed-1/report.html" in (out / "report.html").read_text()
    assert "2 seeds" in result.output
    written = (out / "report.md").read_text()
    (out / "report.md").unlink()
    assert CliRunner().invoke(app, ["report", str(out)]).exit_code == 0  # the summary's report, written again
    assert (out / "report.md").read_text() == written


def test_seeds_results_are_typed_before_they_are_written():
    from pydantic import ValidationError

    from ragft.evaluate.repetitions import seed_summary
    from ragft.evaluate.results import SeedsResults
    from tests.results_factory import run_results

    def run(seed, accuracy):
        paraphrase = {"value": accuracy / 2, "correct": 0, "n": 1, "ci95": [0.0, 1.0]}
        return run_results(
            {
                "config": {"seed": seed, "data": {"seed": seed}},
                "run_name": f"seed-{seed - 42}",
                "arms": {"rag": {"accuracy": accuracy, "families": {"paraphrase": paraphrase}}},
            }
        )

    summary = seed_summary([run(42, 0.5), run(43, 0.7)])
    fields = {"ragft_version": "0", "run_name": "r", "created": "now", "config": {}, "timings": {"total": 1.0}}
    typed = SeedsResults(**fields, experiments={"seeds": summary}).as_dict()
    assert typed["experiments"]["seeds"]["arms"]["rag"]["paraphrase"]["values"] == [0.25, 0.35]
    summary["arms"]["rag"]["accuracy"]["values"] = ["high", "low"]  # not numbers
    with pytest.raises(ValidationError):
        SeedsResults(**fields, experiments={"seeds": summary})
    with pytest.raises(ValidationError):  # a key no reader knows
        SeedsResults(**fields, experiments={"seeds": seed_summary([run(42, 0.5)]), "other": {}})
