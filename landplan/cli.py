"""The ``landplan`` command line: a thin layer over the library.

Exit codes: 0 the command ran (whatever it found); 1 ``--fail-on`` matched;
2 unusable input or options (with a message saying what and how to fix); 3 an internal
error (a bug; ``LANDPLAN_DEBUG=1`` shows the traceback); 130 stopped by Ctrl-C (one line;
the output folder keeps no partial files, see ``landplan/_outdir.py``).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import __version__
from ._dates import DATE_FORMS, parse_date
from ._labels import label, labels
from ._map_budget import DEFAULT_MAX_FEATURES, DEFAULT_MAX_MB, MapBudget
from ._numbers import parse_number
from ._outdir import output_folder
from ._steps import Step, showing, step
from .check import STATUSES, CheckResult, check
from .config import LANGS, CheckConfig, resolve_config
from .currentuse import STATUSES as CURRENT_USE_STATUSES
from .currentuse import compare_current_use
from .errors import LandplanError, LandplanWarning
from .io import ENGINES, load_corridors, load_decisions, load_plan, load_projects
from .plandiff import plan_diff, plan_diff_summary
from .quotas import load_quotas
from .report import (
    CURRENT_USE_FILES,
    OUTPUT_FILES,
    OUTPUT_FOLDERS,
    PLAN_DIFF_FILES,
    write_current_use,
    write_outputs,
    write_plan_diff,
)
from .rules import rule_table
from .schema import plan_versions
from .units import load_units

__all__ = ["main"]

log = logging.getLogger("landplan")

EXIT_OK, EXIT_FAIL_ON, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C


def _pairs(values: Sequence[str] | None, option: str) -> dict[str, str]:
    out = {}
    for item in values or []:
        role, sep, column = item.partition("=")
        if not sep or not role or not column:
            raise LandplanError(f"{option} expects ROLE=COLUMN (e.g. land_use=MDSD), got '{item}'")
        out[role.strip()] = column.strip()
    return out


def _add_check_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, type=Path, help="output folder (created if needed)")
    p.add_argument("--config", type=Path, help="TOML configuration file")
    p.add_argument("--lang", choices=LANGS, help="language of messages (default vi)")
    p.add_argument("--as-of", help="evaluation date dd/mm/yyyy or yyyy-mm-dd (default: today)")
    p.add_argument("--plan-start", help="start of the plan period, dd/mm/yyyy, yyyy-mm-dd "
                                        "or a year (1 January)")
    p.add_argument("--plan-end", help="end of the plan period, dd/mm/yyyy, yyyy-mm-dd "
                                      "or a year (31 December)")
    p.add_argument("--tolerance-pct",
                   help="conflicts count only above this %% of the parcel (default 5)")
    p.add_argument("--tolerance-m2",
                   help="... and above this many m² (default 20)")
    p.add_argument("--fail-on", choices=("never", "violation", "unchecked"), default="never",
                   help="exit 1 when a decision has this status (unchecked includes violation)")
    p.add_argument("--no-map", action="store_true", help="do not write map.html")
    p.add_argument("--online", action="store_true",
                   help="map loads its scripts and an OSM basemap from the internet "
                        "(default: one self-contained file that works offline)")
    p.add_argument("--public", action="store_true",
                   help="map for publication: drop owner names, addresses, ID numbers")
    p.add_argument("--all-decisions", action="store_true",
                   help="map also draws compliant decisions (violations always)")
    p.add_argument("--xlsx", action="store_true",
                   help="also write bao_cao.xlsx, an Excel report for officials")
    p.add_argument("--raster", type=Path,
                   help="GeoTIFF (land cover, orthophoto) to show on the map")
    p.add_argument("--map-budget-mb", metavar="MB",
                   help=f"largest map file, in MB (default {DEFAULT_MAX_MB:g}): a larger map "
                        "is split into one map per unit in maps/, map.html their index")
    p.add_argument("--map-max-features", metavar="N",
                   help=f"most features one map file draws (default {DEFAULT_MAX_FEATURES:,}"
                        "; keeps its first render within seconds)")


_QUIET = "print nothing but errors"
_QUIET_LISTING = "print the result and errors only (no log messages)"


def _verbosity(quiet_help: str) -> argparse.ArgumentParser:
    """Make the parent parser of every subcommand: ``-v/--verbose`` and ``-q/--quiet``."""
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_mutually_exclusive_group()
    group.add_argument("-v", "--verbose", action="store_true",
                       help="also print debugging messages")
    group.add_argument("-q", "--quiet", action="store_true", help=quiet_help)
    return parent


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="landplan",
        description="Check land decisions (allocation, lease, recognition, change of use) "
                    "against an approved land-use plan.")
    parser.add_argument("--version", action="version", version=f"landplan {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    quiet, listing = [_verbosity(_QUIET)], [_verbosity(_QUIET_LISTING)]

    c = sub.add_parser("check", help="check decisions against a plan", parents=quiet)
    c.add_argument("--plan", required=True, action="append", metavar="PATH[@DATE]",
                   help="plan layer (zoning polygons), with its approval date after @; repeat "
                        "for adjustments (each a complete plan version)")
    c.add_argument("--decisions", required=True, type=Path, help="decisions (parcels) layer")
    c.add_argument("--current-use", action="store_true",
                   help="read --decisions as a map of current use (automatic when it has no "
                        "kind-of-decision column): consistent / planned change / cannot be "
                        "judged per parcel, no violations")
    c.add_argument("--current-use-before", type=Path, metavar="FILE",
                   help="the current-use map of an earlier date: also write the share of "
                        "each planned change realised since (current_use_progress.csv)")
    c.add_argument("--projects", type=Path, help="annual land-use plan projects layer")
    c.add_argument("--corridors", type=Path, action="append",
                   help="restriction corridor layer (repeatable)")
    c.add_argument("--quotas", type=Path, help="conversion quota table (CSV)")
    c.add_argument("--units", type=Path,
                   help="commune names by code: a CSV unit,unit_name (or ma_xa,ten_xa)")
    c.add_argument("--landcover", type=Path,
                   help="land-cover rasters: a CSV with columns path,date (GeoTIFFs)")
    c.add_argument("--plan-layer", help="layer name inside the plan file(s)")
    c.add_argument("--decisions-layer", help="layer name inside the decisions file")
    c.add_argument("--crs", help="CRS for layers that declare none, e.g. EPSG:9209 (a "
                                 "declared CRS is kept)")
    c.add_argument("--plan-crs", help="CRS of the plan layer, replacing the one it declares "
                                      "(with a note)")
    c.add_argument("--decisions-crs", help="CRS of the decisions layer, replacing the one it "
                                           "declares (with a note)")
    c.add_argument("--plan-column", action="append", metavar="ROLE=COLUMN",
                   help="name a plan column, e.g. land_use=MaQH (repeatable)")
    c.add_argument("--decisions-column", action="append", metavar="ROLE=COLUMN",
                   help="name a decisions column, e.g. land_use=MDSD (repeatable)")
    c.add_argument("--engine", choices=ENGINES, default="pyogrio", help="file reading engine")
    c.add_argument("--encoding", default="auto",
                   help="text encoding of the decisions shapefile: auto (default: detected "
                        "from the bytes), utf-8, cp1258, tcvn3 (ABC) or vni")
    _add_check_options(c)
    c.set_defaults(func=_run_check_command)

    d = sub.add_parser("demo", help="run the check on the bundled sample data", parents=quiet)
    _add_check_options(d)
    d.set_defaults(plan_layer=None, decisions_layer=None, plan_column=None,
                   decisions_column=None, crs=None, plan_crs=None, decisions_crs=None,
                   engine="pyogrio", encoding="auto", func=_run_demo)

    diff = sub.add_parser("plan-diff", help="what a plan adjustment changed", parents=quiet)
    diff.add_argument("old", type=Path, help="the earlier plan layer")
    diff.add_argument("new", type=Path, help="the adjusted plan layer")
    diff.add_argument("--out", required=True, type=Path, help="output folder")
    diff.add_argument("--layer", help="layer name inside both files")
    diff.add_argument("--crs", help="CRS for layers that have none")
    diff.add_argument("--lang", choices=LANGS, default="vi")
    diff.add_argument("--no-map", action="store_true", help="do not write plan_diff.html")
    diff.add_argument("--online", action="store_true", help="map uses CDN scripts and OSM")
    diff.set_defaults(func=_run_plan_diff)

    i = sub.add_parser("info", help="what is in a file: layers, CRS, fields, encoding, codes",
                       parents=listing)
    i.add_argument("path", type=Path, help="a vector file (.shp, .zip, .gpkg, .geojson, …)")
    i.add_argument("--layer", help="only this layer")
    i.add_argument("--engine", choices=ENGINES, default="pyogrio", help="file reading engine")
    i.add_argument("--encoding", default="auto",
                   help="text encoding of a shapefile: auto (default), utf-8, cp1258, tcvn3, vni")
    i.add_argument("--lang", choices=LANGS, default="vi")
    i.add_argument("--json", action="store_true", help="print JSON instead of text")
    i.set_defaults(func=_run_info)

    r = sub.add_parser("rules", help="list the rules", parents=listing)
    r.add_argument("--lang", choices=LANGS, default="en")
    r.set_defaults(func=_run_rules)
    return parser


def _config(args: argparse.Namespace, base: CheckConfig | None = None) -> CheckConfig:
    """Read the configuration file (else ``base``) with the options on top.

    Every value is checked in one pass.
    """
    options = {name: getattr(args, name) for name in
               ("lang", "tolerance_pct", "tolerance_m2", "as_of", "plan_start", "plan_end")}
    return resolve_config(args.config, options, base)


def _map_budget(args: argparse.Namespace) -> MapBudget:
    """Read ``--map-budget-mb`` and ``--map-max-features`` (both problems reported at once)."""
    from ._map_budget import budget_problems

    mb = DEFAULT_MAX_MB if args.map_budget_mb is None else parse_number(args.map_budget_mb)
    count: object = DEFAULT_MAX_FEATURES
    if args.map_max_features is not None:
        text = str(args.map_max_features).strip()
        count = int(text) if text.isdigit() else args.map_max_features
    problems = budget_problems(mb if mb == mb else args.map_budget_mb, count,
                               ("--map-budget-mb", "--map-max-features"))
    if problems:
        raise LandplanError("\n".join(problems))
    return MapBudget(mb, count)


def _plan_arg(value: str) -> tuple[Path, str | None]:
    """``"plan.gpkg@2023-07-01"`` -> (path, date); a plain path -> (path, None)."""
    head, sep, tail = value.rpartition("@")
    if sep and head and not Path(value).exists():
        return Path(head), tail
    return Path(value), None


def _plan_args(values: Sequence[str]) -> list[tuple[Path, str | None]]:
    """Read every ``--plan PATH[@DATE]``, the dates day first.

    All bad dates are reported at once.
    """
    plans, problems = [], []
    for value in values:
        path, when = _plan_arg(value)
        if when is not None:
            try:
                when = parse_date(when).strftime("%Y-%m-%d")
            except ValueError as why:
                problems.append(f"--plan {value}: '{when}' is not an approval date ({why})")
        plans.append((path, when))
    if problems:
        raise LandplanError("\n".join(problems) + f"\nWrite --plan FILE@DATE with the date as "
                            f"{DATE_FORMS}, e.g. --plan qh.gpkg@01/07/2023.")
    return plans


@dataclass
class _Inputs:
    plans: list[tuple[Path, str | None]]
    decisions: Path
    projects: Path | None = None
    corridors: list[Path] | None = None
    quotas: Path | None = None
    units: Path | None = None
    landcover: Path | None = None
    config: Path | None = None
    raster: Path | None = None
    before: Path | None = None

    def named(self) -> list[tuple[str, Path]]:
        """Every input file as (option, path), for the output-folder check."""
        out = [("--plan", p) for p, _ in self.plans] + [("--decisions", self.decisions)]
        out += [("--corridors", p) for p in self.corridors or []]
        for option in ("projects", "quotas", "units", "landcover", "config", "raster"):
            if getattr(self, option) is not None:
                out.append((f"--{option}", getattr(self, option)))
        if self.before is not None:
            out.append(("--current-use-before", self.before))
        out += [("--landcover", p) for p in _landcover_rasters(self.landcover)]
        return out


def _landcover_rasters(table: Path | None) -> list[Path]:
    """List the rasters of a land-cover table.

    None when it cannot be read: the check then says why.
    """
    if table is None:
        return []
    from .landcover import load_landcover

    try:
        return [path for _, path in load_landcover(table)]
    except Exception:  # reported by the check itself
        return []


def _plan_dates(plans: list[tuple[Path, str | None]]) -> None:
    """Refuse two versions approved on the same day (one would silently replace the other).

    Exit 2 naming the files. (The dates were read by :func:`_plan_args`.)
    """
    seen: dict[pd.Timestamp, Path] = {}
    for path, date in plans:
        if date is None:
            continue
        stamp = pd.Timestamp(date)
        if stamp in seen:
            raise LandplanError(
                f"--plan {seen[stamp]} and --plan {path} have the same approval date "
                f"{stamp:%Y-%m-%d}: which one is in force that day is ambiguous. Give each "
                "version its own approval date, or, if they are parts of one plan (e.g. one "
                "file per commune), merge them into one file first.")
        seen[stamp] = path


def _load_plan(args: argparse.Namespace, plans: list[tuple[Path, str | None]]):
    _plan_dates(plans)
    columns = _pairs(args.plan_column, "--plan-column")
    layers = [(date, load_plan(path, args.plan_layer, columns=columns,
                               crs=args.crs, override_crs=args.plan_crs,
                               engine=args.engine))
              for path, date in plans]
    if len(layers) == 1 and layers[0][0] is None:
        return layers[0][1]
    if any(date is None for date, _ in layers):
        raise LandplanError("With several --plan versions, give each its approval date: "
                            "--plan plan.gpkg@2020-12-31 --plan adjustment.gpkg@2023-07-01")
    return plan_versions(dict(layers))


def _run_check(args: argparse.Namespace, inputs: _Inputs, config: CheckConfig) -> int:
    args.lang_used = config.lang
    budget = _map_budget(args)
    started = time.perf_counter()
    if args.raster is not None:  # fail before the check, not after it
        from .landcover import check_raster

        check_raster(args.raster, "--raster")
    inputs.config, inputs.raster = getattr(args, "config", None), args.raster
    # the output folder is checked and locked before the check runs (errors come early)
    names = (*OUTPUT_FILES, *OUTPUT_FOLDERS, *CURRENT_USE_FILES)
    with output_folder(args.out, names, inputs.named()), \
            _progress(config.lang, quiet=args.quiet):
        plan = _load_plan(args, inputs.plans)
        decisions = _load_parcels(args, inputs.decisions)
        if _is_current_use(args, decisions):
            return _run_current_use(args, inputs, config, plan, decisions, started)
        projects, corridors, quotas, units = _optional_inputs(args, inputs)
        result = check(plan, decisions, projects=projects, corridors=corridors, quotas=quotas,
                       units=units,
                       landcover=inputs.landcover, config=config)
        del plan, decisions, projects, corridors  # the inputs as read: the result has its own
        written = write_outputs(result, args.out, map_html=not args.no_map, lang=config.lang,
                                offline=not args.online, public=args.public,
                                all_decisions=args.all_decisions, raster=args.raster,
                                xlsx=args.xlsx, map_budget=budget)
    elapsed = time.perf_counter() - started
    if not args.quiet:
        _print_summary(result, written, elapsed)
    statuses = set(result.decisions["status"].unique())
    if args.fail_on == "violation" and "violation" in statuses:
        return EXIT_FAIL_ON
    if args.fail_on == "unchecked" and statuses & {"violation", "unchecked"}:
        return EXIT_FAIL_ON
    return EXIT_OK


def _load_parcels(args: argparse.Namespace, path: Path):
    """Read the decisions layer (or a map of current use) with the decisions' options."""
    return load_decisions(path, args.decisions_layer,
                          columns=_pairs(args.decisions_column, "--decisions-column"),
                          crs=args.crs, override_crs=args.decisions_crs, engine=args.engine,
                          encoding=args.encoding)


