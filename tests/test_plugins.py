"""Plugins (studies, contexts, domains) from other packages' entry points: found beside the built-ins, and a broken
one is a one-line error naming it, not a traceback."""

from __future__ import annotations

import types
from importlib.metadata import EntryPoint

import pytest

from ragft import plugins
from ragft.errors import RagftError
from ragft.plugins import discover


def _entry_points(*eps):
    return lambda group: [ep for ep in eps if ep.group == group]


def test_an_entry_points_module_is_found_after_the_packages(monkeypatch):
    extra = types.ModuleType("their_study")
    extra.STUDY = "theirs"
    ep = EntryPoint("theirs", "their_study", "ragft.studies")
    monkeypatch.setattr(EntryPoint, "load", lambda self: extra)
    monkeypatch.setattr(plugins, "entry_points", _entry_points(ep))
    found = discover("ragft.studies", "ragft.studies", "STUDY")
    assert found[-1] == "theirs" and [s.name for s in found[:-1]][:2] == ["augmentation", "behaviour"]


@pytest.mark.parametrize(
    "load, message",
    [
        (
            lambda self: (_ for _ in ()).throw(ImportError("No module named 'their_study'")),
            r"entry point theirs = their_study \(group ragft.studies\): ImportError: No module named 'their_study'$",
        ),
        (
            lambda self: types.ModuleType("their_study"),
            r"entry point theirs = their_study \(group ragft.studies\) "
            r"defines no STUDY$",
        ),
    ],
)
def test_a_broken_entry_point_is_one_line_naming_it(monkeypatch, load, message):
    monkeypatch.setattr(EntryPoint, "load", load)
    monkeypatch.setattr(plugins, "entry_points", _entry_points(EntryPoint("theirs", "their_study", "ragft.studies")))
    with pytest.raises(RagftError, match=message):
        discover("ragft.studies", "ragft.studies", "STUDY")
