"""JUnit XML for CI, a Markdown pull-request comment, JSON and text."""

import json
import re
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from tests.gate.conftest import comparison, est, flip, row, summary

from aivitals.gate import (
    GateResult,
    apply_policy,
    parse_policy,
    render_json,
    render_junit,
    render_markdown,
    render_text,
)

CAND = summary(
    {"correct": est(0.877, 0.848, 0.901, 500)},
    {("correct", "channel", "voice|<b>"): est(0.741, 0.664, 0.806, 143)},
)
CMP = comparison(
    [
        row((-0.01, -0.015, -0.004), n=500, p_adj=0.01),
        row((-0.182, -0.25, -0.114), n=143, p=1e-5, p_adj=0.0004, tag="channel", value="voice|<b>"),
        row((0.0, -0.05, 0.05), n=60, tag="critical", value="True"),
    ],
    [flip("case|7", {"critical": "True"}), flip("c8", {"critical": "True"})],
)
RULES: list[dict[str, Any]] = [
    {"id": "floor", "scorer": "correct", "min": {"lower_bound": 0.8}},
    {
        "id": "slices",
        "scorer": "correct",
        "slices": ["channel"],
        "max_regression": {"margin": 0.02},
    },
    {"id": "critical", "scorer": "correct", "no_new_failures": {}},
    {"id": "unsure", "scorer": "correct", "min": {"lower_bound": 0.88}},
]


def result(on_inconclusive: str = "inconclusive") -> GateResult:
    policy = parse_policy(
        {"name": "release gate", "on_inconclusive": on_inconclusive, "rules": RULES}
    )
    return apply_policy(policy, CAND, {0.05: CMP})


# ---------------------------------------------------------------- JUnit

# The attributes and nesting the common JUnit schemas (Jenkins junit-10, Ant)
# agree on; written for this test, not copied from either.
JUNIT_XSD = """<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:complexType name="detail" mixed="true">
    <xs:attribute name="type" type="xs:string"/>
    <xs:attribute name="message" type="xs:string"/>
  </xs:complexType>
  <xs:element name="testsuites">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="testsuite" maxOccurs="unbounded">
          <xs:complexType>
            <xs:sequence>
              <xs:element name="properties" minOccurs="0">
                <xs:complexType>
                  <xs:sequence>
                    <xs:element name="property" minOccurs="0" maxOccurs="unbounded">
                      <xs:complexType>
                        <xs:attribute name="name" type="xs:string" use="required"/>
                        <xs:attribute name="value" type="xs:string" use="required"/>
                      </xs:complexType>
                    </xs:element>
                  </xs:sequence>
                </xs:complexType>
              </xs:element>
              <xs:element name="testcase" minOccurs="0" maxOccurs="unbounded">
                <xs:complexType>
                  <xs:choice minOccurs="0" maxOccurs="unbounded">
                    <xs:element name="skipped" type="detail"/>
                    <xs:element name="failure" type="detail"/>
                    <xs:element name="error" type="detail"/>
                    <xs:element name="system-out" type="xs:string"/>
                    <xs:element name="system-err" type="xs:string"/>
                  </xs:choice>
                  <xs:attribute name="name" type="xs:string" use="required"/>
                  <xs:attribute name="classname" type="xs:string" use="required"/>
                  <xs:attribute name="time" type="xs:decimal" use="required"/>
                </xs:complexType>
              </xs:element>
              <xs:element name="system-out" type="xs:string" minOccurs="0"/>
              <xs:element name="system-err" type="xs:string" minOccurs="0"/>
            </xs:sequence>
            <xs:attribute name="name" type="xs:string" use="required"/>
            <xs:attribute name="tests" type="xs:nonNegativeInteger" use="required"/>
            <xs:attribute name="failures" type="xs:nonNegativeInteger" use="required"/>
            <xs:attribute name="errors" type="xs:nonNegativeInteger" use="required"/>
            <xs:attribute name="skipped" type="xs:nonNegativeInteger"/>
            <xs:attribute name="time" type="xs:decimal" use="required"/>
            <xs:attribute name="timestamp" type="xs:dateTime" use="required"/>
            <xs:attribute name="hostname" type="xs:string" use="required"/>
          </xs:complexType>
        </xs:element>
      </xs:sequence>
      <xs:attribute name="name" type="xs:string"/>
      <xs:attribute name="tests" type="xs:nonNegativeInteger"/>
      <xs:attribute name="failures" type="xs:nonNegativeInteger"/>
      <xs:attribute name="errors" type="xs:nonNegativeInteger"/>
      <xs:attribute name="time" type="xs:decimal"/>
    </xs:complexType>
  </xs:element>
</xs:schema>
"""


