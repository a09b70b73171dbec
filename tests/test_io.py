"""Reading layers in every supported format, with both engines."""

from __future__ import annotations

import zipfile

import geopandas as gpd
import pytest

import landplan
from landplan.errors import CRSError, InputError, LayerNotFoundError


def _shapefile(gdf, folder, name="decisions"):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.shp"
    gdf.to_file(path, engine="pyogrio", encoding="UTF-8")
    return path


def _zip(shp, dest, prefix=""):
    with zipfile.ZipFile(dest, "w") as z:
        for part in shp.parent.glob(f"{shp.stem}.*"):
            z.write(part, prefix + part.name)
    return dest


@pytest.mark.parametrize("engine", ["pyogrio", "fiona"])
def test_shapefile_zip_gpkg_geojson_parquet_give_the_same_decisions(decisions, tmp_path, engine):
    shp = _shapefile(decisions, tmp_path / "shp")
    zipped = _zip(shp, tmp_path / "decisions.zip", prefix="export/")
    gpkg = tmp_path / "two_layers.gpkg"
    decisions.to_file(gpkg, layer="thua", engine="pyogrio")
    decisions.iloc[:2].to_file(gpkg, layer="other", engine="pyogrio")
    geojson = tmp_path / "decisions.geojson"
    decisions.to_crs(4326).to_file(geojson, engine="pyogrio")
    parquet = tmp_path / "decisions.parquet"
    decisions.to_parquet(parquet)
    loaded = {
        "shp": landplan.load_decisions(shp, engine=engine),
        "zip": landplan.load_decisions(zipped, engine=engine),
        "gpkg": landplan.load_decisions(gpkg, "thua", engine=engine),
        "geojson": landplan.load_decisions(geojson, engine=engine),
        "parquet": landplan.load_decisions(parquet, engine=engine),
    }
    for name, gdf in loaded.items():
        assert gdf["land_use"].tolist()[:3] == ["ONT", "ONT", "ONT"], name
        assert gdf["decision_no"].iloc[0] == "1/QĐ-UBND", name
        assert len(gdf) == len(decisions), name
    assert loaded["geojson"].crs.to_epsg() == 4326


@pytest.mark.parametrize("driver,suffix", [("MapInfo File", ".tab"), ("OpenFileGDB", ".gdb")])
def test_mapinfo_tab_and_filegdb_are_read(decisions, tmp_path, driver, suffix):
    path = tmp_path / f"decisions{suffix}"
    options = {"ENCODING": "UTF-8"} if driver == "MapInfo File" else {}
    decisions.to_file(path, driver=driver, engine="pyogrio", layer="decisions",
                      layer_options=options, promote_to_multi=True)
    gdf = landplan.load_decisions(path)
    assert len(gdf) == len(decisions)
    assert gdf["decision_no"].iloc[0] == "1/QĐ-UBND"


def test_a_layer_must_be_chosen_when_a_geopackage_has_several(decisions, tmp_path):
    gpkg = tmp_path / "two.gpkg"
    decisions.to_file(gpkg, layer="a", engine="pyogrio")
    decisions.to_file(gpkg, layer="b", engine="pyogrio")
    with pytest.raises(InputError, match="holds 2 layers: a, b"):
        landplan.load_decisions(gpkg)
    with pytest.raises(LayerNotFoundError, match="Layer 'c' not in"):
        landplan.load_decisions(gpkg, "c")


def test_missing_crs_is_an_error_that_says_how_to_fix_it(decisions, tmp_path):
    shp = _shapefile(decisions, tmp_path / "noprj")
    shp.with_suffix(".prj").unlink()
    with pytest.raises(CRSError, match="--crs EPSG:9209"):
        landplan.load_decisions(shp)
    assert landplan.load_decisions(shp, crs="EPSG:9209").crs.to_epsg() == 9209


def test_missing_file_and_non_gis_file_give_clear_errors(tmp_path):
    with pytest.raises(LayerNotFoundError, match="Input not found"):
        landplan.load_decisions(tmp_path / "nothing.shp")
    bogus = tmp_path / "bogus.gpkg"
    bogus.write_text("not a geopackage")
    with pytest.raises(InputError, match="not a GIS layer"):
        landplan.load_decisions(bogus)


def test_zip_with_unsafe_entries_is_read_without_extracting(decisions, tmp_path):
    shp = _shapefile(decisions, tmp_path / "shp")
    zipped = _zip(shp, tmp_path / "evil.zip")
    with zipfile.ZipFile(zipped, "a") as z:
        z.writestr("../evil.shp", b"x")
    gdf = landplan.load_decisions(zipped)
    assert len(gdf) == len(decisions)
    assert not (tmp_path.parent / "evil.shp").exists()


