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
import re
import sys
import textwrap
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import __version__
from ._cli_text import ENV, argparse_language, cli_language
from ._dates import parse_date
from ._labels import label, labels
from ._map_budget import DEFAULT_MAX_FEATURES, DEFAULT_MAX_MB, MapBudget
from ._numbers import format_number, format_numbers, parse_number
from ._outdir import output_folder
from ._problems import os_error_text
from ._serve_cli import add_serve_command
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
            raise LandplanError.of("cli.pairs", option=option, item=item)
        out[role.strip()] = column.strip()
    return out


def _add_check_options(p: argparse.ArgumentParser, h: dict[str, str]) -> None:
    """Add the options ``check`` and ``demo`` share; ``h`` their help texts (``[help.check]``)."""
    p.add_argument("--out", required=True, type=Path, help=h["out"])
    p.add_argument("--config", type=Path, help=h["config"])
    p.add_argument("--lang", choices=LANGS, help=h["lang"])
    p.add_argument("--as-of", help=h["as_of"])
    p.add_argument("--plan-start", help=h["plan_start"])
    p.add_argument("--plan-end", help=h["plan_end"])
    p.add_argument("--tolerance-pct", help=h["tolerance_pct"])
    p.add_argument("--tolerance-m2", help=h["tolerance_m2"])
    p.add_argument("--fail-on", choices=("never", "violation", "unchecked"), default="never",
                   help=h["fail_on"])
    p.add_argument("--no-map", action="store_true", help=h["no_map"])
    p.add_argument("--online", action="store_true", help=h["online"])
    p.add_argument("--public", action="store_true", help=h["public"])
    p.add_argument("--all-decisions", action="store_true", help=h["all_decisions"])
    p.add_argument("--xlsx", action="store_true", help=h["xlsx"])
    p.add_argument("--raster", type=Path, help=h["raster"])
    p.add_argument("--map-budget-mb", metavar="MB",
                   help=h["map_budget_mb"].format(mb=f"{DEFAULT_MAX_MB:g}"))
    p.add_argument("--map-max-features", metavar="N",
                   help=h["map_max_features"].format(n=DEFAULT_MAX_FEATURES))


def _verbosity(words: dict[str, str], quiet: str) -> argparse.ArgumentParser:
    """Make the parent parser of every subcommand: ``-v/--verbose`` and ``-q/--quiet``."""
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_mutually_exclusive_group()
    group.add_argument("-v", "--verbose", action="store_true", help=words["verbose"])
    group.add_argument("-q", "--quiet", action="store_true", help=words[quiet])
    return parent


