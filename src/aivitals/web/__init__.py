"""The web dashboard of ``vitals serve``: health, metrics, sessions, runs and alerts.

Server-rendered pages (Jinja, autoescaped; inline SVG charts; one small
script; a strict Content-Security-Policy; nothing fetched from elsewhere),
each with a JSON twin under ``/api/v1/`` that returns the numbers the page
shows. Register it on the server with ``create_app(..., setup=[register_dashboard])``.
"""

from aivitals.web._cache import ResultCache, data_version
from aivitals.web._render import render_overview
from aivitals.web._routes import DASHBOARD_KEY, DEFAULT_METRICS, Dashboard, register_dashboard

__all__ = [
    "DASHBOARD_KEY",
    "DEFAULT_METRICS",
    "Dashboard",
    "ResultCache",
    "data_version",
    "register_dashboard",
    "render_overview",
]
