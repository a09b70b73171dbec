"""Validation of the configuration file and the options (landplan.config)."""

from __future__ import annotations

import pandas as pd
import pytest

import landplan
from landplan._rulemeta import rule_meta
from landplan.config import CheckConfig, load_config, resolve_config


def test_every_wrong_value_of_the_file_and_the_options_is_reported_at_once(tmp_path):
    path = tmp_path / "landplan.toml"
    path.write_text('tolerance_pct = nan\ntolerance_m2 = "20"\nlang = 3\nas_of = 2025\n'
                    '[rules.unknown-kind]\nenabled = "false"\n'
                    '[rules.wrong-purpose]\nmax_share = -1\n'
                    '[rules.conversion-contrary-to-plan]\nprotected = "LUA"\n',
                    encoding="utf-8")
    with pytest.raises(landplan.ConfigError) as err:
        resolve_config(path, {"tolerance_m2": "inf", "plan_start": "hôm nay"})
    text = str(err.value)
    for needle in ("tolerance_pct", "tolerance_m2", "without quotes", "lang", "as_of",
                   "enabled must be true or false", "max_share", "protected",
                   "--tolerance-m2", "--plan-start"):
        assert needle in text, needle
    assert "9 problems" in text


def test_a_string_false_does_not_leave_a_rule_on():
    with pytest.raises(landplan.ConfigError, match="true or false"):
        CheckConfig(rules={"unknown-kind": {"enabled": "false"}})


@pytest.mark.parametrize("value", [float("nan"), float("inf"), True, "5"])
def test_tolerances_must_be_finite_numbers(value):
    with pytest.raises(landplan.ConfigError, match="finite number"):
        CheckConfig(tolerance_m2=value)


def test_option_numbers_are_read_as_user_numbers():
    config = resolve_config(None, {"tolerance_pct": "2,5", "tolerance_m2": "1.000"})
    assert (config.tolerance_pct, config.tolerance_m2) == (2.5, 1000.0)


def test_bare_years_in_the_file_are_the_first_and_last_day_of_the_period(tmp_path):
    path = tmp_path / "landplan.toml"
    path.write_bytes("\ufeffplan_start = 2021\nplan_end = 2025\nas_of = \"31/12/2025\"\n"
                     .encode())
    config = load_config(path)
    assert config.plan_start == pd.Timestamp("2021-01-01")
    assert config.plan_end == pd.Timestamp("2025-12-31")
    assert config.as_of == pd.Timestamp("2025-12-31")


def test_options_override_the_file_and_the_period_is_checked_across_both(tmp_path):
    path = tmp_path / "landplan.toml"
    path.write_text("plan_start = 2021\n", encoding="utf-8")
    with pytest.raises(landplan.ConfigError, match="--plan-end 31/12/2020"):
        resolve_config(path, {"plan_end": "2020"})
    assert resolve_config(path, {"plan_start": "01/02/2021"}).plan_start == \
        pd.Timestamp("2021-02-01")


@pytest.mark.parametrize(("rule_id", "name"), [
    (rule_id, name) for rule_id, meta in rule_meta().items() for name in meta.params])
def test_every_rule_parameter_of_a_wrong_type_is_refused_when_the_config_is_read(
        tmp_path, rule_id, name):
    path = tmp_path / "landplan.toml"
    path.write_text(f"[rules.{rule_id}]\n{name} = {{ wrong = 1 }}\n", encoding="utf-8")
    with pytest.raises(landplan.ConfigError, match=f"rules.{rule_id}.{name} (must|is)"):
        resolve_config(path)


@pytest.mark.parametrize("text", [
    "[rules]\nzoning-conflict = 3\n",              # a value where the rule's table goes
    '[rules]\nzoning-conflict = "disabled"\n',
    '[rules.quota-exceeded]\nneeds = ["quotas"]\n',  # a rule's inputs are not settings
])
def test_a_rule_setting_of_the_wrong_shape_exits_two_not_three(tmp_path, capsys, text):
    path = tmp_path / "landplan.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(landplan.ConfigError, match=r"rules\.(zoning-conflict must be a table|"
                                                   r"quota-exceeded: unknown setting\(s\) needs)"):
        resolve_config(path)
    from landplan.cli import main

    code = main(["check", "--plan", str(tmp_path / "qh.gpkg"), "--decisions",
                 str(tmp_path / "qd.shp"), "--out", str(tmp_path / "out"), "--config",
                 str(path), "-q", "--lang", "en"])
    err = capsys.readouterr().err
    assert code == 2 and "landplan: error: Invalid configuration" in err, err
    assert not (tmp_path / "out").exists()


def test_a_rule_given_a_value_instead_of_a_table_is_refused_in_python_too():
    with pytest.raises(landplan.ConfigError, match=r"rules\.zoning-conflict must be a table"):
        CheckConfig(rules={"zoning-conflict": 3})


@pytest.mark.parametrize(("rule_id", "name", "value"), [
    ("wrong-purpose", "max_share", "50"),        # a percentage where a share goes
    ("landcover-unchecked", "min_coverage", "1.5"),
    ("unused-land", "min_developed", "20"),
    ("unused-land", "min_rise", "10"),
])
def test_a_share_outside_zero_to_one_is_refused_not_silently_never_flagged(
        tmp_path, rule_id, name, value):
    path = tmp_path / "landplan.toml"
    path.write_text(f"[rules.{rule_id}]\n{name} = {value}\n", encoding="utf-8")
    with pytest.raises(landplan.ConfigError,
                       match=rf"rules\.{rule_id}\.{name} must be between 0 and 1 \(a share"):
        resolve_config(path)
    path.write_text(f"[rules.{rule_id}]\n{name} = 0.25\n", encoding="utf-8")
    assert resolve_config(path).rules[rule_id][name] == 0.25
