"""The decision table: for each need a team has (answer accurately, keep the knowledge up to date, delete a fact,
not invent, cite, cost, put everything in the prompt, combine both; hold a house style, an output format, short
prompts), the approach this run measured best and the evidence, every number with its n. A pure function of
results.json: a need whose numbers the run did not make has no row, and the recommendation is written from the
rows, so it says only what was measured."""

from __future__ import annotations

from ragft.evaluate.lifecycle import NOT_UPDATED
from ragft.report.numbers import (comparison, context_vs_rag, has, largest_fit, listing, pct, repaid, said, seconds,
                                  study)

_KINDS = {(False, None): "the untouched model", (True, None): "fine-tuning", (False, "full"): "the whole knowledge "
          "in the prompt"}


def decision_table(results: dict) -> dict:
    """{"rows": [{"need", "best", "evidence", "numbers"}], "recommendation"}; `numbers["winners"]` names the arms
    (or approaches) the row calls best, empty where none stood out."""
    results = deployable(results)
    rows = [row for need in NEEDS if (row := need(results)) is not None]
    return {"rows": rows, "recommendation": recommendation(results, rows)}


def deployable(results: dict) -> dict:
    """`results` without the oracle arms: they read gold passages no deployed system has, so they bound
    the reader (the report shows them beside `rag`) but are never an approach to recommend."""
    arms = results.get("arms") or {}
    oracles = {a for a, arm in arms.items() if arm.get("rag") == "oracle"}
    if not oracles:
        return results
    return {**results, "arms": {a: arm for a, arm in arms.items() if a not in oracles},
            "comparisons": [c for c in results.get("comparisons") or []
                            if not oracles & {c.get("a"), c.get("b")}]}


def _row(need: str, best: str, evidence: str, winners: list[str], **numbers) -> dict:
    return {"need": need, "best": best, "evidence": evidence, "numbers": {"winners": winners, **numbers}}


def _arm_rate(arm: dict) -> dict:
    return {"value": arm.get("accuracy"), "correct": arm.get("correct", 0), "n": arm.get("n") or 0,
            "ci95": arm.get("ci95")}


def _ranked(need: str, rates: dict[str, dict], comparisons: list[dict], extra: str = "",
            measure: str = "Accuracy") -> dict | None:
    """The arm with the highest accuracy, tied arms beside it, and what the paired tests (exact McNemar,
    Holm-corrected) say of it against the others: a difference is called only where the test calls it."""
    rates = {name: r for name, r in rates.items() if has(r)}
    if not rates:
        return None
    order = sorted(rates, key=lambda name: -rates[name]["value"])
    top = order[0]
    tied = [a for a in order[1:] if rates[a]["value"] == rates[top]["value"]]
    tests = {a: comparison({"comparisons": comparisons}, top, a) for a in order[1:] if a not in tied}
    worse = [a for a, c in tests.items() if c and c["significant"] and c["better"] == top]
    level = [a for a, c in tests.items() if c and not c["significant"]]
    untested = [a for a, c in tests.items() if not c]
    evidence = f"{measure}: {listing({a: rates[a] for a in order})}."
    verdicts = ([f"significantly better than {_with_p(worse, tests)}"] if worse else []) + \
               ([f"not significantly better than {_with_p(level, tests)}"] if level else [])
    if verdicts:
        evidence += f" By exact McNemar tests (Holm-corrected), {top} is " + " and ".join(verdicts) + "."
    if untested:
        evidence += f" {', '.join(untested)}: no paired test against {top} in this run."
    best = ", ".join([top, *tied]) + (" (tied)" if tied else "")
    if level:
        best += f"; not significantly better than {', '.join(level)}"
    return _row(need, best, evidence + extra, [top, *tied], accuracy={a: rates[a]["value"] for a in order},
                n={a: rates[a]["n"] for a in order}, not_significantly_worse=level, significantly_worse=worse,
                untested=untested)


def _with_p(arms: list[str], tests: dict[str, dict]) -> str:
    return ", ".join(f"{a} (Holm p = {tests[a]['p_holm']:.2g})" for a in arms)


