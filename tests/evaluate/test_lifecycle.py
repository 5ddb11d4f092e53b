"""The lifecycle experiments end to end with a tiny model: what they change, train and record."""

import json

import pytest

from ragft.config import load_config
from ragft.evaluate.runner import Experiment
from ragft.rag.store import KnowledgeBase

EXPERIMENTS = ["update", "deletion", "unknowns", "long_context", "raft"]


def recording(experiment: Experiment) -> Experiment:
    """Keeps the weights the lifecycle took for the run's fine-tune, as `experiment.lifecycle_weights`."""
    default_finetune = experiment.models.default_finetune

    def kept():
        loaded = default_finetune()
        experiment.lifecycle_weights = {k: v.detach().clone() for k, v in loaded.model.state_dict().items()}
        return loaded

    experiment.models.default_finetune = kept
    return experiment


@pytest.fixture(scope="module")
def run(tmp_path_factory, tiny_model_dir):
    config = load_config(
        None,
        overrides={
            "model": str(tiny_model_dir),
            "data.source": "cities",
            "data.n": 20,
            "finetune.epochs": 1,
            "generation.max_new_tokens": 4,
            "arms": ["base", "rag", "context", "finetuned", "finetuned+rag", "raft", "idk"],
            "experiments": EXPERIMENTS,
            "lifecycle": {"context_sizes": [5, 12, 400], "context_questions": 3},
        },
    )
    run_dir = tmp_path_factory.mktemp("lifecycle")
    experiment = recording(Experiment(config, run_dir))
    out = experiment.run()
    out.lifecycle_weights = experiment.lifecycle_weights
    return out


def _rows(run, name):
    return [json.loads(line) for line in (run.run_dir / name).read_text().splitlines()]


def test_every_experiment_reports_and_unknowns_stay_out_of_accuracy(run):
    results = run.results.as_dict()
    assert set(EXPERIMENTS) <= set(results["experiments"])
    assert all(a["n"] == 20 for a in results["arms"].values())  # the 5 unknown cities are asked apart
    unknowns = results["experiments"]["unknowns"]
    assert unknowns["questions"] == 5 and set(unknowns["arms"]) == set(results["arms"])
    # every unknown city is named nowhere in the knowledge: the grounded arms abstain without asking the model
    assert unknowns["arms"]["rag"]["abstained"]["value"] == 1.0
    assert {t["b"] for t in unknowns["invention_vs_base"]} == {"finetuned", "idk"}
    assert sum(r["split"] == "unknown" for r in _rows(run, "predictions.jsonl")) == 5 * len(results["arms"])


def test_the_knowledge_base_holds_the_new_facts_and_not_the_old_or_deleted_ones(run):
    update = run.results.as_dict()["experiments"]["update"]
    deletion = run.results.as_dict()["experiments"]["deletion"]
    assert update["changed"] == deletion["deleted"] == 2
    kept = set(KnowledgeBase(run.run_dir / "chroma", "knowledge").all_passages().values())
    assert all(e["after"] in kept and e["before"] not in kept for e in update["examples"])
    assert not set(deletion["examples"]) & kept and len(kept) == 20 - 2
    after = [r for r in _rows(run, "experiments.jsonl") if r.get("approach") == "rag" and r["phase"] == "after"]
    shown = " ".join(m["content"] for r in after for m in r["prompt"])
    assert not any(text in shown for text in deletion["examples"])  # deleted passages are never retrieved


def test_continued_training_sees_only_the_changes_and_retraining_everything_left(run):
    approaches = run.results.as_dict()["experiments"]["update"]["approaches"]
    assert approaches["finetuned-continued"]["examples"] == 2
    assert approaches["finetuned-retrained"]["examples"] == 20 - 2  # without the deleted facts
    for name in ("continued", "retrained"):
        assert (run.run_dir / "lifecycle" / name / "ragft_model.json").is_file()
    assert approaches["finetuned"]["after"] == approaches["finetuned"]["before"]  # never updated
    records = [r for r in _rows(run, "experiments.jsonl") if r.get("experiment") == "lifecycle"]
    assert {(r["approach"], r["phase"]) for r in records} >= {
        ("rag", "before"),
        ("rag", "after"),
        ("finetuned-retrained", "after"),
    }
    assert all("stale" in r for r in records if r["group"] == "changed")


