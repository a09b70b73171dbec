"""What the map page carries for the inspector, without a browser: the decisions' status names
the deciding rule, their plan version and commune are properties of the layer, the legend has
one part per layer, and no two meanings share a colour."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from shapely.geometry import box

import landplan
from landplan._labels import colors, label
from landplan._map_codec import read_layers
from landplan._map_controls import _legend, _summary
from landplan._map_layers import decision_props, status_texts
from landplan.codes import load_codes
from landplan.landcover import landcover_classes
from landplan.rules import RULES

from .conftest import at


def _check():
    plan = gpd.GeoDataFrame({"maloaidat": ["LUC", "ONT"]},
                            geometry=[at(box(0, 0, 100, 100)), at(box(100, 0, 200, 100))],
                            crs="EPSG:9209")
    decisions = gpd.GeoDataFrame({
        "so_qd": ["1/QĐ-UBND", "2/QĐ-UBND"], "kyhieumucd": ["ONT", "ONT"],
        "hinh_thuc": ["Giao đất", "Giao đất"], "shbando": ["1", "1"], "shthua": ["1", "2"],
        "ma_xa": ["Xã Đoàn Thượng", ""], "ngay_qd": ["01/02/2023", "01/02/2023"]},
        geometry=[at(box(20, 20, 40, 40)), at(box(120, 20, 140, 40))], crs="EPSG:9209")
    return landplan.check(plan, decisions)


def test_a_violation_s_status_names_its_rule_and_carries_version_and_commune():
    result = _check()
    props = decision_props(result.decisions, result.findings, lang="vi", public=False)
    violation = props[props["s"] == "violation"].iloc[0]
    rule = violation["ru"]
    assert rule in RULES
    assert violation["st"] == f"{label('status.violation', 'vi')} — {RULES[rule].title('vi')}"
    assert violation["u"] == "Xã Đoàn Thượng"
    assert violation["pv"] == "v1"
    compliant = props[props["s"] == "compliant"].iloc[0]
    assert compliant["st"] == label("status.compliant", "vi") and compliant["ru"] == ""
    assert "q" not in props.columns  # made in the page from n, p and u


def test_status_texts_fall_back_to_the_word_alone():
    texts = status_texts(pd.Series(["violation", "unchecked"]), ["nope", ""], lang="en")
    assert list(texts) == [label("status.violation", "en"), label("status.unchecked", "en")]


def test_the_map_s_decisions_layer_has_what_the_list_is_built_from(tmp_path):
    result = _check()
    fmap = landplan.make_map(result, offline=True)
    html = fmap.get_root().render()
    _, props = read_layers(html)["decisions"]
    assert {"n", "u", "pv", "ru", "sv", "s", "va"} <= set(props[0])
    assert html.count('class="landplan-panel landplan-list"') == 1
    assert "LANDPLAN.inspect(" in html
    assert "imperial: false" in html and "L.control.scale({\n" not in html


def test_the_legend_has_a_part_per_layer_and_the_summary_rows_filter():
    result = _check()
    legend = _legend(result.plan, load_codes(), "vi", ["corridors", "projects"])
    for key in ("plan", "decisions", "findings", "corridors", "projects"):
        assert f'data-landplan-layer="{key}"' in legend
    assert 'data-landplan-layer="changes"' not in legend
    summary = _summary(result, "vi")
    assert 'data-status="violation"' in summary and "data-rule=" in summary


def test_no_two_meanings_share_a_colour():
    status, severity = colors("status"), colors("severity")
    assert not set(status.values()) & set(severity.values())
    cover = dict(zip(landcover_classes()["class"], landcover_classes()["color"], strict=True))
    assert cover["built"] not in status.values()
    layers = colors("map")
    assert {"projects", "stale", "corridors", "changes", "legalised"} <= set(layers)
    assert layers["stale"] not in status.values() and layers["stale"] not in severity.values()