def accuracy(results: dict) -> dict | None:
    rates = {name: _arm_rate(arm) for name, arm in (results.get("arms") or {}).items()}
    return _ranked("Answer accurately from the knowledge", rates, results.get("comparisons") or [])


def update(results: dict) -> dict | None:
    approaches = (study(results, "update") or {}).get("approaches") or {}

    def after(name, key):
        return (approaches[name].get("after") or {}).get(key)

    updated = [a for a in approaches if a != NOT_UPDATED and has(after(a, "changed"))]
    if not updated:
        return None
    secs = {a: approaches[a].get("update_seconds") for a in updated}
    top = max(updated, key=lambda a: (after(a, "changed")["value"], -(secs[a] or 0)))
    winners = [top] if after(top, "changed")["value"] > 0 else []
    evidence = ("New value stated on the changed facts after updating: "
                + "; ".join(f"{a} {said(after(a, 'changed'))} after {seconds(secs[a])}" for a in updated) + ".")
    if NOT_UPDATED in approaches and has(after(NOT_UPDATED, "stale")):
        evidence += (f" The fine-tune not updated ({NOT_UPDATED}) still stated the old value on "
                     f"{said(after(NOT_UPDATED, 'stale'))}.")
    best = top if winners else "none: no approach stated the new value"
    return _row("Keep the knowledge up to date", best, evidence, winners, update_seconds=secs,
                changed_after={a: after(a, "changed")["value"] for a in updated},
                stale_after={a: after(a, "stale")["value"] for a in approaches if has(after(a, "stale"))})


def deletion(results: dict) -> dict | None:
    arms = (study(results, "deletion") or {}).get("arms") or {}
    deleting = [a for a, arm in arms.items() if has(arm.get("after"))]
    if not deleting:
        return None

    def value(name, key):
        r = arms[name].get(key)
        return r["value"] if has(r) else None

    top = min(deleting, key=lambda a: (value(a, "after"), -(value(a, "kept") or 0),
                                       arms[a].get("delete_seconds") or 0))
    parts = [f"{a} {said(arms[a].get('before'))} before and {said(arms[a]['after'])} after "
             f"({arms[a].get('how') or 'deleting'}, {seconds(arms[a].get('delete_seconds'))}), "
             f"{said(arms[a].get('kept'))} right on the facts kept" for a in deleting]
    parts += [f"{a} (not deleting) {said(arm.get('before'))}" for a, arm in arms.items()
              if a not in deleting and has(arm.get("before"))]
    evidence = "Deleted facts still stated: " + "; ".join(parts) + "."
    untested = [a for a in deleting if value(a, "before") == 0]
    if untested:
        evidence += f" {', '.join(untested)} stated none of them even before, so its deletion is not tested."
    return _row("Delete a fact (privacy)", top, evidence, [top],
                revealed_before={a: value(a, "before") for a in arms}, revealed_after={a: value(a, "after") for a in
                                                                                          deleting},
                delete_seconds={a: arms[a].get("delete_seconds") for a in deleting})


def unknowns(results: dict) -> dict | None:
    found = study(results, "unknowns") or {}
    arms = found.get("arms") or {}
    invented = {a: arm["invented"] for a, arm in arms.items() if has(arm.get("invented"))}
    if not invented:
        return None
    low = min(r["value"] for r in invented.values())
    winners = [a for a, r in invented.items() if r["value"] == low]
    if len(winners) == len(invented):
        winners, best = [], f"none stood out: every arm invented {pct(low)}"
    else:
        best = ", ".join(winners)
    evidence = f"Invented an answer to questions about entities not in the data: {listing(invented)}."
    known = {a: arms[a].get("known_accuracy") for a in winners}
    if any(has(r) for r in known.values()):
        evidence += f" Accuracy on known facts: {listing(known)}."
    tests = found.get("invention_vs_base") or []
    called = [c for c in tests if c.get("significant") and c.get("better")]
    evidence += "".join(f" {c['better']} invents significantly less than {c['b'] if c['better'] == c['a'] else c['a']}"
                        f" (Holm p = {c['p_holm']:.2g}, {c['n']} questions)." for c in called)
    if tests and not called:
        evidence += (f" No fine-tune invents significantly more or less than {tests[0]['a']} "
                     f"(exact McNemar, Holm-corrected, {tests[0]['n']} questions).")
    return _row("Do not invent answers about unknowns", best, evidence, winners,
                invented={a: r["value"] for a, r in invented.items()},
                abstained={a: arms[a]["abstained"]["value"] for a in invented if has(arms[a].get("abstained"))})


