"""The document recipes' generator is any OpenAI-compatible endpoint: here a real `ragft serve` (the real SmolLM2
behind gpt-3.5-turbo), called through the official `openai` client by `ragft run --generator-url`."""

import json

import pytest
import yaml
from typer.testing import CliRunner

from ragft.cli import app

GUIDE = """# Kelso Ferry Guide

## Boats

The Marigold is 17.6 metres long and was built in 2015 by Harlow & Sons.
Captain Ada Brook is the master of the Marigold.

## Fares

An adult single costs £8.20 and a child single £4.10.
Bicycles travel for £2 each.
"""


@pytest.mark.integration
def test_a_remote_generator_writes_pairs_and_texts_and_the_filter_says_what_it_kept(server, tmp_path):
    out = tmp_path / "run"
    args = _run_args(tmp_path) + ["--generator-url", server.base_url, "--generator-model", "gpt-3.5-turbo"]
    result = CliRunner().invoke(app, [*args, "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    results = json.loads((out / "results.json").read_text())
    made = results["finetunes"]["qa"]["data"]
    pairs = made["pairs"]
    assert pairs["generator"] == "gpt-3.5-turbo" and made["recipe"] == "synthetic-qa"
    # the small model is a poor generator: how many pairs it kept, and why the rest went, is on record
    assert pairs["proposed"] == pairs["kept"] + sum(pairs["dropped"].values()) > 0
    assert set(pairs["dropped"]) >= {"no question proposed", "answer not in the chunk", "near a test question"}
    # entity-relation descriptions and question-focused rewrites, two per chunk, are trained on as documents
    chunks = results["dataset"]["passages"]
    assert made["documents"] + made["documents_dropped_quoting_a_test_question"] == 2 * chunks
    assert made["conversations"] == pairs["kept"] + made["documents"] > 0
    lines = (out / "training" / "qa.jsonl").read_text().splitlines()
    assert len(lines) == made["conversations"] and "How long is the Marigold?" not in "\n".join(lines)


def test_an_unreachable_generator_is_one_line_naming_it(tmp_path, tiny_model_dir):
    args = _run_args(tmp_path) + ["--model", str(tiny_model_dir), "--generator-url", "http://127.0.0.1:9/v1"]
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "run"), "--quiet"])
    assert result.exit_code == 1
    assert "generating with gpt-4o-mini at http://127.0.0.1:9/v1: chat completion" in result.output
    assert not (tmp_path / "run" / "results.json").exists() and (tmp_path / "run" / "FAILED").exists()


def _run_args(tmp_path) -> list[str]:
    """`ragft run` on a one-page guide with two questions, a base arm and a synthetic-qa fine-tune."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "guide.md").write_text(GUIDE)
    questions = tmp_path / "questions.jsonl"
    questions.write_text(
        json.dumps({"question": "How long is the Marigold?", "answer": "17.6 metres"})
        + "\n"
        + json.dumps({"question": "What does a child single cost?", "answer": "£4.10"})
        + "\n"
    )
    config = tmp_path / "run.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "arms": ["base", "qa"],
                "finetune": {"method": "full", "epochs": 1, "batch_size": 16},
                "variants": [{"name": "qa", "train_on": "synthetic-qa", "phrasings": 2}],
                "generation": {"max_new_tokens": 24},
            }
        )
    )
    return ["run", "--config", str(config), "--docs", str(docs), "--questions", str(questions)]
