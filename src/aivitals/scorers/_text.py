"""Text-similarity scores from the well-kept libraries: BLEU, chrF, ROUGE, edit distance.

These are continuous scores in [0, 1]: ``value`` is set and ``passed`` is
left to the suite's threshold. BLEU and chrF come from sacrebleu (scaled
from its 0-100), ROUGE from Google's rouge-score, edit distance from
rapidfuzz; nothing here re-implements a metric. Metric objects are built once
per factory; a record's references are the record's expected answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, cast

from rapidfuzz.distance import Levenshtein
from sacrebleu.metrics.bleu import BLEU
from sacrebleu.metrics.chrf import CHRF

from aivitals.model import Record, Score
from aivitals.scorers._registry import ScoreFn, scorer
from aivitals.scorers._verdicts import NO_EXPECTED, no_output

__all__ = ["bleu", "chrf", "corpus_bleu", "corpus_chrf", "levenshtein_similarity", "rouge"]

_ROUGE_VARIANTS = ("rouge1", "rouge2", "rougeL")


def _unit(percent: float) -> float:
    """Turn a sacrebleu 0-100 score into [0, 1]; rounding can push a perfect one past 100."""
    return min(float(percent) / 100.0, 1.0)


def _bleu_metric(*, lowercase: bool, tokenize: str, effective_order: bool) -> BLEU:
    if tokenize not in BLEU.TOKENIZERS:
        known = ", ".join(sorted(BLEU.TOKENIZERS))
        raise ValueError(f"argument 'tokenize' must be one of {known}; got {tokenize!r}")
    return BLEU(lowercase=lowercase, tokenize=tokenize, effective_order=effective_order)


def _chrf_metric(*, char_order: int, word_order: int, beta: int, lowercase: bool) -> CHRF:
    if char_order < 1 or word_order < 0 or beta < 1:
        raise ValueError(
            "arguments 'char_order' and 'beta' must be at least 1 and 'word_order' at least 0"
        )
    return CHRF(char_order=char_order, word_order=word_order, beta=beta, lowercase=lowercase)


def _reference_streams(
    hypotheses: Sequence[str], references: Sequence[Sequence[str]]
) -> Sequence[Sequence[str]]:
    """Turn per-segment reference lists into sacrebleu's streams, padding with ``None``.

    sacrebleu documents ``None`` as "no reference for this segment" though its
    annotations say ``str``; hence the cast.
    """
    if not hypotheses:
        raise ValueError("argument 'hypotheses' is empty")
    if len(references) != len(hypotheses):
        raise ValueError(
            f"argument 'references' has {len(references)} entries for {len(hypotheses)} hypotheses"
        )
    if any(not refs for refs in references):
        raise ValueError("argument 'references' has a segment without any reference")
    width = max(len(refs) for refs in references)
    streams = [[refs[i] if i < len(refs) else None for refs in references] for i in range(width)]
    return cast(Sequence[Sequence[str]], streams)


def corpus_bleu(
    hypotheses: Sequence[str],
    references: Sequence[Sequence[str]],
    *,
    lowercase: bool = False,
    tokenize: str = "13a",
) -> float:
    """Corpus BLEU (sacrebleu's, standard settings) scaled to [0, 1].

    Range [0, 1]; best 1. Unlike the mean of sentence BLEU, n-gram counts
    are pooled over the corpus first, as BLEU is defined.

    Args:
        hypotheses: One system output per segment.
        references: For each segment, its reference translations (like
            ``Record.expected``); segments may have different numbers.
        lowercase: Compare case-insensitively.
        tokenize: A sacrebleu tokenizer name.

    Raises:
        ValueError: No hypotheses, mismatched lengths, or a segment without reference.
    """
    streams = _reference_streams(hypotheses, references)
    metric = _bleu_metric(lowercase=lowercase, tokenize=tokenize, effective_order=False)
    return _unit(metric.corpus_score(list(hypotheses), streams).score)


def corpus_chrf(
    hypotheses: Sequence[str],
    references: Sequence[Sequence[str]],
    *,
    char_order: int = 6,
    word_order: int = 0,
    beta: int = 2,
    lowercase: bool = False,
) -> float:
    """Corpus chrF (sacrebleu's; chrF++ with ``word_order=2``) scaled to [0, 1].

    Range [0, 1]; best 1. Arguments and errors as for :func:`corpus_bleu`,
    plus the chrF parameters of :func:`chrf`.
    """
    streams = _reference_streams(hypotheses, references)
    metric = _chrf_metric(
        char_order=char_order, word_order=word_order, beta=beta, lowercase=lowercase
    )
    return _unit(metric.corpus_score(list(hypotheses), streams).score)


def _sentence_scorer(metric: BLEU | CHRF) -> ScoreFn:
    """A scorer giving ``metric``'s sentence score against the expected answers."""

    async def score(record: Record) -> Score:
        if record.output is None:
            return no_output(record)
        if not record.expected:
            return NO_EXPECTED
        return Score(_unit(metric.sentence_score(record.output, list(record.expected)).score))

    return score


@scorer(name="bleu")
def bleu(*, lowercase: bool = False, tokenize: str = "13a") -> ScoreFn:
    """Sentence BLEU of the output against the expected answers, scaled to [0, 1].

    sacrebleu's sentence BLEU (exponential smoothing, effective order), with
    all expected answers as joint references. Range [0, 1]; best 1. Sentence
    BLEU is noisy: compare systems with :func:`corpus_bleu`. An empty output
    scores 0. Missing when there is no output or no expected answer.

    Args:
        lowercase: Compare case-insensitively.
        tokenize: A sacrebleu tokenizer name (``13a``, ``intl``, ``char``, ``zh``...).
    """
    return _sentence_scorer(
        _bleu_metric(lowercase=lowercase, tokenize=tokenize, effective_order=True)
    )


@scorer(name="chrf")
def chrf(
    *, char_order: int = 6, word_order: int = 0, beta: int = 2, lowercase: bool = False
) -> ScoreFn:
    """Sentence chrF of the output against the expected answers, scaled to [0, 1].

    sacrebleu's chrF: character n-gram F-score, recall weighted by ``beta``;
    with several references the best-matching one counts. Range [0, 1];
    best 1. An empty output scores 0. Missing when there is no output or no
    expected answer.

    Args:
        char_order: Longest character n-gram.
        word_order: Longest word n-gram; 2 gives chrF++.
        beta: Weight of recall relative to precision.
        lowercase: Compare case-insensitively.
    """
    return _sentence_scorer(
        _chrf_metric(char_order=char_order, word_order=word_order, beta=beta, lowercase=lowercase)
    )


@scorer(name="rouge")
def rouge(
    *, variant: Literal["rouge1", "rouge2", "rougeL"] = "rougeL", use_stemmer: bool = False
) -> ScoreFn:
    """ROUGE F-measure of the output, the best over the expected answers.

    Google's rouge-score: ``rouge1``/``rouge2`` count unigram/bigram overlap,
    ``rougeL`` the longest common subsequence. Its tokenizer lower-cases and
    keeps only ``[a-z0-9]`` runs, so text in other scripts scores 0. Range
    [0, 1]; best 1. Missing when there is no output or no expected answer.

    Args:
        variant: ``rouge1``, ``rouge2`` or ``rougeL``.
        use_stemmer: Porter-stem tokens before matching (English).
    """
    if variant not in _ROUGE_VARIANTS:
        raise ValueError(
            f"argument 'variant' must be one of {', '.join(_ROUGE_VARIANTS)}; got {variant!r}"
        )
    # rouge-score imports nltk, which takes seconds: only pay for it when ROUGE is used.
    from rouge_score.rouge_scorer import RougeScorer  # noqa: PLC0415

    rouge_scorer = RougeScorer([variant], use_stemmer=use_stemmer)

    async def score(record: Record) -> Score:
        if record.output is None:
            return no_output(record)
        if not record.expected:
            return NO_EXPECTED
        best = rouge_scorer.score_multi(list(record.expected), record.output)[variant]
        return Score(float(best.fmeasure))

    return score


@scorer(name="levenshtein_similarity")
def levenshtein_similarity() -> ScoreFn:
    """Normalised Levenshtein similarity to the closest expected answer.

    ``1 - distance / max(len)`` per rapidfuzz, on characters, case-sensitive.
    Range [0, 1]; best 1; two empty strings score 1. Missing when there is no
    output or no expected answer.
    """

    async def score(record: Record) -> Score:
        output = record.output
        if output is None:
            return no_output(record)
        if not record.expected:
            return NO_EXPECTED
        similarity = Levenshtein.normalized_similarity
        return Score(max(similarity(output, reference) for reference in record.expected))

    return score
