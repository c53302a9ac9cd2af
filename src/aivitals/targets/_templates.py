"""Jinja2 templates for prompts, URLs and JSON request bodies.

Templates render in an immutable sandbox with ``StrictUndefined``: a prompt
is configuration, so a typo in a variable name is a :class:`ConfigError`
found when the target is built, and a value missing for one case is a
:class:`ConfigError` naming the case rather than an empty string sent to a
model.

Variables: ``input`` (text; the last user message of a chat), ``messages``
(the chat, or the text as one user message), ``context`` (list of
documents), ``tags``, ``metadata`` and ``case_id``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import jinja2
from jinja2 import meta
from jinja2.sandbox import ImmutableSandboxedEnvironment

from aivitals.errors import ConfigError, Problem
from aivitals.model import input_text
from aivitals.targets._base import TargetRequest

__all__ = ["VARIABLES", "JsonTemplate", "TextTemplate", "template_variables"]

#: Names a template may use.
VARIABLES = ("case_id", "context", "input", "messages", "metadata", "tags")

_ENV = ImmutableSandboxedEnvironment(
    undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True
)
# A leaf that is one expression and nothing else renders to a native value.
_SINGLE_EXPRESSION = re.compile(r"\A\{\{((?:(?!\{\{|\}\}|\{%|\{#).)*)\}\}\Z", re.DOTALL)
_TEMPLATE_MARKERS = ("{{", "{%", "{#")
# ``{{ input }}`` alone (the default prompt) needs no Jinja machinery: a
# direct lookup renders the same text several times faster.
_PLAIN_TEXT_VARIABLE = re.compile(r"\A\{\{\s*(input|case_id)\s*\}\}\Z")

Renderer = Callable[[Mapping[str, Any]], Any]


def template_variables(request: TargetRequest) -> dict[str, Any]:
    """The variables a template sees for ``request`` (plain JSON-able values)."""
    messages = (
        [dict(m) for m in request.input]
        if isinstance(request.input, list)
        else [{"role": "user", "content": request.input}]
    )
    return {
        "case_id": request.case_id,
        "context": list(request.context),
        "input": input_text(request.input),
        "messages": messages,
        "metadata": dict(request.metadata),
        "tags": dict(request.tags),
    }


def _parse(source: str, field: str) -> None:
    """Check syntax and that only known variables are used."""
    try:
        ast = _ENV.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        raise ConfigError(
            Problem(f"template syntax error on template line {exc.lineno}: {exc}", field=field)
        ) from None
    unknown = sorted(meta.find_undeclared_variables(ast) - set(VARIABLES))
    if unknown:
        names = ", ".join(f"'{n}'" for n in unknown)
        known = ", ".join(VARIABLES)
        raise ConfigError(
            Problem(f"template uses unknown variable {names}; known: {known}", field=field)
        )


def _render_error(field: str, variables: Mapping[str, Any], exc: Exception) -> ConfigError:
    case = variables.get("case_id")
    return ConfigError(Problem(f"case '{case}': template failed: {exc}", field=field))


class TextTemplate:
    """A template that renders to text (a prompt, a URL)."""

    def __init__(self, source: str, field: str) -> None:
        _parse(source, field)
        self.source = source
        self.field = field
        self._template = _ENV.from_string(source)
        plain = _PLAIN_TEXT_VARIABLE.match(source)
        self._plain: str | None = plain.group(1) if plain else None

    def render(self, variables: Mapping[str, Any]) -> str:
        """Render with ``variables``.

        Raises:
            ConfigError: A variable the template needs is missing for this case.
        """
        if self._plain is not None and isinstance(variables.get(self._plain), str):
            return str(variables[self._plain])
        try:
            return self._template.render(variables)
        except jinja2.TemplateError as exc:
            raise _render_error(self.field, variables, exc) from None


def _native(expression: str, field: str) -> Renderer:
    _parse("{{" + expression + "}}", field)
    try:
        compiled = _ENV.compile_expression(expression, undefined_to_none=False)
    except jinja2.TemplateSyntaxError as exc:
        raise ConfigError(Problem(f"template syntax error: {exc}", field=field)) from None

    def render(variables: Mapping[str, Any]) -> Any:
        try:
            value = compiled(**variables)
            if isinstance(value, jinja2.Undefined):
                str(value)  # StrictUndefined raises here, naming what is missing
        except jinja2.TemplateError as exc:
            raise _render_error(field, variables, exc) from None
        return value

    return render


def _compile(value: Any, field: str) -> Renderer:
    if isinstance(value, str):
        if not any(marker in value for marker in _TEMPLATE_MARKERS):
            return lambda _variables: value
        single = _SINGLE_EXPRESSION.match(value)
        if single:
            return _native(single.group(1), field)
        return TextTemplate(value, field).render
    if isinstance(value, Mapping):
        parts = {str(k): _compile(v, f"{field}.{k}") for k, v in value.items()}
        return lambda variables: {k: render(variables) for k, render in parts.items()}
    if isinstance(value, list | tuple):
        items = [_compile(v, f"{field}[{i}]") for i, v in enumerate(value)]
        return lambda variables: [render(variables) for render in items]
    return lambda _variables: value


class JsonTemplate:
    """A JSON structure whose string leaves are templates.

    A leaf that is exactly one expression, such as ``"{{ messages }}"`` or
    ``"{{ metadata.max_tokens }}"``, keeps the expression's native type;
    any other templated leaf renders to text. Keys are not templated.
    """

    def __init__(self, value: Any, field: str) -> None:
        self.value = value
        self._render = _compile(value, field)

    def render(self, variables: Mapping[str, Any]) -> Any:
        """Render every leaf with ``variables``.

        Raises:
            ConfigError: A variable a leaf needs is missing for this case.
        """
        return self._render(variables)
