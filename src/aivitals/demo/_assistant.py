"""Lumen's support assistant: intent retrieval over the knowledge base, two versions.

The assistant classifies a question into a knowledge-base intent with TF-IDF
features and a logistic regression, and replies with that intent's canonical
answer — or hands over to a person when its top probability is below a
confidence threshold.

The story the demo tells:

* ``v1`` (production) reads character 2-5-grams within words and trains on
  the full knowledge base, including the informal phrasings collected from
  chat and phone logs. Its weak spot is email: greetings, context and
  signatures dilute a long message until the model is no longer confident,
  and it hands over.
* ``v2`` (candidate) was built to fix that. It switches to word unigrams and
  bigrams with English stop words removed and a new threshold, and trains on
  a "streamlined" knowledge base: the content team dropped the informal
  phrasings as noise and added formal phrasings mined from email tickets.
  Email accuracy jumps, chat holds, and overall accuracy is unchanged.

But phone calls reach the assistant through speech-to-text: lowercase,
fillers, and slips that split or mishear words ("pass word", "re fund",
"a count", "zero" for Xero). Character n-grams still find the pieces of a
split word; whole-word features do not, and with the informal phrasings gone
v2 has nothing spoken-style to match. So v2 is much worse on
``channel=voice`` while the overall rate barely moves — what a release gate
that looks at slices must catch, and what a week of production traffic would
show as falling CSAT among phone customers.

Models train on first use, deterministically (the solver has no randomness),
in well under a second, and are cached per process.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from aivitals.demo._kb import FALLBACK_ANSWER, INTENTS, OUT_OF_SCOPE, intent_by_id
from aivitals.model import Input, input_text

__all__ = [
    "VERSIONS",
    "Answer",
    "Version",
    "answer",
    "assistant_v1",
    "assistant_v2",
    "classify_v1",
    "classify_v2",
    "training_set",
]

Version = Literal["v1", "v2"]

#: The assistant versions, oldest first.
VERSIONS: tuple[Version, ...] = ("v1", "v2")


@dataclass(frozen=True, slots=True)
class Answer:
    """What the assistant replied to one question.

    Attributes:
        text: The reply: the intent's canonical answer, or the fallback.
        intent: The predicted intent; ``"out_of_scope"`` when it handed over.
        confidence: The classifier's probability of its top intent, in [0, 1].
        version: The assistant version that answered.
    """

    text: str
    intent: str
    confidence: float
    version: Version

    @property
    def is_fallback(self) -> bool:
        """Whether the assistant handed over instead of answering."""
        return self.intent == OUT_OF_SCOPE

    def to_dict(self) -> dict[str, Any]:
        """The reply as a callable target returns it: ``output``, ``intent``, ``confidence``."""
        return {"output": self.text, "intent": self.intent, "confidence": self.confidence}


@dataclass(frozen=True, slots=True)
class _Spec:
    """How one assistant version is built."""

    analyzer: Literal["char_wb", "word"]
    ngram_range: tuple[int, int]
    stop_words: Literal["english"] | None
    threshold: float
    colloquial: bool
    written: bool


_SPECS: dict[Version, _Spec] = {
    "v1": _Spec("char_wb", (2, 5), None, threshold=0.12, colloquial=True, written=False),
    "v2": _Spec("word", (1, 2), "english", threshold=0.15, colloquial=False, written=True),
}

# Strong enough to separate 30 intents from ~10 phrasings each.
_INVERSE_REGULARISATION = 20.0


def answer(text: Input, version: Version = "v1") -> Answer:
    """Answer one customer question with the given assistant version.

    Args:
        text: The question, or chat messages (the last user message is answered).
        version: ``"v1"`` (production) or ``"v2"`` (candidate).

    Raises:
        ValueError: ``version`` is not one of :data:`VERSIONS`.
    """
    if version not in _SPECS:
        raise ValueError(f"version must be one of {', '.join(VERSIONS)}, not {version!r}")
    model = _model(version)
    probabilities = model.predict_proba([input_text(text)])[0]
    best = int(np.argmax(probabilities))
    confidence = float(probabilities[best])
    if confidence < _SPECS[version].threshold:
        return Answer(FALLBACK_ANSWER, OUT_OF_SCOPE, confidence, version)
    intent = str(model.classes_[best])
    return Answer(intent_by_id(intent).answer, intent, confidence, version)


def assistant_v1(text: Input) -> dict[str, Any]:
    """The production assistant as a callable target (``aivitals.demo:assistant_v1``).

    Returns:
        ``{"output": reply, "intent": predicted intent, "confidence": float}``.
    """
    return answer(text, "v1").to_dict()


def assistant_v2(text: Input) -> dict[str, Any]:
    """The candidate assistant as a callable target (``aivitals.demo:assistant_v2``).

    Returns:
        ``{"output": reply, "intent": predicted intent, "confidence": float}``.
    """
    return answer(text, "v2").to_dict()


def classify_v1(text: Input) -> dict[str, Any]:
    """The production assistant's intent as the output, for ``label_match`` scoring.

    Returns:
        ``{"output": predicted intent, "confidence": float}``.
    """
    reply = answer(text, "v1")
    return {"output": reply.intent, "confidence": reply.confidence}


def classify_v2(text: Input) -> dict[str, Any]:
    """The candidate assistant's intent as the output, for ``label_match`` scoring.

    Returns:
        ``{"output": predicted intent, "confidence": float}``.
    """
    reply = answer(text, "v2")
    return {"output": reply.intent, "confidence": reply.confidence}


def training_set(version: Version) -> tuple[list[str], list[str]]:
    """Return the (utterances, intent labels) that ``version`` trains on."""
    spec = _SPECS[version]
    texts: list[str] = []
    labels: list[str] = []
    for intent in INTENTS:
        phrasings = list(intent.utterances)
        if spec.colloquial:
            phrasings += intent.colloquial
        if spec.written:
            phrasings += intent.written
        texts += phrasings
        labels += [intent.id] * len(phrasings)
    return texts, labels


@cache
def _model(version: Version) -> Pipeline:
    spec = _SPECS[version]
    vectorizer = TfidfVectorizer(
        analyzer=spec.analyzer,
        ngram_range=spec.ngram_range,
        stop_words=spec.stop_words,
        sublinear_tf=True,
    )
    classifier = LogisticRegression(C=_INVERSE_REGULARISATION, max_iter=2000)
    model = Pipeline([("features", vectorizer), ("classifier", classifier)])
    texts, labels = training_set(version)
    # The problem is tiny: extra BLAS threads only spin, and on a busy
    # machine they make training ten times slower.
    with threadpool_limits(limits=1):
        model.fit(texts, labels)
    return model
