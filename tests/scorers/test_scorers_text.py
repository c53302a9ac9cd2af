"""Text metrics: BLEU, chrF, ROUGE, Levenshtein, and the corpus helpers, against their libraries."""

from __future__ import annotations

import asyncio
import csv
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sacrebleu

from aivitals.model import Record, Score
from aivitals.scorers import corpus_bleu, corpus_chrf, create_scorer

ScoreOne = Callable[..., Score]

HYPOTHESIS = "The cat sat on the mat near the door."
REFERENCES = ("A cat was sitting on the mat by the door.", "The cat sat on a mat at the door.")


@pytest.mark.parametrize(
    ("args", "references", "expected"),
    [
        ({}, REFERENCES, sacrebleu.sentence_bleu(HYPOTHESIS, list(REFERENCES)).score),
        ({}, REFERENCES[:1], sacrebleu.sentence_bleu(HYPOTHESIS, list(REFERENCES[:1])).score),
        (
            {"lowercase": True},
            ("THE CAT SAT ON THE MAT.",),
            sacrebleu.sentence_bleu(HYPOTHESIS, ["THE CAT SAT ON THE MAT."], lowercase=True).score,
        ),
        (
            {"tokenize": "char"},
            REFERENCES,
            sacrebleu.sentence_bleu(HYPOTHESIS, list(REFERENCES), tokenize="char").score,
        ),
        ({}, (HYPOTHESIS,), 100.0),
        ({}, ("Completely unrelated words here",), 0.0),
    ],
)
def test_bleu_is_sacrebleus_sentence_bleu_scaled(
    score: ScoreOne, args: dict[str, Any], references: tuple[str, ...], expected: float
) -> None:
    result = score("bleu", HYPOTHESIS, references, args)
    assert result.value == pytest.approx(expected / 100, abs=1e-12)
    assert result.passed is None


@pytest.mark.parametrize(
    ("args", "sacrebleu_args"),
    [
        ({}, {}),
        ({"word_order": 2}, {"word_order": 2}),
        ({"beta": 1, "char_order": 4}, {"beta": 1, "char_order": 4}),
    ],
)
def test_chrf_is_sacrebleus_sentence_chrf_scaled(
    score: ScoreOne, args: dict[str, Any], sacrebleu_args: dict[str, Any]
) -> None:
    expected = sacrebleu.sentence_chrf(HYPOTHESIS, list(REFERENCES), **sacrebleu_args).score
    assert score("chrf", HYPOTHESIS, REFERENCES, args).value == pytest.approx(expected / 100)


def test_chrf_lowercase(score: ScoreOne) -> None:
    assert score("chrf", "HELLO WORLD", ("hello world",), {"lowercase": True}).value == 1.0
    assert score("chrf", "HELLO WORLD", ("hello world",)).value == 0.0


@pytest.mark.parametrize("name", ["bleu", "chrf"])
def test_empty_output_scores_zero(score: ScoreOne, name: str) -> None:
    assert score(name, "", ("some reference",)).value == 0.0


@pytest.mark.parametrize(
    ("variant", "output", "references", "expected"),
    [
        ("rouge1", "the cat sat", ("the cat sat on the mat",), 2 * 1.0 * 0.5 / 1.5),
        ("rouge2", "the cat sat", ("the cat sat on the mat",), 2 * 1.0 * 0.4 / 1.4),
        (
            "rougeL",
            "the mat cat",
            ("the cat sat on the mat",),
            2 * (2 / 3) * (2 / 6) / (2 / 3 + 2 / 6),
        ),
        ("rouge1", "the cat sat", ("dog", "the cat sat"), 1.0),
        ("rouge1", "Die Katze saß", ("Die Katze saß",), 1.0),
        ("rouge1", "猫が座った", ("猫が座った",), 0.0),  # rouge-score keeps only [a-z0-9]
    ],
)
def test_rouge(
    score: ScoreOne, variant: str, output: str, references: tuple[str, ...], expected: float
) -> None:
    result = score("rouge", output, references, {"variant": variant})
    assert result.value == pytest.approx(expected)


def test_rouge_equals_rouge_score_with_stemming(score: ScoreOne) -> None:
    from rouge_score.rouge_scorer import RougeScorer  # imports nltk: seconds, so not at collection

    reference = "The cats were running quickly to the houses"
    output = "A cat runs quick to a house"
    expected = RougeScorer(["rougeL"], use_stemmer=True).score(reference, output)["rougeL"]
    result = score("rouge", output, (reference,), {"use_stemmer": True})
    assert result.value == pytest.approx(expected.fmeasure)
    assert result.value > score("rouge", output, (reference,)).value  # type: ignore[operator]


@pytest.mark.parametrize(
    ("output", "references", "expected"),
    [
        ("kitten", ("sitting",), 1 - 3 / 7),
        ("kitten", ("sitting", "kitten!"), 1 - 1 / 7),
        ("", ("",), 1.0),
        ("abc", ("",), 0.0),
        ("ABC", ("abc",), 0.0),
    ],
)
def test_levenshtein_similarity(
    score: ScoreOne, output: str, references: tuple[str, ...], expected: float
) -> None:
    assert score("levenshtein_similarity", output, references).value == pytest.approx(expected)


