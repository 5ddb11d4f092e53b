"""Early stopping on questions held back from training: after each epoch the fine-tune answers them closed book;
training stops once `patience` epochs bring no new best, and the weights of the best epoch are put back.

Gekhman et al. (2024) found that facts a model fits late, after the ones it already knew, raise its hallucination:
stopping where held-back accuracy peaks keeps the early, useful part. The held-back questions are training data
(synthetic pairs about the documents, data/recipes/pairs.py), never the test questions.
"""

from __future__ import annotations

from collections.abc import Callable

from ragft.facts import states_value

# model -> its closed-book answers to the held-back questions, in order
Answer = Callable[[object], list[str]]
# model -> its mean loss on the held-back questions answered with their values (lower: closer to knowing them)
Loss = Callable[[object], float]


class EarlyStopping:
    """An epoch is better if it answers more held-back questions right; where it answers as many (a small model on
    a few questions often answers none), if it gives their values a lower loss: so stopping follows the held-back
    loss until accuracy separates the epochs, instead of keeping the first epoch of a run that never scores."""

    def __init__(
        self, answer: Answer, held_back: list[tuple[str, str]], epochs: int, patience: int = 1, loss: Loss | None = None
    ):
        self.answer, self.held_back, self.epochs, self.patience = answer, held_back, epochs, patience
        self.loss = loss
        self.points: list[dict] = []
        self.best_epoch, self.best = 0, (-1, 0.0)
        self.best_weights: dict | None = None

    def __call__(self, epoch: int, model, seconds: float, tokens: int) -> bool:
        answers = self.answer(model)
        correct = sum(states_value(a, value, q) for a, (q, value) in zip(answers, self.held_back))
        loss = self.loss(model) if self.loss else None
        point = {"epoch": epoch, "correct": correct, "n": len(self.held_back)}
        self.points.append({**point, "loss": round(loss, 4)} if loss is not None else point)
        score = (correct, -loss if loss is not None else 0.0)
        if score > self.best:
            self.best, self.best_epoch = score, epoch
            self.best_weights = {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad}
        stop = epoch - self.best_epoch >= self.patience and epoch < self.epochs
        if (stop or epoch == self.epochs) and self.best_epoch != epoch:
            params = dict(model.named_parameters())
            for name, weights in self.best_weights.items():
                params[name].data.copy_(weights)
        return stop

    def summary(self) -> dict:
        """What results.json keeps: held-back accuracy per epoch, the epoch kept and where training stopped."""
        return {
            "held_back": len(self.held_back),
            "points": self.points,
            "best_epoch": self.best_epoch,
            "stopped_after": self.points[-1]["epoch"] if self.points else 0,
        }
