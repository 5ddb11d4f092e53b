"""A context is one module of ragft.evaluate.contexts (a CONTEXT): dropped in, every fine-tune gets an arm in it,
the config takes the arm, the runner fetches its passages and asks it, with nothing else edited."""

from __future__ import annotations

import json

import pytest

import ragft.evaluate.contexts
from ragft.config import load_config
from ragft.evaluate import context as registry
from ragft.evaluate.arms import parse_arm
from ragft.evaluate.context import contexts
from ragft.evaluate.runner import Experiment

TOP1 = """
from ragft.evaluate.context import Context, plain_messages
from ragft.evaluate.passages import grounded_passages


def passages(task, kb, rag):
    return [found[:1] for found in grounded_passages([i.question for i in task.items], kb, rag)]


def messages(question, prompts, hits, worked_examples):
    return plain_messages("Answer from the note.", f"NOTE: {hits[0].text if hits else ''}\\nQUESTION: {question}")


CONTEXT = Context("top1", "+top1", "rag-top1", "top1", "the first grounded passage in a short prompt", order=60,
                  messages=messages, passages=passages)
"""


@pytest.fixture()
def top1(drop_in):
    drop_in(ragft.evaluate.contexts, "top1", TOP1, registry._registered)


def test_the_built_in_contexts_in_order():
    assert [c.name for c in contexts()] == ["closed", "grounded", "seed", "full", "oracle"]
    assert [c.untouched_name for c in contexts()] == ["base", "rag", "rag-seed", "context", "oracle"]


def test_a_context_module_makes_arms_the_runner_asks(top1, tmp_path, tiny_model_dir):
    assert parse_arm("rag-top1", {}).context.name == "top1"
    assert parse_arm("finetuned+top1", {"finetuned": "facts"}).finetuned
    config = load_config(
        "seed",
        overrides={
            "model": str(tiny_model_dir),
            "limit": 3,
            "arms": ["base", "rag-top1"],
            "generation.max_new_tokens": 4,
        },
    )
    out = Experiment(config, tmp_path / "run").run()
    rows = [json.loads(line) for line in (out.run_dir / "predictions.jsonl").read_text().splitlines()]
    mine = [r for r in rows if r["arm"] == "rag-top1"]
    assert len(mine) == 3 and all(len(r["retrieved_ids"]) == 1 for r in mine)
    assert all(r["prompt"][1]["content"].startswith("NOTE: City_") for r in mine)
    assert out.results.as_dict()["arms"]["rag-top1"]["rag"] == "top1"


def test_an_unknown_arm_names_the_contexts_arms():
    with pytest.raises(ValueError, match="unknown arm 'rag-top1'; choose from base, rag, rag-seed, context, oracle"):
        parse_arm("rag-top1", {})
