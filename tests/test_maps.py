"""The Folium map: layers, safe embedding of attribute text, privacy, offline assets."""

from __future__ import annotations

import base64
import json
import re

import folium
import pytest

import landplan
from landplan._map_codec import read_layers
from landplan.maps import MapBudget, _js, escape, personal_columns, write_maps

EVIL = "<img src=x onerror=alert(1)>`${alert(2)}`</script><!--"


def test_escape_neutralises_markup_and_template_literals():
    text = escape(EVIL)
    for raw in ("<", ">", "`", "${"):
        assert raw not in text
    assert escape(None) == "" and escape(float("nan")) == ""


def test_embedded_json_cannot_close_its_script_element():
    text = _js({"n": EVIL})
    assert "<" not in text and ">" not in text
    assert json.loads(text) == {"n": EVIL}  # still the same data for the browser


@pytest.fixture
def hostile(plan, decisions):
    decisions = decisions.copy()
    decisions["so_qd"] = EVIL
    return landplan.check(plan, decisions)


def test_map_embeds_hostile_attributes_only_as_escaped_data(hostile):
    fmap = landplan.make_map(hostile, lang="vi")
    assert isinstance(fmap, folium.Map)
    html = fmap.get_root().render()
    assert "<img src=x" not in html
    assert "${alert(2)}" not in html.replace("\\u0024", "")
    assert html.count("</script>") == html.count("<script")  # no script closed early
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in html


def test_map_layers_and_controls(hostile):
    html = landplan.make_map(hostile, lang="vi").get_root().render()
    for text in ("Quy hoạch sử dụng đất", "Quyết định (theo tình trạng)",
                 "Vi phạm (theo mức độ)", "Chú giải", "Tổng hợp", "L.Control.Search",
                 "L.control.fullscreen", "L.Control.Measure", "MiniMap", "preferCanvas",
                 "L.control.scale", "L.control.layers"):
        assert text in html or json.dumps(text)[1:-1] in html, text
    assert "#FFFC8C" in html  # LUC in the official palette


def test_offline_map_has_no_remote_script_or_style(hostile):
    html = landplan.make_map(hostile, offline=True).get_root().render()
    assert not re.search(r'<(script|link)[^>]+(src|href)="(https?:)?//', html)
    assert "tile.openstreetmap.org" not in html
    assert "L.Control.Search" in html and "Leaflet" in html


def test_online_map_uses_the_osm_basemap(hostile):
    html = landplan.make_map(hostile, offline=False).get_root().render()
    assert "tile.openstreetmap.org" in html


def test_public_map_drops_personal_fields(plan, decisions):
    # The decisions' popups are the one place a map shows a personal field (the owner);
    # addresses and identity numbers are never drawn, so only the owner can leak.
    result = landplan.check(plan, decisions)
    result.decisions["owner"] = "Nguyễn Văn Bí Mật"
    private = landplan.make_map(result).get_root().render()
    public = landplan.make_map(result, public=True).get_root().render()
    _, props = read_layers(private)["decisions"]
    assert {p.get("o") for p in props} == {"Nguyễn Văn Bí Mật"}  # drawn, when private
    assert all("o" not in p for p in read_layers(public)["decisions"][1])
    assert "Bí Mật" not in public
    assert set(personal_columns(["tenchu", "DiaChi", "owner", "so_qd"])) == {
        "tenchu", "DiaChi", "owner"}


def _statuses(fmap) -> list[str]:
    """The status of each decision the map draws (its ``decisions`` layer, decoded)."""
    _, props = read_layers(fmap.get_root().render())["decisions"]
    return [p["s"] for p in props]


def test_compliant_decisions_are_drawn_only_when_asked(hostile):
    few = _statuses(landplan.make_map(hostile))
    many = _statuses(landplan.make_map(hostile, all_decisions=True))
    assert few.count("compliant") == 0
    assert many.count("compliant") == int((hostile.decisions["status"] ==
                                           "compliant").sum())


@pytest.mark.filterwarnings("ignore::rasterio.errors.NotGeoreferencedWarning")  # the PNG
def test_raster_is_embedded_as_an_image_overlay(hostile, tmp_path):
    import numpy as np
    import rasterio
    from pyproj import Transformer
    from rasterio.io import MemoryFile
    from rasterio.transform import from_origin

    path = tmp_path / "cover.tif"
    data = np.arange(100, dtype="uint8").reshape(10, 10) % 3 + 1
    with rasterio.open(path, "w", driver="GTiff", width=10, height=10, count=1, dtype="uint8",
                       crs="EPSG:32648", transform=from_origin(583_000, 2_308_200, 20, 20),
                       nodata=0) as dst:
        dst.write(data, 1)
    fmap = landplan.make_map(hostile, raster=path, offline=True)
    html = fmap.get_root().render()
    # (The inlined Leaflet CSS alone holds "data:image/png;base64," and "cover": look for the
    # overlay itself.)
    overlay = re.search(r'L\.imageOverlay\(\s*"data:image/png;base64,([A-Za-z0-9+/=]+)",\s*'
                        r"\[\[([-\d.]+), ([-\d.]+)\], \[([-\d.]+), ([-\d.]+)\]\]", html)
    assert overlay, "no image overlay with an embedded PNG"
    # Placed on the raster's footprint (south, west, north, east in degrees).
    to_wgs84 = Transformer.from_crs("EPSG:32648", "EPSG:4326", always_xy=True)
    lon, lat = to_wgs84.transform([583_000, 583_200, 583_000, 583_200],
                                  [2_308_000, 2_308_000, 2_308_200, 2_308_200])
    south, west, north, east = (float(v) for v in overlay.groups()[1:])
    assert (south, west, north, east) == pytest.approx((min(lat), min(lon), max(lat), max(lon)),
                                                       abs=1e-5)
    # The image: values 1-3 (no colour map, not land-cover classes) in three grey levels,
    # nodata transparent.
    with MemoryFile(base64.b64decode(overlay.group(1))) as mem, mem.open() as png:
        assert png.driver == "PNG" and png.count == 4
        rgba = png.read()
    opaque = rgba[3] == 255
    assert opaque.mean() > 0.8 and set(np.unique(rgba[3])) <= {0, 255}
    greys = {tuple(int(c) for c in px) for px in rgba[:3, opaque].T}
    assert greys == {(0, 0, 0), (127, 127, 127), (255, 255, 255)}
    # Listed in the layer control under the land-cover label and the file's name.
    assert json.dumps("Hiện trạng lớp phủ (cover)") in html


