"""RunResults for tests that write only the numbers they are about: every other key an arm or a run must have gets
a neutral value (nothing measured), and the whole is validated as results.json is, so a test cannot build results
the runner would refuse."""

from __future__ import annotations

import copy

from ragft.evaluate.results import ArmSummary, RunResults

NOTHING = {"value": None, "correct": 0, "n": 0, "ci95": [0.0, 0.0]}
# Every field of ArmSummary, nothing measured: what may be None is None, the rest neutral (kept in step with the
# class by reading its fields, not by a copy of their names)
ARM = {
    **{name: None for name, spec in ArmSummary.model_fields.items() if spec.is_required()},
    "description": "",
    "finetuned": False,
    "n": 0,
    "correct": 0,
    "ci95": [0.0, 0.0],
    "exact_match": NOTHING,
    "correct_seed": 0,
    "ci95_seed": [0.0, 0.0],
    "splits": {},
}
RUN = {
    "ragft_version": "0.1.0",
    "run_name": "test-run",
    "created": "2026-12-08T00:00:00",
    "config": {},
    "model": {"name": "smollm2-135m-instruct", "source": "test", "device": "cpu"},
    "dataset": {
        "source": "test",
        "conversations": 0,
        "questions": 0,
        "passages": 0,
        "train_kind": "facts",
        "splits": {},
    },
    "metrics": {},
    "arms": {},
    "comparisons": [],
    "experiments": {},
    "finetune": None,
    "finetunes": {},
    "machine": {},
    "timings": {},
}


def arm(**numbers) -> dict:
    return {**copy.deepcopy(ARM), **numbers}


def run_results(partial: dict | RunResults) -> RunResults:
    """`partial` (results.json's keys, arms with only some of theirs) completed and validated."""
    if isinstance(partial, RunResults):
        return partial
    full = {**copy.deepcopy(RUN), **copy.deepcopy(partial)}
    full["arms"] = {name: arm(**a) for name, a in full["arms"].items()}
    return RunResults.model_validate(full)