def _parser(lang: str | None = None) -> argparse.ArgumentParser:
    """Make the parser of the command line, its help texts in ``lang``.

    ``lang`` defaults to :func:`~landplan._cli_text.cli_language` of ``sys.argv``. argparse's
    own words follow ``lang`` only when the parser is made within
    :func:`~landplan._cli_text.argparse_language` (as :func:`main` does).
    """
    lang = lang or cli_language(sys.argv[1:])
    top, verbosity = labels("help.top", lang), labels("help.verbosity", lang)
    h, h_diff = labels("help.check", lang), labels("help.plan_diff", lang)
    h_info, h_rules = labels("help.info", lang), labels("help.rules", lang)
    h["lang"] = h_diff["lang"] = h_info["lang"] = verbosity["lang"]
    parser = argparse.ArgumentParser(prog="landplan", description=top["description"])
    parser.add_argument("--version", action="version", version=f"landplan {__version__}",
                        help=top["version"])
    commands = "{check,demo,plan-diff,info,rules,serve}"  # as argparse lists them, in any language
    sub = parser.add_subparsers(dest="command", required=True, metavar=commands)
    quiet, listing = [_verbosity(verbosity, "quiet")], [_verbosity(verbosity, "quiet_listing")]

    c = sub.add_parser("check", help=top["check"], description=top["check"], parents=quiet)
    c.add_argument("--plan", required=True, action="append", metavar="PATH[@DATE]",
                   help=h["plan"])
    c.add_argument("--decisions", required=True, type=Path, metavar="PATH",
                   help=h["decisions"])
    c.add_argument("--current-use", action="store_true", help=h["current_use"])
    c.add_argument("--current-use-before", type=Path, metavar="FILE",
                   help=h["current_use_before"])
    c.add_argument("--projects", type=Path, metavar="PATH", help=h["projects"])
    c.add_argument("--corridors", type=Path, action="append", metavar="PATH",
                   help=h["corridors"])
    c.add_argument("--quotas", type=Path, metavar="CSV", help=h["quotas"])
    c.add_argument("--units", type=Path, metavar="CSV", help=h["units"])
    c.add_argument("--landcover", type=Path, metavar="CSV", help=h["landcover"])
    c.add_argument("--plan-layer", metavar="LAYER", help=h["plan_layer"])
    c.add_argument("--decisions-layer", metavar="LAYER", help=h["decisions_layer"])
    c.add_argument("--crs", metavar="CRS", help=h["crs"])
    c.add_argument("--plan-crs", metavar="CRS", help=h["plan_crs"])
    c.add_argument("--decisions-crs", metavar="CRS", help=h["decisions_crs"])
    c.add_argument("--plan-column", action="append", metavar="ROLE=COLUMN",
                   help=h["plan_column"])
    c.add_argument("--decisions-column", action="append", metavar="ROLE=COLUMN",
                   help=h["decisions_column"])
    c.add_argument("--engine", choices=ENGINES, default="pyogrio", help=h["engine"])
    c.add_argument("--encoding", default="auto", metavar="NAME", help=h["encoding"])
    _add_check_options(c, h)
    c.set_defaults(func=_run_check_command)

    d = sub.add_parser("demo", help=top["demo"], description=top["demo"], parents=quiet)
    _add_check_options(d, h)
    d.set_defaults(plan_layer=None, decisions_layer=None, plan_column=None,
                   decisions_column=None, crs=None, plan_crs=None, decisions_crs=None,
                   engine="pyogrio", encoding="auto", func=_run_demo)

    diff = sub.add_parser("plan-diff", help=top["plan_diff"], description=top["plan_diff"],
                          parents=quiet)
    diff.add_argument("old", type=Path, metavar="OLD", help=h_diff["old"])
    diff.add_argument("new", type=Path, metavar="NEW", help=h_diff["new"])
    diff.add_argument("--out", required=True, type=Path, metavar="DIR", help=h_diff["out"])
    diff.add_argument("--layer", metavar="LAYER", help=h_diff["layer"])
    diff.add_argument("--crs", metavar="CRS", help=h_diff["crs"])
    diff.add_argument("--lang", choices=LANGS, help=h_diff["lang"])
    diff.add_argument("--no-map", action="store_true", help=h_diff["no_map"])
    diff.add_argument("--online", action="store_true", help=h_diff["online"])
    diff.set_defaults(func=_run_plan_diff)

    i = sub.add_parser("info", help=top["info"], description=top["info"], parents=listing)
    i.add_argument("path", type=Path, metavar="PATH", help=h_info["path"])
    i.add_argument("--layer", metavar="LAYER", help=h_info["layer"])
    i.add_argument("--engine", choices=ENGINES, default="pyogrio", help=h["engine"])
    i.add_argument("--encoding", default="auto", metavar="NAME", help=h_info["encoding"])
    i.add_argument("--lang", choices=LANGS, help=h_info["lang"])
    i.add_argument("--json", action="store_true", help=h_info["json"])
    i.set_defaults(func=_run_info)

    r = sub.add_parser("rules", help=top["rules"], description=top["rules"], parents=listing)
    r.add_argument("rule", nargs="?", metavar="RULE_ID", help=h_rules["rule"])
    r.add_argument("--long", action="store_true", help=h_rules["long"])
    r.add_argument("--lang", choices=LANGS, help=verbosity["lang"])
    r.set_defaults(func=_run_rules)
    add_serve_command(sub, quiet, lang)
    return parser


def _config(args: argparse.Namespace, base: CheckConfig | None = None) -> CheckConfig:
    """Read the configuration file (else ``base``) with the options on top.

    Every value is checked in one pass.
    """
    options = {name: getattr(args, name) for name in
               ("lang", "tolerance_pct", "tolerance_m2", "as_of", "plan_start", "plan_end")}
    if options["lang"] is None and args.config is None and os.environ.get(ENV):
        options["lang"] = cli_language([])  # LANDPLAN_LANG; a configuration file's lang wins
    return resolve_config(args.config, options, base)


