"""Users' CSV tables (code tables, quotas, land-cover lists) read as Excel writes them."""

from __future__ import annotations

import csv
import io
import logging
import re
from pathlib import Path

import pandas as pd

from ._problems import Joined, Text
from .encodings import decode, detect_encoding

__all__ = ["read_text_table"]

log = logging.getLogger(__name__)


_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
_DELIMITERS = (",", ";", "\t", "|")


def read_text_table(path: str | Path, what: str, error: type[Exception]) -> pd.DataFrame:
    """Read a user's CSV table as text columns, as Excel and other programs write it.

    The encoding is taken from a byte-order mark (UTF-8, UTF-16), else UTF-8 when the bytes
    are valid UTF-8, else detected among the Vietnamese legacy encodings (Windows-1258 as
    Excel saves "CSV" in a Vietnamese locale, TCVN3, VNI; :func:`landplan.encodings.
    detect_encoding`). The separator is the one of ``, ; tab |`` that the header line uses
    most (Excel's ``sep=;`` first line is obeyed). Blank lines and rows of empty cells are
    skipped; header cells are trimmed. Cells are text ("" when empty); ``attrs`` holds
    ``lines`` (each row's line number in the file), ``encoding`` and ``delimiter``.

    Raises ``error`` naming the file when it is missing, empty, has no rows, cannot be
    decoded, or has a row with more cells than the header (a decimal comma in a
    comma-separated file), all such rows at once.
    """
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError as exc:
        raise error.of("table.not_found", what=what, path=path) from exc
    except OSError as exc:
        raise error.of("table.unreadable", what=what, path=path, why=exc) from exc
    text, encoding = _decode(data, path, what, error)
    lines = re.split(r"\r\n|\r|\n", text)
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise error.of("table.empty", what=what, path=path)
    hint = re.fullmatch(r"\s*sep=(.)\s*", lines[first])
    if hint:
        delimiter = hint.group(1)
        lines[first] = ""
        first = next((i for i, line in enumerate(lines) if line.strip()), None)
        if first is None:
            raise error.of("table.empty", what=what, path=path)
    else:
        counts = [lines[first].count(d) for d in _DELIMITERS]
        delimiter = _DELIMITERS[counts.index(max(counts))] if max(counts) else ","
    header, rows, numbers, problems = _read_rows(lines, delimiter)
    if problems:
        sep = {"\t": "tab"}.get(delimiter, f"'{delimiter}'")
        raise error.of("table.too_many_cells", what=what, path=path, sep=sep,
                       problems=Joined(problems, "\n  - "))
    if not rows:
        raise error.of("table.no_rows", what=what, path=path, header=", ".join(header or []))
    table = pd.DataFrame(rows, columns=header, dtype=str)
    table.attrs.update(lines=numbers, encoding=encoding, delimiter=delimiter)
    return table


def _read_rows(lines: list[str], delimiter: str
               ) -> tuple[list[str] | None, list[list[str]], list[int], list[str]]:
    """Read the header and the rows of the CSV ``lines``, skipping rows of empty cells.

    Returns the header (trimmed, Excel's trailing empty cells dropped), the rows padded to
    its length, their line numbers, and a problem for each row with more cells than it.
    """
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)
    header: list[str] | None = None
    rows, numbers, problems = [], [], []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            header = [_header_cell(c) for c in cells]
            while header and not header[-1]:  # Excel's trailing separators
                header.pop()
            continue
        extra = cells[len(header):]
        if any(c.strip() for c in extra):
            problems.append(Text("table.row_cells", line=reader.line_num, cells=len(cells),
                                 header=len(header)))
            continue
        rows.append((cells + [""] * len(header))[:len(header)])
        numbers.append(reader.line_num)
    return header, rows, numbers, problems


def _header_cell(cell: str) -> str:
    return re.sub(r"[\ufeff\u200b\u00a0]", "", cell).strip()


def _decode(data: bytes, path: str | Path, what: str,
            error: type[Exception]) -> tuple[str, str]:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), codec
            except UnicodeDecodeError as exc:
                raise error.of("table.bad_bom", what=what, path=path, codec=codec,
                               byte=exc.start) from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    guess = detect_encoding([line for line in data.splitlines() if line.strip()])
    try:
        text = decode(data, guess.encoding)
    except Exception as exc:
        raise error.of("table.encoding", what=what, path=path, why=exc) from exc
    log.info("%s %s read as %s (%s)", what, path, guess.encoding, guess.reason)
    return text, guess.encoding