@pytest.mark.parametrize(
    ("name", "args", "message"),
    [
        ("bleu", {"tokenize": "nope"}, "argument 'tokenize'"),
        ("chrf", {"char_order": 0}, "char_order"),
        ("rouge", {"variant": "rougeW"}, "argument 'variant'"),
    ],
)
def test_bad_configuration_names_the_argument(
    name: str, args: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        create_scorer(name, args)


def test_spec_records_defaults() -> None:
    assert dict(create_scorer("bleu").spec.args) == {"lowercase": False, "tokenize": "13a"}
    assert dict(create_scorer("chrf").spec.args) == {
        "char_order": 6,
        "word_order": 0,
        "beta": 2,
        "lowercase": False,
    }
    assert dict(create_scorer("rouge").spec.args) == {"variant": "rougeL", "use_stemmer": False}
    assert dict(create_scorer("levenshtein_similarity").spec.args) == {}


def test_corpus_helpers_take_references_per_segment() -> None:
    hypotheses = ["the cat sat on the mat", "a dog barked", "it rained all day"]
    references = [
        ["the cat sat on a mat", "a cat on the mat"],
        ["the dog barked"],
        ["rain all day"],
    ]
    streams = [
        ["the cat sat on a mat", "the dog barked", "rain all day"],
        ["a cat on the mat", None, None],
    ]
    assert corpus_bleu(hypotheses, references) == pytest.approx(
        sacrebleu.corpus_bleu(hypotheses, streams).score / 100  # type: ignore[arg-type]
    )
    assert corpus_chrf(hypotheses, references, word_order=2) == pytest.approx(
        sacrebleu.corpus_chrf(hypotheses, streams, word_order=2).score / 100  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("hypotheses", "references", "message"),
    [
        ([], [], "'hypotheses' is empty"),
        (["a", "b"], [["a"]], "1 entries for 2 hypotheses"),
        (["a"], [[]], "without any reference"),
    ],
)
def test_corpus_helpers_reject_bad_input(
    hypotheses: list[str], references: list[list[str]], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        corpus_bleu(hypotheses, references)
    with pytest.raises(ValueError, match=message):
        corpus_chrf(hypotheses, references)


# --- WMT21 TED en-de, real MT systems -----------------------------------------------------


@dataclass(frozen=True)
class Translations:
    """Each system's output per segment (segment order), and the human reference."""

    references: Sequence[str]
    outputs: Mapping[str, Sequence[str]]


_ERROR_SPAN = re.compile(r"</?v>")


@pytest.fixture(scope="module")
def wmt_ende(shared_file: Callable[..., Path]) -> Translations:
    path = shared_file("wmt21_ted_mqm", "mqm_ted_ende.tsv")
    targets: dict[tuple[str, int], str] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            key = (row["system"], int(row["seg_id"]))
            text = _ERROR_SPAN.sub("", row["target"])
            assert targets.setdefault(key, text) == text, f"two different targets for {key}"
    segments = sorted({segment for _, segment in targets})
    outputs = {
        system: [targets[(system, segment)] for segment in segments]
        for system in sorted({system for system, _ in targets})
    }
    references = outputs.pop("ref")
    return Translations(references=references, outputs=outputs)


async def _mean(name: str, hypotheses: Sequence[str], references: Sequence[str]) -> float:
    scorer = create_scorer(name)
    total = 0.0
    for i, (hypothesis, reference) in enumerate(zip(hypotheses, references, strict=True)):
        record = Record(id=str(i), source="wmt", input="", output=hypothesis, expected=(reference,))
        value = (await scorer(record)).value
        assert value is not None
        total += value
    return total / len(hypotheses)


@pytest.mark.shared_data
def test_wmt_grid_is_complete(wmt_ende: Translations) -> None:
    assert len(wmt_ende.references) == 529
    assert len(wmt_ende.outputs) == 13


# Three systems spread over the sorted list (first, middle, last) keep this to a few seconds;
# sacrebleu's chrF takes ~0.2 s a pass over 529 segments, and each system needs eight passes.
@pytest.mark.shared_data
@pytest.mark.parametrize("index", [0, 6, 12])
def test_wmt_system_scores_equal_sacrebleu(wmt_ende: Translations, index: int) -> None:
    system = sorted(wmt_ende.outputs)[index]
    hypotheses = list(wmt_ende.outputs[system])
    references = list(wmt_ende.references)
    per_segment = [[reference] for reference in references]

    bleu = sacrebleu.corpus_bleu(hypotheses, [references]).score / 100
    chrf = sacrebleu.corpus_chrf(hypotheses, [references]).score / 100
    assert corpus_bleu(hypotheses, per_segment) == pytest.approx(bleu, abs=1e-12)
    assert corpus_chrf(hypotheses, per_segment) == pytest.approx(chrf, abs=1e-12)
    assert 0.15 < bleu < 0.6 and 0.4 < chrf < 0.8, system  # plausible en-de news/TED range

    pairs = list(zip(hypotheses, references, strict=True))
    sentence_bleu = sum(sacrebleu.sentence_bleu(h, [r]).score for h, r in pairs) / len(pairs)
    sentence_chrf = sum(sacrebleu.sentence_chrf(h, [r]).score for h, r in pairs) / len(pairs)
    assert asyncio.run(_mean("bleu", hypotheses, references)) == pytest.approx(
        sentence_bleu / 100, abs=1e-12
    )
    assert asyncio.run(_mean("chrf", hypotheses, references)) == pytest.approx(
        sentence_chrf / 100, abs=1e-12
    )
