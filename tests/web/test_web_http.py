"""Every page and its JSON twin over real HTTP: same numbers, escaped text, clear errors."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from tests.web.conftest import HOSTILE_SESSION, HOSTILE_SLICE, PAYLOADS, Served, serve
from typer.testing import CliRunner

from aivitals.cli import app
from aivitals.health import compute_health
from aivitals.server import ApiKeys, create_key
from aivitals.store import Store
from aivitals.web import render_overview


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode("utf-8")


def api(served: Served, path: str) -> Any:
    status, _, body = get(served.url + path)
    assert status == 200, body
    return json.loads(body)


class Values(HTMLParser):
    """``data-key``/``data-value`` pairs, links and tags of a page."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.values: list[tuple[str | None, str]] = []
        self.links: list[str] = []
        self.tags: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append(tag)
        if "data-value" in a:
            self.values.append((a.get("data-key"), a["data-value"] or ""))
        if tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")


def keyed(page: str, key: str) -> list[float | None]:
    return [float(v) if v else None for k, v in Values(page).values if k == key]


def assert_escaped(page: str) -> None:
    for payload in (*PAYLOADS, HOSTILE_SLICE):
        assert payload not in page
    assert "<script>window" not in page and "<script>alert" not in page
    assert "<img src=x" not in page
    assert "<svg onload" not in page


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/metrics",
        "/sessions",
        "/runs",
        "/alerts",
        f"/sessions/{urllib.parse.quote(HOSTILE_SESSION, safe='')}",
    ],
)
def test_every_page_is_html_with_a_strict_policy_and_escaped(served: Served, path: str) -> None:
    status, headers, page = get(served.url + path)
    assert status == 200, page
    assert headers["Content-Type"].startswith("text/html")
    csp = headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert 'href="#main"' in page and 'id="main"' in page  # skip link
    assert "http://" not in page and "https://" not in page  # nothing fetched elsewhere
    assert "style=" not in page  # the policy admits no inline style
    assert_escaped(page)


