import json
import random
import re
from collections import Counter

import pytest

from aivitals.demo import (
    CHANNELS,
    FALLBACK_ANSWER,
    FALLBACK_KEY_PHRASE,
    INTENTS,
    OUT_OF_SCOPE,
    SEGMENTS,
    golden_cases,
    make_question,
    write_golden_set,
)
from aivitals.demo._assistant import training_set
from aivitals.demo._golden import _PHRASINGS

FIELDS = {
    "id",
    "question",
    "answer",
    "key_phrase",
    "intent",
    "intent_group",
    "channel",
    "segment",
    "language",
}


@pytest.fixture(scope="module")
def rows():
    return golden_cases()


def test_rows_have_the_documented_fields(rows):
    assert len(rows) == 600
    for row in rows:
        assert set(row) == FIELDS
        assert all(isinstance(value, str) and value for value in row.values())
        assert row["key_phrase"] in row["answer"]


def test_same_seed_same_rows_other_seed_other_rows(rows):
    assert golden_cases() == rows
    other = golden_cases(seed=8)
    assert [r["question"] for r in other] != [r["question"] for r in rows]


def test_ids_are_unique_and_stable(rows):
    ids = [row["id"] for row in rows]
    assert len(set(ids)) == len(ids)
    assert ids[0] == "lumen-7-0000"
    # A case depends only on (seed, index): a smaller set is a prefix.
    assert golden_cases(n_cases=50) == rows[:50]


def test_every_channel_segment_and_intent_is_present(rows):
    assert {r["channel"] for r in rows} == set(CHANNELS)
    assert {r["segment"] for r in rows} == set(SEGMENTS)
    assert {r["intent"] for r in rows} == {i.id for i in INTENTS} | {OUT_OF_SCOPE}
    assert {r["language"] for r in rows} == {"en"}


def test_voice_slice_is_big_enough_for_a_paired_test(rows):
    assert Counter(r["channel"] for r in rows)["voice"] >= 100


def test_out_of_scope_rows_expect_the_fallback(rows):
    oos = [r for r in rows if r["intent"] == OUT_OF_SCOPE]
    assert 15 <= len(oos) <= 60
    for row in oos:
        assert row["answer"] == FALLBACK_ANSWER
        assert row["key_phrase"] == FALLBACK_KEY_PHRASE
        assert row["intent_group"] == OUT_OF_SCOPE


def test_expected_answer_is_the_intent_answer(rows):
    answers = {i.id: i.answer for i in INTENTS}
    for row in rows:
        if row["intent"] != OUT_OF_SCOPE:
            assert row["answer"] == answers[row["intent"]]


def test_channels_have_their_style(rows):
    for row in rows:
        text = row["question"]
        if row["channel"] == "voice":
            assert text == text.lower()
            assert re.fullmatch(r"[a-z0-9' ]+", text), text
        elif row["channel"] == "email":
            assert text.count("\n") >= 4
            assert text.split("\n")[0].endswith(",")


def test_every_intent_has_written_and_spoken_phrasings():
    assert set(_PHRASINGS) == {i.id for i in INTENTS}
    for written, spoken in _PHRASINGS.values():
        assert len(written) >= 4
        assert len(spoken) >= 3


def test_golden_questions_are_not_training_utterances(rows):
    def norm(text: str) -> str:
        return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())

    training = {norm(t) for version in ("v1", "v2") for t in training_set(version)[0]}
    phrasings = [p for written, spoken in _PHRASINGS.values() for p in written + spoken]
    assert not [p for p in phrasings if norm(p) in training]
    assert not [r["question"] for r in rows if norm(r["question"]) in training]


def test_write_golden_set_round_trips(tmp_path, rows):
    path = write_golden_set(tmp_path / "sets" / "lumen.jsonl")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == rows
    again = write_golden_set(tmp_path / "again.jsonl")
    assert again.read_bytes() == path.read_bytes()


def test_golden_set_loads_as_a_dataset(tmp_path):
    from aivitals.io import load_dataset

    path = write_golden_set(tmp_path / "lumen.jsonl", n_cases=40)
    dataset = load_dataset(path, mapping={"tags": ["intent", "channel", "segment"]})
    assert len(dataset.cases) == 40
    case = dataset.cases[0]
    assert case.id == "lumen-7-0000"
    assert case.expected == (golden_cases(n_cases=1)[0]["answer"],)
    assert set(case.tags) == {"intent", "channel", "segment"}


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="n_cases"):
        golden_cases(n_cases=0)
    with pytest.raises(ValueError, match="channel"):
        make_question("password_reset", "fax", random.Random(0))
    with pytest.raises(KeyError, match="unknown intent"):
        make_question("nope", "chat", random.Random(0))


@pytest.mark.parametrize("channel", CHANNELS)
def test_make_question_is_deterministic_per_stream(channel):
    first = make_question("request_refund", channel, random.Random(3))
    assert first == make_question("request_refund", channel, random.Random(3))
    assert make_question(OUT_OF_SCOPE, channel, random.Random(3))
