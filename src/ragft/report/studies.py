"""The report's study sections (results.json "experiments"): findings written from the numbers, a
table, a note on what is measured, and a plot. Markdown and HTML render the same `Section`s."""

from __future__ import annotations

from ragft.evaluate.paired import describe
from ragft.report.behaviour import behaviour_png, behaviour_section
from ragft.report.lifecycle import LIFECYCLE_SECTIONS, lifecycle_pngs
from ragft.report.numbers import DASH, pct, rate_cell, study as results_of
from ragft.report.plots import augmentation_png, generalization_png, learning_curve_png
from ragft.report.section import Section

GENERALIZATION_NOTE = ("Every fact is asked in the phrasing the fine-tunes trained on (train), in question templates "
                       "never used in training (paraphrase), and backwards, for the entity by a value only it has "
                       "(reversed). A fine-tune that learned the knowledge, not the strings, scores alike on all "
                       "three; RAG reads the same passage whatever the phrasing.")
AUGMENTATION_NOTE = ("Each fine-tune trained on k phrasings of every fact (training-only question and answer wordings, "
                     "disjoint from the held-out probes) and is asked closed book. Allen-Zhu & Li found facts seen in "
                     "one phrasing memorised but not extractable, and augmentation making them extractable; Ovadia et "
                     "al. found paraphrases raising fine-tuned accuracy.")


def generalization_section(results: dict) -> Section | None:
    study = results_of(results, "generalization")
    if not study:
        return None
    families = list(study.get("families") or {})
    headline = _generalization_headline(results, study, describe)
    findings = list(headline)
    for arm, fams in study["arms"].items():
        said = [f"{pct(fams[f]['value'])} {f}" for f in families if fams.get(f) and fams[f].get("n")]
        findings.append(f"{arm}: " + ", ".join(said) + ".")
    for domain, per_arm in (study.get("domains") or {}).items():  # a mix of domains: each one on its own
        view = {"arms": per_arm}
        said = _generalization_headline(results, view, describe)
        findings.append(f"In {domain} alone: " + (" ".join(said) if said else "no fine-tune was asked.")
                        + " " + "; ".join(f"{arm} " + ", ".join(f"{pct(fams[f]['value'])} {f}" for f in families
                                                                 if fams.get(f) and fams[f].get("n"))
                                          for arm, fams in per_arm.items()) + ".")
    rows = [[arm, *(rate_cell(fams.get(f)) for f in families)] for arm, fams in study["arms"].items()]
    return Section("Generalization", findings, ["arm", *families], rows, GENERALIZATION_NOTE, "generalization.png",
                   headline)


def _generalization_headline(results: dict, study: dict, describe) -> list[str]:
    """The contrasts a reader decides on: the best closed-book fine-tune against the best RAG arm on held-out
    paraphrases (the paired test's verdict), and how the fine-tunes do on reversed questions."""
    arms = results.get("arms") or {}
    per = study["arms"]

    def value(arm, family):
        return ((per.get(arm) or {}).get(family) or {}).get("value")

    closed = [a for a in per if arms.get(a, {}).get("finetuned") and not arms.get(a, {}).get("rag")]
    retrieving = [a for a in per if arms.get(a, {}).get("rag") and not arms.get(a, {}).get("finetuned")]
    out = []
    scored = [a for a in closed if value(a, "paraphrase") is not None]
    if scored:
        best = max(scored, key=lambda a: value(a, "paraphrase"))
        out.append(f"Best fine-tune on held-out paraphrases: {best}, {pct(value(best, 'paraphrase'))} "
                   f"(on its trained phrasing {pct(value(best, 'train'))}).")
        rag = max((a for a in retrieving if value(a, "paraphrase") is not None),
                  key=lambda a: value(a, "paraphrase"), default=None)
        pair = next((c for c in (study.get("comparisons") or {}).get("paraphrase", [])
                     if {c["a"], c["b"]} == {best, rag}), None)
        if pair:
            out.append(f"Held-out paraphrases: {describe(pair)}")
    reversed_ft = [value(a, "reversed") for a in closed if value(a, "reversed") is not None]
    reversed_rag = [value(a, "reversed") for a in retrieving if value(a, "reversed") is not None]
    if reversed_ft:
        out.append(f"Reversed questions: at most {pct(max(reversed_ft))} for any fine-tune"
                   + (f", {pct(max(reversed_rag))} with retrieval." if reversed_rag else "."))
    return out