def _map_budget(args: argparse.Namespace) -> MapBudget:
    """Read ``--map-budget-mb`` and ``--map-max-features`` (both problems reported at once)."""
    from ._map_budget import budget_problems

    mb = DEFAULT_MAX_MB if args.map_budget_mb is None else parse_number(args.map_budget_mb)
    count: object = DEFAULT_MAX_FEATURES
    if args.map_max_features is not None:
        text = str(args.map_max_features).strip()
        count = int(text) if text.isdigit() else args.map_max_features
    given = mb if mb == mb else args.map_budget_mb
    names = ("--map-budget-mb", "--map-max-features")
    # the map's own checks, one value at a time, said in the run's language
    problems = [LandplanError.of(key, option=option, value=repr(value))
                for key, option, value, wrong in (
                    ("cli.map_budget_mb", names[0], given,
                     budget_problems(given, DEFAULT_MAX_FEATURES, names)),
                    ("cli.map_max_features", names[1], count,
                     budget_problems(DEFAULT_MAX_MB, count, names)))
                if wrong]
    if problems:
        raise LandplanError.joined(problems)
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
                problems.append(LandplanError.of("cli.plan_date", value=value, date=when,
                                                 why=why))
        plans.append((path, when))
    if problems:
        forms = LandplanError.of("dates.forms")
        raise LandplanError.joined([*problems, LandplanError.of("cli.plan_date_fix",
                                                                forms=forms)])
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
            raise LandplanError.of("cli.same_date", first=seen[stamp], second=path,
                                   date=f"{stamp:%Y-%m-%d}")
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
        raise LandplanError.of("cli.undated_versions")
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
        _print_summary(result, written, elapsed, config.lang)
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
    words, statuses = labels("cli.summary", lang), labels("current_use_status", lang)
    print(words["compared"].format(parcels=format_number(len(result), lang),
                                   seconds=format_number(elapsed, lang, 1)))
    counts = result["status"].value_counts()
    for status in CURRENT_USE_STATUSES:
        print(f"  {statuses[status]:<28} {format_number(counts.get(status, 0), lang):>9}")
    for column, status in (("consistent_area_m2", "consistent"),
                           ("change_area_m2", "planned_change"),
                           ("unjudged_area_m2", "cannot_judge")):
        hectares = format_number(result[column].sum() / 10_000, lang, 2)
        print(f"  {statuses[status]:<28} {hectares:>12} {words['hectares']}")
    print(words["outputs"])
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
        with logging_redirect_tqdm(loggers=[logging.getLogger("landplan")]), showing(display):
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
            problems.append(exc)
    if problems:
        raise LandplanError.joined(problems)
    inputs = _Inputs(plans=plans, decisions=args.decisions,
                     projects=args.projects, corridors=args.corridors, quotas=args.quotas,
                     units=args.units, landcover=args.landcover, before=args.current_use_before)
    return _run_check(args, inputs, config)


def _run_demo(args: argparse.Namespace) -> int:
    """``landplan demo``: the check on the sample district."""
    inputs, base = _demo_inputs()
    return _run_check(args, inputs, _config(args, base))


def _run_rules(args: argparse.Namespace) -> int:
    """``landplan rules``: the rules, one line each within 100 columns, in the language.

    ``--long`` (or one ``RULE_ID``) prints every column of each rule: category, whether it
    always runs, legal basis.
    """
    lang = _language(args)
    words, severities = labels("cli.rules", lang), labels("severity", lang)
    categories = labels("category", lang)
    table = rule_table(lang)
    if args.rule is not None:
        if args.rule not in set(table["rule"]):
            raise LandplanError(words["unknown"].format(rule=args.rule,
                                                        rules=", ".join(table["rule"])))
        table = table[table["rule"] == args.rule]
    if args.long or args.rule is not None:
        for row in table.itertuples(index=False):
            print(row.rule)
            for column, value in (("title", row.title),
                                  ("severity", severities.get(row.severity, row.severity)),
                                  ("category", categories.get(row.category, row.category)),
                                  ("required", words["yes" if row.required else "no"]),
                                  ("legal_basis", row.legal_basis)):
                text = textwrap.fill(f"{words[column]}: {value or ''}", width=_WIDTH,
                                     initial_indent="  ", subsequent_indent="    ")
                print(text)
            print()
        return EXIT_OK
    id_width = max(len(str(rule)) for rule in table["rule"])
    severity_width = max(len(words["severity"]),
                         *(len(severities.get(s, s)) for s in table["severity"]))
    head = f"{words['rule']:<{id_width}}  {words['severity']:<{severity_width}}  "
    print(f"{head}{words['title']}")
    indent = " " * len(head)
    for row in table.itertuples(index=False):
        severity = severities.get(row.severity, row.severity)
        start = f"{row.rule:<{id_width}}  {severity:<{severity_width}}  "
        print(textwrap.fill(str(row.title), width=_WIDTH, initial_indent=start,
                            subsequent_indent=indent))
    print()
    print(words["more"])
    return EXIT_OK


