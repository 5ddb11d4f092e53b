import pytest

from ragft.config import ARMS, load_config, preset_names
from ragft.errors import RagftError


def test_seed_preset():
    config = load_config("seed")
    assert "seed" in preset_names()
    assert config.preset == "seed" and config.arms == ["base", "finetuned", "rag-seed", "rag", "finetuned+rag"]
    assert set(config.arms) == set(ARMS)
    assert config.data.source == "cities" and config.data.n == 100 and config.data.seed == 42
    assert config.rag.k == 5 and config.finetune.epochs == "auto"


def test_overrides_and_config_file(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("finetune:\n  method: lora\nrag:\n  k: 3\n")
    config = load_config("seed", path, {"limit": 10, "arms": ["rag"], "finetune.epochs": 2})
    assert config.finetune.method == "lora" and config.rag.k == 3
    assert config.limit == 10 and config.arms == ["rag"] and config.finetune.epochs == 2
    assert config.data.n == 100  # untouched preset values survive


@pytest.mark.parametrize(
    "yaml_text, message",
    [
        ("finetune:\n  epochs: 0\n", "finetune.epochs"),
        ("arms: [base, magic]\n", "arms: unknown arm 'magic'"),
        ("rag:\n  k: 0\n", "rag.k"),
        ("modle: x\n", "modle: Extra inputs are not permitted"),
        ("finetune: [1\n", "invalid YAML"),
        ("- 1\n- 2\n", "expected a mapping"),
        # a prompt template is checked before any model loads: a stray brace, a field it is never filled with
        ("prompts:\n  rag: 'Q: {question} {context'\n", "prompts: rag: expected '}' before end of string"),
        ("prompts:\n  closed_book: '{question} in {city}'\n", "closed_book: unknown field {city}"),
        ("behaviour:\n  style:\n    patterns: {greeting: '^(Hi'}\n", "pattern 'greeting' is not a regular expression"),
        ("behaviour:\n  source: mine.jsonl\n", "a chat JSONL source needs style"),
        ("device: tpu\n", "device: unknown device 'tpu'"),
        ("seed: 9223372036854775808\n", "seed: Input should be less than 4294967296"),
        ("finetune:\n  learning_rate: .nan\n", "finetune.learning_rate: Input should be a finite number"),
    ],
)
def test_bad_config_is_one_clear_line(tmp_path, yaml_text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml_text)
    with pytest.raises(RagftError) as e:
        load_config(None, path)
    assert message in str(e.value) and str(path) in str(e.value)
    assert "\n" not in str(e.value)


def test_unknown_preset_and_missing_file(tmp_path):
    with pytest.raises(RagftError, match="unknown preset 'nope'"):
        load_config("nope")
    with pytest.raises(RagftError, match="does not exist"):
        load_config(None, tmp_path / "missing.yaml")


def test_config_round_trips_through_yaml(tmp_path):
    config = load_config("seed", overrides={"limit": 3})
    path = tmp_path / "config.yaml"
    path.write_text(config.to_yaml())
    assert load_config(None, path) == config


def test_a_config_that_is_not_text_or_is_nested_without_end_is_one_line(tmp_path):
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"model: \xff\xfe\n")
    with pytest.raises(RagftError, match=r"binary.yaml: not UTF-8 text \(byte 7\)"):
        load_config(None, binary)
    deep = tmp_path / "deep.yaml"
    deep.write_text("a: " + "[" * 50_000 + "\n")
    with pytest.raises(RagftError, match="deep.yaml: nested too deeply"):
        load_config(None, deep)