_DECISION_ROLES = ("kind", "decision_date", "decision_no")
"""The columns of a decision that a map of current use lacks: with none of them, the
decisions layer is read as current use."""


def _is_current_use(args: argparse.Namespace, decisions) -> bool:
    """``--current-use``, ``--current-use-before``, or a layer with no decision column.

    A layer without a kind column that has decision numbers or dates is still decisions
    (the check reports ``unknown-kind``); a cadastral map has neither.
    """
    if getattr(args, "current_use", False) or getattr(args, "current_use_before", None):
        return True  # `landplan demo` has neither option
    roles = decisions.attrs.get("columns", {})
    return len(decisions) > 0 and not any(role in roles for role in _DECISION_ROLES)


def _run_current_use(args: argparse.Namespace, inputs: _Inputs, config: CheckConfig, plan,
                     parcels, started: float) -> int:
    """Compare a map of current use with the plan (no violations), write and print it."""
    lang = config.lang
    if not args.quiet:
        source = parcels.attrs.get("source", str(inputs.decisions))
        print(label("cli.current_use", lang).format(source=source), flush=True)
    result = compare_current_use(plan, parcels, config=config)
    before = None
    if inputs.before is not None:
        before = compare_current_use(plan, _load_parcels(args, inputs.before), config=config)
    written = write_current_use(result, args.out, before=before)
    if not args.quiet:
        _print_current_use(result, written, time.perf_counter() - started, lang)
    return EXIT_OK


