"""`ragft run --resume RUN_DIR`: a killed run continues; the arms it answered and the fine-tunes it saved
are read back, not redone, and the results are those of the run that was never killed."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from ragft.cli import app
from ragft.config import load_config
from ragft.evaluate.runner import Experiment


@pytest.fixture(scope="module")
def whole_run(tmp_path_factory, tiny_model_dir):
    config = load_config(
        "seed",
        overrides={
            "model": str(tiny_model_dir),
            "limit": 8,
            "finetune.epochs": 1,
            "generation.max_new_tokens": 6,
            "data.n": 30,
            "arms": ["base", "finetuned", "rag", "finetuned+rag"],
        },
    )
    run_dir = tmp_path_factory.mktemp("resume") / "whole"
    run_dir.mkdir()
    return Experiment(config, run_dir).run()


def _answers(run_dir):
    return [
        (r["arm"], r["id"], r["answer"], r["correct"])
        for r in map(json.loads, (run_dir / "predictions.jsonl").read_text().splitlines())
    ]


def _killed_copy(whole, tmp_path, unfinished_arms):
    """The whole run's directory as a kill would have left it: no results, reports or records, and the
    given arms unanswered."""
    run_dir = tmp_path / "killed"
    shutil.copytree(whole.run_dir, run_dir)
    for name in ("results.json", "predictions.jsonl", "report.md", "report.html", "accuracy.png"):
        (run_dir / name).unlink(missing_ok=True)
    for arm in unfinished_arms:
        (run_dir / "stages" / f"answers-{arm}.jsonl").unlink()
    (run_dir / "FAILED").write_text("KeyboardInterrupt: terminated by signal 15\n")
    return run_dir


def test_a_resumed_run_redoes_nothing_finished_and_matches_the_whole_run(whole_run, tmp_path, monkeypatch):
    run_dir = _killed_copy(whole_run, tmp_path, ["finetuned+rag"])

    def no_training(*args, **kwargs):
        raise AssertionError("the saved fine-tune was trained again")

    monkeypatch.setattr("ragft.finetune.run.finetune_with_progress", no_training)
    result = CliRunner().invoke(app, ["run", "--resume", str(run_dir)])
    assert result.exit_code == 0, result.output
    assert not (run_dir / "FAILED").exists() and (run_dir / "results.json").exists()
    timings = json.loads((run_dir / "results.json").read_text())["timings"]
    assert "generate:finetuned+rag" in timings and "load_finetune:finetuned" in timings
    assert not {"finetune", "generate:base", "generate:rag", "generate:finetuned"} & set(timings)
    assert _answers(run_dir) == _answers(whole_run.run_dir)
    resumed = json.loads((run_dir / "results.json").read_text())["arms"]
    for arm, summary in whole_run.results.as_dict()["arms"].items():  # all but the timing of the arm answered again
        assert {k: v for k, v in resumed[arm].items() if k != "mean_latency_s"} == {
            k: v for k, v in summary.items() if k != "mean_latency_s"
        }


def test_resume_refuses_what_it_cannot_continue(whole_run, tmp_path):
    runner = CliRunner()
    done = runner.invoke(app, ["run", "--resume", str(whole_run.run_dir)])
    assert done.exit_code != 0 and "complete" in done.output
    empty = runner.invoke(app, ["run", "--resume", str(tmp_path)])
    assert empty.exit_code != 0 and "no config.yaml" in empty.output
    run_dir = _killed_copy(whole_run, tmp_path, [])
    other = runner.invoke(app, ["run", "--resume", str(run_dir), "--arms", "base", "--limit", "3"])
    assert other.exit_code != 0 and "drop --arms, --limit" in other.output
    (run_dir / "questions.jsonl").write_text('{"id": "q1", "question": "Something else?"}\n')
    changed = runner.invoke(app, ["run", "--resume", str(run_dir)])
    assert changed.exit_code != 0 and "start a new run" in changed.output
    assert "Traceback" not in changed.output + other.output


def test_a_killed_process_resumes(tmp_path, tiny_model_dir):
    """The real thing: `ragft run` killed (SIGKILL, no chance to clean up) once its first arm is kept."""
    out = tmp_path / "run"
    env = {**os.environ, "RAGFT_HOME": str(tmp_path / "home")}
    cmd = [
        sys.executable,
        "-m",
        "ragft",
        "run",
        "--model",
        str(tiny_model_dir),
        "--arms",
        "base,finetuned",
        "--epochs",
        "3",
        "--limit",
        "8",
        "--out",
        str(out),
        "--quiet",
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 120
    while not (out / "stages" / "answers-base.jsonl").exists():
        assert proc.poll() is None and time.monotonic() < deadline, proc.stdout.read() if proc.poll() else "slow"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert not (out / "results.json").exists()
    resumed = subprocess.run(
        [sys.executable, "-m", "ragft", "run", "--resume", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "resumed: base's 8 answers" in resumed.stdout + resumed.stderr
    results = json.loads((out / "results.json").read_text())
    assert results["arms"]["base"]["n"] == results["arms"]["finetuned"]["n"] == 8
