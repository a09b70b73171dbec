"""The ``landplan`` command line: a thin layer over the library.

Exit codes: 0 the command ran (whatever it found); 1 ``--fail-on`` matched;
2 unusable input or options (with a message saying what and how to fix); 3 an internal
error (a bug; ``LANDPLAN_DEBUG=1`` shows the traceback).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .check import STATUSES, CheckResult, check
from .config import LANGS, CheckConfig, load_config
from .errors import LandplanError
from .io import ENGINES, load_decisions, load_plan
from .report import write_outputs
from .rules import rule_table

__all__ = ["main"]

log = logging.getLogger("landplan")

EXIT_OK, EXIT_FAIL_ON, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


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
    p.add_argument("--tolerance-pct", type=float,
                   help="conflicts count only above this %% of the parcel (default 5)")
    p.add_argument("--tolerance-m2", type=float,
                   help="... and above this many m² (default 20)")
    p.add_argument("--fail-on", choices=("never", "violation", "unchecked"), default="never",
                   help="exit 1 when a decision has this status (unchecked includes violation)")
    p.add_argument("--no-map", action="store_true", help="do not write map.html")
    p.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="landplan",
        description="Check land decisions (allocation, lease, recognition, change of use) "
                    "against an approved land-use plan.")
    parser.add_argument("--version", action="version", version=f"landplan {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    c = sub.add_parser("check", help="check decisions against a plan")
    c.add_argument("--plan", required=True, type=Path, help="plan layer (zoning polygons)")
    c.add_argument("--decisions", required=True, type=Path, help="decisions (parcels) layer")
    c.add_argument("--plan-layer", help="layer name inside the plan file")
    c.add_argument("--decisions-layer", help="layer name inside the decisions file")
    c.add_argument("--crs", help="CRS for layers that have none, e.g. EPSG:9209")
    c.add_argument("--plan-crs", help="CRS of the plan layer (overrides --crs)")
    c.add_argument("--decisions-crs", help="CRS of the decisions layer (overrides --crs)")
    c.add_argument("--plan-column", action="append", metavar="ROLE=COLUMN",
                   help="name a plan column, e.g. land_use=MaQH (repeatable)")
    c.add_argument("--decisions-column", action="append", metavar="ROLE=COLUMN",
                   help="name a decisions column, e.g. land_use=MDSD (repeatable)")
    c.add_argument("--engine", choices=ENGINES, default="pyogrio", help="file reading engine")
    c.add_argument("--encoding", help="text encoding of the input attributes, if undeclared")
    _add_check_options(c)

    d = sub.add_parser("demo", help="run the check on the bundled sample data")
    _add_check_options(d)
    d.set_defaults(plan_layer=None, decisions_layer=None, plan_column=None,
                   decisions_column=None, crs=None, plan_crs=None, decisions_crs=None,
                   engine="pyogrio", encoding=None)

    r = sub.add_parser("rules", help="list the rules")
    r.add_argument("--lang", choices=LANGS, default="en")
    return parser


def _config(args: argparse.Namespace) -> CheckConfig:
    config = load_config(args.config) if args.config else CheckConfig()
    return config.updated(lang=args.lang, tolerance_pct=args.tolerance_pct,
                          tolerance_m2=args.tolerance_m2)


def _run_check(args: argparse.Namespace, plan_path: Path, decisions_path: Path) -> int:
    config = _config(args)
    started = time.perf_counter()
    plan = load_plan(plan_path, args.plan_layer,
                     columns=_pairs(args.plan_column, "--plan-column"),
                     crs=args.plan_crs or args.crs, engine=args.engine, encoding=args.encoding)
    decisions = load_decisions(decisions_path, args.decisions_layer,
                               columns=_pairs(args.decisions_column, "--decisions-column"),
                               crs=args.decisions_crs or args.crs, engine=args.engine,
                               encoding=args.encoding)
    result = check(plan, decisions, config=config)
    written = write_outputs(result, args.out, map_html=not args.no_map, lang=config.lang)
    elapsed = time.perf_counter() - started
    if not args.quiet:
        _print_summary(result, written, elapsed)
    statuses = set(result.decisions["status"])
    if args.fail_on == "violation" and "violation" in statuses:
        return EXIT_FAIL_ON
    if args.fail_on == "unchecked" and statuses & {"violation", "unchecked"}:
        return EXIT_FAIL_ON
    return EXIT_OK


def _print_summary(result: CheckResult, written: dict[str, Path], elapsed: float) -> None:
    d, f = result.decisions, result.findings
    counts = d["status"].value_counts()
    print(f"Checked {len(d)} decisions against {len(result.plan)} plan zones "
          f"in {elapsed:.1f} s:")
    for status in STATUSES:
        print(f"  {status:<10} {int(counts.get(status, 0)):>7}")
    if len(f):
        print("Findings by rule and severity:")
        table = f.groupby(["rule", "severity"], sort=True).size()
        for (rule, severity), n in table.items():
            print(f"  {rule:<20} {severity:<8} {n:>7}")
    print("Outputs:")
    for path in written.values():
        print(f"  {path}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``landplan`` command."""
    args = _parser().parse_args(argv)
    quiet = getattr(args, "quiet", False)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    logging.getLogger("landplan").setLevel(logging.WARNING if quiet else logging.INFO)
    try:
        if args.command == "rules":
            print(rule_table(args.lang).to_string(index=False))
            return EXIT_OK
        if args.command == "demo":
            from ._sample import sample_path

            return _run_check(args, sample_path("plan.gpkg"), sample_path("decisions"))
        return _run_check(args, args.plan, args.decisions)
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
