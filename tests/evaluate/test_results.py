"""results.json's typed form (evaluate/results.py): what every run writes is checked when it is made."""

import json

import pytest
from pydantic import ValidationError

from ragft.errors import RagftError
from ragft.evaluate.results import ArmSummary, RunResults, read_results
from tests.results_factory import arm

RATE = {"value": 0.5, "correct": 1, "n": 2, "ci95": [0.09, 0.91]}
ARM = arm(
    description="the untouched model",
    accuracy=0.5,
    n=2,
    correct=1,
    ci95=[0.09, 0.91],
    accuracy_seed=0.5,
    exact_match=RATE,
    f1={"value": 0.4, "n": 2, "ci95": [0, 1]},
    mean_prompt_tokens=30.0,
    mean_completion_tokens=9.5,
    mean_latency_s=0.2,
    correct_seed=1,
    ci95_seed=[0.09, 0.91],
    splits={"train": 2},
)


def _results(**changes) -> dict:
    out = {
        "ragft_version": "0",
        "run_name": "r",
        "created": "2026-11-22T00:00:00",
        "config": {},
        "model": {"name": "m", "source": "s", "device": "cpu", "precision": "fp32"},
        "dataset": {
            "source": "cities",
            "conversations": 2,
            "questions": 2,
            "passages": 2,
            "train_kind": "qa",
            "splits": {"train": 2},
        },
        "metrics": {"verdict": "accuracy"},
        "arms": {"base": ARM},
        "comparisons": [],
        "experiments": {},
        "finetune": None,
        "finetunes": {},
        "machine": {"python": "3"},
        "timings": {"total": 1.0},
    }
    return {**out, **changes}


def test_a_run_summary_round_trips_in_its_own_key_order():
    results = RunResults.model_validate(_results())
    out = results.as_dict()
    assert out["arms"]["base"]["citation_accuracy"] is None and out["arms"]["base"]["ci95"] == [0.09, 0.91]
    assert list(out["arms"]["base"]) == list(ARM)  # citation_ci95 is written only where an arm cites
    assert RunResults.model_validate(out) == results
    cited = {**ARM, "citations": 4, "citation_accuracy": 0.5, "citation_ci95": [0.15, 0.85]}
    assert RunResults.model_validate(_results(arms={"rag": cited})).as_dict()["arms"]["rag"]["citation_ci95"] == [
        0.15,
        0.85,
    ]


@pytest.mark.parametrize(
    "changes",
    [
        {"arms": {"base": {**ARM, "exact_match": {**RATE, "value": 1.5}}}},  # a share above 1
        {"arms": {"base": {**ARM, "n": "two"}}},
        {"arms": {"base": {**ARM, "speed": "fast"}}},  # an arm's key nobody reads
        {"decision": {"rows": [{"need": "x", "best": "rag", "evidence": "e", "numbers": {}}], "recommendation": "r"}},
        {"comparisons": [{"a": "base", "b": "rag"}]},  # a test without its table
        {"timings": {"total": "slow"}},
        {"surprise": 1},  # a top-level key nobody reads
    ],
)
def test_a_number_of_the_wrong_kind_fails_before_anything_is_written(changes):
    with pytest.raises(ValidationError):
        RunResults.model_validate(_results(**changes))


def test_assignments_are_checked_too():
    results = RunResults.model_validate(_results())
    with pytest.raises(ValidationError):
        results.timings = {"total": "later"}
    assert isinstance(ArmSummary.model_validate(ARM).f1.value, float)


def test_a_results_file_reads_back_typed_or_fails_in_one_line(tmp_path):
    path = tmp_path / "results.json"
    results = RunResults.model_validate(_results())
    path.write_text(json.dumps(results.as_dict()))
    assert read_results(path) == results
    path.write_text(json.dumps(_results(arms={"base": {**ARM, "n": "two"}})))
    with pytest.raises(RagftError, match=r"results.json: not a ragft results.json: arms.base.n: Input should be"):
        read_results(path)
    path.write_text("{")
    with pytest.raises(RagftError, match="results.json: not a ragft results.json: not JSON"):
        read_results(path)
    path.write_text("[]")
    with pytest.raises(RagftError, match="results.json: not a ragft results.json: the file: Input should be"):
        read_results(path)
    with pytest.raises(RagftError, match="missing.json: cannot read results"):
        read_results(tmp_path / "missing.json")


def test_an_llm_judges_summary_is_typed_as_the_records_write_it():
    from ragft.evaluate.records import judge_metrics

    records = [
        {"judge": {"correct": c, "reply": "CORRECT" if c else "x", "prompt": [], "error": None}} for c in (1, 0, None)
    ]
    judged = ArmSummary.model_validate({**ARM, "judge": judge_metrics(records)}).judge
    assert (judged.correct, judged.n, judged.unjudged, judged.value) == (1, 2, 1, 0.5)
