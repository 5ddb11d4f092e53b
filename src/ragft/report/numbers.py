"""A run's numbers as the report and the decision table write them: a paired test, a rate said as "100% (8/8)" or
"87% [80%–92%] 87/100", seconds, token counts.

Imports nothing else of ragft's report: the study modules write their sections and decision rows with the same
phrases as the rest of the report.
"""

from __future__ import annotations

import math

from pydantic import BaseModel

from ragft.evaluate.results import ArmSummary, Comparison, Rate

DASH = "—"  # a cell or a figure with nothing measured


def pct(x: float | None) -> str:
    """0.87 -> '87%', 0.5405 -> '54.1%': one decimal only when it says something."""
    if x is None:
        return DASH
    s = f"{100 * x:.1f}"
    return (s[:-2] if s.endswith(".0") else s) + "%"


def arm_kind(arm: ArmSummary) -> tuple[bool, bool]:
    """(fine-tuned?, retrieval?) as the runner recorded them for the arm."""
    return arm.finetuned, bool(arm.rag)


def rate_cell(r: Rate | None) -> str:
    if not has(r):
        return DASH
    lo, hi = r.ci95
    return f"{pct(r.value)} [{pct(lo)}–{pct(hi)}] {r.correct}/{r.n}"


def has(rate: Rate | None) -> bool:
    """A rate with something measured."""
    return rate is not None and bool(rate.n) and rate.value is not None


def measured(x) -> bool:
    """Whether any rate anywhere inside x (a study's result, its arms, an approach's phases) has something measured."""
    if isinstance(x, Rate):
        return has(x)
    if isinstance(x, BaseModel):
        x = dict(x)
    if isinstance(x, dict):
        return any(measured(v) for v in x.values())
    if isinstance(x, list):
        return any(measured(v) for v in x)
    return False


def said(rate: Rate | None) -> str:
    """'100% (8/8)'; '—' when nothing was measured."""
    return f"{pct(rate.value)} ({rate.correct}/{rate.n})" if has(rate) else DASH


def listing(rates: dict[str, Rate | None]) -> str:
    """'rag 100% (8/8), base 0% (0/8)': the measured ones only."""
    return ", ".join(f"{name} {said(r)}" for name, r in rates.items() if has(r))


def value(rate: Rate | None) -> float | None:
    """A rate's share, None where nothing was measured."""
    return rate.value if has(rate) else None


def seconds(x: float | None) -> str:
    """'0.042 s', '6.9 s', '1,234 s'."""
    if x is None:
        return DASH
    return f"{x:.2g} s" if x < 10 else f"{x:,.0f} s"


def overlap(a: Rate | None, b: Rate | None) -> bool | None:
    """Whether two rates' 95% intervals overlap; None when either has none."""
    if not (has(a) and has(b)):
        return None
    return a.ci95[0] <= b.ci95[1] and b.ci95[0] <= a.ci95[1]


def repaid(requests_by_tokens: int | None, requests_by_seconds: int | None) -> str:
    """'after 1,234 requests by prompt tokens, 56 by seconds' (or 'never' where a request saves nothing)."""

    def n(x):
        return f"{x:,}" if x is not None else "never"

    return f"{n(requests_by_tokens)} requests by prompt tokens, {n(requests_by_seconds)} by seconds"


def count(x: int | None) -> str:
    """1234 -> '1,234'."""
    return DASH if x is None else f"{x:,}"


def prompt_tokens(mean_prompt_tokens: float | None) -> str:
    """A mean prompt token count, '1,234'."""
    return DASH if mean_prompt_tokens is None else f"{mean_prompt_tokens:,.0f}"


def _p(p: float) -> str:
    return f"{p:.1e}" if p < 1e-3 else f"{p:.2g}"


def _whole_pct(x: float) -> str:
    return f"{math.floor(100 * x + 0.5)} %"  # round half up: 12.5 % -> 13 %, not banker's 12 %


def describe(c: Comparison) -> str:
    """One plain sentence for one paired test (evaluate/paired.py); it calls a difference only where the
    Holm-corrected test does."""
    n = f"{c.n} shared question{'s' if c.n != 1 else ''}"
    if c.significant:
        win_first = c.better == c.a
        winner, loser = (c.a, c.b) if win_first else (c.b, c.a)
        acc_w, acc_l = (c.accuracy_a, c.accuracy_b) if win_first else (c.accuracy_b, c.accuracy_a)
        return (
            f"{winner} beats {loser} on {n} ({_whole_pct(acc_w)} vs {_whole_pct(acc_l)}, "
            f"exact McNemar p = {_p(c.p_value)}, Holm-corrected p = {_p(c.p_holm)})."
        )
    accs = f"{_whole_pct(c.accuracy_a)} vs {_whole_pct(c.accuracy_b)}"
    if _p(c.p_value) == _p(c.p_holm):
        stats = f"p = {_p(c.p_holm)}"
    else:  # the raw test may look significant: show that the corrected one is what decides
        stats = f"exact McNemar p = {_p(c.p_value)}, Holm-corrected p = {_p(c.p_holm)}"
    return f"no significant difference between {c.a} and {c.b} on {n} ({accs}, {stats})."


def quoted(text) -> str:
    return f"“{text}”"


def sentence(text: str) -> str:
    """`text` with its first letter capitalised."""
    return text[:1].upper() + text[1:]
