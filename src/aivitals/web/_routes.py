"""The dashboard's routes: each page and its JSON twin answer from one view.

A view parses the query (:mod:`._params`), runs its store reads on the
server's reader thread through the result cache (:mod:`._cache`) and
returns an :class:`Answer`: ``data`` is what the JSON twin sends,
``context`` what the page template adds. Pages and twins therefore show
the same numbers by construction.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import html as html_lib
import json
import re
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from aivitals import __version__
from aivitals.comparison import compare_runs
from aivitals.errors import InputError, StoreError
from aivitals.evaluation import summarize_run
from aivitals.health import compute_health
from aivitals.metrics import compute_metrics, get_metric, registry
from aivitals.report import MAX_TABLE_ROWS, render_comparison_report, render_run_report
from aivitals.server import STORE_KEY, WRITER_KEY
from aivitals.store import Store, get_run, list_runs, resolve_run_id
from aivitals.web._auth import COOKIE, Logins, authorised, safe_next, sign_in
from aivitals.web._cache import Cached, ResultCache, data_version
from aivitals.web._charts import ChartRow, line_chart
from aivitals.web._params import (
    BadRequest,
    parse_by,
    parse_int,
    parse_slice,
    parse_time,
    parse_window_param,
)
from aivitals.web._queries import (
    MAX_SESSIONS,
    SessionFilter,
    list_alerts,
    list_sessions,
    session_detail,
)
from aivitals.web._render import PAGE_CSP, asset, fmt_number, render_overview, render_page

__all__ = ["DASHBOARD_KEY", "DEFAULT_METRICS", "Dashboard", "register_dashboard"]

#: Metrics the explorer shows when none are chosen.
DEFAULT_METRICS = ("task_completion_rate", "escalation_rate", "csat", "latency_p95")

_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


@dataclass
class Dashboard:
    """The dashboard's state on the app: the result cache and signed-in browsers."""

    cache: ResultCache = field(default_factory=ResultCache)
    logins: Logins = field(default_factory=Logins)
    version: tuple[int, ...] | None = None
    version_check: asyncio.Task[tuple[int, ...]] | None = None


DASHBOARD_KEY = web.AppKey("aivitals.dashboard", Dashboard)
#: The startup task that fills the cache with the default pages.
WARM_KEY = web.AppKey("aivitals.dashboard.warm", asyncio.Task[None])


@dataclass
class Answer:
    """A view's result: the JSON twin's body and the page's extra context."""

    data: Any
    context: dict[str, Any] = field(default_factory=dict)
    stale: bool = False


View = Callable[[web.Request], Awaitable[Answer]]

#: Set on a request answered (in part) from an older data version.
STALE = web.RequestKey("aivitals.web.stale", bool)
#: Header on JSON answers computed from an older data version (being refreshed).
STALE_HEADER = "X-Vitals-Stale"


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


_dumps = functools.partial(json.dumps, default=_default, ensure_ascii=False)


async def _read(app: web.Application, fn: Callable[..., Any], *args: Any) -> Any:
    return await app[WRITER_KEY].read(fn, *args)


async def _store(request: web.Request, fn: Callable[..., Any], *args: Any) -> Any:
    return await _read(request.app, fn, *args)


Query = tuple[tuple[Hashable, ...], Callable[[Store], Any]]


#: Longest wait for the data version before answering from the last known one.
VERSION_WAIT = 0.25


async def _version(app: web.Application) -> tuple[tuple[int, ...], bool]:
    """The store's data version, and whether it is confirmed current.

    The check queues on the reader thread behind a page being recomputed;
    rather than wait for that, a request answers from the last known version
    after :data:`VERSION_WAIT` (flagged as unconfirmed).
    """
    dashboard = app[DASHBOARD_KEY]
    task = dashboard.version_check
    if task is None or task.done():
        task = asyncio.get_running_loop().create_task(_read(app, data_version))
        dashboard.version_check = task
    try:
        version: tuple[int, ...] = await asyncio.wait_for(asyncio.shield(task), VERSION_WAIT)
    except TimeoutError:
        if dashboard.version is not None:
            return dashboard.version, False
        version = await asyncio.shield(task)
    dashboard.version = version
    return version, True


async def _through_cache(app: web.Application, query: Query) -> Cached:
    key, fn = query
    version, confirmed = await _version(app)
    cached = await app[DASHBOARD_KEY].cache.get(version, key, lambda: _read(app, fn))
    return cached if confirmed else Cached(cached.value, False)


