"""`make bench`: the seed experiment with ragft and with the naive reference, on the same config, in one run.

    python -m bench.run [--quick] [--out bench/out]

Every measurement runs in a fresh child process (its imports, loads and peak memory are its own);
the ratios compare runs taken minutes apart on the same machine. Prints the table and writes
bench/out/bench.json. ragft runs with its defaults (precision auto: bf16 matmuls on a CPU with AMX);
its fp32 training is measured too. FLOP/s are set against the matmul peak measured here on the
model's shapes, fp32 or bf16 as the run used; ragft's answering time includes its citation slot.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STAGES = [
    "load_model",
    "index",
    "retrieve",
    "generate:base",
    "generate:rag",
    "finetune",
    "generate:finetuned",
    "generate:finetuned+rag",
]
GENERATE = [s for s in STAGES if s.startswith("generate:")]


def child(name: str, ragft_home: str, timeout: int = 1800, **kwargs) -> dict:
    """Run bench.pipelines.<name>(**kwargs) (or a module:function) in a fresh Python; its result + peak RSS."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        result = Path(f.name)
    env = {
        **os.environ,
        "RAGFT_HOME": ragft_home,
        "TOKENIZERS_PARALLELISM": "false",
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
        "TRANSFORMERS_VERBOSITY": "error",
    }
    cmd = [sys.executable, "-m", "bench.run", "--child", name, "--kwargs", json.dumps(kwargs), "--result", str(result)]
    print(f"  … {name} {' '.join(f'{k}={v}' for k, v in kwargs.items() if k != 'workdir')}", flush=True)
    began = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, timeout=timeout, cwd=Path(__file__).resolve().parent.parent)
    out = json.loads(result.read_text())
    result.unlink()
    out["wall_s"] = round(time.perf_counter() - began, 2)
    return out


