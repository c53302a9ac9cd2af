"""Each rule kind's pass / fail / inconclusive, on hand-built summaries and comparisons."""

from typing import Any

import pytest
from tests.gate.conftest import comparison, est, flip, row, summary

from aivitals.gate import EXIT_CODES, GateResult, RuleOutcome, apply_policy, parse_policy


def gate(rules: list[dict[str, Any]], *args: Any, **policy: Any) -> GateResult:
    return apply_policy(parse_policy({"name": "p", "rules": rules, **policy}), *args)


def only(result: GateResult) -> RuleOutcome:
    [outcome] = result.rules
    return outcome


CAND = summary(
    {"correct": est(0.877, 0.848, 0.901, 500)},
    {
        ("correct", "channel", "chat"): est(0.95, 0.92, 0.97, 300),
        ("correct", "channel", "voice"): est(0.741, 0.664, 0.806, 143),
        ("correct", "channel", "fax"): est(1.0, 0.51, 1.0, 4),
        ("correct", "critical", "True"): est(0.97, 0.9, 0.99, 60),
    },
)


@pytest.mark.parametrize(
    ("check", "outcome", "evidence"),
    [
        ({"value": 0.85}, "pass", "87.7% [84.8%, 90.1%] (n=500); floor 85.0% met"),
        ({"value": 0.90}, "fail", "below the floor of 90.0% by 2.3 pts"),
        ({"lower_bound": 0.84}, "pass", "lower bound 84.8% ≥ 84.0%"),
        ({"lower_bound": 0.91}, "fail", "even the upper bound 90.1% is below 91.0%"),
        ({"lower_bound": 0.88}, "inconclusive", "straddles the floor of 88.0%"),
    ],
)
def test_min_on_the_value_or_the_lower_bound(
    check: dict[str, float], outcome: str, evidence: str
) -> None:
    result = only(gate([{"scorer": "correct", "min": check}], CAND))
    assert (result.outcome, result.label, result.n) == (outcome, "overall", 500)
    assert evidence in result.evidence
    assert result.evidence.startswith("correct overall: ")


def test_min_below_min_n_is_inconclusive_whatever_the_value() -> None:
    result = only(
        gate([{"scorer": "correct", "slice": {"channel": "fax"}, "min": {"value": 0.5}}], CAND)
    )
    assert result.outcome == "inconclusive"
    assert "only 4 records, the rule needs 10 (min_n)" in result.evidence
    lowered = gate(
        [{"scorer": "correct", "slice": {"channel": "fax"}, "min": {"value": 0.5}, "min_n": 3}],
        CAND,
    )
    assert only(lowered).outcome == "pass"


def test_min_in_one_slice_and_a_missing_slice() -> None:
    result = gate(
        [
            {"scorer": "correct", "slice": {"channel": "voice"}, "min": {"value": 0.8}},
            {"scorer": "correct", "slice": {"channel": "sms"}, "min": {"value": 0.8}},
            {"scorer": "correct", "slice": {"critical": True}, "min": {"value": 0.95}},
        ],
        CAND,
    )
    voice, sms, critical = result.rules
    assert (voice.outcome, voice.label, voice.n) == ("fail", "channel=voice", 143)
    assert voice.evidence.startswith("correct in channel=voice: 74.1% [66.4%, 80.6%] (n=143)")
    assert (sms.outcome, sms.n) == ("inconclusive", 0)
    # A YAML ``true`` matches the tag text ``True`` that a JSON ``true`` became.
    assert (critical.outcome, critical.label) == ("pass", "critical=True")


def test_slices_expand_to_one_outcome_per_value() -> None:
    result = gate([{"scorer": "correct", "slices": ["channel"], "min": {"value": 0.8}}], CAND)
    assert [(r.name, r.outcome) for r in result.rules] == [
        ("R1 [channel=chat]", "pass"),
        ("R1 [channel=voice]", "fail"),
        ("R1 [channel=fax]", "inconclusive"),
    ]
    every = gate([{"scorer": "correct", "slices": "all", "min_n": 5}], CAND)
    assert [r.outcome for r in every.rules] == ["pass", "pass", "fail", "pass"]
    none = gate([{"scorer": "correct", "slices": ["language"], "min": {"value": 0.8}}], CAND)
    assert only(none).outcome == "inconclusive"


def test_min_n_alone_is_a_requirement() -> None:
    assert only(gate([{"scorer": "correct", "min_n": 500}], CAND)).outcome == "pass"
    short = only(gate([{"scorer": "correct", "min_n": 501}], CAND))
    assert (short.outcome, short.threshold) == ("fail", 501)
    assert "500 scored records, fewer than 501" in short.evidence


