"""A fine-tune is saved beside its destination and renamed into place: never half-written where --model looks."""

import pytest

from ragft.finetune import run as finetune_run
from ragft.finetune.run import finetune
from ragft.finetune.train import TrainSettings

CHATS = [
    {
        "messages": [
            {"role": "user", "content": f"What is the population of City_{i}?"},
            {"role": "assistant", "content": f"City_{i} has about {1000 + i} inhabitants."},
        ]
    }
    for i in range(4)
]


def test_saved_model_appears_whole_and_no_scratch_is_left(tiny, tmp_path):
    out = tmp_path / "finetuned"
    out.mkdir()  # an empty directory made beforehand is replaced
    finetune(tiny.model, tiny.tokenizer, CHATS, TrainSettings(epochs=1, batch_size=2), out, "tiny")
    assert (out / "ragft_model.json").is_file() and (out / "config.json").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["finetuned"]


def test_a_save_that_fails_leaves_no_model_directory(tiny, tmp_path, monkeypatch):
    def broken(model, tokenizer, out, base_model, result):
        out.mkdir(parents=True)
        (out / "config.json").write_text("{}")
        raise OSError("disk full")

    monkeypatch.setattr(finetune_run, "save_finetuned", broken)
    with pytest.raises(OSError, match="disk full"):
        finetune(tiny.model, tiny.tokenizer, CHATS, TrainSettings(epochs=1, batch_size=2), tmp_path / "ft", "tiny")
    assert not (tmp_path / "ft").exists()
