import pytest

from ragft.evaluate.paired import holm, mcnemar_exact, paired_comparisons
from ragft.evaluate.results import Comparison
from ragft.report.numbers import describe as describe_typed


def rec(arm: str, qid: str, correct, split: str = "test", **extra) -> dict:
    return {"arm": arm, "id": qid, "correct": correct, "split": split, **extra}


def arm_records(arm: str, outcomes: str, split: str = "test", prefix: str = "q") -> list[dict]:
    """'1' = right, '0' = wrong, one character per question q0, q1, ..."""
    return [rec(arm, f"{prefix}{i}", ch == "1", split) for i, ch in enumerate(outcomes)]


# --- mcnemar_exact ---------------------------------------------------------------------------------


def test_mcnemar_known_value():
    # two-sided exact: 2 * P(X <= 2 | n=12, 1/2) = 2 * (1 + 12 + 66) / 4096
    assert mcnemar_exact(10, 2) == pytest.approx(2 * 79 / 4096, rel=1e-12)
    assert mcnemar_exact(10, 2) == pytest.approx(0.0386, abs=1e-4)
    assert mcnemar_exact(2, 10) == mcnemar_exact(10, 2)  # symmetric


def test_mcnemar_all_one_way():
    assert mcnemar_exact(3, 0) == pytest.approx(2 / 8)  # 2 * (1/2)^3
    assert mcnemar_exact(84, 0) == pytest.approx(2 * 0.5**84, rel=1e-9)


@pytest.mark.parametrize("b, c", [(0, 0), (5, 5), (1, 0), (0, 1), (40, 40)])
def test_mcnemar_no_evidence_is_one(b, c):
    assert mcnemar_exact(b, c) == 1.0


def test_mcnemar_rejects_negative_counts():
    with pytest.raises(ValueError):
        mcnemar_exact(-1, 3)


# --- holm ------------------------------------------------------------------------------------------


def test_holm_hand_worked():
    # sorted: 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 = 0.04 -> running max 0.06; back in input order
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])


def test_holm_step_down_monotone_and_input_order():
    # sorted: 0.001*3 = 0.003, 0.02*2 = 0.04, 0.025*1 = 0.025 -> raised to 0.04 (monotone)
    assert holm([0.02, 0.025, 0.001]) == pytest.approx([0.04, 0.04, 0.003])
    assert holm([0.04, 0.01]) == pytest.approx([0.04, 0.02])


def test_holm_caps_at_one_and_edge_cases():
    assert holm([0.5, 0.6]) == [1.0, 1.0]
    assert holm([0.3]) == [0.3]
    assert holm([]) == []
    with pytest.raises(ValueError):
        holm([0.1, 1.5])
    with pytest.raises(ValueError):
        holm([float("nan")])


# --- paired_comparisons ----------------------------------------------------------------------------


def test_two_by_two_counts_exclude_unshared_questions():
    records = [
        rec("base", "q1", True),
        rec("rag", "q1", True),  # both
        rec("base", "q2", True),
        rec("rag", "q2", False),  # only base
        rec("base", "q3", False),
        rec("rag", "q3", True),  # only rag
        rec("base", "q4", False),
        rec("rag", "q4", True),  # only rag
        rec("base", "q5", False),
        rec("rag", "q5", False),  # neither
        rec("rag", "q6", True),  # only rag answered: excluded
        rec("other", "q1", True),  # an arm not asked for: ignored
    ]
    [c] = paired_comparisons(records, ["base", "rag"])
    assert (c["a"], c["b"]) == ("base", "rag")
    assert (c["n"], c["both"], c["only_a"], c["only_b"], c["neither"]) == (5, 1, 1, 2, 1)
    assert c["accuracy_a"] == pytest.approx(2 / 5)
    assert c["accuracy_b"] == pytest.approx(3 / 5)
    assert c["p_value"] == pytest.approx(mcnemar_exact(1, 2))
    assert c["p_holm"] == c["p_value"]  # a single test: nothing to correct
    assert c["significant"] is False and c["better"] is None


def test_split_filter():
    records = (
        arm_records("base", "0000", "test")
        + arm_records("rag", "1111", "test")
        + arm_records("base", "111", "train", prefix="t")
        + arm_records("rag", "000", "train", prefix="t")
    )
    [test] = paired_comparisons(records, ["base", "rag"], split="test")
    assert (test["n"], test["only_a"], test["only_b"]) == (4, 0, 4)
    [train] = paired_comparisons(records, ["base", "rag"], split="train")
    assert (train["n"], train["only_a"], train["only_b"]) == (3, 3, 0)
    [both] = paired_comparisons(records, ["base", "rag"])
    assert (both["n"], both["only_a"], both["only_b"]) == (7, 3, 4)
    assert paired_comparisons(records, ["base", "rag"], split="validation") == []


