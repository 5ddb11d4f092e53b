"""The report's sections for the lifecycle studies (results.json "experiments": update, deletion, unknowns,
long_context, raft): what a team lives with after choosing, beyond accuracy. As in studies.py, findings are
written from the numbers, beside a table, a note on what is measured, and a plot (lifecycle_plots.py)."""

from __future__ import annotations

from ragft.evaluate.lifecycle import NOT_UPDATED
from ragft.evaluate.paired import describe
from ragft.report.lifecycle_plots import deletion_png, long_context_png, raft_png, unknowns_png, update_png
from ragft.report.numbers import (DASH, context_vs_rag, count, has, largest_fit, listing, measured, pct, prompt_tokens,
                                  rate_cell, said, seconds, study)
from ragft.report.section import Section

UPDATE_NOTE = ("Some facts change value. Each approach is asked about them before and after its update (scored "
               "against the new value; stale: still stating the old one) and about unchanged facts; the seconds are "
               "the update itself. The lecture's claim: a fine-tune is updated by training again (slow), RAG by "
               "replacing passages (instant).")
DELETION_NOTE = ("Some facts are deleted. Revealed: the share of questions about them whose answer still states the "
                 "deleted value, before and after each arm's deletion; kept: accuracy on the unchanged facts after. "
                 "The lecture's claim: data baked into the weights stays until the model is retrained, while a "
                 "passage deleted from the knowledge base is gone.")
UNKNOWNS_NOTE = ("Questions about entities that are not in the data: the right reply is to abstain, any answer is "
                 "invented. Gekhman et al. (2024) found fine-tuning on new knowledge raising hallucination; the idk "
                 "fine-tune is trained to say it does not know. Invention is compared with the base model's by exact "
                 "McNemar tests (Holm-corrected).")
LONG_CONTEXT_NOTE = ("The untouched model with every fact in its prompt (context) against grounded RAG over the same "
                     "facts, as the knowledge grows; a size whose prompt does not fit the model's window is asked "
                     "with RAG only. The lecture's claim: prompting works for what fits in the context window.")
RAFT_NOTE = ("RAFT (Zhang et al. 2024) fine-tunes the model to answer from retrieved passages, distractors included. "
             "It is compared with the plain fine-tune and the untouched model given the same passages, on the same "
             "questions (exact McNemar, Holm-corrected).")


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _quote(example) -> str:
    return f"“{example}”"


def update_section(results: dict) -> Section | None:
    found = study(results, "update")
    approaches = (found or {}).get("approaches") or {}
    if not measured(approaches):
        return None

    def phase(name, when):
        return approaches[name].get(when) or {}

    headline = [f"{found.get('changed', DASH)} of {found.get('facts', DASH)} facts changed. New value stated after "
                "the update: " + "; ".join(f"{name} {said(phase(name, 'after').get('changed'))}, {_took(name, a)}"
                                         for name, a in approaches.items()) + "."]
    stale = {name: phase(name, "after").get("stale") for name in approaches}
    if any(has(r) for r in stale.values()):
        headline.append(f"Old value still stated after the update: {listing(stale)}.")
    findings = list(headline)
    before = {name: phase(name, "before").get("stale") for name in approaches}
    if any(has(r) for r in before.values()):
        findings.append(f"Before any update (the world changed, no system told), old value stated: {listing(before)}.")
    kept = {name: phase(name, "after").get("unchanged") for name in approaches}
    if any(has(r) for r in kept.values()):
        findings.append(f"Unchanged facts after the update: {listing(kept)}.")
    if found.get("retrained_with_deletions") and "finetuned-retrained" in approaches:
        findings.append("finetuned-retrained was also trained without the deleted facts: one retraining served the "
                        "update and the deletion.")
    findings += [f"Example change: {_quote(e.get('before'))} → {_quote(e.get('after'))}." for e in
                 (found.get("examples") or [])[:1]]
    head = ["approach", "how", "update time", "changed: before", "changed: after", "stale: before", "stale: after",
            "unchanged: after"]
    rows = [[name, a.get("how") or DASH, _took(name, a), *(rate_cell(phase(name, when).get(key)) for when, key in
             (("before", "changed"), ("after", "changed"), ("before", "stale"), ("after", "stale"),
              ("after", "unchanged")))] for name, a in approaches.items()]
    return Section("Updating knowledge", findings, head, rows, UPDATE_NOTE, "update.png", headline)


def _took(name: str, approach: dict) -> str:
    """'3.9 s, 1 example, 45 tokens'; 'not updated' for the fine-tune left as it was."""
    if name == NOT_UPDATED:
        return "not updated"
    trained = (f", {approach['examples']} example{'s' if approach['examples'] != 1 else ''}"
               if approach.get("examples") is not None else "")
    tokens = f", {approach['train_tokens']:,} tokens" if approach.get("train_tokens") is not None else ""
    return seconds(approach.get("update_seconds")) + trained + tokens