def citations(results: dict) -> dict | None:
    arms = {a: arm for a, arm in (results.get("arms") or {}).items()
            if arm.get("citations") and arm.get("citation_accuracy") is not None}
    if not arms:
        return None
    high = max(arm["citation_accuracy"] for arm in arms.values())
    winners = [a for a, arm in arms.items() if arm["citation_accuracy"] == high]
    evidence = ("Citations whose cited passage states the answer: "
                + ", ".join(f"{a} {pct(arm['citation_accuracy'])} of {arm['citations']} citations ({arm.get('n')} "
                            "questions)" for a, arm in arms.items()) + ".")
    closed = [a for a, arm in (results.get("arms") or {}).items() if not arm.get("rag")]
    if closed:
        evidence += f" Closed-book arms ({', '.join(closed)}) cite nothing."
    return _row("Cite sources", ", ".join(winners), evidence, winners,
                citation_accuracy={a: arm["citation_accuracy"] for a, arm in arms.items()},
                citations={a: arm["citations"] for a, arm in arms.items()})


def cost(results: dict) -> dict | None:
    """Prompt tokens and seconds per question of the untouched model in each context (closed book, RAG, the whole
    knowledge in the prompt), and per correct answer; fine-tuning's one-off training beside them."""
    arms = {a: arm for a, arm in (results.get("arms") or {}).items()
            if not arm.get("finetuned") and arm.get("n") and arm.get("mean_prompt_tokens") is not None}
    if len(arms) < 2:
        return None
    per_correct = {a: arm["mean_prompt_tokens"] / arm["accuracy"] for a, arm in arms.items() if arm.get("accuracy")}
    tokens = {a: arm["mean_prompt_tokens"] for a, arm in arms.items()}
    top = min(per_correct or tokens, key=(per_correct or tokens).get)
    evidence = ("Per question: " + "; ".join(
        f"{a} {arm['mean_prompt_tokens']:,.0f} prompt tokens, {seconds(arm.get('mean_latency_s'))}, "
        f"{said(_arm_rate(arm))} correct" for a, arm in arms.items()) + ".")
    if per_correct:
        evidence += " Prompt tokens per correct answer: " + ", ".join(f"{a} {v:,.0f}" for a, v in per_correct.items())
        evidence += "."
    trained = results.get("finetunes") or ({"finetuned": results["finetune"]} if results.get("finetune") else {})
    trained = {v: ft["seconds"] for v, ft in trained.items() if (ft or {}).get("seconds") is not None}
    if trained:
        evidence += " Fine-tuning once: " + ", ".join(f"{v} {seconds(s)}" for v, s in trained.items()) + "."
    return _row("Cost per question", top, evidence, [top],
                prompt_tokens=tokens, seconds_per_question={a: arm.get("mean_latency_s") for a, arm in arms.items()},
                prompt_tokens_per_correct=per_correct, finetune_seconds=trained)


