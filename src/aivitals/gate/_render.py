"""A gate result as JUnit XML (for CI), Markdown (for a pull request), JSON, text.

Model outputs and dataset text are untrusted. In Markdown every piece of it
goes through :func:`~aivitals.comparison.escape_markdown` (no table breaking,
no code spans, no HTML) and ``@`` mentions are defused; in XML the characters
XML 1.0 cannot hold are dropped (ElementTree escapes the rest); in the
terminal, control characters are dropped.
"""

from __future__ import annotations

import json
import re
import socket
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from aivitals.comparison import Flip, escape_markdown
from aivitals.gate._result import GateResult, Outcome, RuleOutcome, fmt_estimate

__all__ = ["render_json", "render_junit", "render_markdown", "render_text"]

_XML_INVALID = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")

_ICON: dict[Outcome, str] = {"pass": "✅", "fail": "❌", "inconclusive": "⚠️"}


def render_json(result: GateResult) -> str:
    """The result as indented JSON."""
    return json.dumps(result.to_dict(), indent=2, ensure_ascii=False, default=str) + "\n"


# ---------------------------------------------------------------- JUnit


def _xml(text: str | None) -> str:
    return _XML_INVALID.sub("", text or "")


def _one_line(text: str | None, limit: int = 300) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _flip_lines(flips: tuple[Flip, ...], limit: int) -> list[str]:
    lines = []
    for f in flips[:limit]:
        lines += [
            f"- case {f.case_id} ({f.dataset}, repeat {f.repeat})",
            f"  input:     {_one_line(f.input)}",
            f"  expected:  {_one_line(' | '.join(f.expected))}",
            f"  baseline:  {_one_line(f.base_output)}",
            f"  candidate: {_one_line(f.candidate_output)}",
        ]
    if len(flips) > limit:
        lines.append(f"... and {len(flips) - limit} more")
    return lines


def _testcase(suite: ET.Element, rule: RuleOutcome, result: GateResult, classname: str) -> None:
    case = ET.SubElement(
        suite,
        "testcase",
        name=_xml(f"{rule.name}: {rule.scorer} {rule.check}"),
        classname=_xml(classname),
        time="0",
    )
    body = "\n".join([rule.evidence, *_flip_lines(rule.flips, 20)])
    if rule.outcome == "fail" or (
        rule.outcome == "inconclusive" and result.on_inconclusive == "fail"
    ):
        # An inconclusive rule that the policy counts as failing is a failure in
        # the CI report too, so that the report agrees with the exit code.
        failure = ET.SubElement(
            case, "failure", message=_xml(rule.evidence[:500]), type=rule.outcome
        )
        failure.text = _xml(body)
    elif rule.outcome == "inconclusive":
        ET.SubElement(case, "skipped", message=_xml(f"inconclusive: {rule.evidence}"[:500]))
    out = ET.SubElement(case, "system-out")
    out.text = _xml(body)


def render_junit(result: GateResult) -> str:
    """One ``testsuite`` with one ``testcase`` per rule and scope.

    A failing rule has a ``failure``; an inconclusive one is ``skipped``, or a
    ``failure`` of type ``inconclusive`` when the policy counts inconclusive
    as fail. The evidence is in each case's ``system-out``. Attributes follow
    the common (Jenkins / Ant) JUnit schema.
    """
    fails = sum(
        r.outcome == "fail" or (r.outcome == "inconclusive" and result.on_inconclusive == "fail")
        for r in result.rules
    )
    skipped = result.count("inconclusive") if result.on_inconclusive != "fail" else 0
    total, seconds = str(len(result.rules)), f"{result.duration_s:.3f}"
    root = ET.Element(
        "testsuites",
        name="aivitals gate",
        tests=total,
        failures=str(fails),
        errors="0",
        time=seconds,
    )
    suite = ET.SubElement(
        root,
        "testsuite",
        name=_xml(f"gate: {result.policy}"),
        tests=total,
        failures=str(fails),
        errors="0",
        skipped=str(skipped),
        time=seconds,
        timestamp=datetime.now(UTC).replace(microsecond=0, tzinfo=None).isoformat(),
        hostname=_xml(socket.gethostname()) or "localhost",
    )
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("policy", result.policy),
        ("policy_file", result.policy_file),
        ("candidate_run", result.candidate_run),
        ("baseline_run", result.baseline_run),
        ("outcome", result.outcome),
        ("on_inconclusive", result.on_inconclusive),
    ):
        if value is not None:
            ET.SubElement(props, "property", name=name, value=_xml(value))
    classname = "aivitals.gate." + re.sub(r"[^A-Za-z0-9_]+", "_", result.policy).strip("_")
    for rule in result.rules:
        _testcase(suite, rule, result, classname)
    summary = ET.SubElement(suite, "system-out")
    summary.text = _xml(render_text(result))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


# ---------------------------------------------------------------- Markdown


def _md(text: str | None, limit: int = 200) -> str:
    """Untrusted text for a Markdown comment; ``@name`` must not notify anyone."""
    return escape_markdown(text, limit=limit).replace("@", "@\u200b")


_PLAIN_ID = re.compile(r"[\w.@:/\\-]+")


def _code(text: str) -> str:
    """A run id or path as code when it is plain; escaped text otherwise.

    Inside a code span neither backslash escapes nor entities work, so
    anything else is shown as escaped text.
    """
    return f"`{text}`" if _PLAIN_ID.fullmatch(text) else _md(text, 200)


