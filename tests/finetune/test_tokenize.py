from ragft.finetune.epochs import auto_epochs, resolve_epochs
from ragft.finetune.tokenize import IGNORE, tokenize_conversation


def test_loss_only_on_assistant_tokens(tiny):
    tok = tiny.tokenizer
    messages = [
        {"role": "system", "content": "You're a helpful assistant"},
        {"role": "user", "content": "What is the population of City_1?"},
        {"role": "assistant", "content": "City_1 has about 1967825 inhabitants."},
    ]
    row = tokenize_conversation(tok, messages)
    full = tok.apply_chat_template(messages, tokenize=False)
    assert tok.decode(row["input_ids"]) == full
    trained = [t for t, label in zip(row["input_ids"], row["labels"]) if label != IGNORE]
    assert tok.decode(trained) == "City_1 has about 1967825 inhabitants.<|im_end|>\n"
    assert row["labels"][: len(row["labels"]) - len(trained)] == [IGNORE] * (len(row["labels"]) - len(trained))


def test_multi_turn_trains_every_assistant_turn(tiny):
    tok = tiny.tokenizer
    messages = [
        {"role": "user", "content": "a?"},
        {"role": "assistant", "content": "one"},
        {"role": "user", "content": "b?"},
        {"role": "assistant", "content": "two"},
    ]
    row = tokenize_conversation(tok, messages)
    trained = tok.decode([t for t, label in zip(row["input_ids"], row["labels"]) if label != IGNORE])
    assert trained == "one<|im_end|>\ntwo<|im_end|>\n"


def test_openai_auto_epochs():
    assert auto_epochs(100) == 3
    assert auto_epochs(10) == 10  # 100 // 10: small files see ~100 examples
    assert auto_epochs(3) == 25  # capped
    assert auto_epochs(20000) == 1
    assert resolve_epochs("auto", 100) == 3 and resolve_epochs(7, 100) == 7