def test_junit_has_one_testcase_per_rule_with_failures_and_skips() -> None:
    res = result()
    root = ET.fromstring(render_junit(res))
    suite = root.find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert [c.get("name", "").split(":")[0] for c in cases] == [r.name for r in res.rules]
    assert len(cases) == len(res.rules) == 4
    outcomes = {c.get("name", "").split(":")[0]: c for c in cases}
    failed = outcomes["slices [channel=voice|<b>]"].find("failure")
    assert failed is not None and "non-inferiority margin 2.0 pts not met" in (failed.text or "")
    assert failed.get("type") == "fail"
    critical = outcomes["critical"].find("failure")
    assert critical is not None and "case|7" in (critical.text or "")
    skipped = outcomes["unsure"].find("skipped")
    assert skipped is not None and skipped.get("message", "").startswith("inconclusive: ")
    assert outcomes["floor"].find("failure") is None and outcomes["floor"].find("skipped") is None
    passed_out = outcomes["floor"].find("system-out")
    assert passed_out is not None and "lower bound 84.8% ≥ 80.0%" in (passed_out.text or "")
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("4", "2", "1")
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("4", "2", "0")
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["candidate_run"] == "cand" and props["outcome"] == "fail"


def test_junit_counts_inconclusive_as_failure_when_the_policy_does() -> None:
    root = ET.fromstring(render_junit(result("fail")))
    unsure = [c for c in root.iter("testcase") if c.get("name", "").startswith("unsure")]
    [case] = unsure
    failure = case.find("failure")
    assert failure is not None and failure.get("type") == "inconclusive"
    suite = root.find("testsuite")
    assert suite is not None and (suite.get("failures"), suite.get("skipped")) == ("3", "0")


def test_junit_validates_against_the_common_schema() -> None:
    etree = pytest.importorskip("lxml.etree")
    schema = etree.XMLSchema(etree.fromstring(JUNIT_XSD.encode()))
    for on_inconclusive in ("inconclusive", "fail", "pass"):
        document = etree.fromstring(render_junit(result(on_inconclusive)).encode())
        assert schema.validate(document), schema.error_log


def test_junit_survives_control_characters_in_model_text() -> None:
    nasty = flip("c\x00", {"critical": "True"})
    object.__setattr__(nasty, "candidate_output", "\x1b[31mred\x1b[0m \x07 ]]> &amp; <x>")
    cmp = comparison([row((0.0, -0.05, 0.05), n=60, tag="critical", value="True")], [nasty])
    policy = parse_policy({"name": "p", "rules": [RULES[2]]})
    text = render_junit(apply_policy(policy, CAND, {0.05: cmp}))
    failure = ET.fromstring(text).find("testsuite/testcase/failure")
    assert failure is not None and "[31mred" in (failure.text or "")
    assert "]]> &amp; <x>" in (failure.text or "")


# ---------------------------------------------------------------- Markdown


def unescape(md: str) -> str:
    text = re.sub(r"\\(.)", r"\1", md)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def rules_table(md: str) -> list[str]:
    start = md.index("| | rule |")
    return md[start:].split("\n\n", maxsplit=1)[0].splitlines()


def cells(line: str) -> int:
    """Cells of a table row, not counting escaped pipes."""
    return len(re.split(r"(?<!\\)\|", line.strip().strip("|")))