def augmentation_section(results: dict) -> Section | None:
    study = results_of(results, "augmentation")
    if not study or not study.get("points"):
        return None
    points = study["points"]
    findings = []
    # Only fine-tunes trained for the same number of epochs are compared along k.
    for method, epochs in dict.fromkeys((p["method"], p["epochs"]) for p in points):
        mine = [p for p in points if (p["method"], p["epochs"]) == (method, epochs) and p.get("paraphrase")]
        if len(mine) >= 2:
            lo, hi = mine[0], mine[-1]
            findings.append(f"{method}, {epochs} epochs: held-out paraphrases {pct(lo['paraphrase']['value'])} "
                            f"with k = {lo['k']} phrasing(s) per fact, {pct(hi['paraphrase']['value'])} with "
                            f"k = {hi['k']} (trained phrasing: {pct(lo['train']['value'])} → "
                            f"{pct(hi['train']['value'])}).")
        elif mine:
            p = mine[0]
            findings.append(f"{method}, {epochs} epochs, k = {p['k']}: {pct(p['paraphrase']['value'])} on held-out "
                            f"paraphrases, {pct(p['train']['value'])} on the trained phrasing.")
    head = ["fine-tune", "method", "epochs", "k", "train", "paraphrase", "reversed", "examples", "train tokens",
            "seconds"]
    rows = [[p["variant"], p["method"], str(p["epochs"]), str(p["k"]), rate_cell(p.get("train")),
             rate_cell(p.get("paraphrase")), rate_cell(p.get("reversed")), str(p["examples"]),
             str(p["train_tokens"]), f"{p['seconds']:.1f}"] for p in points]
    return Section("Augmentation", findings or [DASH], head, rows, AUGMENTATION_NOTE, "augmentation.png")


CURVE_NOTE = ("Checkpoints of one training run per fine-tune (not a retrain per point): closed-book accuracy on the "
              "first questions of each probe family every few epochs; seconds are training time only (evaluation "
              "excluded). Gekhman et al. found new facts fitted slowly, and fitting them raising hallucination.")


def learning_curve_section(results: dict) -> Section | None:
    study = results_of(results, "learning_curve")
    if not study or not study.get("finetunes"):
        return None
    findings, rows = [], []
    for variant, curve in study["finetunes"].items():
        points = curve["points"]
        share = f"{100 * curve['trainable_share']:.2f} % of {curve['total_parameters']:,} parameters trained"
        if points:
            best = max(points, key=lambda p: (p.get("paraphrase") or p.get("train") or {}).get("value") or 0)
            last = points[-1]
            findings.append(
                f"{variant} ({curve['method']}, {share}): trained phrasing "
                f"{pct((last.get('train') or {}).get('value'))}, "
                f"held-out paraphrases {pct((last.get('paraphrase') or {}).get('value'))} after {last['epoch']} epochs "
                f"({last['train_tokens']:,} tokens, {last['seconds']:.0f} s); paraphrases peaked at "
                f"{pct((best.get('paraphrase') or {}).get('value'))} at epoch {best['epoch']}.")
        rows += [[variant, str(p["epoch"]), f"{p['train_tokens']:,}", f"{p['seconds']:.1f}", rate_cell(p.get("train")),
                  rate_cell(p.get("paraphrase"))] for p in points]
    head = ["fine-tune", "epoch", "train tokens", "seconds", "train", "paraphrase"]
    return Section("Learning curve", findings, head, rows, CURVE_NOTE, "learning_curve.png")


SECTIONS = (generalization_section, augmentation_section, learning_curve_section, *LIFECYCLE_SECTIONS,
            behaviour_section)


def study_sections(results: dict) -> list[Section]:
    return [s for s in (make(results) for make in SECTIONS) if s is not None]


def study_pngs(results: dict) -> dict[str, bytes]:
    """{file name: PNG} for every study the run made."""
    out = {"generalization.png": generalization_png(results_of(results, "generalization")),
           "augmentation.png": augmentation_png(results_of(results, "augmentation")),
           "learning_curve.png": learning_curve_png(results_of(results, "learning_curve")), **lifecycle_pngs(results),
           "behaviour.png": behaviour_png(results_of(results, "behaviour"))}
    return {name: png for name, png in out.items() if png}
