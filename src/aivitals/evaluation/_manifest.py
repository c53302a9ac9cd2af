"""The run manifest: everything needed to reproduce or audit a run.

Pins dataset hashes, target identity (model, endpoint, prompt hash — never a
secret), scorer specs, the config hash and seed, the code (git sha and dirty
flag) and the package versions that produced the numbers.
"""

from __future__ import annotations

import platform
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

__all__ = ["git_state", "package_versions"]

_PACKAGES = (
    "aivitals",
    "duckdb",
    "pyarrow",
    "sacrebleu",
    "rouge-score",
    "rapidfuzz",
    "scikit-learn",
    "scipy",
    "statsmodels",
    "aiohttp",
)


def package_versions() -> dict[str, str]:
    """Versions of Python and of the packages that can change a score."""
    found = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found


def git_state(directory: Path) -> dict[str, Any]:
    """The git commit of ``directory`` and whether the tree has changes.

    Returns ``{"sha": None, "dirty": None}`` outside a git checkout.
    """

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", *args],
                cwd=directory,
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    sha = git("rev-parse", "HEAD")
    if sha is None:
        return {"sha": None, "dirty": None}
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"sha": sha, "dirty": bool(status) if status is not None else None}
