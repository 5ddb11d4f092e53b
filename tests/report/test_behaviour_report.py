"""The behaviour section: findings written from the numbers, a row per arm with each rule, the plot."""

from ragft.evaluate.behaviour import NOTE, break_even
from ragft.evaluate.paired import paired_comparisons
from ragft.evaluate.records import rate
from ragft.studies.behaviour import png as behaviour_png
from ragft.studies.behaviour import section as behaviour_section
from tests.results_factory import run_results

RULES = {"json": "the reply is one JSON object", "greeting": "matches /^Hello/"}


def _results(kept: dict[str, tuple[int, int]], n: int = 40) -> dict:
    """kept: arm -> (replies that are JSON objects, replies that also greet)."""
    models = {"zero-shot": "untouched", "finetuned": "finetuned"}
    rows = [
        {"arm": a, "id": f"r{i}", "all_rules": i < greet, "schema": i < obj}
        for a, (obj, greet) in kept.items()
        for i in range(n)
    ]
    arms = {
        a: {
            "model": models[a],
            "instructions": a == "zero-shot",
            "shots": False,
            "prompt": "p",
            "n": n,
            "mean_prompt_tokens": 400.0 if a == "zero-shot" else 30.0,
            "mean_completion_tokens": 20.0,
            "batched_seconds_per_request": 0.5,
            "latency_s": {"median": 2.0 if a == "zero-shot" else 1.5, "mean": 2.0, "n": 3},
            "rules": {"json": rate([i < obj for i in range(n)]), "greeting": rate([i < greet for i in range(n)])},
            "all_rules": rate([i < greet for i in range(n)]),
            "schema": rate([i < obj for i in range(n)]),
        }
        for a, (obj, greet) in kept.items()
    }
    training = {"finetuned": {"method": "full", "epochs": 3, "examples": 200, "train_tokens": 60000, "seconds": 150.0}}
    task = {"source": "support", "train": 200, "test": n, "system": None, "instructions": None, "shots": 0}
    return {
        "experiments": {
            "behaviour": {
                "task": {**task, "instructions_tokens": None},
                "rules": RULES,
                "note": NOTE,
                "arms": arms,
                "training": training,
                "break_even": break_even(arms, training),
                "comparisons": {k: paired_comparisons(rows, list(arms), key=k) for k in ("all_rules", "schema")},
            }
        }
    }


def test_findings_table_and_plot_follow_the_numbers():
    results = run_results(_results({"zero-shot": (12, 2), "finetuned": (40, 39)}))
    section = behaviour_section(results)
    text = " ".join(section.findings)
    assert "All 2 style rules at once on 40 held-out requests: zero-shot 5% (2/40), finetuned 97.5% (39/40)" in text
    assert "finetuned beats zero-shot" in text  # the paired test called it
    assert "zero-shot's weakest rule: greeting, kept in 5% of replies" in text
    assert "repaid after 487 requests by prompt tokens, 300 by seconds" in text  # 3 x 60000 / 370; 150 / 0.5
    assert section.head[-2:] == ["json", "greeting"] and section.rows[1][-1] == "97.5% (39/40)"
    assert "greeting: matches /^Hello/" in section.note
    assert behaviour_png(results.study("behaviour")).startswith(b"\x89PNG")


def test_no_difference_is_called_when_the_test_does_not_call_it():
    section = behaviour_section(run_results(_results({"zero-shot": (30, 30), "finetuned": (31, 31)})))
    assert not any("beats" in f for f in section.headlines)


def test_no_section_without_the_experiment():
    assert behaviour_section(run_results({})) is None and behaviour_png(None) is None
