"""``POST /api/v1/ingest``: a JSON batch in, a verdict per item out.

Request: ``{"items": [...]}`` (or a bare JSON array), ``Content-Type:
application/json``, ``Authorization: Bearer KEY`` unless the server runs
without auth.

Answers (always JSON):

* ``200`` — every item is accepted or a duplicate; ``207`` — some items were
  rejected and the others (accepted or duplicate) are stored; ``422`` — every
  item was rejected, nothing was stored. The body of all three is::

      {"results": [{"index": 0, "id": "e1", "status": "accepted"},
                   {"index": 1, "id": "e2", "status": "rejected",
                    "reason": "...", "field": "value"}, ...],
       "accepted": 1, "duplicates": 0, "n_rejected": 1,
       "rejected": [{"index": 1, "id": "e2", "reason": "...", "field": "value"}]}

  ``rejected`` is a list (the shape :class:`aivitals.telemetry.HttpSink`
  reads); ``n_rejected`` is its length. Every stored item was committed
  before the answer was sent.
* ``400`` — the body is not valid UTF-8, not valid JSON (``line``/``column``
  given), or not ``{"items": [...]}``; ``401`` — missing or wrong key;
  ``413`` — body over the size limit or more than ``MAX_BATCH_ITEMS`` items;
  ``415`` — not JSON; ``503`` with ``Retry-After`` — the writer's queue is
  full (overload) or the store failed: retry. Error bodies are
  ``{"error": message, "field"?, "line"?, "column"?, "offset"?}`` and
  nothing of that request was stored.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import pydantic_core
from aiohttp import web

from aivitals.server._keys import ApiKeys
from aivitals.server._state import KEYS_KEY, MAX_BODY_KEY, WRITER_KEY
from aivitals.server._writer import Overloaded
from aivitals.telemetry import MAX_BATCH_ITEMS

__all__ = ["INGEST_PATH", "ingest", "read_json_body", "require_key"]

INGEST_PATH = "/api/v1/ingest"

# Decoded from UTF-8, the body can only hold a lone surrogate through a JSON
# escape; without any (the usual case) the per-item text check is skipped.
# Pairs and escaped backslashes match too: they only cost that check.
_ESCAPED_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")
#: Set by :func:`read_json_body`: the body has no surrogate escapes.
TEXT_CHECKED = web.RequestKey("aivitals.text_checked", bool)


def error(
    status: int, message: str, *, retry_after: int | None = None, **where: Any
) -> web.Response:
    """A JSON error answer (``retry_after`` seconds go in the ``Retry-After`` header)."""
    body = {"error": message, **{k: v for k, v in where.items() if v is not None}}
    headers = {}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="aivitals"'
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
        body["retry_after"] = retry_after
    return web.json_response(body, status=status, headers=headers)


class _Refused(Exception):
    def __init__(self, response: web.Response) -> None:
        super().__init__(response.text)
        self.response = response


async def require_key(request: web.Request) -> None:
    """Raise :class:`_Refused` (401) unless the request carries a valid key."""
    keys: ApiKeys | None = request.app[KEYS_KEY]
    if keys is None:
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise _Refused(error(401, "missing API key: send 'Authorization: Bearer KEY'"))
    if keys.cached(token) is not None:
        return
    name = await asyncio.get_running_loop().run_in_executor(None, keys.verify, token)
    if name is None:
        raise _Refused(error(401, "invalid API key"))


async def read_json_body(request: web.Request) -> Any:
    """The request body parsed as JSON, enforcing the size limit and UTF-8."""
    limit: int = request.app[MAX_BODY_KEY]
    length = request.content_length
    if length is not None and length > limit:
        raise _Refused(error(413, f"body of {length} bytes is larger than {limit} bytes"))
    ctype = request.content_type
    if ctype not in ("application/json", "application/octet-stream", ""):
        raise _Refused(error(415, f"expected Content-Type application/json, got {ctype}"))
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(1 << 16):
        size += len(chunk)
        if size > limit:
            raise _Refused(error(413, f"body is larger than {limit} bytes"))
        chunks.append(chunk)
    raw = b"".join(chunks)
    request[TEXT_CHECKED] = _ESCAPED_SURROGATE.search(raw) is None
    try:
        # pydantic-core's parser takes a third less time than decoding the
        # text and json.loads; on any failure the standard library's own
        # parse below runs, to name the problem as it always has.
        return pydantic_core.from_json(raw)
    except ValueError:
        pass
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Refused(
            error(
                400, f"body is not valid UTF-8: {exc.reason} at byte {exc.start}", offset=exc.start
            )
        ) from None
    if not text.strip():
        raise _Refused(error(400, 'empty body: expected {"items": [...]}'))
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _Refused(
            error(
                400,
                f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                line=exc.lineno,
                column=exc.colno,
            )
        ) from None
    except RecursionError:
        raise _Refused(error(400, "malformed JSON: nested too deeply")) from None


async def ingest(request: web.Request) -> web.Response:
    """Handle ``POST /api/v1/ingest``."""
    try:
        await require_key(request)
        body = await read_json_body(request)
    except _Refused as refused:
        return refused.response
    items = body.get("items") if isinstance(body, dict) else body
    if not isinstance(items, list):
        return error(400, 'expected {"items": [...]} with a list of items', field="items")
    if len(items) > MAX_BATCH_ITEMS:
        return error(
            413,
            f"batch of {len(items)} items is larger than {MAX_BATCH_ITEMS}; split it",
            field="items",
        )
    try:
        result = await request.app[WRITER_KEY].ingest(
            items, text_checked=request.get(TEXT_CHECKED, False)
        )
    except Overloaded as exc:
        return error(503, f"{exc}; nothing of this batch was stored", retry_after=exc.retry_after)
    except Exception as exc:  # the store failed: nothing of this batch is acknowledged
        return error(503, f"store error, nothing of this batch was stored: {exc}", retry_after=5)
    rejected = [
        {"index": r.index, "id": r.id, "reason": r.reason, "field": r.field}
        for r in result.rejected
    ]
    results = result.results_json()
    if not rejected:
        status = 200
    elif len(rejected) == len(result):
        status = 422
    else:
        status = 207
    answer = {
        "results": results,
        "accepted": result.accepted,
        "duplicates": result.duplicates,
        "n_rejected": len(rejected),
        "rejected": rejected,
    }
    # pydantic-core encodes a thousand verdicts in a third of json.dumps' time.
    return web.Response(
        body=pydantic_core.to_json(answer), status=status, content_type="application/json"
    )
