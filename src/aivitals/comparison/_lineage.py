"""Lineage: did two runs measure the same thing?

Two runs are comparable when they ran the same dataset versions and their
common scorers have the same version and spec (arguments, threshold). Scores
made under different specs are different measurements; comparing them would
report a scorer change as a model change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["check_lineage"]


def _datasets(manifest: Mapping[str, Any]) -> dict[str, str]:
    return {d["name"]: d["version"] for d in manifest.get("datasets", [])}


def _scorers(manifest: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    return {s["name"]: (s["version"], s["spec_hash"]) for s in manifest.get("scorers", [])}


def check_lineage(
    base: Mapping[str, Any], candidate: Mapping[str, Any]
) -> tuple[list[str], list[str], list[str]]:
    """Compare two run manifests.

    Returns:
        ``(problems, notes, scorers)``: differences that make the runs not
        comparable, differences that do not, and the scorers both runs have
        with the same version and spec (those that can be compared as they
        are).
    """
    problems: list[str] = []
    notes: list[str] = []
    base_ds, cand_ds = _datasets(base), _datasets(candidate)
    for name in sorted(base_ds.keys() | cand_ds.keys()):
        b, c = base_ds.get(name), cand_ds.get(name)
        if b is None or c is None:
            notes.append(f"dataset '{name}' is in only one run")
        elif b != c:
            problems.append(f"dataset '{name}' differs: version {b} in base, {c} in candidate")
    base_sc, cand_sc = _scorers(base), _scorers(candidate)
    same = []
    for name in sorted(base_sc.keys() | cand_sc.keys()):
        b_spec, c_spec = base_sc.get(name), cand_sc.get(name)
        if b_spec is None or c_spec is None:
            side = "base" if c_spec is None else "candidate"
            notes.append(f"scorer '{name}' is only in the {side} run; not compared")
        elif b_spec[0] != c_spec[0]:
            problems.append(
                f"scorer '{name}' has version {b_spec[0]} in base, {c_spec[0]} in candidate"
            )
        elif b_spec[1] != c_spec[1]:
            problems.append(
                f"scorer '{name}' was configured differently (arguments or threshold; spec "
                f"{b_spec[1]} vs {c_spec[1]})"
            )
        else:
            same.append(name)
    return problems, notes, same
