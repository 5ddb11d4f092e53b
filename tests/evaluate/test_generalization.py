"""The generalization study: every fact asked in its trained phrasing, held-out paraphrases and reversed."""

import json

import pytest

from ragft.config import load_config
from ragft.evaluate.results import RunResults
from ragft.evaluate.runner import Experiment


def test_probe_families_per_arm_in_results_report_and_records(tmp_path, tiny_model_dir):
    config = load_config(
        None,
        overrides={
            "model": str(tiny_model_dir),
            "arms": ["base", "finetuned", "rag"],
            "experiments": ["generalization"],
            "data.source": "people",
            "data.n": 3,
            "finetune.epochs": 1,
            "generation.max_new_tokens": 4,
        },
    )
    out = Experiment(config, tmp_path).run()
    study = out.results.as_dict()["experiments"]["generalization"]
    assert list(study["families"]) == ["train", "paraphrase", "reversed"]
    records = [json.loads(line) for line in (tmp_path / "predictions.jsonl").read_text().splitlines()]
    for arm in ("base", "finetuned", "rag"):
        mine = [r for r in records if r["arm"] == arm]
        for family, rate in study["arms"][arm].items():
            scored = [r["correct"] for r in mine if r["family"] == family]
            assert rate["n"] == len(scored) and rate["correct"] == sum(scored)
        assert study["arms"][arm]["train"]["n"] == 15 and study["arms"][arm]["paraphrase"]["n"] == 3 * 15
    assert {r["split"] for r in records if r["family"] == "train"} == {"train"}
    assert {r["split"] for r in records if r["family"] != "train"} == {"test"}
    # the held-out phrasings never reach the training data
    trained = (tmp_path / "dataset.jsonl").read_text()
    assert not any(r["question"] in trained for r in records if r["family"] == "paraphrase")
    assert all(r["question"] in trained for r in records if r["family"] == "train")
    assert set(study["comparisons"]) == {"train", "paraphrase", "reversed"}
    assert "## Generalization" in (tmp_path / "report.md").read_text()
    assert (tmp_path / "generalization.png").read_bytes().startswith(b"\x89PNG")
    assert "Generalization" in (tmp_path / "report.html").read_text()


def test_a_mix_of_domains_is_probed_and_reported_domain_by_domain(tmp_path, tiny_model_dir):
    config = load_config(
        None,
        overrides={
            "model": str(tiny_model_dir),
            "arms": ["base", "finetuned", "rag"],
            "experiments": ["generalization"],
            "data.source": "people:1+cities:3",
            "finetune.epochs": 1,
            "generation.max_new_tokens": 4,
        },
    )
    out = Experiment(config, tmp_path).run()
    study = out.results.as_dict()["experiments"]["generalization"]
    assert set(study["domains"]) == {"people", "cities"}
    for arm in ("base", "finetuned", "rag"):
        whole = study["arms"][arm]["train"]["n"]
        parts = [study["domains"][d][arm]["train"]["n"] for d in ("people", "cities")]
        assert parts == [5, 3] and sum(parts) == whole
    assert out.results.as_dict()["dataset"]["source"].startswith("people:1+cities:3 (seed=42)")
    written = RunResults.model_validate(json.loads((tmp_path / "results.json").read_text()))
    assert written.arms["rag"].families["train"].n == 8 and written.as_dict() == out.results.as_dict()
    report = (tmp_path / "report.md").read_text()
    assert "In people alone:" in report and "In cities alone:" in report


def test_augmentation_points_per_fine_tune(tmp_path, tiny_model_dir):
    config = load_config(
        None,
        overrides={
            "model": str(tiny_model_dir),
            "arms": ["finetuned", "k3", "k3+rag", "lora-k3"],
            "experiments": ["augmentation"],
            "variants": [{"name": "k3", "phrasings": 3}, {"name": "lora-k3", "phrasings": 3, "method": "lora"}],
            "data.source": "people",
            "data.n": 2,
            "finetune.epochs": 1,
            "generation.max_new_tokens": 4,
        },
    )
    out = Experiment(config, tmp_path).run()
    points = out.results.as_dict()["experiments"]["augmentation"]["points"]
    # closed-book arms only, ordered by method then k
    assert [(p["variant"], p["method"], p["k"]) for p in points] == [
        ("finetuned", "full", 1),
        ("k3", "full", 3),
        ("lora-k3", "lora", 3),
    ]
    arms = out.results.as_dict()["arms"]
    for p in points:
        assert p["paraphrase"] == arms[p["arm"]]["families"]["paraphrase"]
        assert p["examples"] == 10 * p["k"] and p["train_tokens"] > 0
    assert "## Augmentation" in (tmp_path / "report.md").read_text()
    assert (tmp_path / "augmentation.png").read_bytes().startswith(b"\x89PNG")


def test_learning_curve_checkpoints_one_training_run(tmp_path, tiny_model_dir):
    config = load_config(
        None,
        overrides={
            "model": str(tiny_model_dir),
            "arms": ["finetuned", "lora"],
            "experiments": ["learning_curve"],
            "variants": [{"name": "lora", "method": "lora"}],
            "curve_every": 2,
            "curve_questions": 4,
            "data.source": "people",
            "data.n": 2,
            "finetune.epochs": 5,
            "generation.max_new_tokens": 4,
        },
    )
    out = Experiment(config, tmp_path).run()
    curves = out.results.as_dict()["experiments"]["learning_curve"]["finetunes"]
    for variant in ("finetuned", "lora"):
        points = curves[variant]["points"]
        assert [p["epoch"] for p in points] == [0, 2, 4, 5]  # untouched, every 2 epochs, and the last
        assert [p["train"]["n"] for p in points] == [4] * 4 and [p["paraphrase"]["n"] for p in points] == [4] * 4
        assert (
            points[0]["train_tokens"] == 0
            and points[-1]["train_tokens"] == out.results.as_dict()["finetunes"][variant]["train_tokens"]
        )
        assert all(a["seconds"] <= b["seconds"] for a, b in zip(points, points[1:]))
        assert points[-1]["seconds"] == pytest.approx(out.results.as_dict()["finetunes"][variant]["seconds"], abs=2e-3)
    lora = curves["lora"]  # the adapters only (a large share of a tiny model)
    assert curves["finetuned"]["trainable_share"] == 1.0 and 0 < lora["trainable_share"] < 1
    assert lora["trainable_share"] == pytest.approx(lora["trainable_parameters"] / lora["total_parameters"], abs=1e-6)
    # the curve's untouched point is the same model for both fine-tunes: the same answers
    assert curves["finetuned"]["points"][0]["train"] == curves["lora"]["points"][0]["train"]
    assert "## Learning curve" in (tmp_path / "report.md").read_text()
    assert (tmp_path / "learning_curve.png").read_bytes().startswith(b"\x89PNG")
