"""The Excel report as it prints: LibreOffice converts the demo's report to PDF, and every
page is A4 landscape, with the title and the evaluation date above and the sheet's name and
the page number below, every sheet on at least one page.

Needs ``soffice`` (Debian: libreoffice-calc-nogui) and poppler's ``pdfinfo``/``pdftotext``
(poppler-utils); without them the test is skipped on a developer machine and fails in CI
(conftest.skip_or_fail).
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess

from landplan.excel import excel_labels, write_xlsx

from .conftest import skip_or_fail

VI = excel_labels("vi")
A4_LANDSCAPE = (841.89, 595.28)  # points, ±1


def _tools() -> dict[str, str]:
    tools = {name: shutil.which(name) for name in ("soffice", "pdfinfo", "pdftotext")}
    missing = [name for name, path in tools.items() if path is None]
    if missing:
        skip_or_fail(f"no {', '.join(missing)} (apt-get install libreoffice-calc-nogui "
                     "poppler-utils)")
    return tools


def _lines(tools: dict, pdf, page: int) -> list[tuple[float, list[tuple[float, str]]]]:
    """The words of ``page`` by line: ``[(y, [(x, word), ...]), ...]``, top to bottom."""
    out = subprocess.run([tools["pdftotext"], "-f", str(page), "-l", str(page), "-bbox",
                          str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    words = [(round(float(y), 1), float(x), html.unescape(w)) for x, y, w in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)</word>', out)]
    lines: dict[float, list] = {}
    for y, x, word in words:
        lines.setdefault(y, []).append((x, word))
    return [(y, sorted(lines[y])) for y in sorted(lines)]


def _footer(lines: list) -> tuple[str, str]:
    """The page footer's left text (the sheet) and its centre (the page number)."""
    _y, words = max((line for line in lines if any(w == "Trang" for _, w in line[1])),
                    key=lambda line: line[0])
    centre = next(x for x, w in words if w == "Trang")
    return (" ".join(w for x, w in words if x < centre),
            " ".join(w for x, w in words if x >= centre))


def test_the_demo_report_prints_on_a4_landscape_pages_with_headers_and_footers(
        sample_check, tmp_path):
    tools = _tools()
    xlsx = write_xlsx(sample_check, tmp_path / "bao_cao.xlsx")
    subprocess.run([tools["soffice"], f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(xlsx)],
                   capture_output=True, check=True, timeout=300)
    pdf = tmp_path / "bao_cao.pdf"
    info = subprocess.run([tools["pdfinfo"], "-f", "1", "-l", "10000", str(pdf)],
                          capture_output=True, text=True, check=True).stdout
    sizes = [(float(w), float(h)) for w, h in
             re.findall(r"Page +\d+ size: +([\d.]+) x ([\d.]+) pts", info)]
    n = int(re.search(r"Pages: +(\d+)", info).group(1))
    assert len(sizes) == n >= len(VI["sheets"])
    for width, height in sizes:  # A4, landscape
        assert abs(width - A4_LANDSCAPE[0]) < 1 and abs(height - A4_LANDSCAPE[1]) < 1
    pages_of: dict[str, int] = {}
    for page in range(1, n + 1):
        lines = _lines(tools, pdf, page)
        head = " ".join(w for _, w in lines[0][1])  # the page header: title left, date right
        assert head == f"{VI['title']} Tính đến 31/12/2025", page
        sheet, number = _footer(lines)
        assert number == f"Trang {page} / {n}", page
        pages_of[sheet] = pages_of.get(sheet, 0) + 1
    # every sheet on its own pages, in order; the summary and the findings fit a few pages
    assert list(pages_of) == list(VI["sheets"].values())
    assert pages_of["Tổng hợp"] <= 3
