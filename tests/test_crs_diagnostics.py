"""CRS diagnostics: VN-2000 .prj variants are recognised, misplaced coordinates caught."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from pyproj import CRS

import landplan
from landplan.cli import main
from landplan.crs import check_coordinates, resolve_crs
from landplan.errors import CRSError

TOWGS84 = ("-191.90441429,-39.30318279,-111.45032835,-0.00928836,0.01975479,-0.00427372,"
           "0.252906278")
TM3 = "+proj=tmerc +lat_0=0 +lon_0=105.5 +k=0.9999 +x_0=500000 +y_0=0 +units=m"
ESRI_NOI_BO = (
    'PROJCS["VN-2000 noi bo",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",'
    '6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],'
    'PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],'
    'PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",105.5],'
    'PARAMETER["Scale_Factor",0.9999],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
)


@pytest.mark.parametrize("definition, words", [
    (f"{TM3} +ellps=WGS84 +towgs84={TOWGS84}", "Position Vector"),
    (f"{TM3} +ellps=WGS84", "without a datum shift"),
    (ESRI_NOI_BO, "without a datum shift"),
])
def test_vn2000_variants_are_read_as_the_epsg_zone_and_said(definition, words):
    used, note = resolve_crs(CRS.from_user_input(definition))
    assert used.to_epsg() == 9209
    assert words in note and "EPSG:9209" in note and "EPSG:6960" in note


@pytest.mark.parametrize("definition", ["EPSG:9209", "EPSG:32648", "EPSG:4326",
                                        f"{TM3} +ellps=WGS84 +towgs84=0,0,0",
                                        "+proj=tmerc +lon_0=105.5 +k=1 +x_0=0 +ellps=WGS84"])
def test_other_crs_are_left_alone(definition):
    crs = CRS.from_user_input(definition)
    used, note = resolve_crs(crs)
    assert note is None and used == crs


def _layer(x, y, crs, n=5):
    size = 2e-4 if crs == 4326 else 20.0  # about 20 m either way
    return gpd.GeoDataFrame(
        geometry=[shapely.box(x + 1.5 * size * i, y, x + 1.5 * size * i + size, y + size)
                  for i in range(n)], crs=crs)


def test_coordinates_in_place_pass():
    check_coordinates(_layer(583_000, 2_308_000, 9209))
    check_coordinates(_layer(583_000, 2_308_000, 9209).to_crs(4326))


@pytest.mark.parametrize("x, y, crs, words", [
    (106.3, 20.87, 9209, "longitude/latitude degrees"),
    (2_308_000, 583_000, 9209, "x and y swapped"),
    (583_000, 5_308_000, 9209, "far from where"),
    (583_000, 2_308_000, 4326, "are not degrees"),
    (20.87, 106.3, 4326, "swapped"),
])
def test_coordinates_that_do_not_fit_the_crs_are_an_error(x, y, crs, words):
    with pytest.raises(CRSError, match=words):
        check_coordinates(_layer(x, y, crs), "thua.shp")


def test_a_few_wild_records_do_not_fail_the_layer():
    layer = _layer(583_000, 2_308_000, 9209, n=9)
    layer.loc[0, "geometry"] = shapely.box(1e300, 1e300, 2e300, 2e300)
    layer.loc[1, "geometry"] = None
    check_coordinates(layer)


def test_lonlat_written_with_a_projected_prj_is_caught_on_load(plan, decisions, tmp_path,
                                                                 capsys):
    wrong = decisions.to_crs(4326).set_crs(9209, allow_override=True)
    path = tmp_path / "thua.shp"
    wrong.to_file(path, engine="pyogrio", encoding="UTF-8")
    with pytest.raises(CRSError, match=r"thua\.shp"):
        landplan.load_decisions(path)
    plan_path = tmp_path / "plan.gpkg"
    plan.to_file(plan_path, engine="pyogrio")
    code = main(["check", "--plan", str(plan_path), "--decisions", str(path), "--out",
                 str(tmp_path / "out"), "--no-map", "-q", "--lang", "en"])
    err = capsys.readouterr().err
    assert code == 2 and "longitude/latitude" in err and "--crs" in err


def test_noi_bo_prj_is_reprojected_like_the_epsg_zone(decisions, tmp_path):
    path = tmp_path / "noibo.shp"
    decisions.to_file(path, engine="pyogrio", encoding="UTF-8")
    path.with_suffix(".prj").write_text(ESRI_NOI_BO)
    loaded = landplan.read_layer(path)
    assert loaded.crs.to_epsg() == 9209 and "nội bộ" in loaded.attrs["crs_note"]
    official = decisions.to_crs(4326).geometry
    assert (loaded.geometry.distance(decisions.geometry) < 1e-6).all()
    assert (loaded.to_crs(4326).geometry.normalize()
            .geom_equals_exact(official.normalize(), 1e-9)).all()
