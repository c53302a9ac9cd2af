"""SQuAD v1.1 exact match and token F1, as the official ``evaluate-v1.1.py`` computes them.

Answers are normalised by lower-casing, deleting ASCII punctuation
(``string.punctuation``), deleting the articles *a*, *an*, *the* and
collapsing whitespace; a prediction's score is its best over the expected
answers. Token F1 counts overlap as a bag of words. Averaged over records
and multiplied by 100 these give the leaderboard's EM and F1.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable

from aivitals.model import Record, Score
from aivitals.scorers._registry import ScoreFn, scorer
from aivitals.scorers._verdicts import NO_EXPECTED, PASS, clip, fail, no_output

__all__ = [
    "normalize_answer",
    "normalized_tokens",
    "squad_exact_match",
    "squad_f1",
    "token_f1",
]

_PUNCTUATION = str.maketrans("", "", string.punctuation)
_ARTICLES = re.compile(r"\b(a|an|the)\b")
_ARTICLE_WORDS = frozenset(("a", "an", "the"))
_PUNCTUATION_BYTES = string.punctuation.encode()
# Characters ``str.split`` breaks on plus those ``\w`` matches, in ASCII.
_WORD_OR_SPACE_BYTES = (
    string.ascii_letters + string.digits + " \t\n\r\v\f\x1c\x1d\x1e\x1f"
).encode()


def normalized_tokens(text: str) -> list[str]:
    """The tokens of :func:`normalize_answer` (same result, computed faster).

    For ASCII text whose only characters left after deleting punctuation are
    letters, digits and whitespace, the official article regex can only match
    whole tokens, so filtering tokens is equivalent to it and several times
    cheaper; any other text takes the official path.
    """
    lowered = text.lower()
    if lowered.isascii():
        kept = lowered.encode().translate(None, _PUNCTUATION_BYTES)
        if not kept.translate(None, _WORD_OR_SPACE_BYTES):
            tokens = kept.decode().split()
            if _ARTICLE_WORDS.isdisjoint(tokens):
                return tokens
            return [token for token in tokens if token not in _ARTICLE_WORDS]
    return _ARTICLES.sub(" ", lowered.translate(_PUNCTUATION)).split()


def normalize_answer(text: str) -> str:
    """SQuAD v1.1 normalisation: lower, drop punctuation and articles, collapse whitespace."""
    return " ".join(normalized_tokens(text))


def _overlap_f1(predicted: list[str], truth: list[str]) -> float:
    """Token F1 of two token lists, counting overlap as a multiset intersection."""
    counts: dict[str, int] = {}
    for token in predicted:
        counts[token] = counts.get(token, 0) + 1
    same = 0
    for token in truth:
        left = counts.get(token, 0)
        if left:
            counts[token] = left - 1
            same += 1
    if not same:
        return 0.0
    precision = same / len(predicted)
    recall = same / len(truth)
    return 2 * precision * recall / (precision + recall)


def token_f1(prediction: str, ground_truths: Iterable[str]) -> float:
    """Best SQuAD token F1 of ``prediction`` over ``ground_truths`` (0 if there are none).

    As in the official script, F1 is 0 when nothing overlaps, including when
    both sides normalise to no tokens.
    """
    predicted = normalized_tokens(prediction)
    if not predicted:
        return 0.0
    best = 0.0
    for truth in ground_truths:
        truth_tokens = normalized_tokens(truth)
        if truth_tokens == predicted:
            return 1.0
        best = max(best, _overlap_f1(predicted, truth_tokens))
    return best


@scorer(name="squad_exact_match")
def squad_exact_match() -> ScoreFn:
    """SQuAD v1.1 exact match: normalised output equals a normalised expected answer.

    Range {0, 1}; best 1; ``passed`` is set. The mean over records times 100
    is the official EM. Missing when there is no output or no expected answer.
    """

    async def score(record: Record) -> Score:
        if record.output is None:
            return no_output(record)
        if not record.expected:
            return NO_EXPECTED
        predicted = normalized_tokens(record.output)
        for truth in record.expected:
            if normalized_tokens(truth) == predicted:
                return PASS
        normalized = " ".join(predicted)
        return fail(f"normalised output {clip(normalized)} matches no expected answer")

    return score


@scorer(name="squad_f1")
def squad_f1() -> ScoreFn:
    """SQuAD v1.1 token F1, the best over the expected answers.

    Range [0, 1]; best 1; ``passed`` is left to the threshold. The mean over
    records times 100 is the official F1. An output or answer that normalises
    to nothing scores 0. Missing when there is no output or no expected answer.
    """

    async def score(record: Record) -> Score:
        if record.output is None:
            return no_output(record)
        if not record.expected:
            return NO_EXPECTED
        return Score(token_f1(record.output, record.expected))

    return score
