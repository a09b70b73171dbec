"""Problems a user can act on reach them at the library boundary: LandplanWarnings issued with
:mod:`warnings` (seen in a notebook, attributed to the user's line), errors with
``strict=True``, the same ``WARNING <module>: …`` lines as before on the command line; and
the error classes are exported (landplan.errors, landplan._problems)."""

from __future__ import annotations

import subprocess
import sys
import warnings
from importlib import metadata
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

import landplan
from landplan import errors
from landplan._data import load_toml, read_toml
from landplan.cli import main
from landplan.config import CheckConfig
from landplan.rules import SkipRule

from .conftest import X0, Y0
from .corpus_reading import _unclose_ring
from .test_crs_diagnostics import ESRI_NOI_BO

ROOT = Path(__file__).resolve().parents[1]


def _shapefile(gdf: gpd.GeoDataFrame, path: Path, encoding: str = "UTF-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    gdf.to_file(path, engine="pyogrio", encoding=encoding)
    return path


def _uncertain_encoding(tmp_path: Path) -> Path:
    """One record whose only accented word, "Ngô" in Windows-1258, also reads as a
    Vietnamese word in TCVN3 and VNI, and no .cpg: the encoding cannot be told."""
    gdf = gpd.GeoDataFrame(
        {"so_qd": ["1/QD"], "ngay_qd": ["15/03/2023"], "hinh_thuc": ["Giao dat"],
         "kyhieumucd": ["ONT"], "chu": ["Ngô"]},
        geometry=[box(X0 + 120, Y0 + 20, X0 + 140, Y0 + 40)], crs="EPSG:9209")
    path = _shapefile(gdf, tmp_path / "enc" / "qd.shp", encoding="cp1258")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    return path


def _deleted_record(decisions: gpd.GeoDataFrame, tmp_path: Path) -> Path:
    """A shapefile whose second record is marked deleted (``*``) in the .dbf."""
    path = _shapefile(decisions, tmp_path / "del" / "qd.shp")
    dbf = path.with_suffix(".dbf")
    data = bytearray(dbf.read_bytes())
    start, width = int.from_bytes(data[8:10], "little"), int.from_bytes(data[10:12], "little")
    data[start + width] = 0x2A
    dbf.write_bytes(bytes(data))
    return path


def _unclosed_ring(decisions: gpd.GeoDataFrame, tmp_path: Path) -> Path:
    """A GeoPackage whose second record's ring is not closed (GEOS refuses it)."""
    path = tmp_path / "ring" / "qd.gpkg"
    path.parent.mkdir(parents=True)
    decisions.iloc[:3].to_file(path, engine="pyogrio")  # polygons, not multipolygons
    _unclose_ring(path, 2)
    return path


def _noi_bo(decisions: gpd.GeoDataFrame, tmp_path: Path) -> Path:
    path = _shapefile(decisions, tmp_path / "noibo" / "qd.shp")
    path.with_suffix(".prj").write_text(ESRI_NOI_BO)
    return path


def _unsafe_zip(decisions: gpd.GeoDataFrame, tmp_path: Path) -> Path:
    import zipfile

    shp = _shapefile(decisions, tmp_path / "zip" / "qd.shp")
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in shp.parent.glob("qd.*"):
            z.write(part, part.name)
        z.writestr("../evil.shp", b"x")
    return archive


# --------------------------------------------------------------------------- in a notebook

def test_uncertain_encoding_warns_in_a_notebook(tmp_path):
    path = _uncertain_encoding(tmp_path)
    with pytest.warns(landplan.TextEncodingWarning, match="text encoding uncertain") as seen:
        landplan.load_decisions(path)
    warning = seen[0]
    assert warning.filename == __file__, "attributed to the caller's line, not landplan's"
    assert issubclass(warning.category, UnicodeWarning)
    assert warning.message.origin == "landplan.io"


@pytest.mark.parametrize(("build", "category", "words"), [
    (_noi_bo, landplan.CRSWarning, "VN-2000 without a datum shift"),
    (_deleted_record, landplan.UnreadableRecordsWarning,
     "1 of its 12 entries cannot be read by GDAL"),
    (_unclosed_ring, landplan.UnreadableRecordsWarning,
     r"1 geometries cannot be read \(record 1\)"),
    (_unsafe_zip, landplan.UnsafeZipEntryWarning,
     "Ignoring unsafe entry '../evil.shp'"),
], ids=["vn2000-prj-reinterpreted", "deleted-dbf-record", "unclosed-ring",
        "unsafe-zip-entry"])
def test_input_problems_warn_with_their_class_at_the_callers_line(decisions, tmp_path, build,
                                                                  category, words):
    path = build(decisions, tmp_path)
    with pytest.warns(category, match=words) as seen:
        landplan.load_decisions(path)
    assert {w.filename for w in seen if issubclass(w.category, category)} == {__file__}


def test_a_replaced_crs_warns_and_the_note_stays_in_attrs(decisions, tmp_path):
    path = _shapefile(decisions.to_crs("EPSG:9210"), tmp_path / "hp" / "qd.shp")
    with pytest.warns(landplan.CRSWarning, match="the file declares VN-2000 / TM-3 105-45"):
        replaced = landplan.read_layer(path, override_crs="EPSG:9209")
    assert replaced.crs.to_epsg() == 9209 and "declares" in replaced.attrs["crs_note"]


def test_a_rule_that_cannot_run_warns_and_a_missing_optional_input_does_not(plan, decisions):
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        result = landplan.check(plan, decisions)
    skipped = [w for w in seen if issubclass(w.category, landplan.RuleSkippedWarning)]
    assert [str(w.message) for w in skipped] == [
        "rule outside-plan-period skipped: no plan approval date and no plan_start/plan_end "
        "configured"]
    assert skipped[0].filename == __file__
    states = result.rules.set_index("rule")["state"]
    assert states["quota-exceeded"] == "skipped"  # no quotas given: listed, not warned


# --------------------------------------------------------------------------- strict=True

def test_strict_turns_a_replaced_crs_into_an_error(decisions, tmp_path):
    path = _shapefile(decisions.to_crs("EPSG:9210"), tmp_path / "hp" / "qd.shp")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # strict raises its own error, it issues no warning
        with pytest.raises(landplan.StrictError, match="the file declares") as caught:
            landplan.load_decisions(path, override_crs="EPSG:9209", strict=True)
    assert isinstance(caught.value, landplan.LandplanError)
    assert isinstance(caught.value.warning, landplan.CRSWarning)
    assert str(caught.value) == str(caught.value.warning)


def test_strict_turns_an_uncertain_encoding_into_an_error(tmp_path):
    path = _uncertain_encoding(tmp_path)
    with pytest.raises(landplan.StrictError, match="text encoding uncertain") as caught:
        landplan.load_plan(path, strict=True)
    assert isinstance(caught.value.warning, landplan.TextEncodingWarning)
    assert isinstance(caught.value, landplan.InputError)


def test_strict_turns_a_rule_that_cannot_run_into_an_error_and_passes_when_it_can(plan,
                                                                                 decisions):
    with pytest.raises(landplan.StrictError, match="rule outside-plan-period skipped"):
        landplan.check(plan, decisions, strict=True)
    config = CheckConfig(plan_start="2021", plan_end="2030")
    result = landplan.check(plan, decisions, config=config, strict=True)
    assert "outside-plan-period" not in set(result.rules.query("state == 'skipped'")["rule"])


def test_strict_ends_with_the_call(decisions, tmp_path):
    path = _noi_bo(decisions, tmp_path)
    with pytest.raises(landplan.StrictError):
        landplan.read_layer(path, strict=True)
    with pytest.warns(landplan.CRSWarning):
        landplan.read_layer(path)  # not strict any more, even after the error


# --------------------------------------------------------------------------- command line

def test_the_command_line_logs_warnings_by_module_as_before(decisions, tmp_path, caplog):
    path = _noi_bo(decisions, tmp_path)
    with caplog.at_level("INFO", logger="landplan"), warnings.catch_warnings(record=True) as py:
        warnings.simplefilter("always")
        assert main(["info", str(path), "--lang", "en"]) == 0  # -q: errors only
    records = [r for r in caplog.records if r.levelname == "WARNING"]
    assert [r.name for r in records] == ["landplan.io"]
    assert records[0].getMessage().startswith(f"{path}: VN-2000 without a datum shift")
    assert not [w for w in py if issubclass(w.category, landplan.LandplanWarning)], \
        "logged instead of shown as a Python warning"


def test_the_command_line_prints_warning_lines_on_stderr(decisions, tmp_path):
    path = _noi_bo(decisions, tmp_path)
    proc = subprocess.run([sys.executable, "-m", "landplan.cli", "info", str(path), "--lang",
                           "en"],
                          capture_output=True, text=True, cwd=ROOT, timeout=300, env=_env())
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.startswith(f"WARNING landplan.io: {path}: VN-2000 without a datum "
                                  "shift (\"VN-2000 nội bộ\"")
    assert proc.stderr.count("\n") == 1 and "CRSWarning" not in proc.stderr


def _env() -> dict[str, str]:
    import os

    return {**os.environ, "PYTHONPATH": str(ROOT)}


def test_the_command_line_leaves_the_warning_state_as_it_found_it(capsys):
    filters, show = list(warnings.filters), warnings.showwarning
    assert main(["rules", "-q"]) == 0
    assert warnings.filters == filters and warnings.showwarning is show


def test_importing_landplan_changes_no_warning_filter():
    code = ("import warnings; import landplan, landplan.cli; "
            "assert not [f for f in warnings.filters if isinstance(f[2], type) "
            "and issubclass(f[2], landplan.LandplanWarning)], warnings.filters; "
            "assert warnings.showwarning is warnings._showwarning_orig")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=300, env=_env())
    assert proc.returncode == 0, proc.stderr


