"""``vitals serve`` options that do not start the server."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

import aivitals.cli._serve  # noqa: F401  registers the command
from aivitals.cli import app
from aivitals.server import ApiKeys, key_file_for


def test_create_key_prints_it_once_and_stores_a_hash(tmp_path: Path) -> None:
    store = tmp_path / "vitals.duckdb"
    result = CliRunner().invoke(app, ["serve", "--store", str(store), "--create-key", "ci"])
    assert result.exit_code == 0, result.output
    key = result.output.strip().splitlines()[-1]
    assert key.startswith("vk_")
    assert key not in key_file_for(store).read_text()
    assert ApiKeys(key_file_for(store)).verify(key) == "ci"
    assert not store.exists()  # creating a key does not touch the store


def test_serve_refuses_without_keys_or_no_auth_off_loopback(tmp_path: Path) -> None:
    store = str(tmp_path / "vitals.duckdb")
    result = CliRunner().invoke(app, ["serve", "--store", store])
    assert result.exit_code == 2 and "--create-key" in result.output
    result = CliRunner().invoke(app, ["serve", "--store", store, "--no-auth", "--host", "0.0.0.0"])
    assert result.exit_code == 2 and "loopback" in result.output