def long_context(results: dict) -> dict | None:
    found = study(results, "long_context") or {}
    size = largest_fit(found.get("sizes") or [])
    if size is None:
        return None
    arms = {a: arm for a, arm in size["arms"].items() if has(arm.get("accuracy"))}
    top = max(arms, key=lambda a: (arms[a]["accuracy"]["value"], -(arms[a].get("mean_prompt_tokens") or 0)))
    evidence = f"Largest knowledge that fit the prompt: {context_vs_rag(size, found.get('window'))}"
    misfit = min((s["facts"] for s in found.get("sizes") or [] if s.get("fits") is False), default=None)
    if misfit is not None:
        evidence += f" {misfit} facts did not fit the window."
    return _row("Put everything in the prompt", top, evidence, [top], facts=size["facts"],
                window=found.get("window"), accuracy={a: arm["accuracy"]["value"] for a, arm in arms.items()},
                prompt_tokens={a: arm.get("mean_prompt_tokens") for a, arm in arms.items()}, first_misfit=misfit)


def combine(results: dict) -> dict | None:
    """RAFT against RAG and the plain fine-tune with RAG (the raft study); without it, the fine-tune with RAG
    against RAG, from the run's arms."""
    need = "Combine fine-tuning and retrieval"
    found = study(results, "raft")
    if found and any(has(r) for r in (found.get("arms") or {}).values()):
        trained = "".join(f" {v} trained in {seconds(t.get('seconds'))} on {t.get('examples')} examples."
                          for v, t in (found.get("training") or {}).items())
        return _ranked(need, found["arms"], found.get("comparisons") or [], trained)
    arms = results.get("arms") or {}
    both = [a for a, arm in arms.items() if arm.get("finetuned") and arm.get("rag")]
    rags = [a for a, arm in arms.items() if not arm.get("finetuned") and arm.get("rag") in ("grounded", "seed")]
    if not both or not rags:
        return None
    return _ranked(need, {a: _arm_rate(arms[a]) for a in both + rags}, results.get("comparisons") or [])


def _behaviour(results: dict) -> tuple[dict, dict]:
    found = study(results, "behaviour") or {}
    return found.get("arms") or {}, found.get("comparisons") or {}


def _kept(row: dict | None) -> dict | None:
    """A ranked behaviour row where no arm kept the rule even once names no winner."""
    if row is not None and not max(row["numbers"]["accuracy"].values()):
        row["best"], row["numbers"]["winners"] = "none: no arm kept it", []
    return row


def house_style(results: dict) -> dict | None:
    arms, tests = _behaviour(results)
    return _kept(_ranked("Hold a house style (tone, what to ask)", {a: arm.get("all_rules") for a, arm in arms.items()},
                         tests.get("all_rules") or [], measure="Replies keeping every style rule"))


def output_format(results: dict) -> dict | None:
    arms, tests = _behaviour(results)
    if not any(has(arm.get("schema")) for arm in arms.values()):
        return None
    return _kept(_ranked("Hold an output format (JSON)", {a: arm.get("schema") for a, arm in arms.items()},
                         tests.get("schema") or [], measure="A JSON object with exactly the required keys"))


def short_prompts(results: dict) -> dict | None:
    """Of the arms that hold the style as well as the best one (no significant difference), the one with the
    shortest prompt; the fine-tune's training and when it is repaid beside it."""
    style = house_style(results)
    arms, _ = _behaviour(results)
    if style is None:
        return None
    numbers = style["numbers"]  # no winner where no arm kept the style: then no prompt is short enough to be worth it
    holding = [a for a in arms if numbers["winners"] and (a in numbers["winners"] or a in
                                                          numbers["not_significantly_worse"])]
    top = min(holding, key=lambda a: arms[a]["mean_prompt_tokens"]) if holding else None
    evidence = ("Per request: " + "; ".join(f"{a} {arm['mean_prompt_tokens']:,.0f} prompt tokens, "
                                           f"{seconds(arm['latency_s']['median'])}" for a, arm in arms.items())
                + f". Holding the style as well as the best: {', '.join(holding) or 'none'}.")
    trained = (study(results, "behaviour") or {}).get("training") or {}
    evidence += "".join(f" {m} trained once in {seconds(t['seconds'])}." for m, t in trained.items())
    evidence += "".join(f" {b['finetuned']} against {b['against']}: repaid after {repaid(b)}."
                        for b in (study(results, "behaviour") or {}).get("break_even") or [])
    return _row("Short prompts (cost and latency per request)", top or "none: no arm kept the style", evidence,
                [top] if top else [],
                prompt_tokens={a: arm["mean_prompt_tokens"] for a, arm in arms.items()},
                latency_s={a: arm["latency_s"]["median"] for a, arm in arms.items()}, holding_style=holding)


