"""What every study section shares: the `Section` both reports render, the study's results, and the phrases
findings and the decision table write numbers in ("100% (8/8)", "0.042 s")."""

from __future__ import annotations

from dataclasses import dataclass

from ragft.report.markdown import DASH, pct


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


def study(results: dict, name: str) -> dict | None:
    return (results.get("experiments") or {}).get(name)


def has(rate: dict | None) -> bool:
    """A rate ({value, correct, n, ci95}) with something measured."""
    return bool(rate) and bool(rate.get("n")) and rate.get("value") is not None


def measured(x) -> bool:
    """Whether any rate anywhere inside x (a study's arms, an approach's phases) has something measured."""
    if isinstance(x, dict):
        return has(x) if "n" in x and "value" in x else any(measured(v) for v in x.values())
    return False


def said(rate: dict | None) -> str:
    """'100% (8/8)'; '—' when nothing was measured."""
    return f"{pct(rate['value'])} ({rate.get('correct', 0)}/{rate['n']})" if has(rate) else DASH


def listing(rates: dict[str, dict | None]) -> str:
    """'rag 100% (8/8), base 0% (0/8)': the measured ones only."""
    return ", ".join(f"{name} {said(r)}" for name, r in rates.items() if has(r))


def seconds(x: float | None) -> str:
    """'0.042 s', '6.9 s', '1,234 s'."""
    if x is None:
        return DASH
    return f"{x:.2g} s" if x < 10 else f"{x:,.0f} s"


def overlap(a: dict | None, b: dict | None) -> bool | None:
    """Whether two rates' 95% intervals overlap; None when either has none."""
    if not (has(a) and has(b) and a.get("ci95") and b.get("ci95")):
        return None
    return a["ci95"][0] <= b["ci95"][1] and b["ci95"][0] <= a["ci95"][1]