async def _cached(
    request: web.Request, key: tuple[Hashable, ...], fn: Callable[..., Any], *args: Any
) -> Any:
    """``fn(store, *args)`` through the cache; marks the request if the answer is stale."""
    cached = await _through_cache(request.app, (key, lambda store: fn(store, *args)))
    if not cached.fresh:
        request[STALE] = True
    return cached.value


def _now() -> datetime:
    # Durations ("7d") count from the minute, so repeated loads share a cache key.
    return datetime.now(UTC).replace(second=0, microsecond=0)


def _range(request: web.Request) -> tuple[datetime | None, datetime | None]:
    now = _now()
    since = parse_time(request.query.get("since"), "since", now)
    until = parse_time(request.query.get("until"), "until", now)
    if since is not None and until is not None and since >= until:
        raise BadRequest(f"since ({since.isoformat()}) must be before until", "since")
    return since, until


# --- views -----------------------------------------------------------------


def _overview_query(
    window: str,
    by: tuple[str, ...],
    since: datetime | None,
    until: datetime | None,
) -> Query:
    def compute(store: Store) -> dict[str, Any]:
        report = compute_health(store, window=window, by=by, since=since, until=until)
        return dict(report.to_dict())

    return ("overview", window, by, since, until), compute


def _metrics_query(
    names: tuple[str, ...],
    window: str,
    by: tuple[str, ...],
    since: datetime | None,
    until: datetime | None,
) -> Query:
    def compute(store: Store) -> list[dict[str, Any]]:
        values = compute_metrics(store, names, window=window, by=by, since=since, until=until)
        return [v.to_dict() for v in values]

    return ("metrics", names, window, by, since, until), compute


def _sessions_query(where: SessionFilter, limit: int, offset: int) -> Query:
    chosen = tuple(sorted((where.slice or {}).items()))
    key = ("sessions", where.since, where.until, chosen, limit, offset)
    return key, lambda store: list_sessions(store, where, limit=limit, offset=offset)


async def overview_view(request: web.Request) -> Answer:
    """The health report of ``window`` × ``by`` × ``since``/``until``."""
    window = parse_window_param(request.query.get("window"), "1d")
    by = parse_by(request.query)
    since, until = _range(request)
    key, compute = _overview_query(window, by, since, until)
    try:
        report = await _cached(request, key, compute)
    except (InputError, LookupError, ValueError) as exc:
        raise BadRequest(str(exc).strip("'\""), None) from None
    return Answer(report)


def _metric_names(request: web.Request) -> tuple[str, ...]:
    raw = [n.strip() for v in request.query.getall("names", []) for n in v.split(",")]
    names = tuple(dict.fromkeys(n for n in raw if n)) or DEFAULT_METRICS
    for name in names:
        try:
            get_metric(name)
        except LookupError:
            raise BadRequest(
                f"names: unknown metric '{name}' (known: {', '.join(registry.names())}, "
                "or pass_rate:SCORER)",
                "names",
            ) from None
    return names


async def metrics_view(request: web.Request) -> Answer:
    """``MetricValue.to_dict()`` rows of the chosen metrics, windows and slices."""
    names = _metric_names(request)
    window = parse_window_param(request.query.get("window"), "1d")
    by = parse_by(request.query)
    since, until = _range(request)
    key, compute = _metrics_query(names, window, by, since, until)
    try:
        rows = await _cached(request, key, compute)
    except (LookupError, ValueError) as exc:
        raise BadRequest(str(exc).strip("'\""), "by") from None
    per_metric = []
    for name in names:
        mine = [dict(r, index=i) for i, r in enumerate(rows) if r["metric"] == name]
        unit = mine[0]["unit"] if mine else ""
        chart = line_chart(
            name,
            (
                ChartRow(
                    ", ".join(f"{k}={v}" for k, v in r["slice"].items()) or "overall",
                    r["window_start"] or "all",
                    r["value"],
                    r["ci_low"],
                    r["ci_high"],
                    f"{r['window_start'] or 'all'}: {fmt_number(r['value'], unit)} (n={r['n']})",
                )
                for r in mine
            ),
            fmt=functools.partial(fmt_number, unit=unit),
            percent=unit == "share",
        )
        per_metric.append((chart, mine))
    query = {"names": ",".join(names), "window": window, "by": ",".join(by)}
    query.update({k: request.query[k] for k in ("since", "until") if request.query.get(k)})
    context = {
        "values": rows,
        "per_metric": per_metric,
        "names": names,
        "all_names": registry.names(),
        "window": window,
        "by": by,
        "since": request.query.get("since", ""),
        "until": request.query.get("until", ""),
        "api_link": "/api/v1/metrics?" + urlencode(query),
    }
    return Answer(rows, context)


