"""Every subcommand takes -v/--verbose and -q/--quiet, and main dispatches by subcommand."""

from __future__ import annotations

import argparse
import logging

import pytest

from landplan.cli import _parser, main

# the required arguments of each subcommand
MINIMAL = {
    "check": ["--plan", "plan.gpkg", "--decisions", "d.shp", "--out", "out"],
    "demo": ["--out", "out"],
    "plan-diff": ["old.gpkg", "new.gpkg", "--out", "out"],
    "info": ["file.gpkg"],
    "rules": [],
    "serve": ["--demo"],
}


def test_the_table_names_every_subcommand():
    parser = _parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(sub.choices) == set(MINIMAL)


@pytest.mark.parametrize("command", sorted(MINIMAL))
@pytest.mark.parametrize("flag, dest", [("-v", "verbose"), ("--verbose", "verbose"),
                                        ("-q", "quiet"), ("--quiet", "quiet")])
def test_every_subcommand_accepts_verbose_and_quiet(command, flag, dest):
    args = _parser().parse_args([command, *MINIMAL[command], flag])
    assert getattr(args, dest) is True
    other = {"verbose": "quiet", "quiet": "verbose"}[dest]
    assert getattr(args, other) is False
    assert callable(args.func)


def test_verbose_and_quiet_together_are_refused():
    with pytest.raises(SystemExit) as exit_:
        _parser().parse_args(["rules", "-v", "-q"])
    assert exit_.value.code == 2


@pytest.mark.parametrize("flags, level", [([], logging.WARNING), (["-v"], logging.DEBUG),
                                          (["-q"], logging.ERROR)])
def test_verbosity_sets_the_log_level(flags, level, capsys):
    logger = logging.getLogger("landplan")
    before = logger.level
    try:
        assert main(["rules", *flags]) == 0
        assert logger.level == level
    finally:
        logger.setLevel(before)
    assert "double-allocation" in capsys.readouterr().out  # dispatched to the rules table
