import re
from types import ModuleType

import pytest

from aivitals import demo
from aivitals.demo import FALLBACK_ANSWER, GROUPS, INTENTS, OUT_OF_SCOPE, intent_by_id


def test_all_lists_every_public_name_once():
    public = {
        name
        for name, value in vars(demo).items()
        if not name.startswith("_") and not isinstance(value, ModuleType)
    }
    assert len(demo.__all__) == len(set(demo.__all__))
    assert set(demo.__all__) == public


def test_knowledge_base_has_a_realistic_size():
    assert 25 <= len(INTENTS) <= 35
    assert len({i.id for i in INTENTS}) == len(INTENTS)
    assert OUT_OF_SCOPE not in {i.id for i in INTENTS}
    assert len(GROUPS) >= 6


@pytest.mark.parametrize("intent", INTENTS, ids=lambda i: i.id)
def test_each_intent_is_complete(intent):
    assert intent.key_phrase in intent.answer
    assert 1 <= len(re.findall(r"[.!?](?:\s|$)", intent.answer)) <= 3
    assert len(intent.utterances) >= 5
    assert len(intent.colloquial) >= 3
    assert len(intent.written) >= 3
    assert intent.group in GROUPS


@pytest.mark.parametrize("intent", INTENTS, ids=lambda i: i.id)
def test_key_phrase_appears_in_no_other_answer(intent):
    others = [i.answer for i in INTENTS if i.id != intent.id] + [FALLBACK_ANSWER]
    assert not any(intent.key_phrase.casefold() in other.casefold() for other in others)


def test_training_utterances_are_not_shared_between_intents():
    seen: dict[str, str] = {}
    for intent in INTENTS:
        for text in intent.utterances + intent.colloquial + intent.written:
            key = text.casefold()
            assert seen.setdefault(key, intent.id) == intent.id, text


def test_intent_by_id():
    assert intent_by_id("password_reset").group == "account"
    with pytest.raises(KeyError, match="unknown intent 'nope'"):
        intent_by_id("nope")