def _print_current_use(result, written: dict[str, Path], elapsed: float, lang: str) -> None:
    """Print the summary of a current-use comparison: parcels and hectares per status."""
    words = labels("current_use_status", lang)
    print(f"{len(result):,} parcels compared with the plan in {elapsed:.1f} s:")
    counts = result["status"].value_counts()
    for status in CURRENT_USE_STATUSES:
        print(f"  {words[status]:<28} {int(counts.get(status, 0)):>9,}")
    for column, status in (("consistent_area_m2", "consistent"),
                           ("change_area_m2", "planned_change"),
                           ("unjudged_area_m2", "cannot_judge")):
        print(f"  {words[status]:<28} {result[column].sum() / 10_000:>12,.2f} ha")
    print("Outputs:")
    for path in written.values():
        print(f"  {path}")


def _optional_inputs(args: argparse.Namespace, inputs: _Inputs) -> tuple:
    """Read the projects, corridors, quotas and units given (None for each one not given)."""
    projects = corridors = quotas = units = None
    if inputs.projects:
        projects = load_projects(inputs.projects, crs=args.crs, engine=args.engine)
    if inputs.corridors:
        parts = [load_corridors(p, crs=args.crs, engine=args.engine) for p in inputs.corridors]
        corridors = parts[0] if len(parts) == 1 else pd.concat(
            [part.to_crs(parts[0].crs) for part in parts], ignore_index=True)
    if inputs.quotas:
        with step("read_quotas") as reading:
            quotas = load_quotas(inputs.quotas)
            reading.count, reading.note = len(quotas), f"{len(quotas):,} rows"
    if inputs.units:
        units = load_units(inputs.units)
    return projects, corridors, quotas, units


