"""Token-level distillation with a tiny random model: the teacher's top-k, the soft loss, and training towards it."""

import torch
import torch.nn.functional as F

from ragft.finetune.distill import soft_cross_entropy, soft_targets, target_tensors, teacher_targets
from ragft.finetune.loss import labelled_loss
from ragft.finetune.tokenize import IGNORE, tokenize_conversation
from ragft.finetune.train import TrainSettings, _collate, train


def _chat(question: str, answer: str, context: str = "") -> dict:
    user = f"{context}\n\n{question}" if context else question
    return {"messages": [{"role": "user", "content": user}, {"role": "assistant", "content": answer}]}


def test_one_hot_targets_are_exactly_cross_entropy():
    logits = torch.randn(7, 50)
    labels = torch.randint(0, 50, (7,))
    ids = torch.zeros(7, 3, dtype=torch.long)
    probs = torch.zeros(7, 3)
    ids[:, 0], probs[:, 0] = labels, 1.0
    assert torch.allclose(soft_cross_entropy(logits, ids, probs), F.cross_entropy(logits, labels))


def test_the_teachers_top_k_scores_its_answer_tokens(tiny):
    conversations = [_chat("Where is the boathouse?", "On the north bank.", "The boathouse is on the north bank.")]
    conversations.append(_chat("Who coaches?", "Ada.", "Ada coaches the juniors."))
    targets = teacher_targets(tiny.model, tiny.tokenizer, conversations, batch_size=2, top_k=5)
    for conversation, target in zip(conversations, targets):
        row = tokenize_conversation(tiny.tokenizer, conversation["messages"])
        assert target["tokens"] == [t for t in row["labels"][1:] if t != IGNORE]
        assert len(target["top_ids"]) == len(target["tokens"]) and all(len(ids) == 5 for ids in target["top_ids"])
        assert all(lp == sorted(lp, reverse=True) and lp[0] <= 0 for lp in target["top_logprobs"])
    # padded in a batch or alone: the same distributions
    alone = teacher_targets(tiny.model, tiny.tokenizer, conversations[1:], batch_size=1, top_k=5)[0]
    assert alone["top_ids"] == targets[1]["top_ids"]


def test_a_row_whose_tokens_differ_from_the_teachers_keeps_its_labels(tiny):
    row = tokenize_conversation(tiny.tokenizer, _chat("Q?", "Yes.")["messages"])
    teacher = teacher_targets(tiny.model, tiny.tokenizer, [_chat("Q?", "Yes.", "ctx")], top_k=3)[0]
    soft = soft_targets(row, teacher)
    assert soft is not None and sum(s is not None for s in soft) == len(teacher["tokens"])
    assert all(abs(sum(p) - 1) < 1e-6 for _, p in filter(None, soft))
    other = tokenize_conversation(tiny.tokenizer, _chat("Q?", "No.")["messages"])
    assert soft_targets(other, teacher) is None and soft_targets(row, None) is None


def test_the_teacher_scores_its_own_answer_not_the_worked_examples_before_it(tiny):
    """A grounded prompt carries worked examples as assistant turns: only the last answer is the teacher's."""
    example = [{"role": "user", "content": "Example?"}, {"role": "assistant", "content": "An example answer."}]
    few_shot = {"messages": [*example, *_chat("Q?", "Yes.", "ctx")["messages"]]}
    teacher = teacher_targets(tiny.model, tiny.tokenizer, [few_shot], top_k=3)[0]
    row = tokenize_conversation(tiny.tokenizer, _chat("Q?", "Yes.")["messages"])
    assert teacher["tokens"] == [t for t in row["labels"][1:] if t != IGNORE]
    assert soft_targets(row, teacher) is not None


def test_hard_rows_through_the_soft_path_give_the_same_loss(tiny, cities):
    rows = [tokenize_conversation(tiny.tokenizer, c["messages"]) for c in cities[:4]]
    batch = _collate(tiny.tokenizer.pad_token_id)(rows)
    soft = target_tensors(rows, batch["input_ids"].shape[1], 4)
    args = (tiny.model, batch["input_ids"], batch["attention_mask"], batch["labels"])
    assert torch.allclose(labelled_loss(*args), labelled_loss(*args, soft=soft), atol=1e-5)


def test_training_on_a_teachers_distribution_learns_the_distribution_not_one_token(tiny):
    """The teacher puts half its mass on each of two tokens: a soft-trained student ends near 50/50 at that position,
    where training on the answer's tokens alone would drive the sampled one towards 1."""
    chat = _chat("Pick one.", "a")
    row = tokenize_conversation(tiny.tokenizer, chat["messages"])
    tokens = [t for t in row["labels"][1:] if t != IGNORE]
    first, other = tokens[0], (tokens[0] + 1) % tiny.model.config.vocab_size
    spread = [[first, other]] + [[t, (t + 1) % tiny.model.config.vocab_size] for t in tokens[1:]]
    logprobs = [[-0.6931, -0.6931]] + [[0.0, -20.0] for _ in tokens[1:]]
    teacher = {"tokens": tokens, "top_ids": spread, "top_logprobs": logprobs}
    settings = TrainSettings(method="full", epochs=100, learning_rate=1e-2, batch_size=4)
    model, result = train(tiny.model, tiny.tokenizer, [{**chat, "teacher": teacher}] * 4, settings)
    assert result.soft_examples == 4
    position = next(t for t, label in enumerate(row["labels"][1:]) if label != IGNORE)
    with torch.no_grad():
        probs = model(input_ids=torch.tensor([row["input_ids"]])).logits[0, position].softmax(-1)
    assert abs(probs[first].item() - 0.5) < 0.1 and abs(probs[other].item() - 0.5) < 0.1, (probs[first], probs[other])


def test_a_remote_untouched_model_teaches_by_its_answers():
    """--backend openai: no logits come back, so distilled trains on the teacher's answers (its data says so)."""
    from types import SimpleNamespace

    from ragft.evaluate.training_data import TrainingData
    from ragft.models.openai_backend import OpenAIChatModel, openai_client

    remote = OpenAIChatModel(openai_client("http://127.0.0.1:9/v1", "unused"), "some-model")
    data = SimpleNamespace(read_memo=SimpleNamespace(model=remote))
    assert TrainingData.teach(data, [("Q?", None, "A."), ("R?", None, "B.")]) == [None, None]