async def sessions_view(request: web.Request) -> Answer:
    """Sessions whose first turn falls in ``since``/``until`` and the ``slice.*`` slice."""
    since, until = _range(request)
    chosen = parse_slice(request.query)
    limit = parse_int(request.query.get("limit"), "limit", 50, low=1, high=MAX_SESSIONS)
    offset = parse_int(request.query.get("offset"), "offset", 0, low=0, high=10**9)
    key, compute = _sessions_query(SessionFilter(since, until, chosen), limit, offset)
    data = await _cached(request, key, compute)

    def page_link(start: int) -> str:
        params = {k: v for k, v in request.query.items() if k != "offset"}
        return "/sessions?" + urlencode({**params, "offset": str(start)})

    context = {
        "since": request.query.get("since", ""),
        "until": request.query.get("until", ""),
        "slice": chosen,
        "prev_link": page_link(max(0, offset - limit)) if offset > 0 else None,
        "next_link": page_link(offset + limit) if offset + limit < data["total"] else None,
    }
    return Answer(data, context)


async def session_view(request: web.Request) -> Answer:
    """One session's turns, scores and events."""
    session_id = request.match_info["session_id"]
    data = await _cached(request, ("session", session_id), session_detail, session_id)
    if data is None:
        raise BadRequest(f"no session '{session_id}' in this store", "session_id", 404)
    return Answer(data, {"title": f"Session {session_id}"})


async def runs_view(request: web.Request) -> Answer:
    """The newest runs first."""
    limit = parse_int(request.query.get("limit"), "limit", 50, low=1, high=1000)
    rows = await _cached(request, ("runs", limit), list_runs, limit)
    return Answer(json.loads(_dumps(rows)))


def _run_ref(request: web.Request) -> str:
    return request.match_info["run_id"]


async def _resolve(request: web.Request, ref: str, field_name: str) -> str:
    try:
        run_id: str = await _cached(request, ("resolve", ref), resolve_run_id, ref)
    except StoreError as exc:
        raise BadRequest(f"{field_name}: {exc}", field_name, 404) from None
    return run_id


async def run_view(request: web.Request) -> Answer:
    """``{"run", "summary"}`` as ``vitals runs show --json`` prints it."""
    run_id = await _resolve(request, _run_ref(request), "run_id")

    def compute(store: Store) -> Any:
        summary = summarize_run(store, run_id).to_dict()
        return json.loads(_dumps({"run": get_run(store, run_id), "summary": summary}))

    return Answer(await _cached(request, ("run", run_id), compute), {"run_id": run_id})


def _compare_args(request: web.Request) -> tuple[str, str, bool]:
    base, cand = request.query.get("base", "").strip(), request.query.get("cand", "").strip()
    for name, value in (("base", base), ("cand", cand)):
        if not value:
            raise BadRequest(f"{name}: give the {name} run's id, a prefix or 'latest'", name)
    allow = request.query.get("allow_mismatch", "").lower() in ("1", "true", "yes", "on")
    return base, cand, allow


async def compare_view(request: web.Request) -> Answer:
    """The comparison of two runs as ``vitals compare --json`` prints it."""
    base, cand, allow = _compare_args(request)
    base_id = await _resolve(request, base, "base")
    cand_id = await _resolve(request, cand, "cand")

    def compute(store: Store) -> Any:
        result = compare_runs(
            store, base_id, cand_id, allow_mismatch=allow, max_flips=MAX_TABLE_ROWS
        )
        return result, render_comparison_report(store, result)

    try:
        result, html = await _cached(request, ("compare", base_id, cand_id, allow), compute)
    except InputError as exc:
        raise BadRequest(f"{exc} (add allow_mismatch=1 to compare anyway)", "cand") from None
    return Answer(json.loads(_dumps(result.to_dict())), {"html": html})


async def alerts_view(request: web.Request) -> Answer:
    """Rows of the ``alerts`` table, newest first."""
    return Answer(await _store(request, list_alerts))


# --- handlers ----------------------------------------------------------------


