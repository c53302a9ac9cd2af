"""The documentation and the public surface agree with the code."""

import importlib
import pkgutil
from pathlib import Path

import pytest
import typer.main

import aivitals
from aivitals.cli import app
from aivitals.scorers import registry as scorers
from aivitals.targets._registry import registry as targets

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
PACKAGES = [
    name
    for _, name, is_pkg in pkgutil.walk_packages(aivitals.__path__, "aivitals.")
    if is_pkg or not name.rsplit(".", 1)[-1].startswith("_")
]


def command_paths() -> list[str]:
    root = typer.main.get_command(app)
    paths = []
    for name, command in root.commands.items():
        sub = getattr(command, "commands", None)
        paths.extend(f"vitals {name} {s}" for s in sub) if sub else paths.append(f"vitals {name}")
    return paths


@pytest.mark.parametrize("command", command_paths())
def test_every_command_is_in_the_readme(command: str) -> None:
    words = command.split()
    assert command in README or (f"{' '.join(words[:2])}" in README and f"`{words[-1]}" in README)


@pytest.mark.parametrize("name", scorers.names())
def test_every_scorer_is_documented(name: str) -> None:
    assert f"`{name}`" in README
    assert scorers.get(name).description, f"{name} has no docstring summary"


@pytest.mark.parametrize("name", targets.names())
def test_every_target_kind_is_documented(name: str) -> None:
    assert f"| `{name}` |" in README


@pytest.mark.parametrize("module_name", ["aivitals", *PACKAGES])
def test_all_lists_only_real_names(module_name: str) -> None:
    module = importlib.import_module(module_name)
    exported = getattr(module, "__all__", None)
    if exported is None:
        return
    assert len(set(exported)) == len(exported)
    for name in exported:
        assert hasattr(module, name), f"{module_name}.__all__ names missing {name}"