def latest_windows(report: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The latest scored all-traffic window and the slices of the same window."""
    overall = [w for w in report["windows"] if not w["slice"] and w["score"] is not None]
    latest = max(overall, key=lambda w: w["window_start"])
    slices = [
        w for w in report["windows"] if w["slice"] and w["window_start"] == latest["window_start"]
    ]
    return latest, slices


def test_overview_shows_the_reports_numbers(served: Served) -> None:
    report = api(served, "/api/v1/overview?window=1d&by=segment")
    with Store(served.store_path) as store:
        direct = compute_health(store, window="1d", by=("segment",)).to_dict()
    assert report == json.loads(json.dumps(direct))  # the real computation, served as is
    _, _, page = get(served.url + "/?window=1d&by=segment")
    latest, slices = latest_windows(report)
    assert latest["change"] is not None and latest["impact"] is not None
    assert keyed(page, "score")[0] == latest["score"]
    assert keyed(page, "n_sessions") == [latest["n_sessions"]]
    assert keyed(page, "delta") == [latest["change"]["delta"]]
    assert keyed(page, "trust") == [latest["trust"]["score"]]
    parts = [a["delta"] for a in latest["change"]["attribution"] if abs(a["delta"]) >= 0.05]
    assert keyed(page, "attribution") == sorted(parts, key=abs, reverse=True)[:10]
    lost = sorted((c["points_lost"] for c in latest["components"]), reverse=True)
    assert keyed(page, "points_lost") == lost
    # Worst slices (scored, lowest first; unscored last), each linking to its sessions.
    worst = sorted(slices, key=lambda w: (w["score"] is None, w["score"] or 0.0))
    overall = sorted(
        (w for w in report["windows"] if not w["slice"]), key=lambda w: w["window_start"]
    )
    shown_scores = keyed(page, "score")
    assert shown_scores[1 : 1 + len(worst)] == [w["score"] for w in worst]
    assert shown_scores[1 + len(worst) :] == [w["score"] for w in reversed(overall)]
    assert worst[0]["score"] is not None
    links = [h for h in Values(page).links if h.startswith("/sessions?")]
    if report["largest_fall"] is not None:
        links = links[1:]  # the largest fall's link comes first
    segment = urllib.parse.quote_plus(worst[0]["slice"]["segment"])
    day = latest["window_start"][:10]
    assert f"slice.segment={segment}" in links[0] and f"since={day}" in links[0]


def test_overview_leads_with_the_largest_fall(served: Served) -> None:
    # By channel, voice falls in the simulated days; by segment every slice rises.
    rising = api(served, "/api/v1/overview?window=1d&by=segment")
    assert rising["largest_fall"] is None
    assert 'id="fall"' not in get(served.url + "/?window=1d&by=segment")[2]
    report = api(served, "/api/v1/overview?window=1d&by=channel")
    fall = report["largest_fall"]
    assert fall is not None and fall["slice"] and fall["score"] < fall["from_score"]
    _, _, page = get(served.url + "/?window=1d&by=channel")
    assert page.index('id="fall"') < page.index('id="headline"')  # the first thing read
    assert keyed(page, "fall_from") == [fall["from_score"]]
    assert keyed(page, "fall_score") == [fall["score"]]
    assert keyed(page, "fall_delta") == [fall["change"]["delta"]]
    if fall["impact"] and fall["impact"]["total"] is not None:
        assert keyed(page, "fall_cost") == [fall["impact"]["total"]]
    ((key, value),) = fall["slice"].items()
    link = next(h for h in Values(page).links if h.startswith("/sessions?"))
    assert f"slice.{key}={urllib.parse.quote_plus(value)}" in link
    assert f"since={fall['window_start'][:10]}" in link
    status, _, sessions = get(served.url + link.replace("&amp;", "&"))
    assert status == 200 and "<table" in sessions


def test_overview_shows_the_estimated_cost_with_its_items(served: Served) -> None:
    report = api(served, "/api/v1/overview?window=1d")
    _, _, page = get(served.url + "/?window=1d")
    latest, _ = latest_windows(report)
    impact = latest["impact"]
    assert set(impact) >= {"total", "ci_low", "ci_high", "baseline_window_start", "method"}
    assert keyed(page, "impact_total") == [impact["total"]] * 2  # card and section
    assert f"{impact['ci_low']:,.2f}" in page and f"{impact['ci_high']:,.2f}" in page
    items = impact["items"]
    assert [i["item"] for i in items] == ["escalation", "failed_task", "abandoned_session"]
    for key, field in (
        ("item_rate", "rate"),
        ("item_baseline_rate", "baseline_rate"),
        ("item_sessions", "n_sessions"),
        ("item_unit_cost", "unit_cost"),
        ("item_cost", "cost"),
    ):
        assert keyed(page, key) == [i[field] for i in items], key
    assert impact["baseline_window_start"] in page


def test_hostile_slice_value_is_escaped_in_the_worst_slices(served: Served) -> None:
    report = api(served, "/api/v1/overview?by=segment")
    _, slices = latest_windows(report)
    assert {"segment": HOSTILE_SLICE} in [w["slice"] for w in slices]
    status, _, page = get(served.url + "/?by=segment")
    assert status == 200
    table = page[
        page.index('id="worst-slices"') : page.index("</table>", page.index('id="worst-slices"'))
    ]
    assert "segment=&lt;script&gt;alert(1)&lt;/script&gt;" in table
    assert "slice.segment=%3Cscript%3Ealert%281%29%3C%2Fscript%3E" in table
    assert_escaped(page)


def test_vitals_health_html_is_self_contained(served: Served, tmp_path: Path) -> None:
    out = tmp_path / "health.html"
    store = str(served.store_path)
    result = CliRunner().invoke(app, ["health", "--html", str(out), "--store", store])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert '<meta http-equiv="Content-Security-Policy"' in page
    assert "<style>" in page and "/static/" not in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert 'href="/' not in page  # no links into the server
    assert_escaped(page)
    result = CliRunner().invoke(app, ["health", "--json", "--store", store])
    assert result.exit_code == 0, result.output
    latest, _ = latest_windows(json.loads(result.stdout))
    assert keyed(page, "score")[0] == latest["score"]


def test_overview_of_an_empty_store_explains(tmp_path: Path) -> None:
    with Store(tmp_path / "empty.duckdb") as store:
        report = compute_health(store).to_dict()
    assert report["windows"] == []
    assert "No health windows yet" in render_overview(report)


def test_metrics_page_equals_its_twin(served: Served) -> None:
    query = "?names=task_completion_rate,latency_p95&window=1d&by=segment"
    rows = api(served, "/api/v1/metrics" + query)
    assert {r["metric"] for r in rows} == {"task_completion_rate", "latency_p95"}
    assert all(set(r) >= {"value", "ci_low", "ci_high", "n", "slice"} for r in rows)
    _, _, page = get(served.url + "/metrics" + query)
    assert keyed(page, "value") == [
        r["value"] for r in sorted(rows, key=lambda r: r["metric"] != "task_completion_rate")
    ]
    assert keyed(page, "n") == [
        r["n"] for r in sorted(rows, key=lambda r: r["metric"] != "task_completion_rate")
    ]
    assert page.count("<svg") >= 2
    assert_escaped(page)


def test_sessions_drill_down_matches_its_twin(served: Served) -> None:
    query = "?since=2026-03-03T00:00:00%2B00:00&until=2026-03-04T00:00:00%2B00:00&slice.segment=pro"
    data = api(served, "/api/v1/sessions" + query)
    assert data["total"] > 0
    assert all(s["tags"]["segment"] == "pro" for s in data["sessions"])
    assert all(s["started_at"].startswith("2026-03-03") for s in data["sessions"])
    _, _, page = get(served.url + "/sessions" + query)
    assert keyed(page, "turns") == [s["turns"] for s in data["sessions"]]
    first = data["sessions"][0]["session_id"]
    detail = api(served, f"/api/v1/sessions/{first}")
    assert detail["turns"] and detail["turns"][0]["output"]
    status, _, page = get(served.url + f"/sessions/{first}")
    assert status == 200 and first in page


def test_hostile_session_is_escaped_and_complete(served: Served) -> None:
    quoted = urllib.parse.quote(HOSTILE_SESSION, safe="")
    detail = api(served, f"/api/v1/sessions/{quoted}")
    turn = detail["turns"][0]
    assert turn["input"] == PAYLOADS[0] and turn["output"] == PAYLOADS[1]
    assert turn["scores"][0]["label"] == PAYLOADS[0]
    _, _, page = get(served.url + f"/sessions/{quoted}")
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page
    assert "&#34;&gt;&lt;img src=x onerror=&#34;window.__pwned=1&#34;&gt;" in page
    assert keyed(page, "latency_ms") == [1234.5]


def test_runs_pages_and_twins(served: Served) -> None:
    runs = api(served, "/api/v1/runs")
    assert {r["run_id"] for r in runs} == {served.base_run, served.cand_run}
    _, _, page = get(served.url + "/runs")
    assert sorted(keyed(page, "n_records")) == sorted(r["n_records"] for r in runs)
    shown = api(served, f"/api/v1/runs/{served.cand_run}")
    assert shown["run"]["run_id"] == served.cand_run
    status, headers, page = get(served.url + f"/runs/{served.cand_run}")
    assert status == 200 and "sha256-" in headers["Content-Security-Policy"]
    assert_escaped(page)
    value = shown["summary"]["scorers"][0]["value"]
    assert f"{value:.1%}" in page
    query = f"?base={served.base_run}&cand={served.cand_run}"
    comparison = api(served, "/api/v1/runs/compare" + query)
    status, _, page = get(served.url + "/runs/compare" + query)
    assert status == 200 and served.base_run in page
    delta = comparison["comparisons"][0]["delta"]["value"]
    assert f"{delta * 100:+.1f} pts" in page
    assert_escaped(page)


def test_alerts_page_and_twin(served: Served) -> None:
    alerts = api(served, "/api/v1/alerts")
    assert [a["alert_id"] for a in alerts] == ["a1"]
    _, _, page = get(served.url + "/alerts")
    assert "firing" in page
    assert_escaped(page)


def test_alerts_empty_state(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as store, serve(store) as url:
        _, _, page = get(url + "/alerts")
        assert "filled by monitors — none yet" in page
        assert json.loads(get(url + "/api/v1/alerts")[2]) == []


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/api/v1/metrics?names=nope", 400, "unknown metric 'nope'"),
        ("/api/v1/metrics?window=3x", 400, "window"),
        ("/api/v1/metrics?by=a%20b", 400, "by:"),
        ("/api/v1/sessions?since=yesterday", 400, "since: 'yesterday'"),
        ("/api/v1/sessions?since=2026-03-04&until=2026-03-03", 400, "must be before"),
        ("/api/v1/sessions?limit=0", 400, "limit"),
        ("/api/v1/sessions/no-such-session", 404, "no session"),
        ("/api/v1/runs/zzz", 404, "run_id"),
        ("/api/v1/runs/compare?base=latest", 400, "cand"),
        ("/api/v1/overview?window=0h", 400, "window"),
    ],
)
def test_bad_parameters_say_what_is_wrong(
    served: Served, path: str, status: int, words: str
) -> None:
    got, _, body = get(served.url + path)
    assert got == status
    assert words in json.loads(body)["error"]
    page_path = path.removeprefix("/api/v1").replace("/overview", "/")
    got, _, page = get(served.url + page_path)
    assert got == status and 'role="alert"' in page


def test_cache_answers_repeated_queries_and_sees_new_data(served: Served) -> None:
    first = api(served, "/api/v1/metrics?names=turns_per_session&window=all")
    again = api(served, "/api/v1/metrics?names=turns_per_session&window=all")
    assert first == again


def test_keys_guard_pages_and_twins(tmp_path: Path) -> None:
    key_file = tmp_path / "api_keys.json"
    key = create_key(key_file, "me")
    with Store(tmp_path / "s.duckdb") as store, serve(store, ApiKeys(key_file)) as url:
        status, _, body = get(url + "/api/v1/alerts")
        assert status == 401 and "API key" in json.loads(body)["error"]
        assert get(url + "/api/v1/alerts", {"Authorization": f"Bearer {key}"})[0] == 200
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        page = opener.open(url + "/alerts", timeout=30).read().decode()
        assert 'name="key"' in page  # redirected to the sign-in form
        data = urllib.parse.urlencode({"key": "vk_bad_key", "next": "/alerts"}).encode()
        with pytest.raises(urllib.error.HTTPError) as refused:
            opener.open(url + "/login", data=data, timeout=30)
        assert refused.value.code == 401
        data = urllib.parse.urlencode({"key": key, "next": "//evil.example/"}).encode()
        response = opener.open(url + "/login", data=data, timeout=30)
        assert response.url == url + "/"  # never sent to another site
        page = opener.open(url + "/alerts", timeout=30).read().decode()
        assert "none yet" in page
        assert get(url + "/static/dashboard.css")[0] == 200  # no data: open


def test_static_files(served: Served) -> None:
    status, headers, body = get(served.url + "/static/dashboard.js")
    assert status == 200 and headers["Content-Type"].startswith("text/javascript")
    assert "innerHTML" not in body
    assert get(served.url + "/static/nope.js")[0] == 404
    assert re.search(r"\.skip", get(served.url + "/static/dashboard.css")[2])


def test_serve_has_a_no_dashboard_switch() -> None:
    from typer.testing import CliRunner

    from aivitals.cli import app

    result = CliRunner().invoke(app, ["serve", "--help"], terminal_width=200)
    assert result.exit_code == 0 and "--no-dashboard" in result.output
