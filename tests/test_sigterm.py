"""`kill` stops a run the way Ctrl-C does: the run directory says FAILED, never looks complete."""

import os
import signal
import subprocess
import sys
import time


def test_sigterm_marks_the_run_failed_and_leaves_no_results(tmp_path, tiny_model_dir):
    out = tmp_path / "run"
    env = {**os.environ, "RAGFT_HOME": str(tmp_path / "home")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ragft",
            "run",
            "--model",
            str(tiny_model_dir),
            "--arms",
            "base,finetuned",
            "--epochs",
            "200",
            "--out",
            str(out),
            "--quiet",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not (out / "dataset.jsonl").exists():  # the run is under way
        assert proc.poll() is None and time.monotonic() < deadline, proc.stdout.read() if proc.poll() else "slow"
        time.sleep(0.2)
    time.sleep(1.0)
    proc.send_signal(signal.SIGTERM)
    try:
        output, _ = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError(proc.communicate()[0])
    assert proc.returncode != 0, output
    assert (out / "FAILED").exists(), (proc.returncode, output)
    assert (out / "FAILED").read_text().startswith("KeyboardInterrupt: terminated by signal 15")
    assert not (out / "results.json").exists()
    assert "Traceback" not in output