@contextmanager
def _progress(lang: str, *, quiet: bool) -> Iterator[None]:
    """Show the steps of the run on a terminal (stderr), in ``lang``.

    Nothing is shown in pipes, files or with --quiet. Log lines written meanwhile go above
    the progress line.
    """
    if quiet or not sys.stderr.isatty():
        yield
        return
    from tqdm.contrib.logging import logging_redirect_tqdm

    display = _ProgressLine(lang)
    try:
        with logging_redirect_tqdm(loggers=[logging.getLogger()]), showing(display):
            yield
    finally:
        display.close()


def _terminal_size() -> tuple[int, int]:
    """Return the columns and lines of the terminal on stderr (80 × 24 where it says 0)."""
    try:
        size = os.get_terminal_size(sys.stderr.fileno())
    except (OSError, ValueError, AttributeError):  # not a file descriptor (a test's fake)
        return 80, 24
    return size.columns or 80, size.lines or 24


def _step_text(step: Step, words: dict[str, str]) -> str:
    """Say what ``step`` does with the words of ``[cli.progress]`` in the run's language.

    ``Đọc quyết định… 1.000.000``, ``Quy tắc 7/23: double-allocation…``,
    ``Ghi decisions.csv…``.
    """
    text = words.get(step.key, step.key.replace("_", " "))
    if step.index is not None and step.total is not None:
        text = f"{text} {step.index}/{step.total}"
    if step.detail:
        text = f"{text}: {step.detail}" if step.key == "rule" else f"{text} {step.detail}"
    if step.count is None:
        return f"{text}…"
    count = f"{step.count:,}".replace(",", words["thousands"])
    return f"{text}… {count}"


