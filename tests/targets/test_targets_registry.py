from __future__ import annotations

from pathlib import Path

import pytest

import aivitals.targets
import aivitals.testing
from aivitals.errors import ConfigError
from aivitals.targets import Target, build_target
from aivitals.targets._registry import registry


@pytest.mark.parametrize("module", [aivitals.targets, aivitals.testing])
def test_all_is_sorted_and_complete(module):
    public = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and not isinstance(value, type(module))
    }
    assert module.__all__ == sorted(module.__all__)
    assert set(module.__all__) == public


def test_built_in_kinds_are_registered():
    assert {"callable", "http", "openai", "recorded"} <= set(registry.names())


def test_unknown_key_is_named():
    block = {"type": "openai", "base_url": "http://x", "model": "m", "temprature": 0}
    with pytest.raises(ConfigError, match=r"field 'target\.temprature'"):
        build_target(block, Path("."))


def test_unknown_type_is_named_with_the_known_ones():
    with pytest.raises(ConfigError) as caught:
        build_target({"type": "opneai"}, Path("."))
    assert "field 'target.type'" in str(caught.value)
    assert "openai" in str(caught.value)


def test_missing_required_field_is_named():
    with pytest.raises(ConfigError, match=r"field 'target\.model'"):
        build_target({"type": "openai", "base_url": "http://x"}, Path("."))


@pytest.mark.parametrize(
    "block",
    [
        {"type": "openai", "base_url": "http://x", "model": "m"},
        {"type": "http", "url": "http://x", "output": "$.a"},
        {"type": "callable", "function": "builtins:str.upper"},
    ],
)
def test_every_kind_satisfies_the_target_protocol(block):
    target = build_target(block, Path("."))
    assert isinstance(target, Target)
    assert isinstance(target.cacheable, bool)