def test_long_context_puts_every_fact_in_the_prompt_and_skips_what_the_data_lacks(run):
    lc = run.results.as_dict()["experiments"]["long_context"]
    small, large, missing = lc["sizes"]
    assert (small["facts"], large["facts"]) == (5, 12) and small["context_tokens"] < large["context_tokens"]
    # 400 cities are drawn, but their prompt is past the tiny model's window: RAG alone answers
    assert missing["facts"] == 400 and not missing["fits"] and list(missing["arms"]) == ["rag"]
    assert missing["context_tokens"] > lc["window"]
    records = [
        r
        for r in _rows(run, "experiments.jsonl")
        if r.get("experiment") == "long_context" and r["arm"] == "context" and r["facts"] == 12
    ]
    assert len(records) == 3 and all(len(r["retrieved_ids"]) == 12 for r in records)


def test_raft_trains_on_passages_and_is_asked_without_worked_examples(run):
    raft = run.results.as_dict()["finetunes"]["raft"]
    assert raft["train_on"] == "raft" and raft["examples"] == 20
    assert set(run.results.as_dict()["experiments"]["raft"]["arms"]) == {"raft", "finetuned+rag", "rag"}
    row = next(r for r in _rows(run, "predictions.jsonl") if r["arm"] == "raft")
    assert [m["role"] for m in row["prompt"]] == ["system", "user"]
    assert run.results.as_dict()["finetunes"]["idk"]["examples"] == 20 + 5  # the facts and 5 unknown cities taught


def test_the_lifecycle_asks_the_runs_own_fine_tune(run, tiny_model_dir):
    # The run's weights were restored to the untouched ones for the next fine-tunes; the lifecycle's
    # "finetuned" must still be the run's own: the very weights saved in finetuned/finetuned/.
    import torch
    from safetensors.torch import load_file

    saved = load_file(run.run_dir / "finetuned" / "finetuned" / "model.safetensors")
    kept = run.lifecycle_weights
    assert saved and all(torch.equal(kept[k], v) for k, v in saved.items())
    # ...and not the untouched model's (the base weights differ somewhere after training)
    untouched = load_file(tiny_model_dir / "model.safetensors")
    assert any(not torch.equal(kept[k], v) for k, v in untouched.items() if k in kept)


def test_the_lifecycle_may_use_another_fine_tune(tmp_path, tiny_model_dir):
    config = load_config(
        None,
        overrides={
            "model": str(tiny_model_dir),
            "data.source": "cities",
            "data.n": 10,
            "finetune.epochs": 1,
            "generation.max_new_tokens": 2,
            "arms": ["rag", "long"],
            "variants": [{"name": "long", "epochs": 2}],
            "experiments": ["update"],
            "lifecycle.variant": "long",
        },
    )
    experiment = recording(Experiment(config, tmp_path))
    results = experiment.run().results.as_dict()
    update = results["experiments"]["update"]
    assert update["finetune"] == "long" and update["approaches"]["finetuned-retrained"]["examples"] == 10
    from safetensors.torch import load_file

    saved = load_file(tmp_path / "finetuned" / "model.safetensors")  # the one fine-tune: the seed's layout
    assert all(v.equal(experiment.lifecycle_weights[k]) for k, v in saved.items())
    retrained = json.loads((tmp_path / "lifecycle" / "retrained" / "ragft_model.json").read_text())
    assert retrained["train"]["epochs"] == 2  # trained with long's recipe


def test_the_lifecycle_fine_tune_must_be_one_of_the_runs_on_the_facts():
    from ragft.errors import RagftError

    with pytest.raises(RagftError, match="add k3 to arms"):
        load_config(
            None,
            overrides={
                "arms": ["rag", "finetuned"],
                "experiments": ["update"],
                "lifecycle.variant": "k3",
                "data.source": "people",
                "variants": [{"name": "k3", "phrasings": 3}],
            },
        )
    with pytest.raises(RagftError, match="must be a fine-tune on the facts in one phrasing"):
        load_config(
            None,
            overrides={
                "arms": ["rag", "k3"],
                "experiments": ["deletion"],
                "lifecycle.variant": "k3",
                "data.source": "people",
                "variants": [{"name": "k3", "phrasings": 3}],
            },
        )