class _ProgressLine:
    """The step a run is at, on one line of the terminal: ``Đọc quyết định… 1.000.000``.

    The elapsed time is refreshed every second, also within a long step.
    """

    def __init__(self, lang: str) -> None:
        from tqdm import tqdm

        self.words = labels("cli.progress", lang)
        columns, rows = _terminal_size()
        self.bar = tqdm(total=None, file=sys.stderr, leave=False, ncols=columns, nrows=rows,
                        bar_format="{desc} [{elapsed}]")
        self.stop = threading.Event()
        self.ticker = threading.Thread(target=self._tick, name="landplan-progress", daemon=True)
        self.ticker.start()

    def _tick(self) -> None:
        while not self.stop.wait(1.0):
            self.bar.refresh()

    def started(self, step: Step) -> None:
        """Show that ``step`` begins."""
        self.bar.set_description_str(_step_text(step, self.words))

    def finished(self, step: Step) -> None:
        """Show how many records a reading step found."""
        if step.key.startswith("read_") and step.count is not None:
            self.bar.set_description_str(_step_text(step, self.words))

    def close(self) -> None:
        """Clear the line."""
        self.stop.set()
        self.ticker.join()
        self.bar.close()


def _demo_inputs() -> tuple[_Inputs, CheckConfig]:
    """Return the sample district with every optional input it ships."""
    from ._sample import sample_inputs

    sample, config = sample_inputs()
    return _Inputs(**vars(sample)), config


