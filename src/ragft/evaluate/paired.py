"""Paired comparisons between experiment arms: exact McNemar tests with a Holm correction.

Every arm answers the *same* questions, so two arms' outcomes are paired binary data, not two
independent samples: comparing their accuracies with a two-proportion test (or eyeballing overlapping
Wilson intervals) ignores the pairing and loses most of the power. McNemar's test uses the pairing:
questions both arms got right or both got wrong say nothing about which arm is better; only the
discordant ones do. Under "no difference" each discordant question is equally likely to favour
either arm, so the count favouring the first arm is Binomial(b + c, 1/2). The *exact* (binomial)
form is used rather than the chi-square approximation because discordant counts here are often
small (tens of questions), where the approximation is poor.

Comparing k arms makes k(k-1)/2 tests; at alpha = 0.05 each, some "significant" difference would
turn up by chance alone. Holm's step-down correction keeps the family-wise error rate at alpha,
like Bonferroni, but is uniformly more powerful, and it needs no assumption about how the tests
depend on one another (they share arms, so they are not independent). The verdict of each pair
(`significant`, `better`, `describe`) rests on the Holm-corrected p-value only.
"""

from __future__ import annotations

from itertools import combinations


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value from the discordant counts.

    `b`: questions the first arm got right and the second wrong; `c`: the reverse. With no
    discordant questions there is no evidence either way, so p = 1.
    """
    if b < 0 or c < 0:
        raise ValueError(f"discordant counts must be non-negative, got b={b}, c={c}")
    if b + c == 0:
        return 1.0
    from scipy.stats import binomtest  # scipy.stats takes a while to import: only when a test is made

    return float(binomtest(b, b + c, 0.5).pvalue)


def holm(pvalues: list[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values, returned in the input order.

    Sort the m p-values ascending; the i-th smallest (i = 0, 1, ...) is multiplied by (m - i); a
    running maximum keeps the adjusted values monotone in that order (step-down), and each is
    capped at 1. Rejecting where the adjusted p < alpha is Holm's procedure at level alpha.
    """
    m = len(pvalues)
    for p in pvalues:
        if not 0.0 <= p <= 1.0:  # also rejects NaN
            raise ValueError(f"p-values must lie in [0, 1], got {p}")
    order = sorted(range(m), key=lambda i: pvalues[i])  # stable: ties keep input order
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * pvalues[i]))
        adjusted[i] = running
    return adjusted


def _outcomes(records: list[dict], arm: str, key: str, split: str | None) -> dict[str, bool]:
    """Question id -> outcome of `arm`, from the records of that arm (and split, if given)."""
    out: dict[str, bool] = {}
    for r in records:
        if r["arm"] != arm or (split is not None and r.get("split") != split):
            continue
        value = r[key]
        if value not in (True, False):  # None (not graded) must not silently count as wrong
            raise ValueError(f"record {r['id']!r} of arm {arm!r}: {key!r} is {value!r}, not a boolean")
        if r["id"] in out:
            raise ValueError(
                f"arm {arm!r} has more than one record for question {r['id']!r}"
                + ("" if split is not None else "; pass split= to compare one split")
            )
        out[r["id"]] = bool(value)
    return out


def paired_comparisons(
    records: list[dict], arms: list[str], alpha: float = 0.05, key: str = "correct", split: str | None = None
) -> list[dict]:
    """Exact McNemar test for every pair of `arms`, Holm-corrected over the pairs compared.

    Pairs come in the order of `arms`: (a0, a1), (a0, a2), ..., (a1, a2), ... Each compares the
    question ids both arms answered (in `split` only, when given); a pair with none is skipped and
    takes no part in the correction. `key` names the boolean outcome of a record.

    Each result: `a`, `b`, `n` (shared questions), the 2x2 table `both`, `only_a`, `only_b`,
    `neither`, `accuracy_a`, `accuracy_b` on those questions, `p_value` (exact McNemar),
    `p_holm`, `significant` (p_holm < alpha) and `better` (the arm with more correct answers when
    significant, else None).
    """
    if len(set(arms)) != len(arms):
        raise ValueError(f"arms must be distinct, got {arms}")
    outcomes = {arm: _outcomes(records, arm, key, split) for arm in arms}
    results: list[dict] = []
    for a, b in combinations(arms, 2):
        shared = outcomes[a].keys() & outcomes[b].keys()
        if not shared:
            continue
        pairs = [(outcomes[a][q], outcomes[b][q]) for q in shared]
        both = sum(x and y for x, y in pairs)
        only_a = sum(x and not y for x, y in pairs)
        only_b = sum(y and not x for x, y in pairs)
        n = len(pairs)
        results.append(
            {
                "a": a,
                "b": b,
                "n": n,
                "both": both,
                "only_a": only_a,
                "only_b": only_b,
                "neither": n - both - only_a - only_b,
                "accuracy_a": (both + only_a) / n,
                "accuracy_b": (both + only_b) / n,
                "p_value": mcnemar_exact(only_a, only_b),
            }
        )
    for result, adjusted in zip(results, holm([r["p_value"] for r in results])):
        result["p_holm"] = adjusted
        result["significant"] = adjusted < alpha
        # significant implies only_a != only_b (equal discordant counts give p = 1)
        winner = result["a"] if result["only_a"] > result["only_b"] else result["b"]
        result["better"] = winner if result["significant"] else None
    return results
