"""Documentation generated from data cannot drift from it, and its examples work.

Every fenced example block of docs/*.md and README.md is found by :func:`_example_blocks`:
``toml`` blocks are loaded as configuration files, ``bash``/``sh``/``console`` blocks' landplan
commands are parsed (and ``landplan rules``/``--version`` run), ``python`` blocks compiled and
checked against landplan's names and signatures, then run (slow: in a temporary folder that
holds the sample data under the names the examples use); ``text``/``csv`` blocks show output.
A block that cannot be run is marked by the line ``<!-- docs-test: skip -->`` just before its
fence, a Python block that needs what a test cannot give (a dask cluster, a shared folder) by
``<!-- docs-test: no-run -->`` (compiled and checked, not run); both are HTML comments,
invisible on the rendered page. Nothing else is skipped.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import shlex
import sys
from contextlib import nullcontext
from pathlib import Path
from string import Formatter

import geopandas as gpd
import pytest

import landplan
from landplan.check import DECISION_OUTPUT_COLUMNS, FINDING_COLUMNS
from landplan.rules import RULES, rule_reference

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_rule_reference_is_generated_from_the_registry():
    assert (DOCS / "rules.md").read_text(encoding="utf-8") == rule_reference(), (
        "docs/rules.md is stale: run `python -m landplan.rules > docs/rules.md`"
    )


def test_every_output_column_is_documented():
    text = (DOCS / "outputs.md").read_text(encoding="utf-8")
    for column in [*DECISION_OUTPUT_COLUMNS, *FINDING_COLUMNS]:
        assert f"`{column}`" in text, column


def _fields(message: str) -> set[str]:
    """The replacement fields a message template names (``{area:.0f}`` → ``area``)."""
    return {name for _, name, _, _ in Formatter().parse(message) if name is not None}


def test_every_rule_has_a_message_in_both_languages_naming_its_fields():
    for rule in RULES.values():
        assert rule.message_en and rule.message_vi
        assert _fields(rule.message_en) == _fields(rule.message_vi), rule.id


# --- every example of the documentation is run or parsed -----------------------------------

ROOT = DOCS.parent
SKIP_MARK = "<!-- docs-test: skip -->"
NO_RUN_MARK = "<!-- docs-test: no-run -->"
_FENCE = re.compile(r"^(?P<indent> {0,3})```(?P<lang>[^\n`]*)\n(?P<body>.*?)^(?P=indent)```",
                    re.M | re.S)
# commands of the installation steps that the examples may show around landplan's own
_SHELL_STEPS = ("python3", "python", "pip", "source", ".venv/bin/pip", ".venv/bin/python")


def _example_blocks() -> list[tuple[str, str, str, bool]]:
    """Every fenced block of docs/*.md and README.md: (where, language, text, skipped).

    A block marked not to be run (:data:`NO_RUN_MARK`) has ``" (no-run)"`` after its place.
    """
    out = []
    for path in [*sorted(DOCS.glob("*.md")), ROOT / "README.md"]:
        text = path.read_text(encoding="utf-8")
        for m in _FENCE.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            before = text[:m.start()].rstrip("\n").rsplit("\n", 1)[-1].strip()
            where = f"{path.relative_to(ROOT)}:{line}" + (" (no-run)" if before == NO_RUN_MARK
                                                          else "")
            out.append((where, m["lang"].strip().lower(), m["body"], before == SKIP_MARK))
    return out


EXAMPLES = _example_blocks()


def _of(*langs: str) -> list:
    return [pytest.param(body, id=where) for where, lang, body, skip in EXAMPLES
            if lang in langs and not skip]


def test_examples_are_found_and_every_unlabelled_block_is_marked():
    """Runnable kinds are ``toml``, ``bash``/``sh``/``console`` (landplan commands) and
    ``python``; ``text``/``csv`` blocks show output or data. A block of any other kind (or
    none) must be marked not runnable: the line just before its fence is exactly
    ``<!-- docs-test: skip -->`` (an HTML comment: invisible on the rendered page)."""
    assert len(_of("toml")) >= 1 and len(_of("python")) >= 5 and len(_of("bash")) >= 5
    shown = {"toml", "bash", "sh", "console", "python", "text", "csv"}
    unmarked = [where for where, lang, _, skip in EXAMPLES if lang not in shown and not skip]
    assert not unmarked, f"mark these blocks with {SKIP_MARK} or give them a language"


@pytest.mark.parametrize("body", _of("toml"))
def test_toml_example_is_a_valid_configuration(body, tmp_path):
    """A TOML example is a configuration file: it loads with every value validated."""
    path = tmp_path / "landplan.toml"
    path.write_text(body, encoding="utf-8")
    config = landplan.load_config(path)
    data = tomllib.loads(body)
    for name in ("lang", "tolerance_pct", "tolerance_m2"):
        if name in data:
            assert getattr(config, name) == data[name]
    for rule, settings in data.get("rules", {}).items():
        for name, value in settings.items():
            if name not in ("enabled", "severity"):
                assert config.param(rule, name) == value, (rule, name)


def _commands(body: str) -> list[list[str]]:
    """The command lines of a shell block (continuations joined, comments dropped)."""
    text = body.replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        words = shlex.split(line, comments=True)
        while words:  # `a && b`: each command on its own
            cut = words.index("&&") if "&&" in words else len(words)
            out.append(words[:cut])
            words = words[cut + 1:]
    return out


@pytest.mark.parametrize("body", _of("bash", "sh", "console"))
def test_cli_example_parses_with_the_real_options(body, capsys):
    """Each ``landplan`` command of a shell block is parsed by the real parser, and the
    values it gives (dates, tolerances, language, plan dates) are validated as the command
    would; commands that need no input file (``landplan rules``, ``--version``) are run.
    The check itself is not run here: ``landplan demo`` is run by tests/test_cli.py, and the
    other examples name the user's own files."""
    from landplan.cli import _config, _map_budget, _parser, _plan_args, main

    for words in _commands(body):
        program = words[0].rsplit("/", 1)[-1]
        if program != "landplan":
            assert words[0] in _SHELL_STEPS, f"not a landplan command: {' '.join(words)}"
            continue
        argv = words[1:]
        if argv in (["--version"], ["rules"]) or argv[:1] == ["rules"]:
            with pytest.raises(SystemExit) if argv == ["--version"] else nullcontext():
                assert main(argv) == 0
            continue
        args = _parser().parse_args(argv)
        if args.command in ("check", "demo"):
            _config(args)
            _map_budget(args)
        if args.command == "check":
            _plan_args(args.plan)
    capsys.readouterr()


@pytest.mark.parametrize("body", _of("python"))
def test_python_example_compiles_and_names_only_what_landplan_has(body):
    """A Python example compiles; every module it imports and every ``landplan.X`` it uses
    exist, and every keyword it passes to a landplan function is one that function takes.
    (Running them would re-check the 3078-decision sample several times, which test_api and
    test_cli already do.)"""
    tree = ast.parse(body)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module.startswith("landplan"):
            module = importlib.import_module(node.module)
            for alias in node.names:
                assert hasattr(module, alias.name), f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("landplan"):
                    importlib.import_module(alias.name)
        elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
              and node.value.id == "landplan"):
            assert hasattr(landplan, node.attr), f"landplan.{node.attr}"
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "landplan"):
            target = getattr(landplan, node.func.attr)
            params = inspect.signature(target).parameters
            if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
                for keyword in node.keywords:
                    assert keyword.arg is None or keyword.arg in params, (
                        f"landplan.{node.func.attr}({keyword.arg}=…)")


_RUNNABLE = [pytest.param(body, id=where) for where, lang, body, skip in EXAMPLES
             if lang == "python" and not skip and not where.endswith("(no-run)")]


@pytest.mark.slow
@pytest.mark.parametrize("body", _RUNNABLE)
def test_python_example_runs_on_the_sample_data(body, tmp_path, monkeypatch):
    """Each Python example runs as written, in a folder with the sample data under the names
    the examples use (``sample_data/``; ``quy_hoach.gpkg`` and ``thua_dat.shp`` without its
    ``.prj``, as the quickstart's user has them; ``hien_trang_2021.gpkg`` and
    ``hien_trang_2025.gpkg``, maps of current use), writing its outputs there."""
    import shutil
    import warnings

    (tmp_path / "sample_data").symlink_to(ROOT / "sample_data", target_is_directory=True)
    shutil.copy(ROOT / "sample_data" / "plan.gpkg", tmp_path / "quy_hoach.gpkg")
    for part in (ROOT / "sample_data" / "decisions").glob("decisions.*"):
        if part.suffix != ".prj":
            shutil.copy(part, tmp_path / f"thua_dat{part.suffix}")
    # two cadastral maps of current use (docs/current-use.md): the sample's parcels with their
    # granted code (2025) and their previous code where they have one (2021)
    parcels = gpd.read_file(ROOT / "sample_data" / "decisions")
    earlier = parcels["mucdichcu"].where(parcels["mucdichcu"].fillna("") != "",
                                         parcels["kyhieumucd"])
    for year, code in (("2025", parcels["kyhieumucd"]), ("2021", earlier)):
        current = parcels[["shbando", "shthua", "geometry"]].assign(kyhieumucd=code)
        current.to_file(tmp_path / f"hien_trang_{year}.gpkg")
    monkeypatch.chdir(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(body, "<docs example>", "exec"), {"__name__": "__docs_example__"})