_WIDTH = 100  # columns of the rules listing


def _run_plan_diff(args: argparse.Namespace) -> int:
    lang = _language(args)
    with output_folder(args.out, PLAN_DIFF_FILES, [("OLD", args.old), ("NEW", args.new)]):
        old = load_plan(args.old, args.layer, crs=args.crs)
        new = load_plan(args.new, args.layer, crs=args.crs)
        diff = plan_diff(old, new)
        summary = plan_diff_summary(diff)
        written = write_plan_diff(diff, new, args.out, map_html=not args.no_map,
                                  lang=lang, offline=not args.online)
    if not args.quiet:
        words = labels("cli.plan_diff", lang)
        print(label("cli.summary.plan_diff", lang).format(
            pieces=format_number(len(diff), lang),
            hectares=format_number(diff["area_m2"].sum() / 10_000, lang, 2)))
        shown = pd.DataFrame({
            words["dimension"]: summary["dimension"].map(
                lambda d: words.get(d, d)).to_numpy(dtype=object),
            words["value"]: summary["value"].astype(str).to_numpy(dtype=object),
            words["n_pieces"]: format_numbers(summary["n_pieces"], lang),
            words["area_ha"]: format_numbers(summary["area_ha"], lang, 2),
        })
        print(shown.to_string(index=False))
        print(label("cli.summary.outputs", lang))
        for path in written.values():
            print(f"  {path}")
    return EXIT_OK


def _run_info(args: argparse.Namespace) -> int:
    from .info import file_info, format_info

    layers = file_info(args.path, args.layer, engine=args.engine, encoding=args.encoding)
    if args.json:
        print(json.dumps(layers, ensure_ascii=False, indent=2))
    else:
        print(format_info(layers, lang=_language(args)))
    return EXIT_OK


def _print_summary(result: CheckResult, written: dict[str, Path], elapsed: float,
                   lang: str) -> None:
    """Print the summary of a check in ``lang``.

    Decisions per status, findings per rule and severity, the rules not run and why, the
    files written.
    """
    words = labels("cli.summary", lang)
    statuses, severities = labels("status", lang), labels("severity", lang)
    d, f = result.decisions, result.findings
    counts = d["status"].value_counts()
    versions = result.plan["plan_version"].nunique(dropna=False)
    print(words["checked"].format(decisions=format_number(len(d), lang),
                                  zones=format_number(len(result.plan), lang),
                                  versions=format_number(versions, lang),
                                  s="s" if versions > 1 else "",
                                  seconds=format_number(elapsed, lang, 1)))
    width = max(len(statuses[status]) for status in STATUSES)
    for status in STATUSES:
        print(f"  {statuses[status]:<{width}} {format_number(counts.get(status, 0), lang):>9}")
    if len(f):
        print(words["findings"])
        table = f.groupby(["rule", "severity"], sort=True).size()
        for (rule, severity), n in table.items():
            print(f"  {rule:<30} {severities.get(severity, severity):<12} "
                  f"{format_number(n, lang):>7}")
    not_run = result.rules[result.rules["state"] != "ran"]
    if len(not_run):
        states = labels("state", lang)
        print(words["not_run"])
        for row in not_run.itertuples(index=False):
            print(f"  {row.rule:<30} {states.get(row.state, row.state)}: "
                  f"{_reason(str(row.reason), lang)}")
    print(words["outputs"])
    for path in written.values():
        print(f"  {path}")


def _reason(reason: str, lang: str) -> str:
    """Say why a rule did not run (``no projects or quotas given``, …) in ``lang``.

    The reasons :func:`landplan.check.check` writes in English: an input not given, or one
    of the reasons the Excel report translates; any other reason as it is.
    """
    missing = re.fullmatch(r"no (.+) given", reason)
    if missing:
        inputs = labels("cli.inputs", lang)
        names = [inputs.get(name, name) for name in missing.group(1).split(" or ")]
        return label("cli.summary.no_input", lang).format(
            inputs=label("cli.summary.or", lang).join(names))
    return labels("excel.reasons", lang).get(reason, reason)


