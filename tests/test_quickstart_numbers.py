"""The demo's summary shown in the quickstarts and README is what `landplan demo` prints."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from landplan.cli import main

ROOT = Path(__file__).resolve().parents[1]
# (page, language, the first words of the summary block)
PAGES = [("docs/quickstart-vi.md", "vi", "Đã kiểm tra"), ("docs/quickstart-en.md", "en", "Checked")]
_TIME = re.compile(r"\d+([.,]\d+)? (s|giây):$")  # the run's time differs from run to run


def _block(page: str, start: str) -> list[str]:
    text = (ROOT / page).read_text(encoding="utf-8")
    block = re.search(rf"```text\n({re.escape(start)}.*?)```", text, re.S)
    assert block, f"{page}: no ```text block starting with {start!r}"
    return [line for line in block.group(1).splitlines() if line.strip() != "..."]


@pytest.mark.slow
@pytest.mark.parametrize("page, lang, start", PAGES, ids=[p[0] for p in PAGES])
def test_the_quickstart_shows_what_the_demo_prints(page, lang, start, tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path / "demo"), "--no-map", "--lang", lang]) == 0
    printed = [_TIME.sub("", line).rstrip() for line in capsys.readouterr().out.splitlines()]
    for line in _block(page, start):
        assert _TIME.sub("", line).rstrip() in printed, f"{page}: {line!r} is not printed"
