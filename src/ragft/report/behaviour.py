"""The report's section for the behaviour experiment (results.json "experiments" -> "behaviour"): a house style held
by prompting or by fine-tuning, per rule and all at once, and what each costs per request. Findings are written
from the numbers, beside a table, the experiment's note and a plot."""

from __future__ import annotations

from ragft.evaluate.paired import describe
from ragft.report.lifecycle_plots import tilt_labels, two_panels
from ragft.report.numbers import DASH, has, listing, pct, rate_cell, repaid, said, seconds, study
from ragft.report.plots import grouped_bars, load_pyplot, study_png
from ragft.report.section import Section


def best_arm(arms: dict, key: str = "all_rules") -> str | None:
    rated = {name: arm[key] for name, arm in arms.items() if has(arm.get(key))}
    return max(rated, key=lambda a: rated[a]["value"]) if rated else None


def behaviour_section(results: dict) -> Section | None:
    found = study(results, "behaviour")
    arms = (found or {}).get("arms") or {}
    if not any(has(a.get("all_rules")) for a in arms.values()):
        return None
    task = found.get("task") or {}
    rules = found.get("rules") or {}
    top = best_arm(arms)
    headline = [f"All {len(rules)} style rules at once on {task.get('test', DASH)} held-out requests: "
                f"{listing({a: arm.get('all_rules') for a, arm in arms.items()})}."]
    tests = (found.get("comparisons") or {}).get("all_rules") or []
    called = [c for c in tests if top in (c["a"], c["b"]) and c["significant"]]
    headline += [describe(c) for c in called]  # arm names stay as written, even first
    findings = list(headline)
    if any(has(a.get("schema")) for a in arms.values()):
        findings.append("A JSON object with exactly the required keys: "
                        f"{listing({a: arm.get('schema') for a, arm in arms.items()})}.")
    for name, arm in arms.items():
        broken = sorted(((r["value"], rule) for rule, r in (arm.get("rules") or {}).items() if has(r)))
        if broken and broken[0][0] < 1:
            findings.append(f"{name}'s weakest rule: {broken[0][1]}, kept in {pct(broken[0][0])} of replies.")
    findings.append("Per request: " + "; ".join(
        f"{a} {arm['mean_prompt_tokens']:,.0f} prompt tokens, {seconds(arm['latency_s']['median'])} (median of "
        f"{arm['latency_s']['n']} timed alone)" for a, arm in arms.items()) + ".")
    for model, t in (found.get("training") or {}).items():
        findings.append(f"{model} trained on {t['examples']} conversations ({t['train_tokens']:,} tokens, "
                        f"{t['epochs']} epoch(s), {t['method']}) in {seconds(t['seconds'])}.")
    for b in found.get("break_even") or []:
        findings.append(f"{b['finetuned']} against {b['against']}: {b['prompt_tokens_saved']:,.0f} prompt tokens and "
                        f"{seconds(abs(b['seconds_saved']))} {'saved' if b['seconds_saved'] >= 0 else 'lost'} per "
                        f"request; training repaid after {repaid(b)}.")
    extra = ["JSON object"] if any(has(a.get("schema")) for a in arms.values()) else []
    head = ["arm", "prompt", "prompt tokens", "latency (median)", "all rules", *extra, *rules]
    rows = [[name, arm.get("prompt", DASH), f"{arm['mean_prompt_tokens']:,.0f}", seconds(arm["latency_s"]["median"]),
             rate_cell(arm.get("all_rules")), *([rate_cell(arm.get("schema"))] if extra else []),
             *(said(arm["rules"].get(rule)) for rule in rules)] for name, arm in arms.items()]
    note = found.get("note", "") + " Rules: " + "; ".join(f"{rule}: {what}" for rule, what in rules.items()) + "."
    return Section("Behaviour: a house style by prompting or fine-tuning", findings, head, rows, note,
                   "behaviour.png", headline)


def behaviour_png(found: dict | None) -> bytes | None:
    """Prompt tokens per request (left); all rules at once, and the JSON object where asked, per arm (right)."""
    arms = (found or {}).get("arms") or {}
    if not any(has(a.get("all_rules")) for a in arms.values()):
        return None
    plt = load_pyplot()
    names = list(arms)
    fig, cost, ax = two_panels(plt, len(names))
    tokens = [arm["mean_prompt_tokens"] for arm in arms.values()]
    cost.bar(range(len(names)), tokens, color="#8c8c8c", width=0.6)
    for i, t in enumerate(tokens):
        cost.text(i, t, f"{t:,.0f}", ha="center", va="bottom", fontsize=7)
    cost.set_xticks(range(len(names)), names)
    tilt_labels(cost)
    cost.set_ylabel("prompt tokens per request")
    cost.set_title("Prompt size", fontsize=9)
    cost.spines[["top", "right"]].set_visible(False)
    series = {"all style rules": [a.get("all_rules") for a in arms.values()]}
    if any(has(a.get("schema")) for a in arms.values()):
        series["JSON object, right keys"] = [a.get("schema") for a in arms.values()]
    grouped_bars(ax, names, series)
    tilt_labels(ax)
    return study_png(fig, ax, plt, "Held-out requests in the house style (95% Wilson interval)", "share of replies")
