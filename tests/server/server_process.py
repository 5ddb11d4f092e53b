"""Helpers for the server tests: the real `ragft serve` process on a free loopback port, and bounded waits."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

RAGFT = str(Path(sys.executable).parent / "ragft")
START_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One server subprocess; `stop()` ends it (SIGTERM, or SIGKILL to simulate a crash)."""

    def __init__(self, data_dir: Path, home: Path, *args: str, api_key: str | None = None):
        self.data_dir, self.home, self.args, self.api_key = data_dir, home, args, api_key
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self.log = data_dir.parent / f"server-{self.port}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> Server:
        cmd = [
            RAGFT,
            "serve",
            "--port",
            str(self.port),
            "--data-dir",
            str(self.data_dir),
            "--device",
            "cpu",
            *self.args,
        ] + (["--api-key", self.api_key] if self.api_key else [])
        env = {**os.environ, "RAGFT_HOME": str(self.home)}
        env.pop("RAGFT_API_KEY", None)
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log.read_text()}")
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server not ready after {START_TIMEOUT_S} s:\n{self.log.read_text()}")

    def stop(self, crash: bool = False) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGKILL if crash else signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def client(self, api_key: str | None = None, **kwargs):
        import openai

        return openai.OpenAI(
            base_url=self.base_url,
            api_key=api_key or self.api_key or "unused",
            max_retries=0,
            timeout=kwargs.pop("timeout", 300),
            **kwargs,
        )


def wait_for(predicate, timeout_s: float, interval_s: float = 0.3, what: str = "condition"):
    """Poll until predicate() returns something truthy; fail the test after timeout_s."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval_s)
    pytest.fail(f"timed out after {timeout_s} s waiting for {what}")


def wait_for_job(client, job_id: str, timeout_s: float = 240):
    def finished():
        job = client.fine_tuning.jobs.retrieve(job_id)
        return job if job.status in ("succeeded", "failed", "cancelled") else None

    return wait_for(finished, timeout_s, what=f"job {job_id} to finish")