def test_markdown_leads_with_the_verdict_and_gives_the_failing_evidence() -> None:
    res = result()
    md = render_markdown(res)
    assert md.startswith("### ❌ aivitals gate: **FAIL** — release gate\n")
    assert "**2 failed**, 1 inconclusive, 1 passed of 4 checks · candidate `cand`" in md
    voice = next(r for r in res.rules if r.outcome == "fail" and r.slice)
    assert voice.evidence in unescape(md)
    assert "Δ −18.2 pts [−25.0, −11.4]" in voice.evidence
    assert "#### What failed" in md and "#### Could not be decided" in md
    # Failures come first in the table of rules.
    table = rules_table(md)
    assert table[2].startswith("| ❌ fail") and table[-1].startswith("| ✅ pass")


def test_markdown_escapes_model_text_and_keeps_tables_intact() -> None:
    md = render_markdown(result())
    assert "<script>" not in md and "<img" not in md and "<b>" not in md
    assert "&lt;script&gt;" in md
    assert "case\\|7" in md and "voice\\|&lt;b&gt;" in md
    assert "\\`rm -rf\\`" in md
    assert "@oncall" not in md and "@\u200boncall" in md
    for block in md.split("\n\n"):
        rows = [line for line in block.splitlines() if line.startswith("|")]
        if rows:
            assert len({cells(line) for line in rows}) == 1, rows


def test_markdown_lists_the_flipped_critical_cases_up_to_a_limit() -> None:
    md = render_markdown(result(), max_cases=1)
    assert "2 newly failing case(s) — critical" in md
    assert "case\\|7" in md and "| c8 |" not in md
    assert "… and 1 more (see JSON)." in md
    assert "You can get a refund within 30 days." in md


def test_markdown_says_how_inconclusive_was_counted() -> None:
    policy = parse_policy({"name": "p", "on_inconclusive": "pass", "rules": [RULES[0], RULES[3]]})
    md = render_markdown(apply_policy(policy, CAND))
    assert md.startswith("### ✅ aivitals gate: **PASS**")
    assert "(inconclusive counts as **pass** under this policy)" in md


def test_markdown_caps_passing_rows_but_never_hides_a_failure() -> None:
    rules = [{"scorer": "correct", "min": {"value": 0.5}}] * 5 + [RULES[0] | {"id": None}]
    rules = [{**r, "id": f"r{i}"} for i, r in enumerate(rules)] + [
        {"id": "bad", "scorer": "correct", "min": {"value": 0.99}}
    ]
    md = render_markdown(
        apply_policy(parse_policy({"name": "p", "rules": rules}), CAND), max_rows=3
    )
    table = rules_table(md)
    assert len(table) == 5 and "bad" in table[2]
    assert "… and 4 more passing checks (see JSON)." in md


# ---------------------------------------------------------------- JSON, text


def test_json_round_trips_the_result() -> None:
    data = json.loads(render_json(result()))
    assert data["outcome"] == "fail" and data["exit_code"] == 1
    assert [r["name"] for r in data["rules"]] == [r.name for r in result().rules]
    critical = next(r for r in data["rules"] if r["kind"] == "no_new_failures")
    assert [f["case_id"] for f in critical["flips"]] == ["case|7", "c8"]


def test_text_summary_drops_terminal_escapes() -> None:
    nasty = flip("c1", {"critical": "True"})
    object.__setattr__(nasty, "candidate_output", "\x1b[2Jcleared")
    cmp = comparison([row((0.0, -0.05, 0.05), n=60, tag="critical", value="True")], [nasty])
    text = render_text(
        apply_policy(parse_policy({"name": "p", "rules": [RULES[2]]}), CAND, {0.05: cmp})
    )
    assert "\x1b" not in text and "[2Jcleared" in text
    assert text.startswith("gate FAIL: p (candidate cand, baseline base)")
    assert text.rstrip().endswith("1 failed, 0 inconclusive, 0 passed → exit 1")


def test_markdown_quotes_the_policys_reason_for_a_failing_rule() -> None:
    rule = {**RULES[0], "min": {"value": 0.99}, "description": "Legal asked for 99% | <b>"}
    md = render_markdown(apply_policy(parse_policy({"name": "p", "rules": [rule]}), CAND))
    assert "— Legal asked for 99% \\| &lt;b&gt;" in md