def _run_check_command(args: argparse.Namespace) -> int:
    """Run ``landplan check``: read the plans and configuration from the options, then check."""
    plans, config, problems = None, None, []
    for what in ("plans", "config", "budget"):  # every bad option value in one message
        try:
            if what == "plans":
                plans = _plan_args(args.plan)
            elif what == "config":
                config = _config(args)
            else:
                _map_budget(args)
        except LandplanError as exc:
            problems.append(str(exc))
    if problems:
        raise LandplanError("\n".join(problems))
    inputs = _Inputs(plans=plans, decisions=args.decisions,
                     projects=args.projects, corridors=args.corridors, quotas=args.quotas,
                     units=args.units, landcover=args.landcover, before=args.current_use_before)
    return _run_check(args, inputs, config)


def _run_demo(args: argparse.Namespace) -> int:
    """``landplan demo``: the check on the sample district."""
    inputs, base = _demo_inputs()
    return _run_check(args, inputs, _config(args, base))


def _run_rules(args: argparse.Namespace) -> int:
    """``landplan rules``: the rule table."""
    print(rule_table(args.lang).to_string(index=False))
    return EXIT_OK


def _run_plan_diff(args: argparse.Namespace) -> int:
    with output_folder(args.out, PLAN_DIFF_FILES, [("OLD", args.old), ("NEW", args.new)]):
        old = load_plan(args.old, args.layer, crs=args.crs)
        new = load_plan(args.new, args.layer, crs=args.crs)
        diff = plan_diff(old, new)
        summary = plan_diff_summary(diff)
        written = write_plan_diff(diff, new, args.out, map_html=not args.no_map,
                                  lang=args.lang, offline=not args.online)
    if not args.quiet:
        print(f"{len(diff)} changed pieces, {diff['area_m2'].sum() / 10_000:.2f} ha:")
        print(summary.to_string(index=False))
        for path in written.values():
            print(f"  {path}")
    return EXIT_OK


