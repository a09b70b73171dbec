"""Vietnamese text encodings of legacy cadastral data: decoding, encoding and detection.

Attribute tables of old Vietnamese shapefiles (DBF files) store text in one of four
encodings, often without saying which (or with a ``.cpg`` file that is wrong):

``utf-8``
    Unicode. A value is UTF-8 only if its bytes decode strictly; text is returned in NFC.
``cp1258``
    Windows-1258 (Python's ``cp1258`` codec). Tone marks are *combining* bytes
    (0xCC grave, 0xEC acute, 0xD2 hook, 0xDE tilde, 0xF2 dot below) after a base letter that
    may itself be a single byte (ă â ê ô ơ ư đ and some Latin-1 letters), so decoded text is
    NFC-normalised, and encoding decomposes each letter into the base + tone form cp1258 carries.
``tcvn3``
    TCVN 5712:1993 VN3, the "ABC" encoding of the ``.VnTime`` fonts: one byte per letter,
    ASCII below 0x80, Vietnamese letters in 0xA1-0xFE (``H\\xb6i D\\xad\\xacng`` = "Hải Dương").
    Only the capitals Ă Â Ê Ô Ơ Ư Đ exist; capitals with a tone mark do not (the ``.VnTimeH``
    capitals fonts reuse the lowercase bytes), so :func:`encode` writes them as the lowercase
    letter's byte and decoding gives lowercase: this step loses case. glibc's ``TCVN5712-1``
    (VN1) is a superset that adds the toned capitals in other positions; it agrees with VN3 on
    every byte defined here.
``vni``
    VNI-Windows, the encoding of the ``VNI-Times`` fonts: a base ASCII letter followed by a
    modifier byte ("Xin chaøo" = "Xin chào" when the bytes are viewed as cp1252); a few letters
    are single bytes (ñ = đ, ö = ư, ô = ơ, ì í æ ó ò = ì í ỉ ĩ ị, î = ỵ; capitals likewise).
    Capital base letters take the capital modifier bytes.

The byte tables of the two legacy encodings are data files
(``landplan/data/encodings/tcvn3.csv`` and ``vni.csv``); any byte above 0x7F that they do
not define is an error. Importing this module registers Python codecs named ``"tcvn3"`` and
``"vni"``, so ``"Hải Dương".encode("tcvn3")`` and ``data.decode("vni")`` work and honour
``errors="strict" | "replace" | "ignore"``.

>>> decode(b"H\\xb6i D\\xad\\xacng", "tcvn3")
'Hải Dương'
>>> decode("Xin chaøo".encode("cp1252"), "vni")
'Xin chào'
>>> encode("Đất ở", "abc")
b'\\xa7\\xcat \\xeb'
>>> values = [b"H\\xb6i D\\xad\\xacng", b"\\xae\\xcat \\xeb t\\xb9i n\\xabng th\\xabn"]
>>> detect_encoding(values).encoding
'tcvn3'
"""

from __future__ import annotations

import codecs
import csv
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

from landplan._data import data_path
from landplan.errors import InputError

__all__ = ["ENCODINGS", "Detection", "canonical", "decode", "detect_encoding", "encode",
           "transcode"]

ENCODINGS: tuple[str, ...] = ("utf-8", "cp1258", "tcvn3", "vni")
"""The encodings this module decodes, encodes and detects (canonical names)."""

_LABELS = {"utf-8": "UTF-8", "cp1258": "Windows-1258", "tcvn3": "TCVN3", "vni": "VNI",
           "ascii": "ASCII"}

# Other spellings of the encodings, after _alias_key (lower case, no spaces/-/_/.);
# includes what .cpg files say ("UTF-8", "65001", "ANSI 1258").
_ALIASES = {
    "utf8": "utf-8", "u8": "utf-8", "65001": "utf-8", "cp65001": "utf-8",
    "cp1258": "cp1258", "windows1258": "cp1258", "win1258": "cp1258", "1258": "cp1258",
    "ansi1258": "cp1258", "ms1258": "cp1258",
    "tcvn3": "tcvn3", "tcvn": "tcvn3", "abc": "tcvn3", "vn3": "tcvn3", "tcvn57123": "tcvn3",
    "tcvn5712vn3": "tcvn3", "vntime": "tcvn3",
    "vni": "vni", "vniwindows": "vni", "vniwin": "vni",
}

