"""Early stopping on held-back training questions (finetune/early_stopping.py): it stops after `patience` epochs
without a new best, puts back the best epoch's weights, and the training result counts what was trained."""

import torch

from ragft.finetune.early_stopping import EarlyStopping
from ragft.finetune.train import TrainSettings, train

HELD_BACK = [("How long is the Marigold?", "17.6 m"), ("When was she built?", "2015")]


def _answers_by_epoch(correct_per_epoch):
    """A stand-in for the model's answers: the first `correct` held-back answers right at each call."""
    calls = iter(correct_per_epoch)

    def answer(model):
        correct = next(calls)
        return [f"It is {v}." if i < correct else "I don't know." for i, (_, v) in enumerate(HELD_BACK)]

    return answer


def test_stops_after_no_new_best_and_puts_back_the_best_weights():
    model = torch.nn.Linear(2, 2)
    stopping = EarlyStopping(_answers_by_epoch([1, 2, 1, 2]), HELD_BACK, epochs=5)
    with torch.no_grad():
        model.weight.fill_(1.0)
        assert stopping(1, model, 1.0, 10) is False
        model.weight.fill_(2.0)  # the best epoch's weights
        assert stopping(2, model, 2.0, 20) is False
        model.weight.fill_(3.0)
        assert stopping(3, model, 3.0, 30) is True  # no better than epoch 2: stop
    assert torch.all(model.weight == 2.0)
    summary = stopping.summary()
    assert summary["best_epoch"] == 2 and summary["stopped_after"] == 3 and summary["held_back"] == 2
    assert [p["correct"] for p in summary["points"]] == [1, 2, 1]


def test_the_last_epoch_keeps_the_best_weights_without_stopping():
    model = torch.nn.Linear(2, 2)
    stopping = EarlyStopping(_answers_by_epoch([2, 1]), HELD_BACK, epochs=2, patience=3)
    with torch.no_grad():
        model.weight.fill_(1.0)
        assert stopping(1, model, 1.0, 10) is False
        model.weight.fill_(5.0)
        assert stopping(2, model, 2.0, 20) is False  # the end anyway: nothing to stop
    assert torch.all(model.weight == 1.0)


def test_training_stops_where_the_epoch_callback_says_and_counts_what_it_trained(tiny, cities):
    settings = TrainSettings(method="full", epochs=4, learning_rate=1e-3, batch_size=16)
    seen = []

    def on_epoch(epoch, model, seconds, tokens):
        seen.append((epoch, tokens))
        return epoch == 2

    _, result = train(tiny.model, tiny.tokenizer, cities[:32], settings, on_epoch=on_epoch)
    assert [e for e, _ in seen] == [1, 2]
    assert (result.epochs, result.steps, len(result.losses)) == (2, 4, 4)
    assert result.train_tokens == seen[-1][1]


def test_where_accuracy_ties_the_held_back_loss_decides():
    """A small model that answers none of the held-back questions at any epoch: the epoch whose loss on their values
    is lowest is kept, not the first."""
    model = torch.nn.Linear(2, 2)
    losses = iter([3.0, 2.0, 2.5])
    stopping = EarlyStopping(_answers_by_epoch([0, 0, 0]), HELD_BACK, epochs=4, loss=lambda m: next(losses))
    with torch.no_grad():
        model.weight.fill_(1.0)
        assert stopping(1, model, 1.0, 10) is False
        model.weight.fill_(2.0)
        assert stopping(2, model, 2.0, 20) is False  # lower loss: the new best
        model.weight.fill_(3.0)
        assert stopping(3, model, 3.0, 30) is True  # higher loss: stop, and put epoch 2 back
    assert torch.all(model.weight == 2.0) and stopping.best_epoch == 2
    assert [p["loss"] for p in stopping.summary()["points"]] == [3.0, 2.0, 2.5]


def test_mean_loss_is_the_loss_training_starts_from(tiny, cities):
    from ragft.finetune.train import mean_loss

    settings = TrainSettings(method="full", epochs=1, learning_rate=1e-9, batch_size=8)
    before = mean_loss(tiny.model, tiny.tokenizer, cities[:8], batch_size=3)
    _, result = train(tiny.model, tiny.tokenizer, cities[:8], settings)
    assert abs(before - result.losses[0]) < 1e-3
