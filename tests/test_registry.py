"""The rule registry: every rules.toml table has its function and vice versa, and the rules
run in the order of the tables (landplan.rules._registry, landplan._rulemeta)."""

from __future__ import annotations

import dataclasses

import pytest

from landplan._rulemeta import rule_meta
from landplan.rules import RULES, _registry, rule_table_problems


def test_the_registered_functions_and_the_tables_of_rules_toml_match():
    assert rule_table_problems() == []


def test_rules_run_in_the_order_of_rules_toml_whatever_the_order_they_are_registered_in(
        monkeypatch):
    registered = dict(RULES)
    fresh: dict = {}
    monkeypatch.setattr(_registry, "RULES", fresh)
    for rule_id, rule in reversed(registered.items()):
        _registry.register(rule_id)(rule.func)
    assert list(fresh) == list(rule_meta()) == list(registered)


def test_a_function_without_a_table_and_a_table_without_a_function_are_both_reported(
        monkeypatch):
    monkeypatch.setattr(_registry, "RULES", {})
    monkeypatch.setattr(_registry, "_UNKNOWN", {})
    _registry.register("no-such-rule")(lambda ctx: None)
    problems = rule_table_problems()
    assert problems[0] == ("rule 'no-such-rule' is registered in code but has no table in "
                           "rules.toml")
    assert len(problems) == 1 + len(rule_meta())  # and every table lacks its function
    assert "rules.toml [zoning-conflict] has no registered function" in problems[1]


def test_a_rule_registered_twice_is_reported(monkeypatch):
    monkeypatch.setattr(_registry, "_TWICE", [])
    _registry.register("zoning-conflict")(lambda ctx: None)
    assert rule_table_problems() == ["rule 'zoning-conflict' is registered twice"]
    assert RULES["zoning-conflict"].func.__name__ == "zoning_conflict"  # the first one stays


@pytest.mark.parametrize(("change", "expected"), [
    ({"needs": ("quota",)}, "needs 'quota', which is not an input of CheckContext"),
    ({"fields": ("area", "pct")}, "message_en uses ['decision'] not listed in fields"),
    ({"fields": ("area", "pct", "decision", "zone")},
     "fields ['zone'] are not used by message_en"),
    ({"message_vi": "{area:.1f} m² ({pct:.1f}%) {zone}: {decision}"},
     "message_vi uses ['zone'] not listed in fields"),
    ({"message_vi": "{area:.1f} m²: {decision}"}, "fields ['pct'] are not used by message_vi"),
    ({"severity": "severe"}, "severity 'severe' is not one of"),
    ({"params": {"limit": {"a": 1}}}, "parameter limit = {'a': 1} has a type"),
    ({"limits": {"share": (0, 1)}}, "limits.share names no numeric parameter"),
    ({"params": {"share": 0.5}, "limits": {"share": (0.6, 1)}},
     "limits.share = [0.6, 1] is not a range holding its default 0.5"),
])
def test_a_table_that_does_not_fit_the_code_is_reported(monkeypatch, change, expected):
    metas = dict(rule_meta())
    metas["no-plan-coverage"] = dataclasses.replace(metas["no-plan-coverage"], **change)
    monkeypatch.setattr(_registry, "rule_meta", lambda: metas)
    problems = rule_table_problems()
    assert len(problems) >= 1
    assert all(p.startswith("rules.toml [no-plan-coverage]: ") for p in problems)
    assert any(expected in p for p in problems), problems


def test_extra_texts_of_a_rule_come_from_its_table():
    assert RULES["conversion-contrary-to-plan"].why["protected_en"].startswith(
        "the previous use is protected")
    assert set(RULES["quota-unmatched"].why) == {"code_en", "code_vi", "unit_en", "unit_vi"}