def test_runtime_values_fill_their_slots_in_one_pass():
    from landplan._map_runtime import _fill

    # a code name that reads "{{ legal }}" stays that text: a value is never searched for slots
    assert _fill("{{ a }}|{{ b }}", {"a": "{{ b }}", "b": "1"}) == "{{ b }}|1"


def test_the_compact_encoding_reads_back_exactly():
    import numpy as np
    import pandas as pd
    import shapely

    from landplan._map_codec import decode_layer, encode_ints, encode_layer

    holed = shapely.Polygon([(105.1, 20.1), (105.3, 20.1), (105.3, 20.3), (105.1, 20.3)],
                            [[(105.15, 20.15), (105.2, 20.15), (105.2, 20.2)]])
    geoms = np.array([
        holed,
        shapely.MultiPolygon([shapely.box(-1, -1, 0, 0), shapely.box(2, 2, 3, 3)]),
        shapely.Point(583_000.123456, 2_308_000.5),  # no CRS: raw metres, large numbers
        shapely.LineString([(0, 0), (1e-6, -1e-6), (-179.999999, 89.999999)]),
        shapely.GeometryCollection([shapely.Point(1, 1), shapely.box(0, 0, 1, 1)]),
    ], dtype=object)
    props = pd.DataFrame({"s": ["a", "b", "a", None, "a"], "n": [EVIL, "x", "y", "z", None],
                          "a": [1.26, float("nan"), 3.0, -4.04, 5.0]})
    data, cost = encode_layer(geoms, props)
    assert set("".join(v for v in data.values() if isinstance(v, str))) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert data["p"]["s"] == {"d": ["a", "b"], "i": encode_ints(np.array([1, 2, 1, 0, 1]))[0]}
    assert len(cost) == 5 and (cost > 0).all()
    back, records = decode_layer(json.loads(_js(data)))
    assert all(shapely.equals_exact(a, b, tolerance=1e-9) for a, b in zip(back, geoms, strict=True))
    assert records == [{"s": "a", "n": EVIL, "a": 1.3}, {"s": "b", "n": "x"},
                       {"s": "a", "n": "y", "a": 3.0}, {"n": "z", "a": -4.0},
                       {"s": "a", "a": 5.0}]
    text, digits = encode_ints(np.array([0, 31, 32, 2**40]))
    assert digits.tolist() == [1, 1, 2, 9] and text[:2] == "Af"


TEMPLATE = "{{ 1234 * 1000 }}{% if true %}x{% endif %}"  # Jinja would print 1234000x


def test_attribute_text_is_never_evaluated_as_a_jinja_template(plan, decisions):
    # folium re-reads a MacroElement's rendered script as a Jinja template: a decision
    # number, owner or plan version written like a template would be executed
    plan = plan.assign(phien_ban=[TEMPLATE, TEMPLATE, "v2"],  # two versions: named layers
                       approved=["2021-01-01", "2021-01-01", "2022-01-01"])
    result = landplan.check(plan, decisions.assign(so_qd=TEMPLATE, ma_xa=TEMPLATE))
    result.decisions["owner"] = TEMPLATE
    html = landplan.make_map(result).get_root().render()
    assert "1234000" not in html
    _, props = read_layers(html)["decisions"]
    assert {p["n"] for p in props} == {TEMPLATE} and {p["o"] for p in props} == {TEMPLATE}
    # the version's name in the layer control: braces as HTML references, in folium's JSON
    assert "\\u0026#123;\\u0026#123; 1234 * 1000 \\u0026#125;\\u0026#125;" in html


def test_split_maps_do_not_evaluate_templates_in_unit_names_either(sample_check, tmp_path):
    d = sample_check.decisions.assign(unit=TEMPLATE, decision_no=TEMPLATE)
    result = sample_check._replace(decisions=d)
    written = write_maps(result, tmp_path, budget=MapBudget(max_features=100))
    assert "maps/" in written  # split: an index and the units' maps
    pages = [written["map.html"], *sorted((tmp_path / "maps").glob("*.html"))]
    for page in pages:
        assert "1234000" not in page.read_text(encoding="utf-8"), page.name
