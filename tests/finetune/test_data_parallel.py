"""Data-parallel fine-tuning: two CPU processes (torchrun, Accelerate on gloo) train the model one process
trains, each on half of every batch."""

import os
import subprocess
import sys

from safetensors.torch import load_file

from ragft.data.cities import city_conversations, to_jsonl


def _finetune(args: list[str], out, data, model_dir, env) -> None:
    cmd = [
        *args,
        "-m",
        "ragft",
        "finetune",
        str(data),
        "--model",
        str(model_dir),
        "--epochs",
        "1",
        "--batch-size",
        "8",
        "--precision",
        "fp32",
        "--device",
        "cpu",
        "--out",
        str(out),
        "--quiet",
    ]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]


def test_two_processes_train_what_one_does(tmp_path, tiny_model_dir):
    data = tmp_path / "cities.jsonl"
    data.write_text(to_jsonl(city_conversations(16, 42)))
    env = {**os.environ, "RAGFT_HOME": str(tmp_path / "home"), "OMP_NUM_THREADS": "1"}
    _finetune([sys.executable], tmp_path / "one", data, tiny_model_dir, env)
    _finetune(
        [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2"],
        tmp_path / "two",
        data,
        tiny_model_dir,
        {**env, "ACCELERATE_USE_CPU": "1"},
    )
    one, two = load_file(tmp_path / "one" / "model.safetensors"), load_file(tmp_path / "two" / "model.safetensors")
    start = load_file(tiny_model_dir / "model.safetensors")
    assert one.keys() == two.keys()
    moved = max(float((one[k] - start[k]).abs().max()) for k in one if k in start)
    apart = max(float((one[k] - two[k]).abs().max()) for k in one)
    # two steps moved the weights, and both ways by the same steps (to float summation order)
    assert moved > 1e-5 and apart < moved / 100, (apart, moved)