NEEDS = (accuracy, update, deletion, unknowns, citations, cost, long_context, combine, house_style, output_format,
         short_prompts)


def kind(name: str, results: dict) -> str:
    """What an arm or approach is, in the words of the question "fine-tune or RAG?"."""
    arm = (results.get("arms") or {}).get(name)
    styled = _behaviour(results)[0].get(name)
    if arm is None and styled is not None:  # the behaviour experiment's arms: prompted or fine-tuned
        return "prompting" if styled.get("model") == "untouched" else "fine-tuning"
    if arm is not None:
        finetuned, rag = bool(arm.get("finetuned")), arm.get("rag")
    else:  # the lifecycle studies' own names: finetuned-continued, finetuned-retrained, context
        finetuned = name.startswith("finetuned") or name == "raft"
        rag = "full" if name == "context" else "grounded" if name == "raft" or "rag" in name else None
    if finetuned and rag:
        return "fine-tuning + RAG"
    return _KINDS.get((finetuned, rag), "RAG")


def recommendation(results: dict, rows: list[dict]) -> str:
    """Which approach was best on the most needs, where the others won, and how far the accuracy verdict can
    be trusted: all from the rows."""
    if not rows:
        return "Nothing was measured in this run, so there is nothing to recommend."
    won: dict[str, list[str]] = {}
    for row in rows:
        for k in dict.fromkeys(kind(w, results) for w in row["numbers"]["winners"]):
            won.setdefault(k, []).append(row["need"].lower())
    out = []
    if won:
        most = max(len(needs) for needs in won.values())
        leaders = [k for k, needs in won.items() if len(needs) == most]
        out += [f"For this data, {k} was best (or tied best) on {_needs(won[k], len(rows))}." for k in leaders]
        others = [f"{k} on {_needs(needs)}" for k, needs in won.items() if k not in leaders]
        if others:
            out.append("Also best (or tied best): " + "; ".join(others) + ".")
    names = [*(results.get("arms") or {}), *_behaviour(results)[0]]
    idle = [k for k in dict.fromkeys(kind(a, results) for a in names) if k not in won]
    if idle:
        out.append(f"Best on none of them: {', '.join(idle)}.")
    open_needs = [row["need"].lower() for row in rows if not row["numbers"]["winners"]]
    if open_needs:
        out.append(f"No approach stood out on: {'; '.join(open_needs)}.")
    out += _accuracy_caveat(rows)
    return " ".join(out)


def _needs(needs: list[str], total: int | None = None) -> str:
    """'2 of the 8 needs measured (a, b)'."""
    count = f"{len(needs)} of the {total} needs measured" if total else \
        f"{len(needs)} need{'s' if len(needs) != 1 else ''}"
    return f"{count} ({', '.join(needs)})"


def _accuracy_caveat(rows: list[dict]) -> list[str]:
    row = next((r for r in rows if r["need"] == "Answer accurately from the knowledge"), None)
    if row is None:
        return []
    numbers = row["numbers"]
    top = numbers["winners"][0]
    lead = f"{top} ({pct(numbers['accuracy'][top])} of {numbers['n'][top]} questions)"
    if numbers["not_significantly_worse"]:
        return [f"On accuracy, {lead} is not significantly better than {', '.join(numbers['not_significantly_worse'])}:"
                " more questions are needed to call that difference."]
    if numbers["untested"]:
        return [f"On accuracy, {lead} was not tested against {', '.join(numbers['untested'])} by a paired test, so "
                "its lead there is not known to be beyond chance."]
    if numbers["significantly_worse"]:
        return [f"On accuracy, {lead} is significantly better than {', '.join(numbers['significantly_worse'])}."]
    return []