def _run_info(args: argparse.Namespace) -> int:
    from .info import file_info, format_info

    layers = file_info(args.path, args.layer, engine=args.engine, encoding=args.encoding)
    if args.json:
        print(json.dumps(layers, ensure_ascii=False, indent=2))
    else:
        print(format_info(layers, lang=args.lang))
    return EXIT_OK


def _print_summary(result: CheckResult, written: dict[str, Path], elapsed: float) -> None:
    d, f = result.decisions, result.findings
    counts = d["status"].value_counts()
    versions = result.plan["plan_version"].nunique(dropna=False)
    print(f"Checked {len(d)} decisions against {len(result.plan)} plan zones "
          f"({versions} version{'s' if versions > 1 else ''}) "
          f"in {elapsed:.1f} s:")
    for status in STATUSES:
        print(f"  {status:<10} {int(counts.get(status, 0)):>7}")
    if len(f):
        print("Findings by rule and severity:")
        table = f.groupby(["rule", "severity"], sort=True).size()
        for (rule, severity), n in table.items():
            print(f"  {rule:<30} {severity:<8} {n:>7}")
    not_run = result.rules[result.rules["state"] != "ran"]
    if len(not_run):
        print("Rules not run:")
        for row in not_run.itertuples(index=False):
            print(f"  {row.rule:<30} {row.state}: {row.reason}")
    print("Outputs:")
    for path in written.values():
        print(f"  {path}")


@contextmanager
def _warnings_logged() -> Iterator[None]:
    """Log every :class:`~landplan.errors.LandplanWarning` issued within the block.

    Each time, by the logger of the module that issued it (``WARNING landplan.io: …``),
    instead of printing it as a Python warning; the warning state is restored after it.
    """
    with warnings.catch_warnings():
        shown = warnings.showwarning
        warnings.simplefilter("always", LandplanWarning)

        def show(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                 file: object = None, line: str | None = None) -> None:
            if isinstance(message, LandplanWarning):
                logging.getLogger(message.origin).warning("%s", message)
            else:
                shown(message, category, filename, lineno, file, line)

        warnings.showwarning = show
        yield


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``landplan`` command."""
    args = _parser().parse_args(argv)
    level = logging.WARNING if args.quiet else logging.DEBUG if args.verbose else logging.INFO
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    logging.getLogger("landplan").setLevel(level)
    # each step's seconds (landplan._steps) only with --verbose: a terminal shows the steps
    # on its progress line instead
    logging.getLogger("landplan.steps").setLevel(logging.INFO if args.verbose
                                                 else logging.WARNING)
    with _warnings_logged():
        return _dispatch(args)


def _dispatch(args: argparse.Namespace) -> int:
    """Run the subcommand; errors become exit codes and one message."""
    try:
        command: Callable[[argparse.Namespace], int] = args.func
        return command(args)
    except KeyboardInterrupt:  # Ctrl-C: the writers have removed their temporary files
        lang = getattr(args, "lang_used", None) or getattr(args, "lang", None) or "vi"
        print(label("cli.interrupted", lang if lang in LANGS else "en"), file=sys.stderr)
        return EXIT_INTERRUPTED
    except LandplanError as exc:
        print(f"landplan: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except OSError as exc:  # unreadable or unwritable paths, full disk, ...
        print(f"landplan: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except Exception as exc:  # a bug: say so briefly; LANDPLAN_DEBUG=1 shows the traceback
        if os.environ.get("LANDPLAN_DEBUG"):
            raise
        print(f"landplan: internal error ({type(exc).__name__}: {exc}). This is a bug in "
              "landplan; please report it with the command you ran "
              "(set LANDPLAN_DEBUG=1 to see the traceback).", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