def test_input_layer_is_read_not_written(decisions, tmp_path):
    shp = _shapefile(decisions, tmp_path / "ro")
    before = {p.name: p.read_bytes() for p in shp.parent.iterdir()}
    landplan.load_decisions(shp)
    assert {p.name: p.read_bytes() for p in shp.parent.iterdir()} == before


def test_raw_read_keeps_the_source_label(decisions, tmp_path):
    shp = _shapefile(decisions, tmp_path / "lbl")
    gdf = landplan.read_layer(shp)
    assert isinstance(gdf, gpd.GeoDataFrame)
    assert gdf.attrs["source"] == str(shp)


GDAL_PHRASES = ("SHAPE_RESTORE_SHX", "not recognized as", "supported file format",
                "Unable to open", "IllegalArgumentException", "OGR", "GDAL:")


def _empty_folder(tmp_path, decisions):
    (tmp_path / "rong").mkdir()
    return tmp_path / "rong"


def _folder_with_a_note(tmp_path, decisions):
    (tmp_path / "ghi_chu").mkdir()
    (tmp_path / "ghi_chu" / "doc.txt").write_text("không có dữ liệu")
    return tmp_path / "ghi_chu"


def _shapefile_without_shx(tmp_path, decisions):
    shp = _shapefile(decisions, tmp_path / "shp")
    shp.with_suffix(".shx").unlink()
    return shp


def _folder_of_a_shapefile_without_shx(tmp_path, decisions):
    return _shapefile_without_shx(tmp_path, decisions).parent


def _zip_without_shx(tmp_path, decisions):
    shp = _shapefile_without_shx(tmp_path, decisions)
    return _zip(shp, tmp_path / "qd.zip")


def _text_named_gpkg(tmp_path, decisions):
    path = tmp_path / "qd.gpkg"
    path.write_text("not a geopackage")
    return path


def _broken_geojson(tmp_path, decisions):
    path = tmp_path / "qd.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [')
    return path


@pytest.mark.parametrize("engine", ["pyogrio", "fiona"])
@pytest.mark.parametrize("make", [_empty_folder, _folder_with_a_note, _shapefile_without_shx,
                                  _folder_of_a_shapefile_without_shx, _zip_without_shx,
                                  _text_named_gpkg, _broken_geojson])
def test_unreadable_inputs_get_landplans_message_not_gdals(decisions, tmp_path, make, engine):
    path = make(tmp_path, decisions)
    for call in (lambda: landplan.load_decisions(path, engine=engine),
                 lambda: landplan.file_info(path, engine=engine)):
        with pytest.raises(InputError) as caught:
            call()
        message = str(caught.value)
        assert path.name in message
        assert not [p for p in GDAL_PHRASES if p in message], message


@pytest.mark.parametrize("engine", ["pyogrio", "fiona"])
def test_csv_decisions_are_read_from_wkt_polygons_and_refused_as_points(decisions, tmp_path,
                                                                        engine):
    table = decisions.drop(columns="geometry").assign(wkt=decisions.geometry.to_wkt())
    table.to_csv(tmp_path / "qd.csv", index=False)
    gdf = landplan.load_decisions(tmp_path / "qd.csv", crs="EPSG:9209", engine=engine)
    assert len(gdf) == len(decisions)
    direct = landplan.schema.normalize_decisions(decisions)
    assert gdf.geometry.area.round(3).tolist() == direct.geometry.area.round(3).tolist()
    points = decisions.drop(columns="geometry").assign(X=decisions.centroid.x,
                                                       Y=decisions.centroid.y)
    points.to_csv(tmp_path / "diem.csv", index=False)
    with pytest.raises(InputError, match="columns X and Y"):
        landplan.load_decisions(tmp_path / "diem.csv", crs="EPSG:9209", engine=engine)


def test_crs_is_only_assumed_and_override_crs_replaces_with_a_note(decisions, tmp_path):
    shp = _shapefile(decisions.to_crs("EPSG:9210"), tmp_path / "hp")
    kept = landplan.read_layer(shp, crs="EPSG:9209")
    assert kept.crs.to_epsg() == 9210 and "crs_assumed" not in kept.attrs
    with pytest.warns(landplan.CRSWarning, match="declares"):
        replaced = landplan.read_layer(shp, override_crs="EPSG:9209")
    assert replaced.crs.to_epsg() == 9209
    assert "declares" in replaced.attrs["crs_note"]
    shp.with_suffix(".prj").unlink()
    assumed = landplan.read_layer(shp, crs="EPSG:9210")
    assert assumed.crs.to_epsg() == 9210 and assumed.attrs["crs_assumed"]
