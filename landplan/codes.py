"""Land-use code registry: code tables, names, groups, colours, and compatibility.

The tables are data files in ``landplan/data/codes`` (Circular 27/2018/TT-BTNMT, the
partly verified Circular 08/2024/TT-BTNMT, legacy codes, and a 2018→2024 mapping).
A registry is a plain :class:`pandas.DataFrame` indexed by ``code`` with the columns
``name_vi, name_en, parent, group, level, color, note, scheme``. Users load their own
scheme with ``load_codes("my_codes.csv")`` — same columns — so another country's zoning
needs a file, not a code change.

Examples
--------
>>> codes = load_codes()
>>> codes.loc["LUC", "parent"]
'LUA'
>>> normalize_code(" luc ")
'LUC'
>>> is_allowed("LUC", "LUA", codes)
True
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ._data import data_path
from ._distinct import per_distinct
from ._labels import check_lang
from ._problems import Joined, Text
from ._text import clean_value
from ._texttable import read_text_table
from .errors import CodeTableError

__all__ = [
    "CODE_COLUMNS",
    "GROUPS",
    "allowed_matrix",
    "ancestors",
    "code_color",
    "code_group",
    "code_name",
    "code_names",
    "compatibility_pairs",
    "designates",
    "is_allowed",
    "load_code_mapping",
    "load_codes",
    "load_compatibility",
    "matches",
    "normalize_code",
    "normalize_codes",
    "primary_code",
    "split_code",
    "unknown_codes",
]

CODE_COLUMNS = ["code", "name_vi", "name_en", "parent", "group", "level", "color", "note"]
_DEFAULT_FILES = (("2018", "codes/vn_2018.csv"), ("2024", "codes/vn_2024.csv"),
                  ("legacy", "codes/vn_legacy.csv"))


def _read_table(path: str | Path, scheme: str, check_parents: bool = True) -> pd.DataFrame:
    table = read_text_table(path, Text("table.codes"), CodeTableError)
    problems = []
    missing = [c for c in ("code", "parent", "group") if c not in table.columns]
    if missing:
        problems.append(Text("codes.missing_columns", missing=", ".join(missing),
                             expected=", ".join(CODE_COLUMNS)))
    else:
        table["code"] = table["code"].map(normalize_code)
        table["parent"] = table["parent"].map(lambda v: normalize_code(v) or "")
        blank = table.index[table["code"].isna()].tolist()
        if blank:
            problems.append(Text("codes.empty_code", rows=_rows(blank)))
        dup = table["code"][table["code"].duplicated() & table["code"].notna()].unique().tolist()
        if dup:
            problems.append(Text("codes.duplicate", codes=", ".join(dup)))
        orphans = sorted(set(table["parent"]) - set(table["code"]) - {""})
        if orphans and check_parents:
            problems.append(Text("codes.orphans", codes=", ".join(orphans)))
        if "color" in table.columns:
            bad = table.loc[
                (table["color"] != "") & ~table["color"].str.fullmatch(r"#[0-9A-Fa-f]{6}"), "code"
            ].tolist()
            if bad:
                problems.append(Text("codes.colour", codes=", ".join(bad)))
    if problems:
        raise CodeTableError.of("codes.problems", path=path, count=len(problems),
                                problems=Joined(problems, "\n  - "))
    for col in CODE_COLUMNS:
        if col not in table.columns:
            table[col] = ""
    table["level"] = pd.to_numeric(table["level"], errors="coerce").astype("Int64")
    table["color"] = table["color"].str.upper()
    table["scheme"] = scheme
    return table[[*CODE_COLUMNS, "scheme"]]


def _rows(index: Iterable[int]) -> str:
    return ", ".join(str(i + 2) for i in index)  # +2: header line, 1-based lines


@lru_cache(maxsize=8)
def _load_cached(path: str | None) -> pd.DataFrame:
    if path is not None:
        table = _read_table(path, Path(path).stem)
    else:
        # Legacy codes have their parents in the 2018 table: check parents on the union.
        parts = [_read_table(data_path(name), scheme, check_parents=False)
                 for scheme, name in _DEFAULT_FILES]
        table = pd.concat(parts, ignore_index=True)
        orphans = sorted(set(table["parent"]) - set(table["code"]) - {""})
        if orphans:
            raise CodeTableError(f"Shipped code tables: undefined parent(s) {', '.join(orphans)}")
        # A code in several tables keeps its first (2018) row; the schemes it belongs to are listed.
        schemes = table.groupby("code", sort=False)["scheme"].agg(" ".join)
        table = table.drop_duplicates("code", keep="first").copy()
        table["scheme"] = table["code"].map(schemes)
    return table.set_index("code")


def load_codes(path: str | Path | None = None) -> pd.DataFrame:
    """Load a land-use code registry.

    Parameters
    ----------
    path
        A CSV file with the columns ``code, name_vi, name_en, parent, group, level, color,
        note`` (only ``code``, ``parent`` and ``group`` are required). ``None`` loads the
        Vietnamese registry: Circular 27/2018 codes, the codes new in Circular 08/2024, and
        legacy codes.

    Returns
    -------
    pandas.DataFrame
        Indexed by upper-case ``code``; ``scheme`` says which table(s) a code comes from.

    Raises
    ------
    CodeTableError
        If the file is missing or malformed; every problem found is listed.
    """
    return _load_cached(None if path is None else str(path)).copy()


def normalize_code(value: object) -> str | None:
    """Canonical form of a land-use code cell: upper case, no spaces; None when blank.

    Several purposes joined with ``+`` (``"odt + cln"``) become ``"ODT+CLN"``.
    """
    text = clean_value(value)
    if text is None:
        return None
    parts = [p.strip().upper().replace(" ", "") for p in text.split("+")]
    joined = "+".join(p for p in parts if p)
    return joined or None


def normalize_codes(values: pd.Series) -> pd.Series:
    """Vectorised :func:`normalize_code` over a Series (evaluated once per distinct value)."""
    return pd.Series(per_distinct(values, normalize_code), index=values.index, dtype=object)


def split_code(code: str | None) -> list[str]:
    """Components of a normalised code: ``"ODT+CLN"`` -> ``["ODT", "CLN"]``."""
    return code.split("+") if isinstance(code, str) and code else []


def unknown_codes(code: str | None, codes: pd.DataFrame) -> list[str]:
    """Components of ``code`` that the registry does not know."""
    return [c for c in split_code(code) if c not in codes.index]


def ancestors(code: str, codes: pd.DataFrame) -> list[str]:
    """``code`` and its ancestors up to the top group (LUC -> LUC, LUA, CHN, SXN, NNP)."""
    chain: list[str] = []
    parents = codes["parent"]
    while code and code in parents.index and code not in chain:
        chain.append(code)
        code = parents.at[code]
    return chain


def code_name(code: str | None, codes: pd.DataFrame, lang: str = "vi",
              names: dict[str, str] | None = None) -> str:
    """Name of a (possibly multi-purpose) code in ``lang`` ("vi" or "en"); '' when unknown.

    ``names`` (from :func:`code_names`) avoids rebuilding the lookup in loops.
    """
    names = code_names(codes, lang) if names is None else names
    return " + ".join(names[c] for c in split_code(code) if c in names)


def code_names(codes: pd.DataFrame, lang: str = "vi") -> dict[str, str]:
    """``{code: name}`` in ``lang`` for every code of the registry."""
    column = f"name_{check_lang(lang)}"
    return dict(zip(codes.index, codes[column].astype(str), strict=True))


def code_color(code: str | None, codes: pd.DataFrame, default: str = "#CCCCCC") -> str:
    """Official map colour of the first component of ``code`` (or of its nearest ancestor)."""
    for component in split_code(code)[:1]:
        for c in ancestors(component, codes):
            color = codes.at[c, "color"]
            if isinstance(color, str) and color:
                return color
    return default


def load_compatibility(path: str | Path | None = None) -> pd.DataFrame:
    """Load the table of (planned, granted) pairs allowed beyond same-code and child-code.

    Parameters
    ----------
    path
        CSV with columns ``planned, granted`` (``note`` optional). ``None`` loads the
        shipped ``landplan/data/compatibility.csv``.
    """
    path = data_path("compatibility.csv") if path is None else Path(path)
    table = read_text_table(path, Text("table.compatibility"), CodeTableError)
    missing = {"planned", "granted"} - set(table.columns)
    if missing:
        raise CodeTableError.of("codes.compat_lacks", path=path,
                                missing=", ".join(sorted(missing)))
    table["planned"] = table["planned"].map(normalize_code)
    table["granted"] = table["granted"].map(normalize_code)
    blank = table.index[table["planned"].isna() | table["granted"].isna()].tolist()
    if blank:
        raise CodeTableError.of("codes.compat_empty", path=path, rows=_rows(blank))
    return table


def compatibility_pairs(compat: pd.DataFrame) -> frozenset[tuple[str, str]]:
    """Return the (planned, granted) pairs of a compatibility table as a set."""
    return frozenset(zip(compat["planned"], compat["granted"], strict=True))


_DERIVED: dict[tuple[int, str], tuple[pd.DataFrame, int, object]] = {}
"""What :func:`_derived` made of a table, by the table's identity and the maker's name."""


def _derived(table: pd.DataFrame, make: Callable[[pd.DataFrame], object]) -> object:
    """Return ``make(table)``, made once per table object (of the same length).

    A check of a few decisions (the web service's pre-check) would otherwise remake the
    compatibility pairs and the 2018→2024 mapping at every call. The table is kept
    referenced beside its value (an id is not reused while it lives); a few tables only.
    """
    key = (id(table), make.__name__)
    hit = _DERIVED.get(key)
    if hit is not None and hit[0] is table and hit[1] == len(table):
        return hit[2]
    value = make(table)
    if len(_DERIVED) >= 16:
        _DERIVED.clear()
    _DERIVED[key] = (table, len(table), value)
    return value


def load_code_mapping(path: str | Path | None = None) -> pd.DataFrame:
    """Load the Circular 27/2018 (and legacy) → Circular 08/2024 code mapping.

    Columns ``code_from, code_to, relation, note``; ``relation`` is one of same, merged,
    renamed, replaced, dropped, legacy.
    """
    return _read_code_mapping(path)


@lru_cache(maxsize=1)
def shared_code_mapping() -> pd.DataFrame:
    """Return the shipped code mapping, read once per process (the same object each call).

    For callers that only read it (:func:`landplan.check`); do not modify it.
    """
    return _read_code_mapping(None)


def _read_code_mapping(path: str | Path | None) -> pd.DataFrame:
    path = data_path("codes/vn_2018_to_2024.csv") if path is None else Path(path)
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    table["code_from"] = table["code_from"].map(normalize_code)
    table["code_to"] = table["code_to"].map(normalize_code)
    return table


def _single_allowed(granted: str, planned: str, codes: pd.DataFrame,
                    pairs: frozenset[tuple[str, str]]) -> bool:
    granted_chain = ancestors(granted, codes)
    planned_chain = ancestors(planned, codes)
    if planned in granted_chain:  # same code, or granted is a descendant of planned
        return True
    return any((p, g) in pairs for p in planned_chain for g in granted_chain)


def is_allowed(granted: str | None, planned: str | None, codes: pd.DataFrame,
               compat: pd.DataFrame | None = None,
               mapping: pd.DataFrame | None = None) -> bool:
    """Whether a decision granting ``granted`` is allowed in a zone planned for ``planned``.

    Allowed: the same code, a descendant (LUC in a LUA zone), or a pair of the
    compatibility table (matched at any ancestor level on both sides). A multi-purpose
    code (``ODT+CLN``) is allowed when every component is. A 2018 code and its 2024
    equivalent (BHK ~ HNK) are compared through the 2018→2024 mapping as well.
    """
    pairs = compatibility_pairs(load_compatibility() if compat is None else compat)
    to_2024 = _mapping_dict(load_code_mapping() if mapping is None else mapping)
    return _allowed(granted, planned, codes, pairs, to_2024)


def _allowed(granted: str | None, planned: str | None, codes: pd.DataFrame,
             pairs: frozenset[tuple[str, str]], to_2024: dict[str, str]) -> bool:
    """:func:`is_allowed` with the compatibility pairs and the 2024 mapping prepared."""
    if not isinstance(granted, str) or not isinstance(planned, str):
        return False  # None, NaN, pd.NA: a missing code is never allowed
    plan_parts, granted_parts = split_code(planned), split_code(granted)
    if not plan_parts or not granted_parts:
        return False
    for g in granted_parts:
        ok = False
        for p in plan_parts:
            if _single_allowed(g, p, codes, pairs):
                ok = True
                break
            g24, p24 = to_2024.get(g, g), to_2024.get(p, p)
            if (g24, p24) != (g, p) and g24 and p24 and _single_allowed(g24, p24, codes, pairs):
                ok = True
                break
        if not ok:
            return False
    return True


def _mapping_dict(mapping: pd.DataFrame) -> dict[str, str]:
    keep = mapping["code_to"].notna() & (mapping["code_to"] != "")
    return dict(zip(mapping.loc[keep, "code_from"], mapping.loc[keep, "code_to"], strict=True))


_FEW = 64
"""Up to this many pairs :func:`allowed_matrix` judges them in a loop (same verdicts)."""


def allowed_matrix(granted: np.ndarray, planned: np.ndarray, codes: pd.DataFrame,
                   compat: pd.DataFrame | None = None,
                   mapping: pd.DataFrame | None = None) -> np.ndarray:
    """Vectorised :func:`is_allowed` over aligned arrays (computed once per distinct pair)."""
    compat = load_compatibility() if compat is None else compat
    mapping = load_code_mapping() if mapping is None else mapping
    if len(granted) <= _FEW:  # a few pairs (a pre-check): a dict, not a MultiIndex
        pairs, to_2024 = _derived(compat, compatibility_pairs), _derived(mapping, _mapping_dict)
        seen: dict[tuple, bool] = {}
        out = np.zeros(len(granted), dtype=bool)
        for i, key in enumerate(zip(granted, planned, strict=True)):
            verdict = seen.get(key)
            if verdict is None:
                verdict = seen[key] = _allowed(key[0], key[1], codes, pairs, to_2024)
            out[i] = verdict
        return out
    keys = pd.MultiIndex.from_arrays(
        [pd.Index(granted, dtype=object), pd.Index(planned, dtype=object)]
    )
    # use_na_sentinel=False: a pair with a missing code is a pair of its own (judged not
    # allowed), not the sentinel -1, which would index the last distinct pair's verdict
    index, uniques = pd.factorize(keys, use_na_sentinel=False)
    pairs, to_2024 = _derived(compat, compatibility_pairs), _derived(mapping, _mapping_dict)
    verdict = np.array([_allowed(g, p, codes, pairs, to_2024) for g, p in uniques], dtype=bool)
    return verdict[index] if len(index) else np.zeros(0, dtype=bool)


GROUPS = ("agricultural", "non-agricultural", "unused", "coastal-water")


def primary_code(code: str | None) -> str | None:
    """First component of a (possibly multi-purpose) code: ``"ONT+CLN"`` -> ``"ONT"``."""
    parts = split_code(code)
    return parts[0] if parts else None


def code_group(code: str | None, codes: pd.DataFrame) -> str | None:
    """Group (agricultural, non-agricultural, …) of a code's primary component."""
    primary = primary_code(code)
    return str(codes.at[primary, "group"]) if primary in codes.index else None


def matches(code: str | None, spec: str, codes: pd.DataFrame) -> bool:
    """Tell whether a code matches ``spec``, a code or a group of codes.

    True when its primary component is ``spec`` or a descendant of it, or belongs to the
    group ``spec`` (``"non-agricultural"``).
    """
    primary = primary_code(code)
    if primary is None or primary not in codes.index:
        return False
    if spec in GROUPS:
        return code_group(primary, codes) == spec
    return spec in ancestors(primary, codes)


def designates(granted: str | None, planned: str | None, codes: pd.DataFrame,
               compat: pd.DataFrame | None = None) -> bool:
    """Tell whether the planned use designates the place for ``granted``.

    It does when the primary component of ``granted`` is the planned code or a descendant
    of it, and the other components are allowed there. Stricter than :func:`is_allowed`:
    compatibility pairs do not designate.
    """
    parts = split_code(granted)
    if not parts or not planned:
        return False
    if not any(p in ancestors(parts[0], codes) for p in split_code(planned)):
        return False
    rest = "+".join(parts[1:])
    return not rest or is_allowed(rest, planned, codes, compat)