# Ties between candidates that decode equally well go to the more common encoding of
# Vietnamese cadastral data (TCVN3 offices in the north, VNI in the south, cp1258 rare).
_PREFERENCE = ("utf-8", "tcvn3", "vni", "cp1258")

_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"  # grave, acute, tilde, hook above, dot below


def _alias_key(name: str) -> str:
    return re.sub(r"[\s\-_.]+", "", name.strip().lower())


def canonical(encoding: str) -> str | None:
    """Canonical name of ``encoding`` (one of :data:`ENCODINGS`), or None when it is not
    one of ours.

    Examples
    --------
    >>> canonical("Windows-1258"), canonical("ABC"), canonical("latin-1")
    ('cp1258', 'tcvn3', None)
    """
    if not isinstance(encoding, str):
        return None
    return _ALIASES.get(_alias_key(encoding))


def _resolve(encoding: str) -> str:
    name = canonical(encoding)
    if name is None:
        raise InputError(
            f"unknown text encoding {encoding!r}: use one of {', '.join(ENCODINGS)} "
            "(aliases: utf8, windows-1258, abc, tcvn, vni-windows)")
    return name


# --------------------------------------------------------------------------------------
# Tables (data files)
# --------------------------------------------------------------------------------------

def _read_table(name: str) -> list[dict[str, str]]:
    with open(data_path(f"encodings/{name}"), encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _codepoint(row: dict[str, str], name: str) -> str:
    """The character of a table row, checked against its ``char`` column."""
    ch = chr(int(row["codepoint"].removeprefix("U+"), 16))
    if row.get("char", ch) != ch:  # pragma: no cover - guards the data file
        raise RuntimeError(f"{name}: row {row} has a char that is not its codepoint")
    return ch


@cache
def _tcvn3_decoding_table() -> str:
    """256-character decoding table of TCVN3 ('\\ufffe' marks an undefined byte)."""
    table = [chr(i) for i in range(128)] + ["\ufffe"] * 128
    for row in _read_table("tcvn3.csv"):
        byte = int(row["byte"], 16)
        if not 0x80 <= byte <= 0xFF or table[byte] != "\ufffe":  # pragma: no cover
            raise RuntimeError(f"tcvn3.csv: byte {row['byte']} is outside 80-FF or repeated")
        table[byte] = _codepoint(row, "tcvn3.csv")
    return "".join(table)


@cache
def _tcvn3_encoding_map() -> dict[int, int]:
    """Character -> byte for TCVN3, including the lossy toned capitals -> lowercase byte."""
    mapping = {ord(ch): byte for byte, ch in enumerate(_tcvn3_decoding_table())
               if ch != "\ufffe"}
    for ch, byte in list((chr(o), b) for o, b in mapping.items() if o >= 0x80):
        upper = ch.upper()
        if len(upper) == 1 and ord(upper) not in mapping:
            mapping[ord(upper)] = byte  # no capital in VN3: write the lowercase letter
    return mapping


@cache
def _vni_tables() -> tuple[dict[int, bytes | int], dict[str, str], re.Pattern[str]]:
    """VNI encoding map, decoding map (sequence as latin-1 text -> letter) and the regex
    that finds letters, modifier sequences and undefined bytes in latin-1 text."""
    encoding_map: dict[int, bytes | int] = {i: i for i in range(128)}
    decoding: dict[str, str] = {}
    for row in _read_table("vni.csv"):
        ch = _codepoint(row, "vni.csv")
        seq = bytes(int(part, 16) for part in row["bytes"].split())
        key = seq.decode("latin-1")
        if ord(ch) in encoding_map or key in decoding:  # pragma: no cover
            raise RuntimeError(f"vni.csv: {ch!r} or {row['bytes']} is repeated")
        encoding_map[ord(ch)] = seq
        decoding[key] = ch
    pairs: dict[str, set[str]] = {}
    singles: set[str] = set()
    for key in decoding:
        if len(key) == 2:
            pairs.setdefault(key[0], set()).add(key[1])
        elif len(key) == 1:
            singles.add(key)
        else:  # pragma: no cover
            raise RuntimeError(f"vni.csv: sequences are one or two bytes, not {key!r}")

    def charclass(chars: Iterable[str]) -> str:
        return "[" + "".join(re.escape(c) for c in sorted(chars)) + "]"

    alternatives = [re.escape(first) + charclass(second) for first, second in
                    sorted(pairs.items())]
    alternatives += [charclass(singles), "[\x80-\xff]"]  # the last one: undefined bytes
    return encoding_map, decoding, re.compile("|".join(alternatives))


@cache
def _vietnamese_letters() -> frozenset[str]:
    """The 134 non-ASCII letters of Vietnamese (67 lowercase, 67 capitals)."""
    _, decoding, _ = _vni_tables()
    return frozenset(decoding.values())


@cache
def _cp1258_encoding_map() -> dict[int, bytes | int]:
    """Character -> bytes for cp1258: its own single bytes, plus every Vietnamese letter it
    lacks as base letter + combining tone byte."""
    mapping: dict[int, bytes | int] = {}
    for byte in range(256):
        try:
            ch = bytes([byte]).decode("cp1258")
        except UnicodeDecodeError:
            continue
        mapping[ord(ch)] = byte
    for letter in sorted(_vietnamese_letters()):
        if ord(letter) in mapping:
            continue
        nfd = unicodedata.normalize("NFD", letter)
        tones = [c for c in nfd if c in _TONE_MARKS]
        base = unicodedata.normalize("NFC", "".join(c for c in nfd if c not in _TONE_MARKS))
        if len(tones) != 1 or ord(base) not in mapping:  # pragma: no cover - all are covered
            raise RuntimeError(f"cp1258 cannot carry {letter!r}")
        mapping[ord(letter)] = bytes([mapping[ord(base)], mapping[ord(tones[0])]])
    return mapping


# --------------------------------------------------------------------------------------
# Codec functions (Python codec protocol: they return (result, length consumed))
# --------------------------------------------------------------------------------------

def _nfc(text: str) -> str:
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def _charmap_encode(name: str, text: str, errors: str,
                    mapping: dict[int, int] | dict[int, bytes | int]) -> tuple[bytes, int]:
    text = _nfc(str(text))
    try:
        return codecs.charmap_encode(text, errors, mapping)
    except UnicodeEncodeError as exc:
        raise UnicodeEncodeError(name, exc.object, exc.start, exc.end,
                                 f"character not in {_LABELS[name]}") from None


def _tcvn3_encode(text: str, errors: str = "strict") -> tuple[bytes, int]:
    return _charmap_encode("tcvn3", text, errors, _tcvn3_encoding_map())


def _tcvn3_decode(data: bytes, errors: str = "strict") -> tuple[str, int]:
    if errors == "replace":  # fast path, used by detect_encoding
        lenient = _tcvn3_decoding_table().replace("\ufffe", "\ufffd")
        return codecs.charmap_decode(bytes(data), "strict", lenient)
    try:
        return codecs.charmap_decode(bytes(data), errors, _tcvn3_decoding_table())
    except UnicodeDecodeError as exc:
        raise UnicodeDecodeError("tcvn3", exc.object, exc.start, exc.end,
                                 "byte not defined in TCVN3") from None


@cache
def _vni_lenient() -> re.Pattern[str]:
    """The VNI regex with runs of bytes that can be no part of a letter (neither a letter
    alone nor the start of a pair) as its last alternative instead of single bytes: a
    modifier right after its base letter is matched with it first."""
    _, decoding, pattern = _vni_tables()
    useful = "".join(sorted({key[0] for key in decoding if not key[0].isascii()}))
    strict, _, _ = pattern.pattern.rpartition("|")
    return re.compile(f"{strict}|[^\\x00-\\x7f{useful}]+")


@cache
def _vni_parts() -> tuple[frozenset[int], frozenset[int]]:
    """Bytes that start a two-byte VNI sequence, and the modifier bytes that end one."""
    _, decoding, _ = _vni_tables()
    bases = frozenset(ord(key[0]) for key in decoding if len(key) == 2)
    modifiers = frozenset(ord(key[1]) for key in decoding if len(key) == 2)
    return bases, modifiers


def _vni_encode(text: str, errors: str = "strict") -> tuple[bytes, int]:
    return _charmap_encode("vni", text, errors, _vni_tables()[0])


def _vni_decode(data: bytes, errors: str = "strict", final: bool = True) -> tuple[str, int]:
    """Decode VNI bytes; with ``final=False`` a trailing byte that may take a modifier from
    the next chunk is left unconsumed (incremental decoding)."""
    data = bytes(data)
    _, decoding, pattern = _vni_tables()
    bases, modifiers = _vni_parts()
    end = len(data)
    if not final and data and data[-1] in bases:
        end -= 1
    text = data[:end].decode("latin-1")
    if text.isascii():
        return text, end
    if errors == "replace":  # fast path, used by detect_encoding
        lenient = _vni_lenient()
        return lenient.sub(lambda m: decoding.get(m.group()) or "\ufffd" * len(m.group()),
                           text), end

    def letter(match: re.Match[str]) -> str:
        found = decoding.get(match.group())
        if found is not None:
            return found
        byte = ord(match.group())
        reason = ("VNI modifier byte without a base letter" if byte in modifiers
                  else "byte not defined in VNI")
        exc = UnicodeDecodeError("vni", data, match.start(), match.end(), reason)
        if errors == "strict":
            raise exc
        if errors == "ignore":
            return ""
        replacement, _ = codecs.lookup_error(errors)(exc)
        return replacement

    return pattern.sub(letter, text), end


def _cp1258_encode(text: str, errors: str = "strict") -> tuple[bytes, int]:
    return _charmap_encode("cp1258", text, errors, _cp1258_encoding_map())


def _cp1258_decode(data: bytes, errors: str = "strict") -> tuple[str, int]:
    data = bytes(data)
    return _nfc(data.decode("cp1258", errors)), len(data)


def _utf8_encode(text: str, errors: str = "strict") -> tuple[bytes, int]:
    text = _nfc(str(text))
    return text.encode("utf-8", errors), len(text)


def _utf8_decode(data: bytes, errors: str = "strict") -> tuple[str, int]:
    data = bytes(data)
    return _nfc(data.decode("utf-8", errors)), len(data)


_DECODERS = {"utf-8": _utf8_decode, "cp1258": _cp1258_decode, "tcvn3": _tcvn3_decode,
             "vni": _vni_decode}
_ENCODERS = {"utf-8": _utf8_encode, "cp1258": _cp1258_encode, "tcvn3": _tcvn3_encode,
             "vni": _vni_encode}


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------

def decode(data: bytes, encoding: str) -> str:
    """Decode ``data`` to Unicode NFC text.

    Parameters
    ----------
    data
        Raw bytes (for example one DBF cell).
    encoding
        One of :data:`ENCODINGS` or an alias (``utf8``, ``windows-1258``, ``abc``, ``tcvn``,
        ``vni-windows``, ...), case-insensitive.

    Returns
    -------
    str
        The text in NFC. TCVN3 gives toned letters in lowercase (VN3 has no toned capitals).

    Raises
    ------
    InputError
        If the encoding is unknown or a byte is not valid in it (nothing is replaced silently;
        use ``data.decode("vni", errors="replace")`` for a lenient decoding).

    Examples
    --------
    >>> decode("Vieät Nam".encode("cp1252"), "VNI-Windows")
    'Việt Nam'
    """
    name = _resolve(encoding)
    try:
        return _DECODERS[name](data)[0]
    except UnicodeDecodeError as exc:
        raw = exc.object[max(exc.start - 10, 0):exc.end + 10]
        raise InputError(
            f"cannot decode the text as {_LABELS[name]}: byte 0x{exc.object[exc.start]:02X} "
            f"at position {exc.start} ({exc.reason}) in {raw!r}; the text is probably in "
            "another encoding (see landplan.encodings.detect_encoding)") from exc


def encode(text: str, encoding: str) -> bytes:
    """Encode ``text`` (NFC-normalised first) in ``encoding``.

    Parameters
    ----------
    text
        Unicode text.
    encoding
        One of :data:`ENCODINGS` or an alias, case-insensitive.

    Returns
    -------
    bytes
        The encoded text. In TCVN3 a capital letter with a tone mark ("Ấ") is written as its
        lowercase letter's byte, because VN3 has no such capitals: decoding gives lowercase.

    Raises
    ------
    InputError
        If the encoding is unknown or a character cannot be represented in it; the message
        names the character.

    Examples
    --------
    >>> encode("Hải Dương", "tcvn3")
    b'H\\xb6i D\\xad\\xacng'
    >>> encode("Xin chào", "vni").decode("cp1252")
    'Xin chaøo'
    """
    name = _resolve(encoding)
    try:
        return _ENCODERS[name](text)[0]
    except UnicodeEncodeError as exc:
        ch = exc.object[exc.start]
        context = exc.object[max(exc.start - 15, 0):exc.end + 15]
        raise InputError(
            f"cannot encode {ch!r} (U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed')}) at "
            f"position {exc.start} in {context!r} in {_LABELS[name]}: the encoding has no "
            "such character") from exc


def transcode(text: str, encoding: str) -> str:
    """Re-decode text that was read as latin-1 (one character per byte).

    Parameters
    ----------
    text
        A value read with the wrong encoding, e.g. "Xin chaøo" from a VNI DBF read as
        ISO-8859-1 (what GDAL does without a ``.cpg``).
    encoding
        The real encoding: one of :data:`ENCODINGS` or an alias.

    Returns
    -------
    str
        ``decode(text.encode("latin-1"), encoding)``. Text that is not latin-1 (so is
        already decoded) is returned NFC-normalised and otherwise unchanged.

    Raises
    ------
    InputError
        As :func:`decode`.

    Examples
    --------
    >>> transcode("H¶i D\\xad¬ng", "tcvn3")
    'Hải Dương'
    >>> transcode("Hải Dương", "tcvn3")
    'Hải Dương'
    """
    name = _resolve(encoding)
    try:
        data = text.encode("latin-1")
    except UnicodeEncodeError:
        return unicodedata.normalize("NFC", text)
    return decode(data, name)


@dataclass(frozen=True)
class Detection:
    """The guessed encoding of a set of text values.

    Attributes
    ----------
    encoding
        One of :data:`ENCODINGS`, or ``"ascii"`` when every sample is plain ASCII (any
        encoding decodes them the same).
    confidence
        0..1: how sure the guess is, from the share of words that make sense, the margin over
        the next best encoding and the amount of evidence.
    reason
        One short English sentence saying why.
    scores
        Per candidate encoding: the share (0..1) of non-ASCII words that decode to Vietnamese
        syllables (1.0 for UTF-8 when every sample is strictly valid UTF-8).
    """

    encoding: str
    confidence: float
    reason: str
    scores: dict[str, float]


# Words are runs of letters: ASCII letters and anything non-ASCII except NBSP, so a symbol
# from a wrong decoding ("H¶i") stays inside its word and spoils it.
_TOKEN = re.compile(r"[^\x00-\x40\x5b-\x60\x7b-\x7f\xa0]+")
# Vietnamese syllables: initial consonant, medial glide, vowel nucleus, final. Each nucleus
# takes only some finals; ă, â, iê/yê, uô and ươ need one, ia/ya/ua/ưa take none.
_INITIALS = "ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx]"
_MEDIALS = "o(?=[aăe])|u(?=[aâêyơ])"
_RHYMES = (  # (nuclei, finals, final required)
    ("iê|yê", "ng|[cmnptu]", True),
    ("uô", "ng|[cmnti]", True),
    ("ươ", "ng|[cmnptiu]", True),
    ("ă", "ng|[cmnpt]", True),
    ("â", "ng|[cmnptuy]", True),
    ("ia|ya|ua|ưa", "", False),
    ("a", "ch|ng|nh|[cmnptiyou]", False),
    ("e", "ng|[cmnpto]", False),
    ("ê", "ch|nh|[cmnptu]", False),
    ("i", "ch|nh|[cmnptu]", False),
    ("y", "ch|nh|[ntu]", False),
    ("o", "ng|[cmnpti]", False),
    ("ô", "ng|[cmnpti]", False),
    ("ơ", "[mnpti]", False),
    ("u", "ng|[cmnpti]", False),
    ("ư", "ng|[cmntiu]", False),
)


def _syllable_pattern() -> re.Pattern[str]:
    """Regex of a syllable written without its tone mark but with the toned vowel in upper
    case ("người" -> "ngưƠi"): the tone sits on the nucleus (or, in the old style, on the
    medial glide: "hòa"), never on a final."""
    rhymes = []
    for nuclei, finals, required in _RHYMES:
        final = f"(?:{finals})" + ("" if required else "?") if finals else ""
        rhymes.append(f"(?i:{nuclei}){final}")
    return re.compile(f"(?:{_INITIALS})?(?i:{_MEDIALS})?(?:{'|'.join(rhymes)})")


_SYLLABLE = _syllable_pattern()
_STOP_FINAL = re.compile(r"(?:c|ch|p|t)$")  # such syllables take only the acute or dot below
_STOP_TONES = frozenset("\u0301\u0323")
_ABBREVIATION = re.compile(r"[A-ZĐ]*Đ[A-ZĐ]*")  # "QĐ", "GCNQSDĐ": not syllables, still fine


@cache
def _tones() -> dict[str, tuple[str, str]]:
    """Lowercase toned letter -> (the letter without its tone mark, the tone mark)."""
    table: dict[str, tuple[str, str]] = {}
    for letter in _vietnamese_letters():
        nfd = unicodedata.normalize("NFD", letter)
        tones = [c for c in nfd if c in _TONE_MARKS]
        if letter.islower() and tones:
            bare = "".join(c for c in nfd if c not in _TONE_MARKS)
            table[letter] = (unicodedata.normalize("NFC", bare), tones[0])
    return table


def _is_vietnamese_word(token: str) -> bool:
    """Whether ``token`` is a Vietnamese syllable (or an abbreviation with Đ)."""
    if _ABBREVIATION.fullmatch(token):
        return True
    lower = token.lower()
    tones = _tones()
    toned = [i for i, ch in enumerate(lower) if ch in tones]
    if len(toned) > 1:
        return False
    tone = ""
    if toned:
        i = toned[0]
        bare, tone = tones[lower[i]]
        lower = lower[:i] + bare.upper() + lower[i + 1:]
    if _SYLLABLE.fullmatch(lower) is None:
        return False
    return tone in _STOP_TONES or _STOP_FINAL.search(lower) is None


def _judge(token: str) -> bool | None:
    """True for a Vietnamese word, False for a spoilt one, None for a token without letters
    (a dash, a degree sign: they say nothing about the encoding)."""
    if not any(ch == "\ufffd" or unicodedata.category(ch)[0] == "L" for ch in token):
        return None
    return _is_vietnamese_word(token)


def _word_counts(text: str, verdicts: dict[str, bool | None]) -> tuple[int, int]:
    """(Vietnamese words, non-ASCII words) in ``text``; ``verdicts`` caches the verdicts."""
    good = total = 0
    for token, n in Counter(_TOKEN.findall(text)).items():
        if token.isascii():
            continue
        if token in verdicts:
            verdict = verdicts[token]
        else:
            verdict = verdicts[token] = _judge(token)
        if verdict is None:
            continue
        total += n
        if verdict:
            good += n
    return good, total


def _percent(share: float) -> str:
    return f"{round(share * 100)}%"


def detect_encoding(samples: Iterable[bytes], declared: str | None = None) -> Detection:
    """Guess the encoding of text values from their raw bytes.

    Every candidate decodes almost any bytes, so each is scored by how Vietnamese its
    decoding looks: the share of non-ASCII words that are Vietnamese syllables (an initial
    consonant, a vowel nucleus with the finals it takes, at most one tone mark, on the
    nucleus, and only the acute or dot below before c, ch, p, t). Symbols, control
    characters, undefined bytes and non-Vietnamese letters spoil the words they fall in;
    tokens without letters (a dash) are not counted. Strict UTF-8 validity of all samples,
    with some multi-byte characters, counts as proof of UTF-8. Ties go to UTF-8, then TCVN3,
    VNI and cp1258 (the most common first).

    The confidence is ``score * (1 - exp(-d / 2))`` where ``d`` is how many more words the
    guess explains than the runner-up (plus one when it is the declared encoding): one word
    gives at most 0.39 (0.63 if declared), three words 0.78, a few dozen values about 1. For
    valid UTF-8 it is at least ``1 - 2 ** -(m + 1)`` with ``m`` multi-byte characters. A
    word that reads as Vietnamese in two encodings ("Ngô" in cp1258 is "Ngụ" in TCVN3) gives
    a tie and confidence 0 unless something else separates them.

    Parameters
    ----------
    samples
        Raw byte strings, e.g. the distinct values of the text columns of a DBF file
        (``None`` and empty values are skipped; repeated values count once).
    declared
        What the layer says its encoding is (a ``.cpg`` file), possibly wrong. It is kept
        only when its decoding is at least as good as the best; unknown names are ignored.

    Returns
    -------
    Detection
        The guess, its confidence, a one-sentence reason and the per-candidate scores.

    Examples
    --------
    >>> detect_encoding([b"125/QD-UBND", b"ONT"]).encoding
    'ascii'
    >>> detect_encoding(["Nguyễn Thị Hường".encode("vni")], declared="UTF-8").encoding
    'vni'
    """
    distinct: dict[bytes, None] = {}
    for sample in samples:
        if sample is None:
            continue
        if isinstance(sample, str):
            raise TypeError("detect_encoding takes bytes; for text read as latin-1 pass "
                            "value.encode('latin-1')")
        if sample:
            distinct[bytes(sample)] = None
    declared_name = canonical(declared) if declared is not None else None
    note = ""
    if declared is not None and declared_name is None:
        note = f"; the declared encoding {declared!r} is not a candidate and was ignored"
    non_ascii = [s for s in distinct if not s.isascii()]
    if not non_ascii:
        what = f"all {len(distinct)} samples are" if distinct else "there are no samples, so"
        return Detection("ascii", 1.0, f"{what} plain ASCII, which every candidate decodes "
                         f"the same{note}", dict.fromkeys(ENCODINGS, 1.0))

    blob = b"\n".join(non_ascii)
    verdicts: dict[str, bool | None] = {}
    counts: dict[str, tuple[int, int]] = {}
    scores: dict[str, float] = {}
    try:
        utf8_text = blob.decode("utf-8")
        utf8_valid = True
    except UnicodeDecodeError:
        utf8_text, utf8_valid = blob.decode("utf-8", "replace"), False
    for name in ENCODINGS:
        text = _nfc(utf8_text) if name == "utf-8" else _DECODERS[name](blob, "replace")[0]
        good, total = counts[name] = _word_counts(text, verdicts)
        scores[name] = good / total if total else 0.0
    multibyte = len(utf8_text) - len(utf8_text.encode("ascii", "ignore")) if utf8_valid else 0
    if utf8_valid:
        scores["utf-8"] = 1.0

    rank = {name: i for i, name in enumerate(_PREFERENCE)}
    ordered = sorted(ENCODINGS, key=lambda n: (-scores[n], rank[n]))
    best = ordered[0]
    chosen = best
    if declared_name is not None and scores[declared_name] >= scores[best]:
        chosen = declared_name
    runner_up = next(n for n in ordered if n != chosen)
    s1, s2 = scores[chosen], scores[runner_up]
    words = max(counts[chosen][1], 1)
    # Evidence: how many more words the guess explains than the runner-up (a correct
    # declaration counts as one more word); confidence grows with it and with the score.
    evidence = (s1 - s2) * words + (1.0 if chosen == declared_name else 0.0)
    confidence = s1 * (1.0 - math.exp(-evidence / 2.0))
    if chosen == "utf-8" and utf8_valid:
        confidence = max(confidence, 1.0 - 0.5 ** (multibyte + 1))
    confidence = round(min(max(confidence, 0.0), 1.0), 4)

    good, total = counts[chosen]
    if chosen == "utf-8" and utf8_valid:
        why = (f"all {len(non_ascii)} non-ASCII samples are valid UTF-8 ({multibyte} multi-byte "
               f"characters) and {_percent(good / total if total else 0)} of {total} "
               "non-ASCII words are Vietnamese syllables")
    else:
        why = (f"{_percent(s1)} of {total} non-ASCII words are Vietnamese syllables in "
               f"{_LABELS[chosen]}")
    why += f"; next best {_LABELS[runner_up]} {_percent(s2)}"
    if declared_name is not None:
        if chosen == declared_name:
            why = f"declared {_LABELS[declared_name]} kept: {why}"
        else:
            why = (f"declared {_LABELS[declared_name]} overridden "
                   f"({_percent(scores[declared_name])}): {why}")
    return Detection(chosen, confidence, why + note,
                     {name: round(scores[name], 4) for name in ENCODINGS})


# --------------------------------------------------------------------------------------
# Python codec registration ("tcvn3", "vni")
# --------------------------------------------------------------------------------------

def _codec_info(name: str, encoder: Callable[[str, str], tuple[bytes, int]],
                decoder: Callable[..., tuple[str, int]],
                stateful_decoder: bool) -> codecs.CodecInfo:
    class IncrementalEncoder(codecs.IncrementalEncoder):
        # Each chunk is NFC-normalised on its own: io.TextIOWrapper never sends a final
        # chunk, so holding back a trailing letter for a later combining mark would lose it.
        def encode(self, input: str, final: bool = False) -> bytes:
            return encoder(input, self.errors)[0]

    class IncrementalDecoder(codecs.BufferedIncrementalDecoder):
        def _buffer_decode(self, input: bytes, errors: str, final: bool) -> tuple[str, int]:
            if stateful_decoder:
                return decoder(input, errors, final)
            return decoder(input, errors)

    return codecs.CodecInfo(
        name=name,
        encode=encoder,
        decode=lambda data, errors="strict": decoder(data, errors),
        incrementalencoder=IncrementalEncoder,
        incrementaldecoder=IncrementalDecoder,
    )


@cache
def _codec_infos() -> dict[str, codecs.CodecInfo]:
    return {
        "tcvn3": _codec_info("tcvn3", _tcvn3_encode, _tcvn3_decode, stateful_decoder=False),
        "vni": _codec_info("vni", _vni_encode, _vni_decode, stateful_decoder=True),
    }


_CODEC_NAMES = {"tcvn3": "tcvn3", "vni": "vni", "vni_windows": "vni"}


def _search_codec(name: str) -> codecs.CodecInfo | None:
    key = _CODEC_NAMES.get(name.strip().lower().replace("-", "_").replace(" ", "_"))
    return _codec_infos()[key] if key else None


codecs.register(_search_codec)
