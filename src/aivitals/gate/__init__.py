"""Release gates: a YAML policy of rules decides whether a candidate run ships.

``load_policy`` reads a policy, ``evaluate_gate`` applies it to a stored
candidate run (and a baseline run), and the renderers turn the result into a
JUnit file for CI, a Markdown pull-request comment, or JSON.
"""

from aivitals.gate._evaluate import apply_policy, evaluate_gate
from aivitals.gate._policy import (
    CriticalCheck,
    MinCheck,
    Policy,
    RegressionCheck,
    Rule,
    RuleKind,
    load_policy,
    parse_policy,
)
from aivitals.gate._render import render_json, render_junit, render_markdown, render_text
from aivitals.gate._result import EXIT_CODES, GateResult, Outcome, RuleOutcome

__all__ = [
    "EXIT_CODES",
    "CriticalCheck",
    "GateResult",
    "MinCheck",
    "Outcome",
    "Policy",
    "RegressionCheck",
    "Rule",
    "RuleKind",
    "RuleOutcome",
    "apply_policy",
    "evaluate_gate",
    "load_policy",
    "parse_policy",
    "render_json",
    "render_junit",
    "render_markdown",
    "render_text",
]
