"""The study registry: every study a run can report beside its arms (results.json "experiments") is one `Study`,
declared in one module that says when it runs, what it needs, how it is checked, run, reported and charted, and
which rows of the decision table it answers.

Built-ins register the way a newcomer's study does: a module of the `ragft.studies` package, or a module named by
an entry point in the group "ragft.studies" of any installed package, that defines `STUDY`. They are found on first
use (never at import time), so `ragft --help` loads none of them. Adding a study is adding such a module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from ragft.data.unknowns import UNKNOWN
from ragft.errors import RagftError
from ragft.plugins import discover
from ragft.report.section import Section

if TYPE_CHECKING:  # results.py reads study results through this registry
    from ragft.evaluate.results import DecisionRow, RunResults

ENTRY_POINT_GROUP = "ragft.studies"

# When a study runs: beside the untouched arms, with the untouched model ("untouched"); after every fine-tune's arms,
# with models of its own ("trained"); or from the run's per-question records alone, once every arm has answered
# ("records").
Phase = Literal["untouched", "trained", "records"]


@dataclass
class StudyInput:
    """What a study's run is given: the run (evaluate/runner.py's Experiment, for models, retrieval and training),
    the task, and what the phase has made so far."""

    lab: Any
    task: Any
    model: Any = None  # "untouched": the untouched arms' ChatModel
    window: int | None = None  # "untouched": its context window in tokens (None: not known, a remote model)
    rows: list[dict] = field(default_factory=list)  # "records": every record of the run (unknowns included)
    finetunes: dict = field(default_factory=dict)  # "records": {variant: its training summary}
    curves: dict = field(default_factory=dict)  # "records": {variant: its learning-curve points}

    @property
    def config(self):
        return self.lab.config

    @property
    def arms(self) -> list:
        return self.lab.arms

    @property
    def known(self) -> list[dict]:
        """The records of questions with an answer in the data (not the unknowns)."""
        return [r for r in self.rows if r["split"] != UNKNOWN]


# A study's run: ({study name: its results}, per-question records of models the run's arms are not). One run may
# answer several studies (update and deletion share their retraining): it is called once for all of them.
Run = Callable[[StudyInput], tuple[dict[str, dict], list[dict]]]


@dataclass(frozen=True)
class Need:
    """A row of the decision table: `row(results)` gives it, or None where the run did not measure it; `rank` orders
    the rows of every study together (accuracy 10, citations 50, cost 60, combine 80: evaluate/decision.py); a
    study's row for one of those needs replaces the one made from the arms alone."""

    rank: int
    row: Callable[[RunResults], DecisionRow | None]


def _no_charts(results: RunResults) -> dict[str, bytes | None]:
    return {}


@dataclass(frozen=True)
class Study:
    name: str
    summary: str  # one line: what it measures (ragft studies, the docs)
    order: int  # its place among the studies of its phase, and its section's place in the report
    phase: Phase
    run: Run
    result: type[BaseModel]  # its results.json["experiments"][name]: checked before it is written, read back typed
    section: Callable[[RunResults], Section | None]  # None: nothing to show
    charts: Callable[[RunResults], dict[str, bytes | None]] = _no_charts  # {PNG file name: bytes, None: not drawn}
    needs: tuple[Need, ...] = ()
    stage: str | None = None  # the timings' name for its run (default: its name; "records" studies are not timed)
    # {name: kind} of what it compares besides the arms (the recommendation names each winner's kind)
    approaches: Callable[[RunResults], dict[str, str]] | None = None
    check: Callable[[Any, list], None] | None = None  # (ExperimentConfig, its arms): ValueError if it can't run
    probes: bool = False  # asks the probe families of generated facts (data/probes.py)
    asks_unknowns: bool = False  # asks questions about entities not in the data (data/unknowns.py)
    edits_knowledge: bool = False  # edits the knowledge base and trains on from lifecycle.variant's weights
    trains_after: bool = False  # trains from the untouched weights after the arms' fine-tunes (they are kept)
    watches_training: bool = False  # checkpoints the fine-tunes while they train (curve_every)


_registry: dict[str, Study] = {}
_loaded = False


def register(study: Study) -> None:
    """Add `study`; a name already taken is an error, not a silent replacement."""
    if study.name in _registry and _registry[study.name] is not study:
        raise RagftError(f"two studies are called {study.name!r}; rename one")
    _registry[study.name] = study


def _load() -> None:
    global _loaded
    if _loaded:
        return
    for study in discover("ragft.studies", ENTRY_POINT_GROUP, "STUDY"):
        register(study)
    _loaded = True  # after: a broken plugin is reported again next time, not left half-loaded


def studies() -> list[Study]:
    """Every registered study, in report order."""
    _load()
    return sorted(_registry.values(), key=lambda s: (s.order, s.name))


def names() -> list[str]:
    return [s.name for s in studies()]


def get(name: str) -> Study:
    _load()
    if name not in _registry:
        raise RagftError(f"unknown study {name!r}; known: {', '.join(names())}")
    return _registry[name]


def typed_result(name: str, found: dict | BaseModel) -> BaseModel:
    """A study's results as its `result` type: a number of the wrong kind or an unknown key fails the run before
    results.json is written, and a reader of results.json gets the same class back."""
    result = get(name).result
    return found if isinstance(found, result) else result.model_validate(found)


def selected(experiments: list[str]) -> list[Study]:
    """The config's studies, in report order."""
    chosen = set(experiments)
    return [s for s in studies() if s.name in chosen]