# --------------------------------------------------------------------------- errors

def test_skip_rule_is_control_flow_not_a_landplan_error():
    assert issubclass(SkipRule, Exception)
    assert not issubclass(SkipRule, landplan.LandplanError)


def test_the_fiona_engine_without_fiona_says_the_pip_command(decisions, tmp_path, monkeypatch,
                                                            capsys):
    path = _shapefile(decisions, tmp_path / "f" / "qd.shp")
    monkeypatch.setitem(sys.modules, "fiona", None)
    with pytest.raises(landplan.MissingDependencyError) as caught:
        landplan.load_decisions(path, engine="fiona")
    assert isinstance(caught.value, ImportError)
    assert isinstance(caught.value, landplan.LandplanError)
    assert 'pip install "landplan[fiona]"' in str(caught.value)
    assert main(["info", str(path), "--engine", "fiona", "-q"]) == 2
    assert 'pip install "landplan[fiona]"' in capsys.readouterr().err


def test_the_extras_the_install_messages_name_exist():
    extras = read_toml(ROOT / "pyproject.toml")["project"]["optional-dependencies"]
    texts = load_toml("problems.toml")["missing_dependency"]
    for extra in ("fiona", "distributed"):
        assert extra in extras
    assert all('pip install "landplan[{extra}]"' in text for text in texts.values())


def test_every_error_and_warning_class_is_exported():
    classes = {name: cls for name, cls in vars(errors).items()
               if isinstance(cls, type) and cls.__module__ == errors.__name__
               and not name.startswith("_")}
    assert {"CodeTableError", "LandplanWarning", "StrictError", "MissingDependencyError"} \
        <= set(classes)
    for name, cls in classes.items():
        assert issubclass(cls, (landplan.LandplanError, landplan.LandplanWarning)), name
        assert name in landplan.__all__ and getattr(landplan, name) is cls, name


def test_version_comes_from_the_installed_metadata(monkeypatch):
    from landplan._version import installed_version

    assert landplan.__version__ == metadata.version("landplan")
    monkeypatch.setattr(metadata, "version", lambda name: "9.8.7")
    assert installed_version() == "9.8.7"

    def missing(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", missing)
    assert installed_version() == "0+unknown"
