"""The generalization study: every fact asked in its trained phrasing, held-out paraphrases and reversed."""

import json

from ragft.config import load_config
from ragft.evaluate.runner import Experiment


def test_probe_families_per_arm_in_results_report_and_records(tmp_path, tiny_model_dir):
    config = load_config(None, overrides={"model": str(tiny_model_dir), "arms": ["base", "finetuned", "rag"],
                                          "experiments": ["generalization"], "data.source": "people", "data.n": 3,
                                          "finetune.epochs": 1, "generation.max_new_tokens": 4})
    out = Experiment(config, tmp_path).run()
    study = out.results["experiments"]["generalization"]
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
