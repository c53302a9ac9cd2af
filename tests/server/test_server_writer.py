"""The server's writer and reader threads."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from aivitals.server._writer import Writer
from aivitals.store import Store


def test_a_slow_read_does_not_hold_up_ingest(tmp_path: Path) -> None:
    # A dashboard page over millions of rows takes seconds; ingest must
    # commit meanwhile, and the read then sees what was committed.
    started, release = threading.Event(), threading.Event()

    def slow_read(reader: Store) -> tuple[int, ...] | None:
        started.set()
        release.wait(30)
        return reader.one("SELECT count(*) FROM records")

    async def scenario() -> tuple[list[str], tuple[int, ...] | None]:
        with Store(tmp_path / "s.duckdb") as store:
            writer = Writer(store)
            try:
                read = asyncio.create_task(writer.read(slow_read))
                await asyncio.to_thread(started.wait, 30)
                # Were reads on the writer thread, this would wait for release.
                result = await asyncio.wait_for(
                    writer.ingest([{"kind": "interaction", "id": "r1", "input": "hi"}]), 30
                )
                release.set()
                return list(result.statuses), await read
            finally:
                release.set()
                await writer.close()

    statuses, counted = asyncio.run(scenario())
    assert statuses == ["accepted"]
    assert counted == (1,)