def _observed(rule: RuleOutcome) -> str:
    pct = rule.metric != "mean"
    if rule.kind == "no_new_failures":
        return f"{len(rule.flips)} newly failing of {rule.n}"
    if rule.kind == "min_n":
        return f"n={rule.n}"
    if rule.observed is None:
        return "–"
    text = fmt_estimate(rule.observed, pct)
    if rule.baseline is not None and rule.delta is not None:
        text += (
            f" vs {fmt_estimate(rule.baseline, pct)}; Δ {fmt_estimate(rule.delta, pct, diff=True)}"
        )
    return text


def _table(result: GateResult, max_rows: int) -> list[str]:
    lines = [
        "| | rule | scorer | scope | requires | observed | n |",
        "|---|---|---|---|---|---|---|",
    ]
    # Failures and inconclusive rules first: they are what a reviewer acts on.
    order = sorted(result.rules, key=lambda r: ("fail", "inconclusive", "pass").index(r.outcome))
    shown = [r for r in order if r.outcome != "pass"]
    shown += [r for r in order if r.outcome == "pass"][: max(0, max_rows - len(shown))]
    for r in shown:
        cells = [
            f"{_ICON[r.outcome]} {r.outcome}",
            _md(r.rule_id, 60),
            _md(r.scorer, 60),
            _md(r.label, 80),
            _md(r.check, 120),
            _md(_observed(r), 200),
            str(r.n),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    if len(shown) < len(result.rules):
        lines += ["", f"… and {len(result.rules) - len(shown)} more passing checks (see JSON)."]
    return lines


def _details(title: str, rules: list[RuleOutcome], limit: int) -> list[str]:
    if not rules:
        return []
    lines = ["", f"#### {title}", ""]
    for r in rules[:limit]:
        why = f" — {_md(r.description, 300)}" if r.description else ""
        lines.append(f"- **{_md(r.name, 120)}**: requires {_md(r.check, 200)}{why}  ")
        lines.append(f"  {_md(r.evidence, 1500)}")
    if len(rules) > limit:
        lines.append(f"- … and {len(rules) - limit} more (see JSON)")
    return lines


def _flip_table(rule: RuleOutcome, max_cases: int) -> list[str]:
    flips = rule.flips
    lines = [
        "",
        f"<details><summary>{len(flips)} newly failing case(s) — {_md(rule.rule_id, 60)}: "
        f"{_md(rule.scorer, 60)}, {_md(rule.check, 80)}</summary>",
        "",
        "| case | input | expected | baseline output | candidate output |",
        "|---|---|---|---|---|",
    ]
    for f in flips[:max_cases]:
        cells = [
            _md(f.case_id, 60),
            _md(f.input, 160),
            _md(" / ".join(f.expected), 120),
            _md(f.base_output, 160),
            _md(f.candidate_output, 160),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    if len(flips) > max_cases:
        lines += ["", f"… and {len(flips) - max_cases} more (see JSON)."]
    return [*lines, "", "</details>"]


def _headline(result: GateResult) -> list[str]:
    outcome = result.outcome
    fails, unsure = result.count("fail"), result.count("inconclusive")
    counts = f"**{fails} failed**, {unsure} inconclusive, {result.count('pass')} passed"
    where = f"candidate {_code(result.candidate_run)}"
    if result.baseline_run:
        where += f" vs baseline {_code(result.baseline_run)}"
    lines = [
        f"### {_ICON[outcome]} aivitals gate: **{outcome.upper()}** — {_md(result.policy, 120)}",
        "",
        f"{counts} of {len(result.rules)} checks · {where}",
    ]
    if unsure and result.raw_outcome == "inconclusive" and outcome != "inconclusive":
        lines.append(f"(inconclusive counts as **{outcome}** under this policy)")
    return lines


def render_markdown(result: GateResult, *, max_rows: int = 50, max_cases: int = 10) -> str:
    """A pull-request comment: verdict, rules table, evidence, flipped cases.

    Args:
        result: The gate result.
        max_rows: Table rows at most; failing and inconclusive rules come
            first and are always listed.
        max_cases: Newly failing critical cases shown per rule.
    """
    lines = [*_headline(result), "", *_table(result, max_rows)]
    lines += _details("What failed", [r for r in result.rules if r.outcome == "fail"], 30)
    lines += _details(
        "Could not be decided", [r for r in result.rules if r.outcome == "inconclusive"], 30
    )
    for rule in result.rules:
        if rule.flips:
            lines += _flip_table(rule, max_cases)
    if result.notes:
        lines += ["", *(f"> {_md(n, 400)}  " for n in result.notes)]
    source = f" · policy {_code(result.policy_file)}" if result.policy_file else ""
    lines += ["", f"<sub>aivitals gate{source} · evaluated in {result.duration_s:.2f} s</sub>"]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- terminal


def render_text(result: GateResult, *, max_cases: int = 5) -> str:
    """A plain-text summary for a terminal or a CI log."""
    base = f", baseline {result.baseline_run}" if result.baseline_run else ""
    lines = [
        f"gate {result.outcome.upper()}: {result.policy} (candidate {result.candidate_run}{base})"
    ]
    for r in result.rules:
        lines.append(f"  {r.outcome.upper():<12} {r.name}: {r.scorer} {r.check}")
        lines.append(f"  {'':<12} {r.evidence}")
        lines += [f"  {'':<12} {line}" for line in _flip_lines(r.flips, max_cases)]
    lines += [f"  note: {n}" for n in result.notes]
    tail = (
        f"{result.count('fail')} failed, {result.count('inconclusive')} inconclusive, "
        f"{result.count('pass')} passed"
    )
    if result.raw_outcome == "inconclusive" and result.outcome != "inconclusive":
        tail += f" (inconclusive counts as {result.outcome})"
    lines.append(f"{tail} → exit {result.exit_code}")
    return _CONTROL.sub("", "\n".join(lines)) + "\n"
