"""The report's study sections and charts: each registered study (studies/registry.py) writes its own `Section`
from results.json "experiments" and draws its own PNGs; markdown and HTML render the same sections."""

from __future__ import annotations

from ragft.evaluate.results import RunResults
from ragft.report.section import Section
from ragft.studies.registry import studies


def study_sections(results: RunResults) -> list[Section]:
    return [s for s in (study.section(results) for study in studies()) if s is not None]


def study_pngs(results: RunResults) -> dict[str, bytes]:
    """{file name: PNG} for every study the run made."""
    return {name: png for study in studies() for name, png in study.charts(results).items() if png}
