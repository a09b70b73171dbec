"""The Folium map: layers present, attribute text escaped."""

from __future__ import annotations

import json

import folium

import landplan
from landplan.maps import escape

EVIL = "<img src=x onerror=alert(1)>`${alert(2)}`</script>"


def test_escape_neutralises_markup_and_template_literals():
    text = escape(EVIL)
    for raw in ("<", ">", "`", "${"):
        assert raw not in text
    assert escape(None) == "" and escape(float("nan")) == ""


def test_map_has_plan_and_violations_and_escapes_attributes(plan, decisions):
    decisions = decisions.copy()
    decisions["so_qd"] = EVIL  # every decision number is hostile
    result = landplan.check(plan, decisions)
    fmap = landplan.make_map(result, lang="vi")
    assert isinstance(fmap, folium.Map)
    html = fmap.get_root().render()
    assert "<img src=x" not in html and "\\u003cimg" not in html
    assert "${alert(2)}" not in html and "`${" not in html
    assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in html  # shown as text
    assert '"decision_date": "NaT"' not in html
    for layer in ("Quy hoạch sử dụng đất", "Quyết định trái quy hoạch"):
        assert layer in html or json.dumps(layer)[1:-1] in html, layer
    assert "Chú giải" in html  # legend
    assert "#FFFC8C" in html  # LUC in the official palette