@contextmanager
def _warnings_logged(lang_of: Callable[[], str], *, verbose: bool = False) -> Iterator[None]:
    """Log every :class:`~landplan.errors.LandplanWarning` issued within the block.

    Each time, by the logger of the module that issued it (``WARNING landplan.io: …``), in
    the language ``lang_of()`` says at that moment, instead of printing it as a Python
    warning; the warning state is restored after it. Other libraries' warnings (pyogrio,
    shapely: English, for developers) are printed only when ``verbose``.
    """
    with warnings.catch_warnings():
        shown = warnings.showwarning
        warnings.simplefilter("always", LandplanWarning)

        def show(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                 file: object = None, line: str | None = None) -> None:
            if isinstance(message, LandplanWarning):
                logging.getLogger(message.origin).warning("%s", message.localized(lang_of()))
            elif verbose:
                shown(message, category, filename, lineno, file, line)

        warnings.showwarning = show
        yield


_SKIPPED = re.compile(r"rule (\S+) skipped: (.*)", re.DOTALL)


class _LogLines(logging.Formatter):
    """``WARNING landplan.io: …`` with the level in the language of the run.

    The skipped-rule lines of :func:`landplan.check.check` (``rule quota-exceeded skipped:
    no quotas given``) are said again in that language.
    """

    def __init__(self, lang_of: Callable[[], str]) -> None:
        super().__init__("%(levelname)s %(name)s: %(message)s")
        self.lang_of = lang_of

    def format(self, record: logging.LogRecord) -> str:
        lang = self.lang_of()
        message = record.getMessage()
        skipped = _SKIPPED.fullmatch(message) if record.name == "landplan.check" else None
        if skipped:  # logged, or a RuleSkippedWarning (both English)
            message = label("cli.summary.skipped", lang).format(
                rule=skipped[1], reason=_reason(skipped[2], lang))
        level = labels("cli.levels", lang).get(record.levelname.lower(), record.levelname)
        return f"{level} {record.name}: {message}"


@contextmanager
def _logging(args_lang: Callable[[], str], *, quiet: bool, verbose: bool) -> Iterator[None]:
    """Print the log lines of landplan on stderr while the command runs.

    Default: warnings (and errors) only; ``-q`` errors only; ``-v`` also the developers'
    INFO and DEBUG lines, with each step's seconds. The handler is on the ``landplan``
    logger (records still reach the root logger's handlers, e.g. pytest's) and is removed
    after the command; the levels it set stay (a later library call logs as the command
    did).
    """
    logger = logging.getLogger("landplan")
    level = logging.ERROR if quiet else logging.DEBUG if verbose else logging.WARNING
    logger.setLevel(level)
    # each step's seconds (landplan._steps) only with --verbose: a terminal shows the steps
    # on its progress line instead
    logging.getLogger("landplan.steps").setLevel(logging.INFO if verbose else logging.WARNING)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_LogLines(args_lang))
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``landplan`` command.

    Everything it prints is in one language: ``--lang``, else (``check``, ``demo``) the
    configuration file's ``lang``, else ``$LANDPLAN_LANG``, else Vietnamese.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    lang = cli_language(argv)
    with argparse_language(lang):
        args = _parser(lang).parse_args(argv)
    args.cli_lang = lang

    def lang_of() -> str:
        return _language(args)

    with _logging(lang_of, quiet=args.quiet, verbose=args.verbose), \
            _warnings_logged(lang_of, verbose=args.verbose):
        return _dispatch(args)


def _language(args: argparse.Namespace) -> str:
    """Return the language of the run: ``--lang``, the configuration's, else the default."""
    lang = (getattr(args, "lang_used", None) or getattr(args, "lang", None)
            or getattr(args, "cli_lang", None) or cli_language([]))
    return lang if lang in LANGS else LANGS[0]


def _dispatch(args: argparse.Namespace) -> int:
    """Run the subcommand; errors become exit codes and one message."""
    try:
        command: Callable[[argparse.Namespace], int] = args.func
        return command(args)
    except KeyboardInterrupt:  # Ctrl-C: the writers have removed their temporary files
        print(label("cli.interrupted", _language(args)), file=sys.stderr)
        return EXIT_INTERRUPTED
    except LandplanError as exc:
        lang = _language(args)
        print(label("cli.problem.error", lang).format(message=exc.localized(lang)),
              file=sys.stderr)
        return EXIT_INPUT
    except OSError as exc:  # unreadable or unwritable paths, full disk, ...
        lang = _language(args)
        print(label("cli.problem.error", lang).format(message=os_error_text(exc, lang)),
              file=sys.stderr)
        return EXIT_INPUT
    except Exception as exc:  # a bug: say so briefly; LANDPLAN_DEBUG=1 shows the traceback
        if os.environ.get("LANDPLAN_DEBUG"):
            raise
        print(label("cli.problem.internal", _language(args)).format(
            error=f"{type(exc).__name__}: {exc}"), file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
