"""Paired comparison of two real runs in a real store."""

from pathlib import Path

import pytest
from statsmodels.stats.contingency_tables import mcnemar as sm_mcnemar

from aivitals import evaluate
from aivitals.comparison import compare_runs, comparison_markdown
from aivitals.errors import LineageError
from aivitals.store import Store


def test_a_slice_regression_is_found_and_named(bots: Path, store: Store, suite) -> None:
    base = evaluate(suite(bots, "good"), store=store)
    cand = evaluate(suite(bots, "worse_on_voice"), store=store)
    result = compare_runs(store, base.id, cand.id)
    assert result.lineage.comparable and result.lineage.n_aligned == 240
    rows = {(c.scorer, c.label): c for c in result.comparisons}
    voice = rows[("exact_match", "channel=voice")]
    assert voice.test.n == 80
    assert voice.base.value == 1.0 and voice.candidate.value == 20 / 80
    # 60 voice cases flip to failing, none to passing: McNemar as statsmodels computes it.
    expected_p = sm_mcnemar([[20, 60], [0, 160]], exact=False, correction=True).pvalue
    assert voice.test.test == "McNemar chi-square"
    assert voice.test.p_value == pytest.approx(expected_p)
    assert voice.delta.value == pytest.approx(-0.75)
    assert voice.delta.ci_low < -0.75 < voice.delta.ci_high < 0
    assert voice.verdict == "regressed"
    assert voice.p_adjusted >= voice.test.p_value
    assert rows[("exact_match", "channel=chat")].verdict == "no_significant_change"
    overall = rows[("exact_match", "overall")]
    assert overall.verdict == "regressed"
    similarity = rows[("similarity", "channel=voice")]
    assert similarity.metric == "mean"
    assert similarity.test.test == "Wilcoxon signed-rank"
    assert similarity.delta.value < 0
    failing = [f for f in result.flips if f.direction == "newly_failing"]
    assert len(failing) == 60 and failing[0].candidate_output == "sorry"
    assert failing[0].tags["channel"] == "voice"


def test_identical_runs_show_no_change(bots: Path, store: Store, suite) -> None:
    a = evaluate(suite(bots, "good"), store=store)
    b = evaluate(suite(bots, "good"), store=store, no_cache=True)
    result = compare_runs(store, a.id, b.id)
    assert {c.verdict for c in result.comparisons} == {"no_significant_change"}
    assert result.flips == ()


def test_small_slices_are_inconclusive(bots: Path, store: Store, suite) -> None:
    a = evaluate(suite(bots, "good"), store=store)
    b = evaluate(suite(bots, "worse_on_voice"), store=store)
    result = compare_runs(store, a.id, b.id, min_n=100)
    assert {c.verdict for c in result.comparisons if c.slice} == {"inconclusive"}


def test_different_scorer_specs_are_refused_unless_allowed(bots: Path, store: Store, suite) -> None:
    a = evaluate(suite(bots, "good"), store=store)
    changed = suite(
        bots, "good", scorers=[{"scorer": "exact_match", "args": {"case_sensitive": False}}]
    )
    b = evaluate(changed, store=store)
    with pytest.raises(LineageError, match="configured differently"):
        compare_runs(store, a.id, b.id)
    allowed = compare_runs(store, a.id, b.id, allow_mismatch=True)
    assert allowed.lineage.allowed_mismatch
    assert {c.scorer for c in allowed.comparisons} == {"exact_match"}
    assert any("only in the base run" in n for n in allowed.lineage.notes)


def test_changed_dataset_is_refused(bots: Path, store: Store, suite) -> None:
    a = evaluate(suite(bots, "good"), store=store)
    golden = bots / "golden.jsonl"
    golden.write_text(
        golden.read_text(encoding="utf-8").replace('answer 7"', 'answer seven"'), encoding="utf-8"
    )
    b = evaluate(suite(bots, "good"), store=store)
    with pytest.raises(LineageError, match="dataset 'golden' differs"):
        compare_runs(store, a.id, b.id)
    allowed = compare_runs(store, a.id, b.id, allow_mismatch=True)
    assert allowed.lineage.n_aligned == 240


def test_markdown_escapes_model_text(bots: Path, store: Store, suite) -> None:
    a = evaluate(suite(bots, "good"), store=store)
    b = evaluate(suite(bots, "html"), store=store)
    md = comparison_markdown(compare_runs(store, a.id, b.id))
    assert "<script>" not in md
    assert "&lt;script&gt;" in md
    assert "\\| pipe" in md
    assert "significant regression" in md
