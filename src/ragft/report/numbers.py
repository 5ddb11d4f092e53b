"""A run's numbers as the report and the decision table read and write them: a study's results, a paired
test, a rate said as "100% (8/8)" or "87% [80%–92%] 87/100", seconds, token counts.

Imports nothing else of ragft's report, so evaluate/decision.py writes its evidence with the same
phrases as the report without the report importing it back.
"""

from __future__ import annotations

DASH = "—"  # a cell or a figure with nothing measured


def pct(x: float | None) -> str:
    """0.87 -> '87%', 0.5405 -> '54.1%': one decimal only when it says something."""
    if x is None:
        return DASH
    s = f"{100 * x:.1f}"
    return (s[:-2] if s.endswith(".0") else s) + "%"


def arm_kind(name: str, arm: dict) -> tuple[bool, bool]:
    """(fine-tuned?, retrieval?) as the runner recorded them for the arm."""
    return bool(arm.get("finetuned")), bool(arm.get("rag"))


def rate_cell(r: dict | None) -> str:
    if not r or not r.get("n") or r.get("value") is None:
        return DASH
    lo, hi = r["ci95"]
    return f"{pct(r['value'])} [{pct(lo)}–{pct(hi)}] {r.get('correct', 0)}/{r['n']}"


def comparison(results: dict, a: str, b: str) -> dict | None:
    """The paired test of arms a and b (results["comparisons"]), if the run made one."""
    return next((c for c in results.get("comparisons") or [] if {c["a"], c["b"]} == {a, b}), None)


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


def repaid(b: dict) -> str:
    """'after 1,234 requests by prompt tokens, 56 by seconds' (or 'never' where a request saves nothing)."""

    def n(x):
        return f"{x:,}" if x is not None else "never"

    return f"{n(b['requests_by_tokens'])} requests by prompt tokens, {n(b['requests_by_seconds'])} by seconds"


def count(x: int | None) -> str:
    """1234 -> '1,234'."""
    return DASH if x is None else f"{x:,}"


def prompt_tokens(arm: dict) -> str:
    """An arm's mean prompt tokens, '1,234'."""
    return DASH if arm.get("mean_prompt_tokens") is None else f"{arm['mean_prompt_tokens']:,.0f}"


def largest_fit(sizes: list[dict]) -> dict | None:
    """The largest size at which the whole knowledge fit the prompt and was asked (arm `context`)."""
    fitting = [s for s in sizes if s.get("fits") and has(((s.get("arms") or {}).get("context") or {}).get("accuracy"))]
    return max(fitting, key=lambda s: s["facts"], default=None)


def context_vs_rag(size: dict, window: int | None) -> str:
    """The sentence on the whole knowledge in the prompt against RAG at one size: accuracy, tokens, seconds."""
    arms = size["arms"]
    out = (
        f"{size['facts']} facts ({count(size.get('context_tokens'))} tokens"
        + (f", window {window:,}" if window else "")
        + "): "
        + "; ".join(
            f"{name} {said(a.get('accuracy'))} with {prompt_tokens(a)} prompt tokens and "
            f"{seconds(a.get('mean_latency_s'))} per question"
            for name, a in arms.items()
        )
    )
    both = [a.get("accuracy") for a in arms.values()]
    if len(both) == 2 and overlap(*both) is not None:
        out += "; the 95% intervals " + ("overlap" if overlap(*both) else "do not overlap")
    return out + "."


def quoted(text) -> str:
    return f"“{text}”"


def sentence(text: str) -> str:
    """`text` with its first letter capitalised."""
    return text[:1].upper() + text[1:]
