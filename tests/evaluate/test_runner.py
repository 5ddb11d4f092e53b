"""The whole experiment on a tiny random model: every stage, file and number, quickly."""

import json

import pytest

from ragft.config import load_config
from ragft.evaluate.runner import Experiment


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory, tiny_model_dir):
    config = load_config(
        "seed",
        overrides={
            "model": str(tiny_model_dir),
            "limit": 12,
            "finetune.epochs": 1,
            "generation.max_new_tokens": 8,
            "data.n": 30,
        },
    )
    runs = []
    for name in ("a", "b"):
        run_dir = tmp_path_factory.mktemp("runs") / name
        run_dir.mkdir()
        runs.append(Experiment(config, run_dir).run())
    return runs


def test_run_directory_holds_every_stage(tiny_run):
    run_dir = tiny_run[0].run_dir
    for name in (
        "config.yaml",
        "dataset.jsonl",
        "predictions.jsonl",
        "results.json",
        "report.md",
        "report.html",
        "accuracy.png",
        "finetuned/config.json",
        "finetuned/ragft_model.json",
    ):
        assert (run_dir / name).exists(), name
    assert (run_dir / "chroma").is_dir()
    assert len((run_dir / "dataset.jsonl").read_text().splitlines()) == 30


def test_results_agree_with_the_per_question_records(tiny_run):
    run_dir, results = tiny_run[0].run_dir, tiny_run[0].results.as_dict()
    assert json.loads((run_dir / "results.json").read_text()) == results
    records = [json.loads(line) for line in (run_dir / "predictions.jsonl").read_text().splitlines()]
    assert len(records) == 5 * 12
    assert list(results["arms"]) == ["base", "finetuned", "rag-seed", "rag", "finetuned+rag"]
    for arm, summary in results["arms"].items():
        mine = [r for r in records if r["arm"] == arm]
        assert summary["n"] == len(mine) == 12
        assert summary["correct"] == sum(r["correct"] for r in mine)
        assert summary["accuracy"] == pytest.approx(summary["correct"] / 12)
        assert summary["correct_seed"] == sum(r["correct_seed"] for r in mine)
        lo, hi = summary["ci95"]
        assert 0 <= lo <= summary["accuracy"] <= hi <= 1
        assert summary["splits"] == {"train": 12}
        if "rag" in arm:
            sizes = {len(r["retrieved_ids"]) for r in mine}
            assert sizes == {5} if arm == "rag-seed" else sizes <= {1, 2, 3, 4, 5}  # grounded: agreement filter
            assert summary["retrieval"]["k"] == max(sizes)
            assert summary["retrieval_hit_rate"] == pytest.approx(sum(r["retrieval_hit"] for r in mine) / 12)
            ranks = [r["gold_rank"] for r in mine]
            assert summary["retrieval"]["hit@1"] == pytest.approx(sum(x == 1 for x in ranks) / 12)
            assert summary["retrieval"]["mrr"] == pytest.approx(sum(1 / x for x in ranks if x) / 12, abs=1e-6)
            cites = [ok for r in mine for ok in (r["citations_valid"] or [])]
            if arm == "rag-seed":
                assert all(r["citations"] is None for r in mine) and summary["citation_accuracy"] is None
            else:  # the citation slot gives every grounded answer a citation
                assert all(len(r["citations"]) >= 1 for r in mine)
                assert summary["citation_accuracy"] == pytest.approx(sum(cites) / len(cites), abs=1e-6)
                assert summary["citations_forced"] == sum(r["citation_forced"] for r in mine)
        else:
            assert summary["retrieval_hit_rate"] is None and all(r["retrieved_ids"] is None for r in mine)
            assert summary["retrieval"] is None
    assert results["finetune"]["epochs"] == 1 and results["finetune"]["examples"] == 30
    pairs = {(c["a"], c["b"]): c for c in results["comparisons"]}
    assert len(pairs) == len(results["arms"]) * (len(results["arms"]) - 1) // 2
    for (a, b), c in pairs.items():  # each table counts the two arms' records on the same questions
        right = {arm: {r["id"] for r in records if r["arm"] == arm and r["correct"]} for arm in (a, b)}
        assert (c["both"], c["only_a"], c["only_b"]) == (
            len(right[a] & right[b]),
            len(right[a] - right[b]),
            len(right[b] - right[a]),
        )
    for stage in ("data", "load_model", "index", "generate:base", "finetune", "generate:finetuned", "report", "total"):
        assert results["timings"][stage] >= 0, stage


def test_same_config_and_seed_give_the_same_numbers(tiny_run):
    a, b = (
        [
            {k: v for k, v in json.loads(line).items() if k != "latency_s"}
            for line in (r.run_dir / "predictions.jsonl").read_text().splitlines()
        ]
        for r in tiny_run
    )
    assert a == b
    drop = ("timings", "run_name", "created")
    strip = [{k: v for k, v in r.results.as_dict().items() if k not in drop} for r in tiny_run]
    for s in strip:
        for arm in s["arms"].values():
            arm.pop("mean_latency_s")
        for finetune in (s["finetune"], *s["finetunes"].values()):
            finetune.pop("seconds")
    # The decision table quotes seconds (cost per question, training time): its rows must match, its wording
    # may differ in those numbers.
    needs = [
        [(row["need"], row["best"]) for row in s.pop("decision")["rows"] if row["need"] != "Cost per question"]
        for s in strip
    ]
    assert needs[0] == needs[1] and needs[0]
    assert strip[0] == strip[1]


def test_the_report_shows_the_final_timings(tiny_run):
    run_dir, results = tiny_run[0].run_dir, tiny_run[0].results.as_dict()
    report = (run_dir / "report.md").read_text()
    total = results["timings"]["total"]
    assert f"| total | {total:.1f} |" in report or f"| total | {total:.2f} |" in report, report.split("## Costs")[1][
        :600
    ]
    assert "| report |" in report
