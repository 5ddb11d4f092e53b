"""The `Section` every study renders into, and both reports (markdown, HTML) render; the numbers in it are
written with report/numbers.py."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    title: str
    findings: list[str]
    head: list[str]
    rows: list[list[str]]
    note: str
    image: str | None  # the PNG's file name beside the report
    headline: list[str] | None = None  # what the top of the report says (default: the findings)

    @property
    def headlines(self) -> list[str]:
        return self.findings if self.headline is None else self.headline
