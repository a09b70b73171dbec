"""Maps that open, whatever the count: a check too large for one map file is split into an
index ``map.html`` and one map per unit (per part of a unit) in ``maps/``, each within its
budget, every violation on one of them; the sample district keeps its one map."""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

import landplan
from landplan._map_budget import MapBudget, page_file, slug
from landplan._map_codec import read_layers
from landplan._outdir import FOLDER_FILE
from landplan.cli import main
from landplan.errors import ConfigError

from .conftest import at
from .stress import district

MB, FEATURES = 1, 3_000  # a small budget: the map is split, by size here, by count there


def _files(out: Path) -> list[Path]:
    return [out / "map.html", *sorted((out / "maps").glob("*"))]


def _links(html: str) -> list[str]:
    """The unit maps an index links to: the list's hrefs and the units layer's."""
    panel = re.findall(r'href="(maps/[^"]*)"', html)
    _, props = read_layers(html)["units"]
    assert sorted(set(panel)) == sorted({p["h"] for p in props})
    return panel


@pytest.fixture(scope="module")
def stress(tmp_path_factory) -> Path:
    """``landplan check`` (default outputs) on 10⁴ overlapping parcels, a small map budget."""
    root = tmp_path_factory.mktemp("stress")
    plan, decisions = district(10_000)
    plan.to_file(root / "plan.gpkg")
    decisions.to_file(root / "decisions.gpkg")
    out = root / "out"
    assert main(["check", "--plan", str(root / "plan.gpkg"), "--decisions",
                 str(root / "decisions.gpkg"), "--out", str(out), "-q",
                 "--map-budget-mb", str(MB), "--map-max-features", str(FEATURES)]) == 0
    return out


@pytest.mark.timeout(600)
def test_stress_map_is_split_within_budget_and_every_violation_is_on_a_map(stress):
    files = _files(stress)
    assert len(files) > 13  # the index, and more maps than units: units are split by area
    drawn_decisions, drawn_findings = set(), set()
    for path in files:
        assert path.suffix == ".html" and path.stat().st_size <= MB * 1_000_000, path
        layers = read_layers(path.read_text(encoding="utf-8"))
        assert sum(len(geoms) for geoms, _ in layers.values()) <= FEATURES, path
        if path.parent.name == "maps":
            assert FOLDER_FILE.fullmatch(path.name), path.name
            assert "landplan-notice" not in path.read_text(encoding="utf-8")  # all drawn
        drawn_decisions |= {p["i"] for p in layers.get("decisions", ([], []))[1]}
        drawn_findings |= {p["i"] for p in layers.get("findings", ([], []))[1]}
    decisions = pd.read_csv(stress / "decisions.csv", encoding="utf-8-sig")
    findings = pd.read_csv(stress / "findings.csv", encoding="utf-8-sig")
    violations = set(decisions.loc[decisions["status"] == "violation", "source_row"])
    compliance = set(findings.loc[(findings["category"] == "compliance")
                                  & (findings["layer"] == "decisions"), "finding_id"])
    assert len(violations) > 5_000 and len(compliance) > 20_000  # the stress is real
    assert violations <= drawn_decisions
    assert compliance <= drawn_findings


def test_stress_index_links_every_unit_map_and_counts_every_unit(stress):
    index = (stress / "map.html").read_text(encoding="utf-8")
    links = _links(index)
    assert sorted(links) == sorted(f"maps/{p.name}" for p in (stress / "maps").iterdir())
    _, props = read_layers(index)["units"]
    decisions = pd.read_csv(stress / "decisions.csv", encoding="utf-8-sig")
    wanted = decisions[decisions["status"] == "violation"].groupby(
        decisions["unit"].fillna("(không có đơn vị)")).size()
    shown = pd.DataFrame(props).groupby("u")["v"].sum()
    assert shown.sort_index().to_dict() == wanted.sort_index().to_dict()
    assert "Xã Đoàn Thượng" in index and "(không có đơn vị)" in index  # Vietnamese names
    for link in links:  # each unit map links back to the index
        assert 'href="../map.html"' in (stress / link).read_text(encoding="utf-8")