# ---------------------------------------------------------------- max_regression

REG = {"scorer": "correct", "max_regression": {"margin": 0.02}}


@pytest.mark.parametrize(
    ("delta", "p_adj", "outcome", "evidence"),
    [
        ((0.0, -0.012, 0.012), 1.0, "pass", "non-inferior within 2.0 pts (lower bound −1.2 pts"),
        # A small drop that is significant but within the margin still passes.
        ((-0.005, -0.009, -0.001), 0.001, "pass", "non-inferior within 2.0 pts"),
        ((-0.182, -0.25, -0.114), 0.0004, "fail", "non-inferiority margin 2.0 pts not met"),
        ((-0.01, -0.06, 0.04), 0.8, "inconclusive", "more cases would decide it"),
        # Significant before correction, not after: not enough to fail.
        ((-0.03, -0.05, -0.001), 0.3, "inconclusive", "nor that there is a significant drop"),
    ],
)
def test_max_regression_is_a_non_inferiority_test(
    delta: tuple[float, float, float], p_adj: float, outcome: str, evidence: str
) -> None:
    cmp = comparison([row(delta, p=p_adj / 10, p_adj=p_adj)])
    result = only(gate([REG], CAND, {0.05: cmp}))
    assert result.outcome == outcome, result.evidence
    assert evidence in result.evidence
    assert result.threshold == -0.02
    assert result.delta is not None and result.delta.ci_low == delta[1]


def test_regression_evidence_reads_like_a_review_comment() -> None:
    cmp = comparison(
        [row((-0.182, -0.25, -0.114), n=143, p=0.00001, p_adj=0.0004, tag="channel", value="voice")]
    )
    rules = [{**REG, "slice": {"channel": "voice"}}]
    result = only(gate(rules, CAND, {0.05: cmp}))
    assert result.evidence == (
        "correct in channel=voice: 71.8% [66.8%, 74.8%] vs baseline 90.0% [85.0%, 93.0%] on "
        "143 pairs; Δ −18.2 pts [−25.0, −11.4] (90% intervals), McNemar exact p<0.0001 "
        "(holm-adjusted 0.0004); non-inferiority margin 2.0 pts not met: a significant drop, "
        "lower bound −25.0 pts below −2.0 pts."
    )


def test_max_regression_needs_a_baseline_and_enough_pairs() -> None:
    without = only(gate([REG], CAND))
    assert without.outcome == "inconclusive" and "needs a baseline" in without.evidence
    few = comparison([row((-0.3, -0.6, -0.05), n=8, p_adj=0.001)])
    result = only(gate([REG], CAND, {0.05: few}))
    assert result.outcome == "inconclusive"
    assert "only 8 pairs, the rule needs 10" in result.evidence


def test_max_regression_over_slices_catches_the_one_that_regressed() -> None:
    cmp = comparison(
        [
            row((-0.01, -0.015, -0.004), n=1000, p_adj=0.01),
            row((0.0, -0.01, 0.01), n=600, tag="channel", value="chat"),
            row((-0.15, -0.22, -0.09), n=120, p_adj=0.0001, tag="channel", value="voice"),
            row((0.0, -0.3, 0.3), n=5, tag="critical", value="True"),
        ]
    )
    rules = [REG, {**REG, "slices": ["channel"]}]
    result = gate(rules, CAND, {0.05: cmp})
    assert [(r.name, r.outcome) for r in result.rules] == [
        ("R1", "pass"),
        ("R2 [channel=chat]", "pass"),
        ("R2 [channel=voice]", "fail"),
    ]
    assert result.outcome == "fail"


def test_each_alpha_reads_its_own_comparison() -> None:
    strict = comparison([row((-0.01, -0.03, 0.01), p_adj=0.5)], alpha=0.02)
    loose = comparison([row((-0.01, -0.015, -0.005), p_adj=0.5)], alpha=0.10)
    rules = [REG, {"scorer": "correct", "max_regression": {"margin": 0.02, "alpha": 0.01}}]
    result = gate(rules, CAND, {0.05: loose, 0.01: strict})
    assert [r.outcome for r in result.rules] == ["pass", "inconclusive"]
    assert "(98% intervals)" in result.rules[1].evidence


def test_a_scorer_missing_from_the_comparison_is_inconclusive() -> None:
    cmp = comparison([row((0.0, -0.01, 0.01), scorer="other")])
    result = only(gate([REG], CAND, {0.05: cmp}))
    assert result.outcome == "inconclusive" and "not compared" in result.evidence


# ---------------------------------------------------------------- no_new_failures

CRITICAL = {"scorer": "correct", "no_new_failures": {}}
CRIT_ROW = row((0.0, -0.05, 0.05), n=60, tag="critical", value="True")


