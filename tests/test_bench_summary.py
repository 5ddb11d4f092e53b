"""The benchmark's arithmetic (bench/run.py summarize) on made-up measurements: ratios, MFU, keys."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository root holds bench/

from bench.run import STAGES, summarize  # noqa: E402

PARAMS = 134_515_008


def _raw() -> dict:
    ragft_times = dict.fromkeys(STAGES, 2.0) | {"finetune": 40.0, "total": 60.0}
    naive_times = dict.fromkeys(STAGES, 10.0) | {"finetune": 80.0, "total": 180.0}
    arms = {
        a: {"n": 100, "accuracy": 0.5, "prompt_tokens": 10, "completion_tokens": 5}
        for a in ("base", "rag", "finetuned", "finetuned+rag")
    }
    train = {"train_tokens": 14_000, "body_tokens": 9_000, "head_tokens": 5_000}
    return {
        "config": {"n": 100, "limit": 100, "epochs": 3},
        "peak": {"peak_gflops": 350.0, "peak_gflops_bf16": 2800.0},
        "load_cold": {"load_s": 15.0},
        "load_warm": {
            "load_s": 0.4,
            "again_in_process_s": 0.2,
            "imports_s": 3.0,
            "params": PARAMS,
            "embedding_params": 28_311_552,
            "layers": 30,
            "hidden": 576,
        },
        "ragft": {
            "timings": ragft_times,
            "finetune": train | {"precision": "bf16"},
            "arms": arms,
            "precision": "bf16",
            "max_rss_gb": 3.4,
        },
        "naive": {"timings": naive_times, "finetune": {"train_tokens": 14_000}, "arms": arms, "max_rss_gb": 3.5},
        "rates": {},
        "fp32_ragft": train | {"seconds": 50.0, "precision": "fp32"},
        "retrieval": {"100000": {"p50_ms": 9.0, "p99_ms": 15.0}},
    }


def test_summary_ratios_and_mfu():
    s = summarize(_raw(), quick=False)
    assert s["speedup_end_to_end"] == 3.0
    assert s["generation_speedup"] == 5.0  # 4 stages of 10 s vs 4 of 2 s
    assert s["train_speedup"] == 2.0
    assert s["training"]["full_fp32"]["speedup"] == 1.6
    # MFU = executed FLOP/s / peak of the precision used; model FLOP/s (6 x parameters x tokens) a throughput
    fp32 = s["training"]["full_fp32"]["ragft"]
    assert s["train_mfu"] == fp32["mfu"] == round(fp32["executed_gflops"] / 350.0, 3)
    assert s["train_mfu_default_precision"] == round(s["training"]["full"]["ragft"]["executed_gflops"] / 2800.0, 3)
    assert fp32["model_gflops"] == round(6 * PARAMS * 14_000 / 50.0 / 1e9, 1)
    # Executed FLOPs count the shared prefix once and the head on labelled positions only.
    assert fp32["executed_gflops"] < fp32["model_gflops"]
    for key in (
        "speedup_end_to_end",
        "train_mfu",
        "generation_speedup",
        "train_speedup",
        "model_load_warm_s",
        "retrieval_p99_ms_100k",
        "peak_rss_gb",
    ):
        assert s[key] is not None, key
    assert s["retrieval_p99_ms_100k"] == 15.0 and s["peak_rss_gb"] == 3.4 and s["precision"] == "bf16"


def test_peers_utilization_and_cpu_keys():
    raw = _raw() | {
        "cpu": {"model": "AMD EPYC", "flags": {"avx512_bf16": True}},
        "trl": {"tokens_per_s": 140.0, "trl": "1.16.0"},
        "llamacpp": {"questions_per_s": 2.0},
        "study": {"preset": "study", "wall_s": 1500.0},
    }
    s = summarize(raw, quick=False)
    assert s["cpu"]["flags"]["avx512_bf16"] and s["study_wall_s"] == 1500.0
    # ragft's default run: 14,000 tokens in 40 s = 350 tokens/s, 2.5x TRL's 140
    assert s["trl_tokens_per_s"] == 140.0 and s["train_speedup_vs_trl"] == 2.5
    assert s["llamacpp_questions_per_s"] == 2.0 and s["generation_speedup_vs_llamacpp"] == round(400 / 8.0 / 2.0, 2)
    # executed FLOP/s over the peak of the precision each run used, never above 1 here
    default = s["training"]["full"]["ragft"]
    assert s["train_executed_utilization"] == round(default["executed_gflops"] / 2800.0, 3)
    assert s["train_executed_utilization_fp32"] == round(
        s["training"]["full_fp32"]["ragft"]["executed_gflops"] / 350.0, 3
    )
    assert 0 < s["train_executed_utilization"] <= 1 and 0 < s["train_executed_utilization_fp32"] <= 1


def test_utilisation_counts_executed_flops_where_model_flops_would_pass_the_peak():
    raw = _raw()
    raw["fp32_ragft"] |= {"seconds": 20.0}  # 6 x params x 14,000 tokens in 20 s: 565 GFLOP/s of model FLOPs
    s = summarize(raw, quick=False)
    fp32 = s["training"]["full_fp32"]["ragft"]
    assert fp32["model_gflops"] > 350.0  # over the peak: as a share it would read 161 %
    assert s["train_mfu"] == fp32["mfu"] == s["train_executed_utilization_fp32"] <= 1


def test_skipped_peers_are_null():
    s = summarize(_raw() | {"llamacpp": {"skipped": "llama-cpp-python is not installed"}}, quick=True)
    assert s["trl_tokens_per_s"] is None and s["train_speedup_vs_trl"] is None
    assert s["llamacpp_questions_per_s"] is None and s["generation_speedup_vs_llamacpp"] is None
    assert s["study_wall_s"] is None and s["cpu"] is None


def test_accuracy_in_both_precisions():
    raw = _raw()
    other = {
        **raw["ragft"],
        "precision": "fp32",
        "timings": raw["ragft"]["timings"] | {"total": 90.0},
        "arms": {a: s | {"accuracy": 0.75} for a, s in raw["ragft"]["arms"].items()},
    }
    s = summarize(raw | {"ragft_other_precision": other}, quick=False)
    assert s["accuracy_by_precision"]["bf16"] == {
        "n": 100,
        "end_to_end_s": 60.0,
        "base": 0.5,
        "rag": 0.5,
        "finetuned": 0.5,
        "finetuned+rag": 0.5,
    }
    fp32 = s["accuracy_by_precision"]["fp32"]
    assert fp32["rag"] == 0.75 and fp32["end_to_end_s"] == 90.0
    assert list(summarize(raw, quick=False)["accuracy_by_precision"]) == ["bf16"]  # --one-precision


def test_emulated_bf16_is_not_run_and_says_why():
    from bench.run import BF16_EMULATED, native_bf16

    avx2_only = {"flags": {"avx2": True, "avx512_f": False, "avx512_bf16": False, "amx_bf16": False}}
    assert not native_bf16(avx2_only)
    assert native_bf16({"flags": {"avx512_bf16": True}}) and native_bf16({"flags": {"amx_bf16": True}})
    raw = _raw()
    raw["ragft"] = {**raw["ragft"], "precision": "fp32"}
    s = summarize(raw | {"ragft_other_precision": {"precision": "bf16", "skipped": BF16_EMULATED}}, quick=False)
    assert s["accuracy_by_precision"]["bf16"] == {"skipped": BF16_EMULATED}
    assert s["accuracy_by_precision"]["fp32"]["rag"] == 0.5
