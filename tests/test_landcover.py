"""Land cover: exact fractions per parcel and the unused-land / wrong-purpose rules.
The plan of conftest: LUC [0,100]×[0,200], ONT [100,300]×[0,200], DGT [0,300]×[200,210]."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
from rasterio.features import rasterize
from rasterio.transform import from_origin
from shapely.geometry import box

import landplan
from landplan import CheckConfig
from landplan.landcover import cover_fractions, load_landcover

from .conftest import X0, at
from .test_rules import decisions_of, rules_of

CROPLAND, BUILT, WATER, GRASS = 40, 50, 80, 30


def paint(path, shapes, *, crs="EPSG:9209", background=CROPLAND, pixel=10.0,
          nodata_boxes=(), extent=(-50, -50, 350, 260)):
    """A categorical GeoTIFF over the test district: ``shapes`` = [(local geometry, value)]."""
    import geopandas as gpd

    local = gpd.GeoSeries([at(box(*extent))], crs="EPSG:9209").to_crs(crs)
    minx, miny, maxx, maxy = local.total_bounds
    width, height = int((maxx - minx) // pixel) + 1, int((maxy - miny) // pixel) + 1
    transform = from_origin(minx, maxy, pixel, pixel)
    geoms = gpd.GeoSeries([at(g) for g, _ in shapes], crs="EPSG:9209").to_crs(crs)
    data = np.full((height, width), background, dtype="uint8")
    if len(geoms):
        data = rasterize(list(zip(geoms, [v for _, v in shapes], strict=True)),
                         out_shape=data.shape, transform=transform, fill=background,
                         dtype="uint8")
    if nodata_boxes:
        holes = gpd.GeoSeries([at(g) for g in nodata_boxes], crs="EPSG:9209").to_crs(crs)
        mask = rasterize([(g, 1) for g in holes], out_shape=data.shape, transform=transform,
                         fill=0, dtype="uint8").astype(bool)
        data[mask] = 0
    with rasterio.open(path, "w", driver="GTiff", width=width, height=height, count=1,
                       dtype="uint8", crs=crs, transform=transform, nodata=0) as dst:
        dst.write(data, 1)
    return path


def run(plan, decisions, rasters, as_of="2025-12-31"):
    return landplan.check(plan, decisions, landcover=rasters,
                          config=CheckConfig(lang="en", as_of=as_of))


def test_fractions_are_exact_for_a_parcel_smaller_than_a_pixel(tmp_path):
    import geopandas as gpd

    raster = paint(tmp_path / "c.tif", [(box(120, 20, 130, 30), BUILT)])
    tiny = gpd.GeoDataFrame(geometry=[at(box(121, 21, 124, 24)),   # 9 m² inside one pixel
                                      at(box(125, 15, 135, 25))],  # a quarter on BUILT
                            crs="EPSG:9209")
    frac = cover_fractions(tiny, raster)
    assert frac.loc[0, "built"] == pytest.approx(1.0)
    assert frac.loc[0, "coverage"] == pytest.approx(1.0)
    assert frac.loc[1, "built"] == pytest.approx(0.25)


def test_a_parcel_half_outside_the_raster_is_not_judged(plan, tmp_path):

    raster = paint(tmp_path / "c.tif", [], extent=(0, 0, 150, 210))
    with rasterio.open(raster) as src:
        edge_x = src.bounds.right - X0
    d = decisions_of({"date": "01/02/2022", "geom": box(edge_x - 8, 20, edge_x + 12, 40)})
    result = run(plan, d, [("2025-06-30", raster)])
    assert rules_of(result, 0) == ["landcover-unchecked"]  # not "unused-land": not judged
    assert result.decisions.loc[0, "landcover_coverage"] == pytest.approx(0.4, abs=0.01)


def test_a_raster_in_another_crs_gives_the_same_answer(plan, tmp_path):
    shapes = [(box(120, 20, 160, 60), BUILT), (box(20, 20, 60, 60), BUILT)]
    local = paint(tmp_path / "vn2000.tif", shapes)
    utm = paint(tmp_path / "utm.tif", shapes, crs="EPSG:32648")
    d = decisions_of({"date": "01/02/2022", "geom": box(125, 25, 155, 55)},
                     {"date": "01/02/2022", "code": "LUC", "kind": "Công nhận",
                      "geom": box(25, 25, 55, 55)})
    a = run(plan, d, [("2025-06-30", local)])
    b = run(plan, d, [("2025-06-30", utm)])
    assert rules_of(a, 1) == rules_of(b, 1) == ["wrong-purpose"]  # rice land built over
    assert rules_of(a, 0) == rules_of(b, 0) == []
    assert a.decisions["cover_built"].to_numpy() == pytest.approx(
        b.decisions["cover_built"].to_numpy(), abs=0.05)


def test_nodata_inside_a_parcel_leaves_it_unchecked_with_a_reason(plan, tmp_path):
    raster = paint(tmp_path / "c.tif", [], nodata_boxes=[box(110, 10, 170, 70)])
    d = decisions_of({"date": "01/02/2022", "geom": box(120, 20, 150, 50)})
    result = run(plan, d, [("2025-06-30", raster)])
    assert rules_of(result, 0) == ["landcover-unchecked"]
    assert result.decisions.loc[0, "status"] == "compliant"
    assert "0%" in result.findings.loc[0, "message"]


def test_unused_residential_land_is_flagged_but_not_when_too_recent(plan, tmp_path):
    raster = paint(tmp_path / "c.tif", [])  # everything stays cropland
    d = decisions_of({"date": "01/02/2022", "geom": box(120, 20, 150, 50)},
                     {"date": "01/03/2025", "geom": box(170, 20, 200, 50)},
                     {"date": "01/02/2022", "kind": "Công nhận", "geom": box(220, 20, 250, 50)})
    result = run(plan, d, [("2025-06-30", raster)])
    assert rules_of(result, 0) == ["unused-land"]
    assert rules_of(result, 1) == []  # 9 months: within the legal period
    assert rules_of(result, 2) == []  # a recognition is not a grant for development
    message = result.findings.loc[result.findings["rule"] == "unused-land", "message"].item()
    assert "46 months" in message


def test_a_rise_of_building_between_two_dates_is_construction_not_non_use(plan, tmp_path):
    before = paint(tmp_path / "2021.tif", [])
    after = paint(tmp_path / "2025.tif", [(box(120, 20, 130, 30), BUILT)])  # 11 % of 900 m²
    d = decisions_of({"date": "01/02/2021", "geom": box(120, 20, 150, 50)},
                     {"date": "01/02/2021", "geom": box(170, 20, 200, 50)})
    result = run(plan, d, [("2021-01-15", before), ("2025-06-30", after)])
    assert rules_of(result, 0) == []  # built share rose 0 → 11 %
    assert rules_of(result, 1) == ["unused-land"]


def test_a_residential_parcel_turned_into_a_pond_is_wrong_purpose(plan, tmp_path):
    raster = paint(tmp_path / "c.tif", [(box(120, 20, 150, 50), WATER),
                                        (box(170, 20, 200, 50), BUILT),
                                        (box(20, 20, 32, 50), BUILT)])
    d = decisions_of({"date": "01/02/2022", "geom": box(120, 20, 150, 50)},
                     {"date": "01/02/2022", "geom": box(170, 20, 200, 50)},
                     {"date": "01/02/2022", "code": "LUC", "kind": "Công nhận",
                      "geom": box(20, 20, 50, 50)})  # 40 % built: below the 50 % threshold
    result = run(plan, d, [("2025-06-30", raster)])
    assert rules_of(result, 0) == ["wrong-purpose"]
    assert "Permanent water" in result.findings.loc[0, "message"]
    assert rules_of(result, 1) == [] and rules_of(result, 2) == []


def test_landcover_list_errors_are_gathered(tmp_path):
    listing = tmp_path / "landcover.csv"
    listing.write_text("path,date\nmissing.tif,2025-06-30\nalso.tif,someday\n",
                       encoding="utf-8")
    with pytest.raises(landplan.InputError) as err:
        load_landcover(listing)
    text = str(err.value)
    assert "raster not found" in text and "'someday'" in text


def test_decisions_output_carries_the_cover_evidence(plan, tmp_path):
    raster = paint(tmp_path / "c.tif", [(box(120, 20, 150, 50), BUILT)])
    d = decisions_of({"date": "01/02/2022", "geom": box(120, 20, 150, 50)})
    result = run(plan, d, [("2025-06-30", raster)])
    row = result.decisions.iloc[0]
    assert row["cover_built"] == pytest.approx(1.0)
    assert row["landcover_date"] == np.datetime64("2025-06-30")


UNKNOWN = 77  # a value the class table does not have


def test_pixels_of_an_unknown_class_are_no_evidence_of_cover(plan, tmp_path):
    # parcel 0 [120,140]×[20,40] on pixel edges: west half BUILT, east half value 77;
    # parcel 1 [170,200]×[20,50] all 77. Both are ONT allocations of 2022 (unused-land scope)
    raster = paint(tmp_path / "c.tif", [(box(120, 20, 130, 40), BUILT),
                                        (box(130, 20, 140, 40), UNKNOWN),
                                        (box(160, 10, 210, 60), UNKNOWN)])
    d = decisions_of({"date": "01/02/2022", "geom": box(120, 20, 140, 40)},
                     {"date": "01/02/2022", "geom": box(170, 20, 200, 50)})
    frac = cover_fractions(d, raster)
    assert frac.loc[0, "coverage"] == pytest.approx(0.5)   # 200 of 400 m² known
    assert frac.loc[0, "unknown"] == pytest.approx(0.5)
    assert frac.loc[0, "built"] == pytest.approx(1.0)      # share of the known area
    assert frac.loc[1, "coverage"] == pytest.approx(0.0)
    assert frac.loc[1, "unknown"] == pytest.approx(1.0)
    result = run(plan, d, [("2025-06-30", raster)])
    assert rules_of(result, 1) == ["landcover-unchecked"]  # never unused-land
    message = result.findings.loc[result.findings["rule"] == "landcover-unchecked",
                                  "message"].tolist()
    assert any("100% has values not in the land-cover class table" in m for m in message)
    assert result.decisions.loc[1, "landcover_unknown"] == pytest.approx(1.0)


def _plain_tif(path, *, crs="EPSG:9209", rotated=False):
    from affine import Affine

    transform = from_origin(X0, 2_308_300.0, 10, 10)
    if rotated:
        transform = transform * Affine.rotation(10)
    with rasterio.open(path, "w", driver="GTiff", width=4, height=4, count=1, dtype="uint8",
                       crs=crs, transform=transform, nodata=0) as dst:
        dst.write(np.full((4, 4), CROPLAND, dtype="uint8"), 1)
    return path


@pytest.mark.parametrize("kind, needles", [
    ("no-crs", ("no coordinate system", "gdal_edit.py -a_srs")),
    ("rotated", ("rotated", "gdalwarp")),
])
def test_rasters_that_cannot_be_placed_are_refused(tmp_path, kind, needles):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tif = _plain_tif(tmp_path / "lop_phu.tif", crs=None if kind == "no-crs" else "EPSG:9209",
                         rotated=kind == "rotated")
    with pytest.raises(landplan.InputError) as err:
        load_landcover([("2025-06-30", tif)])
    assert "lop_phu.tif" in str(err.value)
    for needle in needles:
        assert needle in str(err.value)


def test_a_single_raster_is_accepted_with_its_date_and_refused_without(tmp_path):
    tif = _plain_tif(tmp_path / "lop_phu.tif")
    assert load_landcover(f"{tif}@2025-06-30") == [(np.datetime64("2025-06-30"), tif)]
    with pytest.raises(landplan.InputError) as err:
        load_landcover(tif)
    text = str(err.value)
    assert "is a raster without a date" in text and "lop_phu.tif@YYYY-MM-DD" in text


def test_recovered_land_is_not_judged_by_its_cover_and_an_unreadable_kind_is_a_grant(plan,
                                                                                    tmp_path):
    # everything stays cropland: rice land built over is wrong-purpose, ONT land not built
    # 46 months after a grant is unused; a recovery is neither, an unreadable kind is unused
    raster = paint(tmp_path / "c.tif", [(box(20, 20, 50, 50), BUILT)])
    d = decisions_of({"date": "01/02/2022", "code": "LUC", "kind": "Thu hồi đất",
                      "geom": box(20, 20, 50, 50)},
                     {"date": "01/02/2022", "kind": "Thu hồi đất", "geom": box(120, 20, 150, 50)},
                     {"date": "01/02/2022", "kind": "??", "geom": box(170, 20, 200, 50)})
    result = run(plan, d, [("2025-06-30", raster)])
    assert [rules_of(result, i) for i in range(3)] == [[], [], ["unknown-kind", "unused-land"]]
    assert result.decisions["status"].tolist() == ["compliant", "compliant", "violation"]