def _html(body: str, status: int = 200, csp: str = PAGE_CSP) -> web.Response:
    headers = {**_HEADERS, "Content-Security-Policy": csp}
    return web.Response(text=body, status=status, content_type="text/html", headers=headers)


def _error_page(exc: BadRequest) -> web.Response:
    title = "Not found" if exc.status == 404 else "Bad request"
    body = render_page(
        "error.html.j2", title=title, active="", message=exc.message, field=exc.field
    )
    return _html(body, exc.status)


Render = Callable[[Answer], str]


def _page(view: View, render: Render) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request) -> web.StreamResponse:
        if not await authorised(request, request.app[DASHBOARD_KEY].logins):
            raise web.HTTPSeeOther("/login?" + urlencode({"next": request.path_qs}))
        try:
            answer = await view(request)
        except BadRequest as exc:
            return _error_page(exc)
        answer.stale = request.get(STALE, False)
        return _html(render(answer))

    return handle


def _api(view: View) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request) -> web.StreamResponse:
        if not await authorised(request, request.app[DASHBOARD_KEY].logins):
            return web.json_response(
                {"error": "missing or invalid API key: send 'Authorization: Bearer KEY'"},
                status=401,
                headers={"WWW-Authenticate": 'Bearer realm="aivitals"'},
            )
        try:
            answer = await view(request)
        except BadRequest as exc:
            body = {"error": exc.message, **({"field": exc.field} if exc.field else {})}
            return web.json_response(body, status=exc.status, dumps=_dumps)
        headers = {**_HEADERS, STALE_HEADER: "1"} if request.get(STALE) else _HEADERS
        return web.json_response(answer.data, dumps=_dumps, headers=headers)

    return handle


def _template(name: str, title: str, active: str) -> Render:
    def render(answer: Answer) -> str:
        context = {"title": title, **answer.context}
        return render_page(name, active=active, data=answer.data, stale=answer.stale, **context)

    return render


_META_CSP = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">')
_NAV = (
    '<nav class="dash-nav" aria-label="Dashboard"><a href="/">Health</a> · '
    '<a href="/runs">Runs</a> · <a href="/metrics">Metrics</a></nav>'
)


def _report(html: str) -> web.Response:
    """A report page served as is (its own hashed CSP), with a way back."""
    match = _META_CSP.search(html)
    csp = (html_lib.unescape(match.group(1)) if match else PAGE_CSP) + "; frame-ancestors 'none'"
    return _html(html.replace("<body>", "<body>\n" + _NAV, 1), csp=csp)


async def run_page(request: web.Request) -> web.StreamResponse:
    """``/runs/{id}``: the run's HTML report."""
    if not await authorised(request, request.app[DASHBOARD_KEY].logins):
        raise web.HTTPSeeOther("/login?" + urlencode({"next": request.path_qs}))
    try:
        run_id = await _resolve(request, _run_ref(request), "run_id")
    except BadRequest as exc:
        return _error_page(exc)
    return _report(await _cached(request, ("run_html", run_id), render_run_report, run_id))


async def compare_page(request: web.Request) -> web.StreamResponse:
    """``/runs/compare?base=..&cand=..``: the comparison's HTML report."""
    if not await authorised(request, request.app[DASHBOARD_KEY].logins):
        raise web.HTTPSeeOther("/login?" + urlencode({"next": request.path_qs}))
    try:
        answer = await compare_view(request)
    except BadRequest as exc:
        return _error_page(exc)
    return _report(answer.context["html"])


_TYPES = {".css": "text/css", ".js": "text/javascript"}


async def static_file(request: web.Request) -> web.StreamResponse:
    """Our stylesheets and script (no data; open without a key)."""
    name = request.match_info["name"]
    try:
        text = asset(name)
    except KeyError:
        raise web.HTTPNotFound(text=f"no static file '{name}'") from None
    content_type = _TYPES[name[name.rfind(".") :]]
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "max-age=300"}
    return web.Response(text=text, content_type=content_type, headers=headers)


_ICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">'
    '<circle cx="8" cy="8" r="7" fill="#1a7f37"/></svg>'
)


async def favicon(request: web.Request) -> web.StreamResponse:
    """A small icon, so browsers do not log a missing one."""
    return web.Response(
        text=_ICON, content_type="image/svg+xml", headers={"Cache-Control": "max-age=86400"}
    )


