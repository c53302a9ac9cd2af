"""The result cache: one computation per key, stale answers while new data is computed."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from tests.web.conftest import serve

from aivitals.store import Store
from aivitals.telemetry import ingest_batch
from aivitals.web import ResultCache


def test_single_flight_and_lru() -> None:
    calls = []

    async def main() -> None:
        cache = ResultCache(max_entries=2)

        async def compute() -> int:
            calls.append(1)
            await asyncio.sleep(0.01)
            return len(calls)

        got = await asyncio.gather(*(cache.get(1, "q", compute) for _ in range(5)))
        assert [g.value for g in got] == [1] * 5 and all(g.fresh for g in got)
        await cache.get(1, "r", compute)
        await cache.get(1, "s", compute)
        assert len(cache) == 2

    asyncio.run(main())
    assert len(calls) == 3


def test_stale_while_revalidate_and_errors_not_cached() -> None:
    async def main() -> None:
        cache = ResultCache()
        gate = asyncio.Event()

        async def old() -> str:
            return "old"

        async def new() -> str:
            await gate.wait()
            return "new"

        assert (await cache.get(1, "q", old)).value == "old"
        stale = await cache.get(2, "q", new)
        assert (stale.value, stale.fresh) == ("old", False)
        gate.set()
        assert (await cache.get(2, "q", new, stale_ok=False)).value == "new"
        assert (await cache.get(2, "q", new)).fresh

        async def fail() -> str:
            raise ValueError("boom")

        for _ in range(2):
            with pytest.raises(ValueError, match="boom"):
                await cache.get(3, "bad", fail)

    asyncio.run(main())


def _interaction(i: int) -> dict[str, Any]:
    return {
        "kind": "interaction",
        "id": f"r{i}",
        "session_id": f"s{i}",
        "turn": 1,
        "ts": f"2026-03-02T10:{i:02d}:00+00:00",
        "input": "hi",
        "output": "hello",
    }


def _get(url: str) -> tuple[Any, bool]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read()), response.headers.get("X-Vitals-Stale") == "1"


def test_new_data_is_served_stale_then_fresh(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        ingest_batch(store, [_interaction(i) for i in range(3)])
        with serve(store) as url:
            path = url + "/api/v1/metrics?names=turns_per_session&window=all"
            first, stale = _get(path)
            assert first[0]["n"] == 3 and not stale
            body = json.dumps({"items": [_interaction(i) for i in range(3, 6)]}).encode()
            request = urllib.request.Request(
                url + "/api/v1/ingest", data=body, headers={"Content-Type": "application/json"}
            )
            urllib.request.urlopen(request, timeout=30).read()
            deadline = time.monotonic() + 20
            seen_stale = 0
            while True:
                rows, stale = _get(path)
                if not stale:
                    break
                seen_stale += 1
                assert rows == first  # the older answer, flagged
                assert time.monotonic() < deadline
                time.sleep(0.05)
            assert rows[0]["n"] == 6
            assert seen_stale >= 1  # the first answer after the ingest did not wait


def test_kept_results_survive_a_restart_fresh_or_stale(tmp_path: Path) -> None:
    async def compute_old() -> dict[str, int]:
        return {"n": 1}

    async def compute_new() -> dict[str, int]:
        return {"n": 2}

    def fail() -> Any:
        raise AssertionError("a kept fresh result must not be recomputed")

    query = ("overview", "1d", ("segment",), None, None)
    kept = {"directory": tmp_path, "persist": frozenset({"overview"}), "tag": "v1"}

    async def main() -> None:
        first = ResultCache(**kept)  # type: ignore[arg-type]
        assert (await first.get((5, 0), query, compute_old)).value == {"n": 1}
        assert (await first.get((5, 0), ("metrics",), compute_old)).fresh  # not kept
        assert len(list(tmp_path.glob("*.json"))) == 1
        # A new process, same data: the kept answer is fresh, nothing is computed.
        same = ResultCache(**kept)  # type: ignore[arg-type]
        hit = await same.get((5, 0), query, fail)
        assert (hit.value, hit.fresh) == ({"n": 1}, True)
        # New rows since: the kept answer is served stale while the new one is computed.
        moved = ResultCache(**kept)  # type: ignore[arg-type]
        stale = await moved.get((6, 0), query, compute_new)
        assert (stale.value, stale.fresh) == ({"n": 1}, False)
        assert (await moved.get((6, 0), query, compute_new, stale_ok=False)).value == {"n": 2}
        # Another package version's file is ignored.
        other = ResultCache(directory=tmp_path, persist=frozenset({"overview"}), tag="v2")
        assert (await other.get((6, 0), query, compute_new, stale_ok=False)).value == {"n": 2}

    asyncio.run(main())


def test_the_overview_is_kept_next_to_the_store(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    with Store(path) as store:
        ingest_batch(store, [_interaction(i) for i in range(3)])
        with serve(store) as url:
            before, stale = _get(url + "/api/v1/overview")
            assert not stale
    assert list((tmp_path / "s.duckdb.dashboard").glob("*.json"))
    with Store(path) as store, serve(store) as url:
        after, stale = _get(url + "/api/v1/overview")
        assert after == before and not stale