def test_the_sample_map_is_still_one_file_showing_what_it_showed(tmp_path):
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "-q"]) == 0
    assert not (out / "maps").exists()
    html = (out / "map.html").read_text(encoding="utf-8")
    assert len(html.encode()) < 1_200_000  # 2.68 MB before the compact encoding
    layers = read_layers(html)
    counts = {key: len(geoms) for key, (geoms, _) in layers.items()}
    decisions = pd.read_csv(out / "decisions.csv", encoding="utf-8-sig")
    findings = pd.read_csv(out / "findings.csv", encoding="utf-8-sig")
    shown = decisions[decisions["status"].isin(["violation", "unchecked"])
                      & (decisions["geometry_status"] != "unusable")]
    compliance = findings[(findings["category"] == "compliance")
                          & (findings["layer"] == "decisions")]
    legalised = findings[findings["rule"] == "adjustment-legalises-violation"]
    assert len(legalised) == 5  # the sample's version-before and version-boundary cases
    assert counts == {"plan:v1": 464, "plan:v2": 464, "changes": counts["changes"],
                      "legalised": len(legalised), "corridors": 4, "projects": 20,
                      "findings": len(compliance), "decisions": len(shown)}
    assert sorted(p["i"] for p in layers["legalised"][1]) == sorted(legalised["finding_id"])
    assert counts["changes"] >= 6
    _, props = layers["decisions"]
    assert sorted((p["i"], p["s"], p["n"]) for p in props) == sorted(
        zip(shown["source_row"], shown["status"], shown["decision_no"], strict=True))
    assert sorted(p["i"] for p in layers["findings"][1]) == sorted(compliance["finding_id"])
    assert "landplan-notice" not in html and "landplan-units" not in html


# --- a pile: parcels at one spot cannot be split, so the map draws the most severe first ---

def pile(n: int = 30, unit: str = "Xã Đống") -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """``n`` identical parcels across a LUC|ONT edge, granted ONT: each a zoning conflict,
    and every pair a double allocation."""
    plan = gpd.GeoDataFrame({"maloaidat": ["LUC", "ONT"]},
                            geometry=[at(box(0, 0, 100, 100)), at(box(100, 0, 200, 100))],
                            crs="EPSG:9209")
    decisions = gpd.GeoDataFrame({
        "so_qd": [f"{i + 1}/QĐ-UBND" for i in range(n)], "kyhieumucd": "ONT",
        "ngay_qd": "01/02/2023", "hinh_thuc": "Giao đất", "ma_xa": unit},
        geometry=[at(box(60, 20, 140, 60))] * n, crs="EPSG:9209")
    return plan, decisions


def test_a_map_that_cannot_hold_everything_draws_the_most_severe_and_says_what_is_left(
        tmp_path):
    from landplan.maps import write_maps

    plan, decisions = pile()
    decisions.loc[3, "kyhieumucd"] = "LUC"  # half in ONT: a zoning conflict, no double
    result = landplan.check(plan, decisions)
    result.findings.loc[result.findings["source_row"] == 7, "severity"] = "critical"
    for lang, words in (("vi", "còn {f} vi phạm và {d} quyết định chưa vẽ"),
                        ("en", "{f} more findings and {d} more decisions are not drawn")):
        out = tmp_path / lang
        out.mkdir()
        write_maps(result, out, lang=lang, budget=MapBudget(1, 100))
        [unit_map] = sorted((out / "maps").iterdir())
        html = unit_map.read_text(encoding="utf-8")
        layers = read_layers(html)
        drawn = sum(len(g) for g, _ in layers.values())
        assert drawn <= 100
        shown_d = {p["i"] for p in layers["decisions"][1]}
        shown_f = {p["i"] for p in layers["findings"][1]}
        assert 7 in shown_d  # the decision with the critical finding comes first
        critical = result.findings.loc[result.findings["severity"] == "critical",
                                       "finding_id"]
        assert set(critical) <= shown_f
        left_d = len(decisions) - len(shown_d)
        left_f = int(result.findings["category"].eq("compliance").sum()) - len(shown_f)
        assert left_d > 0 and left_f > 0
        notice = re.search(r'landplan-notice"[^>]*>(.*?)</div>', html).group(1)
        assert words.format(f=f"{left_f:,}", d=f"{left_d:,}") in notice
        assert "findings.gpkg" in notice and "findings.csv" in notice


def test_a_pile_split_off_from_its_neighbours_is_the_only_map_with_a_notice(tmp_path):
    from landplan.maps import write_maps

    plan, spread = district(400)
    _, heap = pile(30, unit=spread["ma_xa"].dropna().iloc[0])
    heap = heap.set_geometry(heap.geometry.translate(0, -8_000))  # into the district
    decisions = pd.concat([spread, heap], ignore_index=True)
    result = landplan.check(plan, decisions)
    written = write_maps(result, tmp_path, budget=MapBudget(1, 300))
    assert set(written) == {"map.html", "maps/"}
    for path in (tmp_path / "maps").iterdir():  # here the count binds, not the size
        layers = read_layers(path.read_text(encoding="utf-8"))
        assert sum(len(geoms) for geoms, _ in layers.values()) <= 300, path.name
    notices = [p.name for p in (tmp_path / "maps").iterdir()
               if "landplan-notice" in p.read_text(encoding="utf-8")]
    assert len(notices) == 1


# --- names, budget --------------------------------------------------------------------------