def test_no_new_failures_fails_on_a_critical_case_that_flipped() -> None:
    flips = [
        flip("c1", {"critical": "True"}),
        flip("c2", {"critical": "False"}),
        flip("c3", {"critical": "True"}, direction="newly_passing"),
    ]
    result = only(gate([CRITICAL], CAND, {0.05: comparison([CRIT_ROW], flips)}))
    assert result.outcome == "fail"
    assert [f.case_id for f in result.flips] == ["c1"]
    assert result.evidence == (
        "1 of 60 cases tagged critical=true passed correct in the baseline and fail in the "
        "candidate: c1."
    )


def test_no_new_failures_passes_when_only_other_cases_flip() -> None:
    flips = [flip("c2", {"critical": "False"}), flip("c3", {"critical": "True"}, "newly_passing")]
    result = only(gate([CRITICAL], CAND, {0.05: comparison([CRIT_ROW], flips)}))
    assert result.outcome == "pass"
    assert result.evidence == (
        "none of the 60 compared cases tagged critical=true newly fails correct (1 newly pass)."
    )


def test_no_new_failures_with_a_custom_tag() -> None:
    rows = [row((0.0, -0.05, 0.05), n=30, tag="tier", value="gold")]
    rule = {"scorer": "correct", "no_new_failures": {"tag": "tier", "value": "gold"}}
    flips = [flip("c9", {"tier": "gold"})]
    assert only(gate([rule], CAND, {0.05: comparison(rows, flips)})).outcome == "fail"


@pytest.mark.parametrize(
    ("rows", "comparisons", "evidence"),
    [
        ([CRIT_ROW], None, "needs a baseline"),
        ([], {}, "needs a baseline"),
        ([row((0.0, -0.1, 0.1))], "cmp", "no compared case is tagged critical=true"),
        (
            [row((0.0, -0.1, 0.1), tag="critical", value="True", metric="mean")],
            "cmp",
            "no pass/fail verdicts",
        ),
    ],
)
def test_no_new_failures_inconclusive(rows: list[Any], comparisons: Any, evidence: str) -> None:
    cmps = {0.05: comparison(rows)} if comparisons == "cmp" else comparisons
    result = only(gate([CRITICAL], CAND, cmps))
    assert result.outcome == "inconclusive"
    assert evidence in result.evidence


# ---------------------------------------------------------------- overall outcome


PASSING = {"scorer": "correct", "min": {"value": 0.5}}
FAILING = {"scorer": "correct", "min": {"value": 0.99}}
UNSURE = {"scorer": "correct", "min": {"lower_bound": 0.88}}


@pytest.mark.parametrize(
    ("on_inconclusive", "outcome", "code"),
    [("inconclusive", "inconclusive", 3), ("fail", "fail", 1), ("pass", "pass", 0)],
)
def test_on_inconclusive_maps_the_overall_outcome(
    on_inconclusive: str, outcome: str, code: int
) -> None:
    result = gate([PASSING, UNSURE], CAND, on_inconclusive=on_inconclusive)
    assert result.raw_outcome == "inconclusive"
    assert (result.outcome, result.exit_code) == (outcome, code)
    assert result.to_dict()["exit_code"] == code


@pytest.mark.parametrize("on_inconclusive", ["inconclusive", "fail", "pass"])
def test_a_failure_fails_whatever_on_inconclusive_says(on_inconclusive: str) -> None:
    result = gate([PASSING, UNSURE, FAILING], CAND, on_inconclusive=on_inconclusive)
    assert (result.outcome, result.exit_code) == ("fail", 1)
    assert (result.count("pass"), result.count("fail"), result.count("inconclusive")) == (1, 1, 1)


def test_all_pass_exits_zero() -> None:
    result = gate([PASSING, {"scorer": "correct", "min_n": 100}], CAND)
    assert (result.outcome, result.exit_code) == ("pass", 0)
    assert EXIT_CODES == {"pass": 0, "fail": 1, "inconclusive": 3}


def test_result_json_form() -> None:
    result = gate([FAILING], CAND)
    data = result.to_dict()
    assert data["outcome"] == "fail" and data["counts"] == {"pass": 0, "fail": 1, "inconclusive": 0}
    [rule] = data["rules"]
    assert rule["observed"]["n"] == 500 and rule["threshold"] == 0.99
    assert rule["check"] == "pass rate ≥ 99.0%" and rule["line"] is None


def test_a_comparison_at_the_wrong_alpha_is_a_caller_error() -> None:
    with pytest.raises(ValueError, match=r"one-sided α=0\.05"):
        gate([REG], CAND, {0.01: comparison([row((0.0, -0.01, 0.01))])})
