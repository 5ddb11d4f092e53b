"""The study registry: every built-in is found and declares itself whole; a study registered the way a newcomer's
would is validated by the config, run by the runner, and shown in the report and results.json; the `errors` study
(added in one file) splits the wrong answers."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path

import pytest
from pydantic import ValidationError

from ragft.config import load_config
from ragft.errors import RagftError
from ragft.evaluate.arms import parse_arm
from ragft.evaluate.results import Closed
from ragft.evaluate.runner import Experiment
from ragft.report.decision import decision_table, need_row
from ragft.report.section import Section
from ragft.studies import registry
from ragft.studies.errors import errors
from ragft.studies.errors import section as errors_section
from ragft.studies.registry import Need, Study, get, register, studies, typed_result
from tests.results_factory import run_results

BUILT_IN = [
    "generalization",
    "augmentation",
    "learning_curve",
    "recipes",
    "update",
    "deletion",
    "unknowns",
    "long_context",
    "raft",
    "behaviour",
    "errors",
]


def test_every_built_in_is_registered_in_report_order_and_declares_itself():
    found = studies()
    assert [s.name for s in found] == BUILT_IN
    assert len({s.order for s in found}) == len(found)
    for s in found:
        assert s.phase in ("untouched", "trained", "records") and s.summary
        assert s.section(run_results({})) is None  # nothing measured: no section, no chart
        assert not any(s.charts(run_results({})).values())


def test_unknown_study_is_one_line_naming_the_known_ones():
    with pytest.raises(RagftError, match=r"experiments: unknown study 'nope'; known: generalization, .*errors$"):
        load_config("seed", overrides={"experiments": ["nope"]})
    with pytest.raises(RagftError, match="unknown study 'nope'"):
        get("nope")


def test_a_name_is_registered_once(monkeypatch):
    monkeypatch.setattr(registry, "_registry", dict(registry._registry))
    with pytest.raises(RagftError, match="two studies are called 'errors'"):
        register(replace(get("errors"), summary="another"))


class AnswerWords(Closed):
    arms: dict[str, float]  # mean words per answer


def _answers(study_input):
    """A newcomer's study: how long each arm's answers are, from the records."""
    per_arm = {}
    for row in study_input.known:
        per_arm.setdefault(row["arm"], []).append(len(row["answer"].split()))
    return {"answer_words": {"arms": {arm: sum(w) / len(w) for arm, w in per_arm.items()}}}, []


def _answers_section(results):
    found = results.study("answer_words")
    if not found:
        return None
    return Section(
        "Answer length",
        [f"{a}: {w:.1f} words" for a, w in found.arms.items()],
        ["arm", "words"],
        [[a, f"{w:.1f}"] for a, w in found.arms.items()],
        "Mean words per answer.",
        None,
    )


def _answers_need(results):
    found = results.study("answer_words")
    shortest = min(found.arms, key=found.arms.get)
    return need_row("Short answers", shortest, "fewest words", [shortest])


def test_a_newcomers_study_runs_end_to_end(monkeypatch, tmp_path, tiny_model_dir):
    monkeypatch.setattr(registry, "_registry", dict(registry._registry))
    register(
        Study(
            name="answer_words",
            summary="mean words per answer",
            order=5,
            phase="records",
            run=_answers,
            result=AnswerWords,
            section=_answers_section,
            needs=(Need(15, _answers_need),),
        )
    )
    config = load_config(
        "seed",
        overrides={
            "model": str(tiny_model_dir),
            "limit": 4,
            "arms": ["base", "rag"],
            "generation.max_new_tokens": 6,
            "experiments": ["answer_words"],
        },
    )
    out = Experiment(config, tmp_path / "run").run()
    stored = json.loads((out.run_dir / "results.json").read_text())
    words = stored["experiments"]["answer_words"]["arms"]
    records = [json.loads(line) for line in (out.run_dir / "predictions.jsonl").read_text().splitlines()]
    assert words == {
        arm: sum(len(r["answer"].split()) for r in records if r["arm"] == arm) / 4 for arm in ("base", "rag")
    }
    report = (out.run_dir / "report.md").read_text()
    assert "## Answer length" in report and "Mean words per answer." in report
    assert [r["need"] for r in stored["decision"]["rows"]][:2] == [
        "Answer accurately from the knowledge",
        "Short answers",
    ]


def _row(arm, correct, answer):
    return {"arm": arm, "correct": correct, "answer": answer, "split": "train"}


def test_errors_split_wrong_answers_into_abstained_and_stated():
    rows = [
        _row("base", False, "I don't know."),
        _row("base", False, "About 12 people."),
        _row("base", True, "1,967,825 [1]"),
        _row("rag", True, "Yes [1]"),
        _row("rag", False, "No idea [1]"),
    ]
    arms = [parse_arm("base", {}), parse_arm("rag", {})]
    found = errors(rows, arms)["arms"]
    assert {k: found["base"][k]["correct"] for k in ("right", "abstained", "stated_wrong")} == {
        "right": 1,
        "abstained": 1,
        "stated_wrong": 1,
    }
    assert found["rag"]["abstained"]["n"] == 2
    results = run_results({"experiments": {"errors": {"arms": found}}})
    section = errors_section(results)
    assert (
        section.rows[0][0] == "base"
        and section.findings[0] == "Wrong answers stated as fact: base 33.3% (1/3), rag 50% (1/2)."
    )
    assert decision_table(results).rows == []


def test_each_studys_results_are_checked_against_its_type():
    fixture = json.loads((Path(__file__).parents[1] / "report" / "fixtures" / "lifecycle_results.json").read_text())
    found = fixture["experiments"]
    typed = {name: typed_result(name, value) for name, value in found.items()}  # a real run's, every lifecycle study
    assert typed["raft"].arms["rag"].n == 8 and isinstance(typed["raft"], get("raft").result)
    assert run_results(fixture).as_dict()["experiments"] == found  # written back as read
    wrong = copy.deepcopy(found)
    wrong["raft"]["arms"]["rag"]["value"] = "high"
    with pytest.raises(ValidationError, match="raft|value"):
        typed_result("raft", wrong["raft"])
    extra = copy.deepcopy(found)
    extra["unknowns"]["arms"]["base"]["guessed"] = 3  # an unknown key is drift, not data
    with pytest.raises(ValidationError, match="guessed"):
        typed_result("unknowns", extra["unknowns"])


def test_a_studys_row_replaces_the_arms_only_row_of_the_same_need():
    fixture = json.loads((Path(__file__).parents[1] / "report" / "fixtures" / "lifecycle_results.json").read_text())
    combine = [r for r in decision_table(run_results(fixture)).rows if r.need == "Combine fine-tuning and retrieval"]
    assert len(combine) == 1 and "raft trained in" in combine[0].evidence  # the raft study's row
    without = {**fixture, "experiments": {k: v for k, v in fixture["experiments"].items() if k != "raft"}}
    combine = [r for r in decision_table(run_results(without)).rows if r.need == "Combine fine-tuning and retrieval"]
    assert len(combine) == 1 and "trained in" not in combine[0].evidence  # from the arms alone
    assert set(combine[0].numbers.model_extra["accuracy"]) == {"finetuned+rag", "raft", "rag"}
