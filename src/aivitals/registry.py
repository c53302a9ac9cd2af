"""One registry for every pluggable kind: scorers, targets, later metrics.

Built-ins register at their definition site with a decorator; third parties
register the same way through an entry-point group, loaded on first lookup.
There is no hand-kept central list of names.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any, Generic, TypeVar

__all__ = ["Registry", "import_object"]

T = TypeVar("T")


def import_object(ref: str) -> Any:
    """Import ``module:attribute`` (attribute may be dotted).

    Raises:
        LookupError: The module or the attribute does not exist.
    """
    module_name, sep, attr_path = ref.partition(":")
    if not sep or not module_name or not attr_path:
        raise LookupError(f"'{ref}' is not of the form 'module:function'")
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise LookupError(f"cannot import module '{module_name}': {exc}") from exc
    for part in attr_path.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError as exc:
            raise LookupError(f"module '{module_name}' has no attribute '{attr_path}'") from exc
    return obj


@dataclass
class Registry(Generic[T]):
    """Named entries of one kind.

    Attributes:
        kind: What the entries are (``scorer``, ``target``...), for messages.
        builtins: Module whose import registers the built-in entries.
        entry_point_group: Entry-point group third-party packages use.
    """

    kind: str
    builtins: str
    entry_point_group: str

    def __post_init__(self) -> None:
        self._entries: dict[str, T] = {}
        self._loaded = False

    def register(self, name: str, entry: T) -> T:
        """Add ``entry`` under ``name``; a second, different entry is an error."""
        existing = self._entries.get(name)
        if existing is not None and existing is not entry:
            raise ValueError(f"{self.kind} '{name}' is already registered")
        self._entries[name] = entry
        return entry

    def decorator(self, name: str) -> Callable[[T], T]:
        """Return a decorator that registers its argument under ``name``."""

        def register(entry: T) -> T:
            return self.register(name, entry)

        return register

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        importlib.import_module(self.builtins)
        for ep in entry_points(group=self.entry_point_group):
            entry = ep.load()
            if ep.name not in self._entries:
                self.register(ep.name, entry)

    def get(self, name: str) -> T:
        """Return the entry called ``name``.

        Raises:
            LookupError: No such entry; the message lists the known names.
        """
        self._load()
        try:
            return self._entries[name]
        except KeyError:
            known = ", ".join(sorted(self._entries))
            raise LookupError(f"unknown {self.kind} '{name}'; known: {known}") from None

    def names(self) -> list[str]:
        """All registered names, sorted."""
        self._load()
        return sorted(self._entries)