def test_unit_file_names_are_safe_stable_and_distinct():
    names = {
        "Xã Đoàn Thượng": "xa-doan-thuong-",
        "<img src=x onerror=alert(1)>": "img-src-x-onerror-alert-1-",
        "../../etc/passwd": "etc-passwd-",
        "..": "unit-",
        "": "unit-",
        "東京": "unit-",
        None: "none-",
        "10807": "10807-",
    }
    made = {unit: page_file(unit, 1, 1) for unit in names}
    for unit, start in names.items():
        assert made[unit].startswith(start) and FOLDER_FILE.fullmatch(made[unit]), made[unit]
        assert "/" not in made[unit] and ".." not in made[unit]
    assert len(set(made.values())) == len(made)  # ids tell apart alike slugs
    assert page_file("Xã Đoàn Thượng", 2, 3) == made["Xã Đoàn Thượng"][:-5] + "-2.html"
    assert page_file("10807", 1, 1) == "10807-a18ecc1c.html"  # stable from run to run
    assert len(slug("Xã " * 40)) <= 40


def test_budget_values_are_checked(tmp_path, capsys):
    with pytest.raises(ConfigError, match="max_mb"):
        MapBudget(0.5)
    with pytest.raises(ConfigError, match="max_features"):
        MapBudget(25, 10)
    assert MapBudget().max_bytes == 25_000_000
    code = main(["demo", "--out", str(tmp_path / "o"), "-q", "--map-budget-mb", "abc",
                 "--map-max-features", "5"])
    err = capsys.readouterr().err
    assert code == 2 and "--map-budget-mb" in err and "--map-max-features" in err
    assert not (tmp_path / "o").exists()


def test_an_index_of_the_library_writer_has_what_the_cli_writes(tmp_path):
    """``write_outputs`` with a budget: the same split, ``maps/`` in what it returns."""
    plan, decisions = pile()
    result = landplan.check(plan, decisions)
    written = landplan.write_outputs(result, tmp_path, map_budget=MapBudget(1, 100))
    assert written["maps/"] == tmp_path / "maps" and written["maps/"].is_dir()
    index = json.dumps(_links((tmp_path / "map.html").read_text(encoding="utf-8")))
    assert "maps/xa-dong-" in index


def test_a_plan_too_large_for_one_map_and_no_violation_gives_one_map_with_a_notice(tmp_path):
    """Nothing to split by unit: the one map draws whole layers, the newest plan first, and
    names those it leaves out; the maps of an earlier call are removed."""
    from landplan.maps import write_maps

    plan, decisions = district(10_000)  # 400 zones a version
    plans = landplan.plan_versions({"2020-01-01": plan.assign(maloaidat="LUC"),
                                    "2023-01-01": plan})
    result = landplan.check(plans, decisions.iloc[:20])
    result = result._replace(decisions=result.decisions.assign(status="compliant"),
                             findings=result.findings.iloc[:0])
    (tmp_path / "maps").mkdir()
    (tmp_path / "maps" / "xa-cu-0123abcd.html").write_text("an earlier map")
    (tmp_path / "maps" / "ghi_chu.txt").write_text("mine")
    written = write_maps(result, tmp_path, budget=MapBudget(1, 600))
    assert set(written) == {"map.html"}
    assert [p.name for p in (tmp_path / "maps").iterdir()] == ["ghi_chu.txt"]
    html = (tmp_path / "map.html").read_text(encoding="utf-8")
    layers = read_layers(html)
    assert sum(len(g) for g, _ in layers.values()) <= 600
    assert len(layers["plan:v2"][0]) == 400 and "plan:v1" not in layers  # whole or none
    notice = re.search(r'landplan-notice"[^>]*>(.*?)</div>', html).group(1)
    assert "Lớp không vẽ trên bản đồ này:" in notice and "Quy hoạch sử dụng đất (v1)" in notice


def test_feature_sizes_learnt_a_chunk_at_a_time_are_those_of_the_whole_layer(monkeypatch):
    # the split map learns each feature's bytes by encoding a chunk at a time (memory); a
    # chunk's string table is its own, so sizes may differ by a few bytes, never by more
    from landplan import _map_split

    plan, decisions = district(3_000)
    result = landplan.check(plan, decisions)
    whole = _map_split.items(result, lang="vi", public=False, all_decisions=False)
    monkeypatch.setattr(_map_split, "_SIZE_ROWS", 250)
    chunked = _map_split.items(result, lang="vi", public=False, all_decisions=False)
    assert len(chunked.size) == len(whole.size) > 1_000
    assert len(chunked.finding_size) == len(whole.finding_size) > 1_000
    for mine, theirs in ((chunked.size, whole.size),
                         (chunked.finding_size, whole.finding_size)):
        assert np.abs(mine - theirs).max() <= 64
        assert abs(mine.sum() - theirs.sum()) <= 0.05 * theirs.sum()
