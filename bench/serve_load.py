"""Loopback load on `ragft serve`: concurrent chats batched (the default) against one request at a time
(`--max-batch 1`, the server as it decoded before dynamic batching), in the same run, same machine.

    python -m bench.serve_load [--requests 50] [--tokens 16] [--out bench/out/serve_load.json]

Each server is a real `ragft serve` subprocess with SmolLM2-135M; the clients are the official `openai`
package's AsyncOpenAI. Reports requests/s and p50/p99 latency for `--requests` chats sent at once
(greedy, `max_tokens=--tokens`), then drops 20 streams after their first chunk and times the next
request: abandoned work must be freed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

RAGFT = str(Path(sys.executable).parent / "ragft")
QUESTIONS = [
    "What is the capital of France?",
    "Name three colours.",
    "Why is the sky blue?",
    "Count to five.",
    "What do bees make?",
    "Say hello in Spanish.",
    "What is 2 + 2?",
    "Describe a cat.",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(data_dir: Path, *args: str) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    log = open(data_dir.parent / f"serve-{port}.log", "wb")  # noqa: SIM115 - the server's lifetime
    proc = subprocess.Popen(
        [RAGFT, "serve", "--port", str(port), "--data-dir", str(data_dir), "--device", "cpu", *args],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc, f"http://127.0.0.1:{port}/v1"
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("ragft serve did not start")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def concurrent_chats(base_url: str, n: int, tokens: int) -> dict:
    import openai

    client = openai.AsyncOpenAI(base_url=base_url, api_key="unused", max_retries=0, timeout=600)
    await client.chat.completions.create(
        model="gpt-3.5-turbo", messages=[{"role": "user", "content": "Hi"}], max_tokens=2, temperature=0
    )  # load the model first

    async def one(i: int) -> float:
        began = time.perf_counter()
        await client.chat.completions.create(
            model="gpt-3.5-turbo",
            messages=[{"role": "user", "content": QUESTIONS[i % len(QUESTIONS)]}],
            max_tokens=tokens,
            temperature=0,
        )
        return time.perf_counter() - began

    began = time.perf_counter()
    latencies = await asyncio.gather(*(one(i) for i in range(n)))
    wall = time.perf_counter() - began
    return {
        "requests": n,
        "max_tokens": tokens,
        "wall_s": round(wall, 2),
        "requests_per_s": round(n / wall, 2),
        "p50_s": round(_percentile(latencies, 0.5), 2),
        "p99_s": round(_percentile(latencies, 0.99), 2),
    }


async def after_dropped_streams(base_url: str, dropped: int = 20) -> dict:
    async with httpx.AsyncClient(timeout=600) as http:
        body = {
            "model": "gpt-3.5-turbo",
            "messages": [{"role": "user", "content": "Tell me a very long story."}],
            "max_tokens": 400,
            "stream": True,
        }
        for _ in range(dropped):
            async with http.stream("POST", f"{base_url}/chat/completions", json=body) as r:
                async for _line in r.aiter_lines():
                    break  # the first chunk, then hang up
        began = time.perf_counter()
        r = await http.post(
            f"{base_url}/chat/completions",
            json={"model": "gpt-3.5-turbo", "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 1},
        )
        r.raise_for_status()
        return {"dropped_streams": dropped, "next_request_s": round(time.perf_counter() - began, 3)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--tokens", type=int, default=16)
    parser.add_argument("--out", type=Path, default=Path("bench/out/serve_load.json"))
    args = parser.parse_args()
    results = {"cpu": _cpu()}
    with tempfile.TemporaryDirectory() as tmp:
        for name, extra in (("one_at_a_time", ["--max-batch", "1"]), ("batched", [])):
            data = Path(tmp) / name
            data.mkdir()
            proc, url = start_server(data, "--max-queue", str(max(64, args.requests + 1)), *extra)
            try:
                results[name] = asyncio.run(concurrent_chats(url, args.requests, args.tokens))
                if name == "batched":
                    results[name].update(asyncio.run(after_dropped_streams(url)))
            finally:
                proc.send_signal(signal.SIGTERM)
                proc.wait(30)
            print(name, results[name], flush=True)
    results["speedup"] = round(results["batched"]["requests_per_s"] / results["one_at_a_time"]["requests_per_s"], 2)
    print("batched / one at a time:", results["speedup"], "x requests/s")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1))


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return f"{line.split(':', 1)[1].strip()}, {os.cpu_count()} cores"
    except OSError:
        pass
    return f"{os.cpu_count()} cores"


if __name__ == "__main__":
    main()
