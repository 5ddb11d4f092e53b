"""Several fine-tunes in one run: each from the untouched weights, each saved and summarised apart."""

import json
import re

import pytest

from ragft.config import load_config
from ragft.errors import RagftError
from ragft.evaluate.runner import Experiment

TINY = {"limit": 6, "finetune.epochs": 1, "generation.max_new_tokens": 4, "data.n": 12}


def _run(tmp_path, tiny_model_dir, name, arms, variants):
    config = load_config(
        None,
        overrides={"model": str(tiny_model_dir), "arms": arms, "variants": variants, "data.source": "cities", **TINY},
    )
    run_dir = tmp_path / name
    run_dir.mkdir()
    return Experiment(config, run_dir).run()


def test_two_fine_tunes_in_one_run_do_not_stack(tmp_path, tiny_model_dir):
    variants = [{"name": "lora1", "method": "lora"}, {"name": "seed7", "seed": 7, "phrasings": 3}]
    both = _run(tmp_path, tiny_model_dir, "both", ["base", "finetuned", "lora1", "seed7", "seed7+rag"], variants)
    alone = _run(tmp_path, tiny_model_dir, "alone", ["seed7"], variants)
    ft = both.results.as_dict()["finetunes"]
    assert list(ft) == ["finetuned", "lora1", "seed7"]
    assert [ft[v]["method"] for v in ft] == ["full", "lora", "full"]
    assert ft["seed7"]["examples"] == 3 * 12 and ft["seed7"]["phrasings"] == 3 and ft["seed7"]["seed"] == 7
    for v in ft:
        assert (both.run_dir / "finetuned" / v / "ragft_model.json").is_file()
    assert (alone.run_dir / "finetuned" / "ragft_model.json").is_file()  # one fine-tune: the seed's layout
    # seed7 trained third in one run and alone in the other: the same losses, so it started from the
    # untouched weights both times (a fine-tune stacked on another's weights starts from another loss).
    assert ft["seed7"]["losses"] == pytest.approx(alone.results.as_dict()["finetunes"]["seed7"]["losses"], rel=1e-4)
    assert ft["finetuned"]["losses"][0] == pytest.approx(ft["seed7"]["losses"][0], rel=0.5)
    assert both.results.as_dict()["finetune"] == ft["finetuned"]
    arms = both.results.as_dict()["arms"]
    assert arms["seed7+rag"]["finetuned"] and arms["seed7+rag"]["rag"] == "grounded"
    assert "finetune:lora1" in both.results.as_dict()["timings"] and "finetune" in both.results.as_dict()["timings"]
    records = [json.loads(line) for line in (both.run_dir / "predictions.jsonl").read_text().splitlines()]
    assert {r["arm"] for r in records} == set(arms)


@pytest.mark.parametrize(
    "variants, arms, message",
    [
        ([{"name": "a"}], ["a"], "would train the same model twice"),
        ([{"name": "a", "epochs": 2}, {"name": "b", "epochs": 2}], ["a"], "would train the same model twice"),
        ([{"name": "a", "epochs": 2}, {"name": "a", "epochs": 3}], ["a"], "its own name"),
        ([{"name": "rag2"}], ["base"], "arm name already"),
        ([{"name": "a", "epochs": 2}], ["b+rag"], "unknown arm 'b+rag'"),
    ],
)
def test_bad_variants_are_one_clear_line(variants, arms, message):
    with pytest.raises(RagftError, match=re.escape(message)):
        load_config(None, overrides={"arms": arms, "variants": variants})


def test_phrasings_need_generated_facts(tmp_path):
    with pytest.raises(RagftError, match="phrasings above 1 need generated facts"):
        load_config(
            None,
            overrides={
                "arms": ["a"],
                "variants": [{"name": "a", "phrasings": 3}],
                "data.source": str(tmp_path / "mine.jsonl"),
            },
        )


def test_a_curve_of_an_unknown_fine_tune_is_an_error():
    with pytest.raises(RagftError, match="curve_variants: no fine-tune called 'lroa'"):
        load_config(
            None,
            overrides={"arms": ["lora"], "variants": [{"name": "lora", "method": "lora"}], "curve_variants": ["lroa"]},
        )


def test_arm_names_of_contexts_and_training_data():
    from ragft.evaluate.arms import parse_arm

    kinds = {"finetuned": "facts", "raft": "raft", "idk": "idk", "r2": "raft"}
    got = {
        n: (a.variant, a.context.name)
        for n in ("context", "finetuned+context", "raft", "raft+closed", "idk", "idk+rag", "r2", "r2+context")
        for a in [parse_arm(n, kinds)]
    }
    assert got == {
        "context": ("untouched", "full"),
        "finetuned+context": ("finetuned", "full"),
        "raft": ("raft", "grounded"),
        "raft+closed": ("raft", "closed"),
        "idk": ("idk", "closed"),
        "idk+rag": ("idk", "grounded"),
        "r2": ("r2", "grounded"),
        "r2+context": ("r2", "full"),
    }
    with pytest.raises(ValueError, match="unknown arm 'raft\\+rag'"):
        parse_arm("raft+rag", kinds)  # raft's grounded arm is `raft` itself
    assert not parse_arm("raft", kinds).worked_examples and parse_arm("rag", kinds).worked_examples


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"experiments": ["update"], "arms": ["rag"]}, "update compares the arms rag and finetuned; add finetuned"),
        (
            {"experiments": ["deletion"], "arms": ["rag", "finetuned"], "data.docs": "d", "data.questions": "q"},
            "for documents edit the files and re-index",
        ),
        ({"experiments": ["raft"], "arms": ["rag"]}, "add the arm raft"),
        ({"arms": ["idk"], "data.source": "my.jsonl"}, "lifecycle.unknown_questions"),
        ({"experiments": ["unknowns"], "data.source": "my.jsonl"}, "entities that are not in the data"),
        ({"variants": [{"name": "raft"}]}, "arm name already"),
        ({"lifecycle.context_sizes": [0]}, "positive numbers of facts"),
    ],
)
def test_lifecycle_needs_are_said_before_any_model_loads(overrides, message):
    with pytest.raises(RagftError, match=re.escape(message)):
        load_config(None, overrides=overrides)