async def login_form(request: web.Request) -> web.StreamResponse:
    """``GET /login``: the sign-in form."""
    body = render_page(
        "login.html.j2",
        title="Sign in",
        active="",
        message=None,
        next=safe_next(request.query.get("next")),
    )
    return _html(body)


async def login(request: web.Request) -> web.StreamResponse:
    """``POST /login``: exchange a valid API key for a session cookie."""
    form = await request.post()
    key, target = str(form.get("key", "")), safe_next(str(form.get("next", "")))
    token = await sign_in(request, request.app[DASHBOARD_KEY].logins, key)
    if token is None:
        body = render_page(
            "login.html.j2", title="Sign in", active="", message="invalid API key", next=target
        )
        return _html(body, 401)
    response = web.HTTPSeeOther(target)
    response.set_cookie(COOKIE, token, httponly=True, samesite="Strict", path="/")
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    """``POST /logout``: forget this browser's session."""
    request.app[DASHBOARD_KEY].logins.tokens.pop(request.cookies.get(COOKIE, ""), None)
    response = web.HTTPSeeOther("/login")
    response.del_cookie(COOKIE, path="/")
    raise response


def _overview_page(answer: Answer) -> str:
    return render_overview(answer.data, stale=answer.stale)


async def _warm(app: web.Application) -> None:
    """Compute the default overview and metrics before anyone asks for them."""
    queries = [
        _overview_query("1d", (), None, None),
        _metrics_query(DEFAULT_METRICS, "1d", (), None, None),
        _sessions_query(SessionFilter(), 50, 0),
    ]
    for query in queries:
        try:
            await _through_cache(app, query)
        except asyncio.CancelledError:
            raise
        except Exception:  # best effort: the request that needs it shows the error
            continue


async def _start_warming(app: web.Application) -> None:
    app[WARM_KEY] = asyncio.get_running_loop().create_task(_warm(app))


async def _stop_warming(app: web.Application) -> None:
    task = app.get(WARM_KEY)
    if task is not None and not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    check = app[DASHBOARD_KEY].version_check
    if check is not None and not check.done():
        with contextlib.suppress(BaseException):
            await check
    await app[DASHBOARD_KEY].cache.close()


def register_dashboard(app: web.Application, *, warm: bool = True) -> None:
    """Add the dashboard's pages, JSON twins and static files to the server app.

    Pass it to :func:`aivitals.server.create_app` as a ``setup`` hook.

    Args:
        app: The server app (not yet started).
        warm: Compute the default overview and metrics at startup, so the
            first visitor of a big store does not wait for them.
    """
    store_path = Path(app[STORE_KEY].path)
    app[DASHBOARD_KEY] = Dashboard(
        cache=ResultCache(
            directory=store_path.parent / f"{store_path.name}.dashboard",
            persist=frozenset({"overview"}),
            tag=f"{__version__}/overview-1",
        )
    )
    if warm:
        app.on_startup.append(_start_warming)
    app.on_cleanup.insert(0, _stop_warming)
    pages: list[tuple[str, View, Render]] = [
        ("/", overview_view, _overview_page),
        ("/metrics", metrics_view, _template("metrics.html.j2", "Metrics", "metrics")),
        ("/sessions", sessions_view, _template("sessions.html.j2", "Sessions", "sessions")),
        ("/runs", runs_view, _template("runs.html.j2", "Runs", "runs")),
        ("/alerts", alerts_view, _template("alerts.html.j2", "Alerts", "alerts")),
    ]
    for path, view, render in pages:
        app.router.add_get(path, _page(view, render))
        app.router.add_get("/api/v1" + ("/overview" if path == "/" else path), _api(view))
    session = _template("session.html.j2", "Session", "sessions")
    app.router.add_get("/sessions/{session_id:.+}", _page(session_view, session))
    app.router.add_get("/api/v1/sessions/{session_id:.+}", _api(session_view))
    # /runs/compare before /runs/{run_id}: routes match in the order added.
    app.router.add_get("/runs/compare", compare_page)
    app.router.add_get("/api/v1/runs/compare", _api(compare_view))
    app.router.add_get("/runs/{run_id:.+}", run_page)
    app.router.add_get("/api/v1/runs/{run_id:.+}", _api(run_view))
    app.router.add_get("/static/{name}", static_file)
    app.router.add_get("/favicon.ico", favicon)
    app.router.add_get("/login", login_form)
    app.router.add_post("/login", login)
    app.router.add_post("/logout", logout)