def deletion_section(results: dict) -> Section | None:
    found = study(results, "deletion")
    arms = (found or {}).get("arms") or {}
    if not measured(arms):
        return None
    headline = [f"{found.get('deleted', DASH)} of {found.get('facts', DASH)} facts deleted. Still stated: "
                + "; ".join(_revealed(name, a) for name, a in arms.items()) + "."]
    findings = list(headline)
    findings += [f"{name} stated none of the deleted facts even before deleting them ({said(a['before'])}), so its "
                 "deletion is not tested here." for name, a in arms.items()
                 if has(a.get("after")) and has(a.get("before")) and a["before"]["value"] == 0]
    kept = {name: a.get("kept") for name, a in arms.items()}
    if any(has(r) for r in kept.values()):
        findings.append(f"Accuracy on the unchanged facts after deleting: {listing(kept)}.")
    findings += [f"Example deleted fact: {_quote(e)}." for e in (found.get("examples") or [])[:1]]
    head = ["arm", "how", "time to delete", "revealed before", "revealed after", "unchanged facts kept"]
    rows = [[name, a.get("how") or DASH, seconds(a.get("delete_seconds")), rate_cell(a.get("before")),
             rate_cell(a.get("after")), rate_cell(a.get("kept"))] for name, a in arms.items()]
    return Section("Deleting knowledge", findings, head, rows, DELETION_NOTE, "deletion.png", headline)


def _revealed(name: str, arm: dict) -> str:
    if not has(arm.get("after")):
        return f"{name} (not deleting) {said(arm.get('before'))}"
    return (f"{name} {said(arm.get('before'))} before, {said(arm['after'])} after deleting "
            f"({seconds(arm.get('delete_seconds'))})")


def unknowns_section(results: dict) -> Section | None:
    found = study(results, "unknowns")
    arms = (found or {}).get("arms") or {}
    invented = {name: a.get("invented") for name, a in arms.items() if has(a.get("invented"))}
    if not invented:
        return None
    low, high = (f(r["value"] for r in invented.values()) for f in (min, max))
    asked = f"the {found.get('questions', DASH)} questions about entities not in the data"
    if low == high:
        headline = [f"Every arm invented an answer to {pct(low)} of {asked}."]
    else:
        least = ", ".join(name for name, r in invented.items() if r["value"] == low)
        most = ", ".join(name for name, r in invented.items() if r["value"] == high)
        headline = [f"Of {asked}, {least} invented answers to the fewest ({pct(low)}), {most} to the most "
                    f"({pct(high)}); invented: {listing(invented)}."]
    headline += [_invention(c) for c in found.get("invention_vs_base") or []]
    findings = list(headline)
    known = {name: a.get("known_accuracy") for name, a in arms.items()}
    if any(has(r) for r in known.values()):
        findings.append(f"Accuracy on known facts: {listing(known)}.")
    doubting = {name: a.get("known_abstained") for name, a in arms.items()
                if has(a.get("known_abstained")) and a["known_abstained"]["value"] > 0}
    if doubting:
        findings.append(f"Abstained on known facts: {listing(doubting)}.")
    head = ["arm", "unknowns: abstained", "unknowns: invented", "known facts: accurate", "known facts: abstained"]
    rows = [[name, *(rate_cell(a.get(k)) for k in ("abstained", "invented", "known_accuracy", "known_abstained"))]
            for name, a in arms.items()]
    return Section("Unknowns", findings, head, rows, UNKNOWNS_NOTE, "unknowns.png", headline)


def _invention(c: dict) -> str:
    """The paired test of invention between the base model and a fine-tune (`better`: the one inventing less)."""
    stats = f"exact McNemar p = {c['p_value']:.2g}, Holm-corrected p = {c['p_holm']:.2g}, {c['n']} questions"
    rates = f"{pct(c['accuracy_a'])} vs {pct(c['accuracy_b'])} invented"
    if c.get("significant") and c.get("better"):
        worse = c["b"] if c["better"] == c["a"] else c["a"]
        return f"{c['better']} invents significantly less than {worse} ({c['a']} vs {c['b']}: {rates}; {stats})."
    return f"No significant difference in invention between {c['a']} and {c['b']} ({rates}; {stats})."


