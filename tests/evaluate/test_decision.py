"""The decision table: a row per need the run measured, the best approach called only as far as the numbers
(and the paired tests) go, evidence with its n, and a recommendation that changes when the numbers do."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ragft.evaluate.metrics import wilson_interval
from ragft.evaluate.paired import paired_comparisons
from ragft.report.decision import decision_table as typed_table
from tests.results_factory import run_results

FIXTURE = Path(__file__).parents[1] / "report" / "fixtures" / "lifecycle_results.json"
NEEDS = [
    "Answer accurately from the knowledge",
    "Keep the knowledge up to date",
    "Delete a fact (privacy)",
    "Do not invent answers about unknowns",
    "Cite sources",
    "Cost per question",
    "Put everything in the prompt",
    "Combine fine-tuning and retrieval",
]


def _arm(correct, n, finetuned=False, rag=None, tokens=67.0, latency=0.2, cites=None):
    return {
        "accuracy": correct / n,
        "correct": correct,
        "n": n,
        "ci95": list(wilson_interval(correct, n)),
        "finetuned": finetuned,
        "rag": rag,
        "mean_prompt_tokens": tokens,
        "mean_latency_s": latency,
        "citation_accuracy": cites,
        "citations": 40 if cites is not None else None,
    }


def seed_results(n=40, right=None) -> dict:
    """A plain seed run: base, finetuned, rag, finetuned+rag on n questions, with their paired tests."""
    right = right or {"base": 0, "finetuned": 1, "rag": 38, "finetuned+rag": 37}
    arms = {
        "base": _arm(right["base"], n),
        "finetuned": _arm(right["finetuned"], n, finetuned=True),
        "rag": _arm(right["rag"], n, rag="grounded", tokens=190.0, latency=0.3, cites=0.95),
        "finetuned+rag": _arm(right["finetuned+rag"], n, True, "grounded", 190.0, 0.31, 0.9),
    }
    records = [{"arm": a, "id": f"q{i}", "correct": i < right[a]} for a in arms for i in range(n)]
    return {
        "arms": arms,
        "comparisons": paired_comparisons(records, list(arms)),
        "finetune": {"method": "full", "seconds": 42.0},
    }


def decision_table(results: dict) -> dict:
    """The table as results.json holds it, from results written as a dict."""
    return typed_table(run_results(results)).model_dump(mode="json")


def _rows(table):
    return {row["need"]: row for row in table["rows"]}


def test_seed_run_gives_a_small_sensible_table():
    table = decision_table(seed_results())
    rows = _rows(table)
    assert list(rows) == [
        "Answer accurately from the knowledge",
        "Cite sources",
        "Cost per question",
        "Combine fine-tuning and retrieval",
    ]
    accurate = rows["Answer accurately from the knowledge"]
    assert accurate["best"] == "rag; not significantly better than finetuned+rag"
    assert "rag 95% (38/40)" in accurate["evidence"] and "base 0% (0/40)" in accurate["evidence"]
    assert "significantly better than finetuned (Holm p = " in accurate["evidence"]
    assert rows["Cite sources"]["best"] == "rag" and "rag 95% of 40" in rows["Cite sources"]["evidence"]
    cost = rows["Cost per question"]
    assert cost["best"] == "rag" and "Fine-tuning once: finetuned 42 s." in cost["evidence"]
    assert "base 67 prompt tokens, 0.2 s, 0% (0/40) correct" in cost["evidence"]
    assert table["recommendation"].startswith("For this data, RAG was best (or tied best) on 4 of the 4 needs")
    assert "Best on none of them: the untouched model, fine-tuning, fine-tuning + RAG." in table["recommendation"]
    assert "not significantly better than finetuned+rag" in table["recommendation"]
    json.dumps(table)  # stored in results.json as it is


def test_best_and_recommendation_follow_the_numbers():
    table = decision_table(seed_results(right={"base": 0, "finetuned": 39, "rag": 2, "finetuned+rag": 3}))
    accurate = _rows(table)["Answer accurately from the knowledge"]
    assert accurate["best"] == "finetuned" and accurate["numbers"]["significantly_worse"] == [
        "finetuned+rag",
        "rag",
        "base",
    ]
    assert "fine-tuning on 1 need (answer accurately from the knowledge)" in table["recommendation"]
    assert "On accuracy, finetuned (97.5% of 40 questions) is significantly better than" in table["recommendation"]


def test_a_difference_without_a_paired_test_is_not_called():
    results = seed_results()
    del results["comparisons"]
    table = decision_table(results)
    accurate = _rows(table)["Answer accurately from the knowledge"]
    assert accurate["best"] == "rag" and "no paired test against rag in this run" in accurate["evidence"]
    assert "not known to be beyond chance" in table["recommendation"]


def test_lifecycle_run_has_every_need_with_n():
    results = json.loads(FIXTURE.read_text(encoding="utf-8"))
    rows = _rows(decision_table(results))
    assert list(rows) == NEEDS
    assert all(re.search(r"\(\d+/\d+\)| of \d+", row["evidence"]) for row in rows.values())
    assert rows["Keep the knowledge up to date"]["best"] == "rag"
    assert (
        "rag 100% (1/1) after 0.042 s; finetuned-continued 0% (0/1) after 3.9 s"
        in rows["Keep the knowledge up to date"]["evidence"]
    )
    assert rows["Delete a fact (privacy)"]["best"] == "rag"
    assert rows["Do not invent answers about unknowns"]["best"] == "none stood out: every arm invented 100%"
    assert rows["Put everything in the prompt"]["best"] == "rag"
    assert rows["Combine fine-tuning and retrieval"]["best"] == "raft, finetuned+rag, rag (tied)"


def test_lifecycle_rows_follow_the_numbers():
    results = json.loads(FIXTURE.read_text(encoding="utf-8"))
    update = results["experiments"]["update"]["approaches"]
    update["rag"]["after"]["changed"] = {"value": 0.0, "correct": 0, "n": 1, "ci95": [0.0, 0.79]}
    update["finetuned-continued"]["after"]["changed"] = {"value": 1.0, "correct": 1, "n": 1, "ci95": [0.21, 1.0]}
    unknowns = results["experiments"]["unknowns"]["arms"]
    unknowns["idk"]["invented"] = {"value": 0.2, "correct": 1, "n": 5, "ci95": [0.04, 0.62]}
    size = results["experiments"]["long_context"]["sizes"][1]
    size["arms"]["context"]["accuracy"] = {"value": 1.0, "correct": 4, "n": 4, "ci95": [0.51, 1.0]}
    size["arms"]["rag"]["accuracy"] = {"value": 0.75, "correct": 3, "n": 4, "ci95": [0.3, 0.95]}
    rows = _rows(decision_table(results))
    assert rows["Keep the knowledge up to date"]["best"] == "finetuned-continued"
    assert rows["Do not invent answers about unknowns"]["best"] == "idk"
    assert rows["Put everything in the prompt"]["best"] == "context"
    assert "context 100% (4/4) with 514 prompt tokens" in rows["Put everything in the prompt"]["evidence"]


@pytest.mark.parametrize(
    "key", ["arms", "comparisons", "experiments", "finetunes", "update", "deletion", "unknowns", "long_context", "raft"]
)
def test_any_key_may_be_absent(key):
    results = json.loads(FIXTURE.read_text(encoding="utf-8"))
    results.pop(key, None)
    results.get("experiments", {}).pop(key, None)
    table = decision_table(results)
    assert table["recommendation"] and all(row["evidence"] and row["best"] for row in table["rows"])
    assert {row["need"] for row in table["rows"]} <= set(NEEDS)


def test_empty_results():
    assert decision_table({}) == {
        "rows": [],
        "recommendation": "Nothing was measured in this run, so there is nothing to recommend.",
    }


def behaviour_results(kept: dict[str, int], n: int = 60, valid: dict[str, int] | None = None) -> dict:
    """A seed run with the behaviour experiment beside it: `kept` replies per arm keep every style rule."""
    from ragft.evaluate.behaviour import break_even
    from ragft.evaluate.records import rate

    models = {"zero-shot": "untouched", "few-shot": "untouched", "constrained": "untouched", "finetuned": "finetuned"}
    models["finetuned+constrained"] = "finetuned"
    tokens = {"zero-shot": 330.0, "few-shot": 420.0, "constrained": 35.0, "finetuned": 40.0}
    tokens["finetuned+constrained"] = 40.0
    arms = {
        a: {
            "model": models[a],
            "instructions": a == "zero-shot",
            "shots": a == "few-shot",
            "prompt": a,
            "n": n,
            "rules": {},
            "mean_prompt_tokens": tokens[a],
            "mean_completion_tokens": 30.0,
            "batched_seconds_per_request": 0.5,
            "latency_s": {"median": 1.0 + tokens[a] / 1000, "mean": 1.0 + tokens[a] / 1000, "n": 5},
            "all_rules": rate([i < k for i in range(n)]),
            **({"schema": rate([i < valid[a] for i in range(n)]), "constrained": "constrained" in a} if valid else {}),
        }
        for a, k in kept.items()
    }
    records = [
        {"arm": a, "id": f"r{i}", "all_rules": i < k, **({"schema": i < valid[a]} if valid else {})}
        for a, k in kept.items()
        for i in range(n)
    ]
    training = {"finetuned": {"method": "full", "epochs": 3, "examples": 60, "train_tokens": 20000, "seconds": 120.0}}
    task = {"source": "support", "train": 60, "test": n, "system": None, "instructions": None, "shots": 3}
    return {
        **seed_results(),
        "experiments": {
            "behaviour": {
                "task": {**task, "instructions_tokens": None},
                "rules": {},
                "note": "",
                "arms": arms,
                "training": training,
                "break_even": break_even(arms, training),
                "comparisons": {
                    key: paired_comparisons(records, list(arms), key=key)
                    for key in ("all_rules", "schema")[: 1 + bool(valid)]
                },
            }
        },
    }


def test_behaviour_rows_join_the_knowledge_ones_and_the_recommendation():
    table = decision_table(behaviour_results({"zero-shot": 3, "few-shot": 10, "finetuned": 57}))
    rows = _rows(table)
    style = rows["Hold a house style (tone, what to ask)"]
    assert style["numbers"]["winners"] == ["finetuned"] and style["numbers"]["significantly_worse"] == [
        "few-shot",
        "zero-shot",
    ]
    assert "finetuned 95% (57/60)" in style["evidence"]
    short = rows["Short prompts (cost and latency per request)"]
    assert short["best"] == "finetuned" and "repaid after 207 requests by prompt tokens" in short["evidence"]
    assert "Answer accurately from the knowledge" in rows  # the knowledge half, in the same table
    recommendation = table["recommendation"]
    assert "RAG was best (or tied best) on 4 of the 6 needs" in recommendation
    assert "fine-tuning on 2 needs (hold a house style" in recommendation and "prompting" in recommendation


def test_no_behaviour_winner_where_no_arm_kept_the_style():
    rows = _rows(decision_table(behaviour_results({"zero-shot": 0, "few-shot": 0, "finetuned": 0})))
    assert rows["Hold a house style (tone, what to ask)"]["numbers"]["winners"] == []
    assert rows["Short prompts (cost and latency per request)"]["numbers"]["winners"] == []


def test_a_prompt_that_keeps_the_style_as_well_wins_short_prompts_only_if_shorter():
    rows = _rows(decision_table(behaviour_results({"zero-shot": 55, "few-shot": 20, "finetuned": 57})))
    short = rows["Short prompts (cost and latency per request)"]
    assert short["numbers"]["holding_style"] == ["zero-shot", "finetuned"] and short["best"] == "finetuned"


def test_the_output_format_row_names_validity_content_and_cost():
    """A grammar guarantees the shape, not the words: the row says which arms hold the format, which of them got the
    words right, and which costs least."""
    kept = {"few-shot": 4, "constrained": 10, "finetuned": 50, "finetuned+constrained": 52}
    valid = {"few-shot": 30, "constrained": 60, "finetuned": 59, "finetuned+constrained": 60}
    row = _rows(decision_table(behaviour_results(kept, valid=valid)))["Hold an output format (JSON)"]
    assert row["numbers"]["winners"] == ["constrained", "finetuned+constrained"]  # 60/60 each
    assert (
        row["numbers"]["not_significantly_worse"] == ["finetuned"]
        and "few-shot" in row["numbers"]["significantly_worse"]
    )
    assert (
        row["numbers"]["content_winners"] == ["finetuned+constrained"]
        and row["numbers"]["cheapest_valid"] == "constrained"
    )
    assert row["best"].startswith("valid: constrained, finetuned+constrained (tied)")
    assert row["best"].endswith("; content: finetuned+constrained; cost: constrained")
    assert "the cheapest, constrained, at 35 prompt tokens per request" in row["evidence"]
