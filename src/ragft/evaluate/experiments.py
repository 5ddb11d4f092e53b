"""The studies a run reports beside its arms: results.json["experiments"], one key per study."""

from __future__ import annotations

from ragft.data.sources import mix_parts
from ragft.data.unknowns import UNKNOWN
from ragft.evaluate.paired import paired_comparisons
from ragft.evaluate.records import family_metrics
from ragft.evaluate.unknowns import unknowns_results

FAMILIES = {
    "train": "the phrasing the fine-tunes trained on",
    "paraphrase": "question templates never used in training",
    "reversed": "asks for the entity by a value only it has",
}


def generalization(rows: list[dict], arms: list, domains: list[str] | None = None) -> dict:
    """Accuracy per probe family per arm, and per family the arms compared pairwise (McNemar, Holm); for a
    mix of domains, the same per domain too (a probe's id starts with its domain's name)."""
    per_arm = {a.name: family_metrics([r for r in rows if r["arm"] == a.name]) or {} for a in arms}
    families = list(dict.fromkeys(f for fams in per_arm.values() for f in fams))
    names = [a.name for a in arms]
    out = {
        "families": {f: FAMILIES.get(f, f) for f in families},
        "arms": per_arm,
        "comparisons": {f: paired_comparisons([r for r in rows if r.get("family") == f], names) for f in families},
    }
    if domains:
        out["domains"] = {d: {a.name: family_metrics([r for r in rows if r["arm"] == a.name
                                                      and r["id"].startswith(f"{d}:")]) or {} for a in arms}
                          for d in domains}
    return out


def augmentation(rows: list[dict], arms: list, finetunes: dict) -> dict:
    """Closed-book accuracy of every fine-tune by (method, phrasings per fact): does training on k
    phrasings make a fact answerable in phrasings never trained on (Allen-Zhu & Li; Ovadia et al.)?"""
    points = []
    for arm in arms:
        ft = finetunes.get(arm.variant)
        if not arm.finetuned or arm.rag or not ft or arm.train_on != "facts":  # idk adds other examples
            continue
        fams = family_metrics([r for r in rows if r["arm"] == arm.name]) or {}
        points.append({"variant": arm.variant, "arm": arm.name, "method": ft["method"], "k": ft.get("phrasings", 1),
                       "epochs": ft["epochs"], "examples": ft["examples"], "train_tokens": ft["train_tokens"],
                       "seconds": round(ft["seconds"], 3),
                       **{f: fams.get(f) for f in ("train", "paraphrase", "reversed")}})
    return {"points": sorted(points, key=lambda p: (p["method"], p["epochs"], p["k"]))}


def raft(rows: list[dict], arms: list, finetunes: dict) -> dict:
    """The RAFT fine-tune (trained to answer from retrieved passages) against the untouched model and the
    plain fine-tune given the same passages (Zhang et al. 2024), on the same questions."""
    names = [a.name for a in arms if a.train_on == "raft" and a.rag == "grounded"]
    names += [n for n in ("finetuned+rag", "rag") if any(a.name == n for a in arms)]
    per_arm = {n: family_metrics([dict(r, family="all") for r in rows if r["arm"] == n])["all"] for n in names}
    trained = {a.variant: finetunes.get(a.variant) for a in arms if a.train_on == "raft"}
    return {"arms": per_arm, "comparisons": paired_comparisons(rows, names),
            "training": {v: {k: ft[k] for k in ("examples", "train_tokens", "seconds", "epochs", "method")}
                         for v, ft in trained.items() if ft}}


def _mixed_domains(data) -> list[str] | None:
    """The domains of a mixed source (people:2+cities:10), else None."""
    if not data.generated or "+" not in data.source:
        return None

    return [name for name, _ in mix_parts(data.source)]


def experiments(config, rows: list[dict], arms: list, finetunes: dict | None = None,
                curves: dict | None = None, lifecycle: dict | None = None) -> dict:
    """Every study the config selects, by name; `rows` are every record of the run (unknowns included), and
    `lifecycle` the results of the experiments that ran their own models (update, deletion, long_context,
    behaviour)."""
    known = [r for r in rows if r["split"] != UNKNOWN]
    out = {}
    if "learning_curve" in config.experiments:
        out["learning_curve"] = {"every": config.curve_every, "questions_per_family": config.curve_questions,
                                 "finetunes": curves or {}}
    if "generalization" in config.experiments:
        out["generalization"] = generalization(known, arms, _mixed_domains(config.data))
    if "augmentation" in config.experiments:
        out["augmentation"] = augmentation(known, arms, finetunes or {})
    if "unknowns" in config.experiments:
        out["unknowns"] = unknowns_results(rows, arms)
    if "raft" in config.experiments:
        out["raft"] = raft(known, arms, finetunes or {})
    for name in ("update", "deletion", "long_context", "behaviour"):
        if name in (lifecycle or {}):
            out[name] = lifecycle[name]
    return out