def long_context_section(results: dict) -> Section | None:
    found = study(results, "long_context")
    sizes = sorted((found or {}).get("sizes") or [], key=lambda s: s["facts"])
    if not sizes:
        return None
    window = found.get("window")
    names = list(dict.fromkeys(name for s in sizes for name in s.get("arms") or {}))
    headline = _largest_fit(sizes, window)
    findings = list(headline)
    for name in names:
        mine = [s for s in sizes if has(((s.get("arms") or {}).get(name) or {}).get("accuracy"))]
        if len(mine) >= 2:
            lo, hi = (s["arms"][name] for s in (mine[0], mine[-1]))
            findings.append(f"{name}: {said(lo['accuracy'])} with {mine[0]['facts']} facts, {said(hi['accuracy'])} "
                            f"with {mine[-1]['facts']}; {prompt_tokens(lo)} → {prompt_tokens(hi)} prompt tokens "
                            "per question.")
    misfits = [s for s in sizes if s.get("fits") is False]
    if misfits:
        findings.append(f"Did not fit the {count(window)}-token window (asked with RAG only): "
                        + ", ".join(f"{s['facts']} facts ({count(s.get('context_tokens'))} tokens)" for s in misfits)
                        + ".")
    findings += [f"Not run with {s['facts']} facts: {s['skipped']}." for s in sizes if s.get("skipped")]
    head = ["facts", "questions", "prompt tokens, all facts", "fits the window"]
    head += [h for name in names for h in (f"{name}: accuracy", f"{name}: tokens, seconds per question")]
    rows = [_size_row(s, names) for s in sizes]
    return Section("Long context", findings or [DASH], head, rows, LONG_CONTEXT_NOTE, "long_context.png", headline)


def _size_row(size: dict, names: list[str]) -> list[str]:
    if size.get("skipped"):
        return [str(size["facts"]), DASH, DASH, f"skipped: {size['skipped']}", *[DASH] * (2 * len(names))]
    cells = [str(size["facts"]), str(size.get("questions", DASH)), count(size.get("context_tokens")),
             "yes" if size.get("fits") else "no"]
    for name in names:
        arm = (size.get("arms") or {}).get(name)
        cells += [rate_cell(arm.get("accuracy")),
                  f"{prompt_tokens(arm)} tokens, {seconds(arm.get('mean_latency_s'))}"] if arm else [DASH, DASH]
    return cells


def _largest_fit(sizes: list[dict], window: int | None) -> list[str]:
    size = largest_fit(sizes)
    if size is not None:
        return [f"Largest knowledge that fit the prompt: {context_vs_rag(size, window)}"]
    if any(s.get("fits") is False for s in sizes):
        return [f"No size tried fit the {count(window)}-token window: the whole knowledge could not be put in the "
                "prompt."]
    return []


def raft_section(results: dict) -> Section | None:
    found = study(results, "raft")
    arms = (found or {}).get("arms") or {}
    if not measured(arms):
        return None
    comparisons = found.get("comparisons") or []
    first = next(iter(arms))  # the RAFT fine-tune
    headline = [f"Accuracy: {listing(arms)}."]
    headline += [_sentence(describe(c)) for c in comparisons if first in (c["a"], c["b"])]
    findings = headline + [_sentence(describe(c)) for c in comparisons if first not in (c["a"], c["b"])]
    findings += [f"{variant} trained on {t['examples']} examples ({t['train_tokens']:,} tokens, {t['epochs']} "
                 f"epoch(s), {t['method']}) in {seconds(t['seconds'])}." for variant, t in
                 (found.get("training") or {}).items()]
    rows = [[name, rate_cell(r), _training(results, found, name)] for name, r in arms.items()]
    return Section("RAFT", findings, ["arm", "accuracy", "training"], rows, RAFT_NOTE, "raft.png", headline)


def _training(results: dict, found: dict, arm: str) -> str:
    """The training behind an arm: the RAFT study's own record, else the run's fine-tune the arm is named after."""
    if not (results.get("arms") or {}).get(arm, {}).get("finetuned") and arm not in (found.get("training") or {}):
        return "none (untouched model)"
    t = (found.get("training") or {}).get(arm) or (results.get("finetunes") or {}).get(arm.split("+")[0])
    if not t:
        return DASH
    return f"{t.get('examples', DASH)} examples, {count(t.get('train_tokens'))} tokens, {seconds(t.get('seconds'))}"


LIFECYCLE_SECTIONS = (update_section, deletion_section, unknowns_section, long_context_section, raft_section)


def lifecycle_pngs(results: dict) -> dict[str, bytes | None]:
    """{file name: PNG or None} for the lifecycle studies."""
    return {"update.png": update_png(study(results, "update")),
            "deletion.png": deletion_png(study(results, "deletion")),
            "unknowns.png": unknowns_png(study(results, "unknowns")),
            "long_context.png": long_context_png(study(results, "long_context")),
            "raft.png": raft_png(study(results, "raft"))}
