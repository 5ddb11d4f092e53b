"""The oracle arm: each question's gold passages alone, the reader's ceiling; never a recommendation."""

import json

from ragft.config import load_config
from ragft.evaluate.arms import parse_arm
from ragft.evaluate.decision import deployable
from ragft.evaluate.paired import paired_comparisons
from ragft.evaluate.records import miss_split
from ragft.evaluate.runner import Experiment
from ragft.report.decision import decision_table
from tests.results_factory import run_results


def test_oracle_arms_read_gold_passages_with_the_grounded_prompt():
    oracle, tuned = parse_arm("oracle", ["finetuned"]), parse_arm("finetuned+oracle", ["finetuned"])
    assert oracle.rag == tuned.rag == "oracle" and oracle.cites and not oracle.finetuned and tuned.finetuned
    assert "gold passages" in oracle.description


def test_a_run_gives_the_oracle_the_gold_passages(tmp_path, tiny_model_dir):
    config = load_config(
        "seed",
        overrides={
            "model": str(tiny_model_dir),
            "limit": 6,
            "arms": ["rag", "oracle"],
            "generation.max_new_tokens": 4,
            "data.n": 20,
        },
    )
    results = Experiment(config, tmp_path / "run").run().results.as_dict()
    records = [json.loads(line) for line in (tmp_path / "run" / "predictions.jsonl").read_text().splitlines()]
    oracle = [r for r in records if r["arm"] == "oracle"]
    assert len(oracle) == 6 and all(r["retrieved_ids"] == r["gold_passage_ids"][:1] for r in oracle)
    assert results["arms"]["oracle"]["retrieval"]["hit@1"] == 1.0
    assert "oracle" not in json.dumps(results["decision"]["rows"])


def test_wrong_answers_are_split_by_cause():
    def rec(correct, gold, rank, retrieved=("x",)):
        return {"correct": correct, "gold_passage_ids": gold, "gold_rank": rank, "retrieved_ids": list(retrieved)}

    records = [
        rec(True, ["a"], 1),
        rec(False, ["a"], None),
        rec(False, ["a"], 1),
        rec(False, [], None),
        rec(False, ["b"], None),
    ]
    assert miss_split(records) == {"wrong": 4, "not_retrieved": 2, "misread": 1, "no_gold": 1}
    assert miss_split([{**rec(False, ["a"], None), "retrieved_ids": None}]) is None  # closed book: no split


def test_the_decision_table_leaves_the_oracle_out():
    arm = {"n": 10, "ci95": [0.0, 1.0], "finetuned": False}
    records = [{"arm": a, "id": f"q{i}", "correct": i < k} for a, k in (("rag", 5), ("oracle", 9)) for i in range(10)]
    results = run_results(
        {
            "arms": {
                "rag": {**arm, "accuracy": 0.5, "correct": 5, "rag": "grounded"},
                "oracle": {**arm, "accuracy": 0.9, "correct": 9, "rag": "oracle"},
            },
            "comparisons": paired_comparisons(records, ["rag", "oracle"]),
        }
    )
    assert list(deployable(results).arms) == ["rag"] and deployable(results).comparisons == []
    assert decision_table(results).rows[0].numbers.winners == ["rag"]