def _run_child(name: str, kwargs: dict, result: str) -> None:
    if name == "peak":
        from bench.peak import measure as fn
    elif name == "cpu":
        fn = cpu
    elif name == "study":
        fn = study
    elif name in ("trl_train", "llamacpp_answers"):
        from bench import peers

        fn = getattr(peers, name)
    elif name == "retrieval":
        from bench.retrieval import latency as fn
    elif name == "grammar":
        from bench.grammar import measure as fn
    else:
        from bench import pipelines

        fn = getattr(pipelines, name)
    out = fn(**kwargs)
    out["max_rss_gb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 3)  # Linux: KiB
    Path(result).write_text(json.dumps(out))


def model_flops(params: int, tokens: int) -> float:
    """Model FLOPs of training on `tokens` tokens: 6 x parameters per token (forward 2, backward 4).

    The issue's accounting ("118 tokens/s, about 95 GFLOP/s of model FLOPs" for SmolLM2-135M) and
    PaLM's MFU: what the model needs per token, however much an implementation skips or wastes.
    """
    return 6 * params * tokens


def train_flops(
    params: int,
    embedding_params: int,
    layers: int,
    hidden: int,
    tokens: int,
    body_tokens: int,
    head_tokens: int,
    sequences: int,
    method: str = "full",
    trainable: int = 0,
) -> float:
    """FLOPs a training run executed on real tokens (padding is wasted work, not counted).

    Linear layers: 6 x params per token (forward 2, backward 4) over the tokens the transformer body
    ran on (body_tokens: a prefix a batch shares counts once), the tied vocabulary projection only
    at the positions it ran on (head_tokens); the embedding lookup is no FLOPs.
    LoRA: frozen weights need no weight gradient (4 x params), the adapters 6 x theirs.
    Attention scores and mixing: 4 x layers x hidden x context per token forward (x3 with backward),
    context = half the mean sequence length (causal).
    """
    body = params - embedding_params
    per_weight = 6 if method == "full" else 4
    mean_len = tokens / max(sequences, 1)
    attention = 12 * layers * hidden * (mean_len / 2) * body_tokens
    return (
        per_weight * body * body_tokens
        + per_weight * embedding_params * head_tokens
        + 6 * trainable * body_tokens
        + attention
    )


def summarize(r: dict, quick: bool) -> dict:
    rg, nv, model, peak = r["ragft"], r["naive"], r["load_warm"], r["peak"]["peak_gflops"]
    rows = []
    for stage in STAGES:
        a, b = rg["timings"].get(stage, 0.0), nv["timings"].get(stage, 0.0)
        rows.append((stage, a, b))
    for name, key in (("other (data, save, report)", None), ("end to end", "total")):
        if key:
            rows.append((name, rg["timings"]["total"], nv["timings"]["total"]))
        else:
            rows.append(
                (
                    name,
                    rg["timings"]["total"] - sum(x[1] for x in rows),
                    nv["timings"]["total"] - sum(x[2] for x in rows),
                )
            )
    questions = sum(a["n"] for a in rg["arms"].values())
    gen_rg = sum(rg["timings"][s] for s in GENERATE)
    gen_nv = sum(nv["timings"][s] for s in GENERATE)
    geometry = {k: model[k] for k in ("params", "embedding_params", "layers", "hidden")}

    peaks = {"fp32": peak, "bf16": r["peak"].get("peak_gflops_bf16")}

    def training(ft: dict, seconds: float, method: str = "full", precision: str = "fp32") -> dict:
        # The naive loop runs every token through the body and the head.
        tokens = ft["train_tokens"]
        executed = train_flops(
            **geometry,
            tokens=tokens,
            body_tokens=ft.get("body_tokens") or tokens,
            head_tokens=ft.get("head_tokens") or tokens,
            sequences=r["config"]["n"] * r["config"]["epochs"],
            method=method,
            trainable=ft.get("trainable_params", 0) if method == "lora" else 0,
        )
        out = {
            "seconds": round(seconds, 2),
            "tokens": tokens,
            "tokens_per_s": round(tokens / seconds, 1),
            "precision": precision,
            "executed_gflops": round(executed / seconds / 1e9, 1),
        }
        if method == "full":
            # model FLOP/s (6 x params x tokens) stays a throughput figure only: set against the peak it can pass
            # 100 %, since it counts the shared prefixes and prompt positions the packed loop never computes
            out.update(
                model_gflops=round(model_flops(model["params"], tokens) / seconds / 1e9, 1),
                peak_gflops=peaks[precision],
                mfu=_share(out["executed_gflops"], peaks[precision]),
            )
        return out

    def versus_naive(ragft: dict, naive: dict) -> dict:
        return {"ragft": ragft, "naive": naive, "speedup": round(ragft["tokens_per_s"] / naive["tokens_per_s"], 2)}

    naive_full = training(nv["finetune"], nv["timings"]["finetune"])
    train = {
        "full": versus_naive(
            training(rg["finetune"], rg["timings"]["finetune"], precision=rg["finetune"].get("precision", "fp32")),
            naive_full,
        )
    }
    if "fp32_ragft" in r:
        train["full_fp32"] = versus_naive(training(r["fp32_ragft"], r["fp32_ragft"]["seconds"]), naive_full)
    if "lora_ragft" in r:
        train["lora"] = versus_naive(
            training(r["lora_ragft"], r["lora_ragft"]["seconds"], "lora", r["lora_ragft"].get("precision", "fp32")),
            training(r["lora_naive"], r["lora_naive"]["seconds"], "lora"),
        )
    fp32_run = train.get("full_fp32", train["full"])["ragft"]
    default_run = train["full"]["ragft"]
    trl = r.get("trl") or {}
    llamacpp = r.get("llamacpp") or {}
    return {
        "quick": quick,
        "cpu": r.get("cpu"),
        "config": r["config"],
        "stages": [
            {"stage": s, "ragft_s": round(a, 2), "naive_s": round(b, 2), "ratio": round(b / a, 2) if a else None}
            for s, a, b in rows
        ],
        "speedup_end_to_end": round(nv["timings"]["total"] / rg["timings"]["total"], 2),
        "generation": {
            "questions": questions,
            "ragft_q_per_s": round(questions / gen_rg, 2),
            "naive_q_per_s": round(questions / gen_nv, 2),
            "rates": r["rates"],
            "tokens": {
                p: {a: {k: v for k, v in s.items() if k != "n"} for a, s in x["arms"].items()}
                for p, x in (("ragft", rg), ("naive", nv))
            },
        },
        "generation_speedup": round(gen_nv / gen_rg, 2),
        "training": train,
        "train_speedup": train["full"]["speedup"],
        # Utilisation of ragft's full fine-tuning in fp32 against the fp32 peak; the default run's (bf16 where
        # auto picks it) against the bf16 peak. Executed FLOPs since issue 13 (was model FLOPs: up to 126 %).
        "train_mfu": fp32_run["mfu"] if fp32_run["precision"] == "fp32" else None,
        "train_mfu_default_precision": train["full"]["ragft"]["mfu"],
        # the FLOPs the run executed (counted from its shapes) over the peak of the precision it used: 0-1
        "train_executed_utilization": _share(default_run["executed_gflops"], peaks[default_run["precision"]]),
        "train_executed_utilization_fp32": _share(fp32_run["executed_gflops"], peaks["fp32"]),
        "trl": trl,
        "trl_tokens_per_s": trl.get("tokens_per_s"),
        "train_speedup_vs_trl": round(default_run["tokens_per_s"] / trl["tokens_per_s"], 2)
        if trl.get("tokens_per_s")
        else None,
        "llamacpp": llamacpp,
        "llamacpp_questions_per_s": llamacpp.get("questions_per_s"),
        "generation_speedup_vs_llamacpp": round((questions / gen_rg) / llamacpp["questions_per_s"], 2)
        if llamacpp.get("questions_per_s")
        else None,
        "study_wall_s": (r.get("study") or {}).get("wall_s"),
        "precision": rg.get("precision"),
        "matmul_peak_gflops": peak,
        "matmul_peak_gflops_bf16": peaks["bf16"],
        "matmul": r["peak"],
        "model_load_cold_s": r["load_cold"]["load_s"],
        "model_load_warm_s": model["load_s"],
        "model_load_in_process_s": model["again_in_process_s"],
        "library_imports_s": model.get("imports_s"),
        "naive_model_load_s": nv["timings"]["load_model"],
        "retrieval": r["retrieval"],
        "retrieval_p99_ms_100k": r["retrieval"].get("100000", {}).get("p99_ms"),
        # constrained decoding (bench/grammar.py): batched decoding's slowdown per token under a JSON schema
        "grammar_overhead": (r.get("grammar") or {}).get("end_to_end", {}).get("overhead"),
        "peak_rss_gb": rg["max_rss_gb"],
        "naive_peak_rss_gb": nv["max_rss_gb"],
        "accuracy": {p: {a: s["accuracy"] for a, s in x["arms"].items()} for p, x in (("ragft", rg), ("naive", nv))},
        # ragft's seed arms in each precision it ran (auto's pick and the other one), with n and end-to-end time
        "accuracy_by_precision": {
            x["precision"]: {"skipped": x["skipped"]}
            if "skipped" in x
            else {
                "n": next(iter(x["arms"].values()))["n"],
                "end_to_end_s": x["timings"]["total"],
                **{a: s["accuracy"] for a, s in x["arms"].items()},
            }
            for x in (rg, r.get("ragft_other_precision"))
            if x
        },
    }


def _share(part: float | None, whole: float | None) -> float | None:
    return round(part / whole, 3) if part is not None and whole else None


def cpu() -> dict:
    """The CPU the figures come from: its name and the instruction sets that decide the precision."""
    from ragft.models.precision import _capabilities, _cpu_model

    caps = _capabilities()
    return {
        "model": _cpu_model(),
        "cores": caps.get("num_physical_cores"),
        "flags": {f: bool(caps.get(f)) for f in ("avx2", "avx512_f", "avx512_bf16", "amx_bf16", "amx_tile")},
    }


BF16_EMULATED = (
    "not run: this CPU has neither AVX-512 BF16 nor AMX, so bf16 matmuls are emulated (1/170 of "
    "fp32 speed measured on an AVX2-only EPYC: hours)"
)


def native_bf16(cpu_info: dict) -> bool:
    """Whether the CPU multiplies bf16 in hardware (the `cpu` child's flags)."""
    flags = cpu_info.get("flags", {})
    return bool(flags.get("avx512_bf16") or flags.get("amx_bf16"))


def study(workdir: str, preset: str) -> dict:
    """The study preset end to end (its own process), as a user runs it."""
    from ragft.commands import run_config, run_experiment

    run_experiment(run_config(preset, None, {}), Path(workdir) / preset, True)
    return {"preset": preset}


def show(s: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=120)
    t = Table(title=f"seed experiment: ragft vs naive reference ({s['config']})")
    for col in ("stage", "ragft s", "naive s", "naive/ragft"):
        t.add_column(col, justify="left" if col == "stage" else "right")
    for row in s["stages"]:
        ratio = f"{row['ratio']:.2f}x" if row["ratio"] else "—"
        t.add_row(row["stage"], f"{row['ragft_s']:.1f}", f"{row['naive_s']:.1f}", ratio)
    console.print(t)
    g = s["generation"]
    console.print(
        f"generation: {g['ragft_q_per_s']} vs {g['naive_q_per_s']} questions/s "
        f"({s['generation_speedup']}x) over {g['questions']} questions"
    )
    for name, x in g["rates"].items():
        console.print(
            f"  {name}: prefill {x['prefill_tok_s']} tok/s, decode {x['decode_tok_s']} tok/s "
            f"({x['prompts']} RAG prompts)"
        )
    console.print(
        f"matmul peak on the model's shapes: fp32 {s['matmul_peak_gflops']} GFLOP/s, "
        f"bf16 {s['matmul_peak_gflops_bf16']} GFLOP/s"
    )
    for method, t_ in s["training"].items():
        for p in ("ragft", "naive"):
            x = t_[p]
            line = f"training {method} {p} ({x['precision']}): {x['tokens_per_s']} tokens/s"
            line += f"; executed {x['executed_gflops']} GFLOP/s"
            if x.get("peak_gflops"):
                line += f" = {x['executed_gflops'] / x['peak_gflops']:.0%} of the {x['precision']} peak"
            console.print(line)
        console.print(f"  {method}: {t_['speedup']}x the naive loop's tokens/s")
    console.print(
        f"model load: cold {s['model_load_cold_s']} s (GGUF conversion), warm {s['model_load_warm_s']} s "
        f"(cached weights, fresh process), {s['model_load_in_process_s']} s again in the same process; "
        f"importing torch + transformers first took {s['library_imports_s']} s; "
        f"naive load stage {s['naive_model_load_s']} s (imports included, as ragft's load_model stage)"
    )
    for size, x in s["retrieval"].items():
        console.print(f"retrieval @ {int(size):,} passages: p50 {x['p50_ms']} ms, p99 {x['p99_ms']} ms")
    if s.get("grammar_overhead") is not None:
        console.print(f"constrained decoding (a JSON schema): {100 * s['grammar_overhead']:+.1f} % per token, batched")
    console.print(f"peak memory: ragft {s['peak_rss_gb']} GB, naive {s['naive_peak_rss_gb']} GB")
    console.print(
        f"executed FLOP/s over the peak of the precision used: {s['train_executed_utilization']} "
        f"({s['precision']}); fp32 run over the fp32 peak: {s['train_executed_utilization_fp32']}"
    )
    if s["trl_tokens_per_s"]:
        console.print(
            f"TRL SFTTrainer {s['trl'].get('trl')}: {s['trl_tokens_per_s']} tokens/s; ragft "
            f"{s['train_speedup_vs_trl']}x"
        )
    else:
        console.print(f"TRL: {s['trl'].get('skipped', 'not measured')}")
    if s["llamacpp_questions_per_s"]:
        console.print(
            f"llama.cpp: {s['llamacpp_questions_per_s']} questions/s; ragft {s['generation_speedup_vs_llamacpp']}x"
        )
    else:
        console.print(f"llama.cpp: {s['llamacpp'].get('skipped', 'not measured')}")
    if s["study_wall_s"]:
        console.print(f"study preset wall time: {s['study_wall_s']} s")
    console.print(f"CPU: {s['cpu']}")
    console.print(f"accuracy ragft {s['accuracy']['ragft']}  naive {s['accuracy']['naive']}")
    for precision, x in s["accuracy_by_precision"].items():
        if "skipped" in x:
            console.print(f"  ragft in {precision}: {x['skipped']}")
            continue
        arms = ", ".join(f"{a} {v:.0%}" for a, v in x.items() if a not in ("n", "end_to_end_s"))
        console.print(f"  ragft in {precision}: {arms} (n={x['n']} each; end to end {x['end_to_end_s']} s)")
    console.print(f"[bold]end to end: {s['speedup_end_to_end']}x faster than the naive pipeline[/bold]")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="20 questions, 1 epoch, smaller stores (a few minutes)")
    ap.add_argument("--out", default="bench/out")
    ap.add_argument("--no-lora", action="store_true", help="skip the LoRA training figures")
    ap.add_argument(
        "--one-precision",
        action="store_true",
        help="skip the seed experiment in the precision auto did not pick (its accuracy per arm)",
    )
    ap.add_argument("--no-study", action="store_true", help="skip the study preset's wall time (about 25 min)")
    ap.add_argument("--report-only", action="store_true", help="summarise OUT/raw.json again, measure nothing")
    ap.add_argument("--child")
    ap.add_argument("--kwargs")
    ap.add_argument("--result")
    args = ap.parse_args(argv)
    if args.child:
        _run_child(args.child, json.loads(args.kwargs), args.result)
        return 0
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.report_only:
        r = json.loads((out / "raw.json").read_text())
        return report(r, out, r["config"]["limit"] < 100)
    cfg = {"n": 100, "limit": 20 if args.quick else 100, "epochs": 1 if args.quick else 3}
    sizes = [100, 10_000] if args.quick else [100, 10_000, 100_000]
    home = tempfile.mkdtemp(prefix="ragft-bench-home-")  # starts empty: the first load is a cold one
    work = tempfile.mkdtemp(prefix="ragft-bench-")
    r: dict = {"config": cfg}

    def measure(key: str, name: str, **kwargs) -> None:
        r[key] = child(name, home, **kwargs)
        (out / "raw.json").write_text(json.dumps(r, indent=2) + "\n")  # kept if a later step fails

    try:
        measure("peak", "peak", quick=args.quick)
        measure("load_cold", "model_load", home=home)
        measure("load_warm", "model_load", home=home)
        measure("ragft", "ragft_experiment", workdir=f"{work}/ragft", **cfg)
        measure("naive", "naive_experiment", workdir=f"{work}/naive", **cfg)
        measure("cpu", "cpu")
        if not args.one_precision:  # the seed's arms in the precision auto did not pick, for accuracy
            other = "fp32" if r["ragft"].get("precision") == "bf16" else "bf16"
            if other == "bf16" and not native_bf16(r["cpu"]):
                r["ragft_other_precision"] = {"precision": "bf16", "skipped": BF16_EMULATED}
            else:
                measure(
                    "ragft_other_precision", "ragft_experiment", workdir=f"{work}/ragft-{other}", precision=other, **cfg
                )
        measure("rates", "generation_rates", n=16 if args.quick else 32)
        measure(
            "fp32_ragft",
            "train_only",
            pipeline="ragft",
            n=cfg["n"],
            epochs=cfg["epochs"],
            method="full",
            precision="fp32",
        )
        if not args.no_lora:
            lora = {"n": cfg["n"], "epochs": cfg["epochs"], "method": "lora"}
            measure("lora_ragft", "train_only", pipeline="ragft", **lora)
            measure("lora_naive", "train_only", pipeline="naive", **lora)
        measure("retrieval", "retrieval", sizes=sizes, queries=400, workdir=f"{work}/kb")
        measure("grammar", "grammar", repeat=1 if args.quick else 3)
        measure("trl", "trl_train", n=cfg["n"], epochs=cfg["epochs"])
        measure("llamacpp", "llamacpp_answers", n=cfg["limit"])
        if not args.no_study:
            measure(
                "study", "study", workdir=f"{work}/study", preset="study-quick" if args.quick else "study", timeout=5400
            )
    finally:
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
    return report(r, out, args.quick)


def report(r: dict, out: Path, quick: bool) -> int:
    for key in ("rates", "retrieval", "cpu", "trl", "llamacpp"):
        if key in r:
            r[key] = {k: v for k, v in r[key].items() if k not in ("max_rss_gb", "wall_s")}
    s = summarize(r, quick)
    (out / "bench.json").write_text(json.dumps(s, indent=2) + "\n")
    show(s)
    print(f"wrote {out / 'bench.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