def test_pair_order_significance_and_better():
    # 20 questions: rag right on all, base and finetuned on the same 2
    records = (
        arm_records("base", "11" + "0" * 18) + arm_records("finetuned", "11" + "0" * 18) + arm_records("rag", "1" * 20)
    )
    results = paired_comparisons(records, ["base", "finetuned", "rag"])
    assert [(r["a"], r["b"]) for r in results] == [("base", "finetuned"), ("base", "rag"), ("finetuned", "rag")]
    same, base_rag, ft_rag = results
    assert same["p_value"] == 1.0 and same["significant"] is False and same["better"] is None
    p = 2 * 0.5**18
    assert base_rag["p_value"] == pytest.approx(p) and ft_rag["p_value"] == pytest.approx(p)
    # Holm over the three: sorted p, p, 1 -> 3p, 2p raised to 3p, 1
    assert [r["p_holm"] for r in results] == pytest.approx([1.0, 3 * p, 3 * p])
    assert base_rag["significant"] is True and base_rag["better"] == "rag"  # the winner is arm b
    assert ft_rag["better"] == "rag"


def test_holm_not_raw_p_decides():
    # x vs y: 10 discordant for x, 2 for y -> raw p = 0.0386 < 0.05; z copies x
    x, y = "1" * 10 + "00", "0" * 10 + "11"
    records = arm_records("x", x) + arm_records("y", y) + arm_records("z", x)
    xy, xz, yz = paired_comparisons(records, ["x", "y", "z"])
    assert xy["p_value"] == pytest.approx(0.03857, abs=1e-5)
    assert xy["p_holm"] == pytest.approx(3 * xy["p_value"])  # the smallest of three
    assert yz["p_holm"] == pytest.approx(3 * xy["p_value"])  # tie: step-down running max
    assert xz["p_holm"] == 1.0
    assert xy["significant"] is False and xy["better"] is None
    looser = paired_comparisons(records, ["x", "y", "z"], alpha=0.2)
    assert looser[0]["significant"] is True and looser[0]["better"] == "x"
    assert looser[2]["better"] == "z"  # (y, z): z is b and wins


def test_pairs_without_shared_questions_are_skipped_and_not_corrected_for():
    records = arm_records("base", "1" * 10 + "0" * 2) + arm_records("rag", "0" * 10 + "1" * 2)
    results = paired_comparisons(records, ["base", "rag", "ghost"])
    assert len(results) == 1
    assert results[0]["p_holm"] == results[0]["p_value"]
    assert results[0]["significant"] is True and results[0]["better"] == "base"
    assert paired_comparisons(records, ["base"]) == []


def test_other_key():
    records = [rec("a", "q1", True, exact_match=False), rec("b", "q1", False, exact_match=True)]
    [c] = paired_comparisons(records, ["a", "b"], key="exact_match")
    assert (c["only_a"], c["only_b"]) == (0, 1)


def test_rejects_ungraded_duplicate_and_repeated_arms():
    with pytest.raises(ValueError, match="not a boolean"):
        paired_comparisons([rec("a", "q1", None), rec("b", "q1", True)], ["a", "b"])
    with pytest.raises(ValueError, match="more than one record"):
        paired_comparisons([rec("a", "q1", True), rec("a", "q1", False)], ["a", "b"])
    with pytest.raises(ValueError, match="distinct"):
        paired_comparisons([], ["a", "a"])


# --- describe --------------------------------------------------------------------------------------


def describe(c: dict) -> str:
    """The sentence for a comparison written as a dict (the counts it does not say are not part of it)."""
    return describe_typed(Comparison(**{"both": 0, "only_a": 0, "only_b": 0, "neither": 0, **c}))


def test_describe_significant_names_the_winner_first():
    c = {
        "a": "finetuned",
        "b": "rag",
        "n": 100,
        "accuracy_a": 0.12,
        "accuracy_b": 0.96,
        "p_value": 1.2e-20,
        "p_holm": 3.6e-20,
        "significant": True,
        "better": "rag",
    }
    assert describe(c) == (
        "rag beats finetuned on 100 shared questions (96 % vs 12 %, "
        "exact McNemar p = 1.2e-20, Holm-corrected p = 3.6e-20)."
    )


def test_describe_not_significant():
    c = {
        "a": "base",
        "b": "finetuned",
        "n": 100,
        "accuracy_a": 0.03,
        "accuracy_b": 0.05,
        "p_value": 0.6875,
        "p_holm": 0.6875,
        "significant": False,
        "better": None,
    }
    assert describe(c) == (
        "no significant difference between base and finetuned on 100 shared questions (3 % vs 5 %, p = 0.69)."
    )


def test_describe_shows_correction_when_it_decides():
    x, y = "1" * 10 + "00", "0" * 10 + "11"
    records = arm_records("x", x) + arm_records("y", y) + arm_records("z", x)
    xy = paired_comparisons(records, ["x", "y", "z"])[0]
    assert describe(xy) == (
        "no significant difference between x and y on 12 shared questions "
        "(83 % vs 17 %, exact McNemar p = 0.039, Holm-corrected p = 0.12)."
    )


def test_describe_end_to_end():
    # rag 96/100, finetuned 12/100; finetuned's 12 are among rag's 96
    rag = "1" * 96 + "0" * 4
    ft = "1" * 12 + "0" * 88
    records = arm_records("finetuned", ft) + arm_records("rag", rag)
    [c] = paired_comparisons(records, ["finetuned", "rag"])
    assert (c["both"], c["only_a"], c["only_b"], c["neither"]) == (12, 0, 84, 4)
    assert describe(c) == (
        "rag beats finetuned on 100 shared questions (96 % vs 12 %, "
        "exact McNemar p = 1.0e-25, Holm-corrected p = 1.0e-25)."
    )
