"""Codecs of :mod:`landplan.encodings`.

Names and aliases, the byte tables of TCVN3 and VNI (data files), the transcoders of the
four encodings, and the Python codecs ``"tcvn3"`` and ``"vni"`` (registered on import). See
:mod:`landplan.encodings` for the encodings.
"""

from __future__ import annotations

import codecs
import csv
import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import cache

from landplan._data import data_path
from landplan.errors import InputError

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

_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"  # grave, acute, tilde, hook above, dot below


def _alias_key(name: str) -> str:
    return re.sub(r"[\s\-_.]+", "", name.strip().lower())


def canonical(encoding: str) -> str | None:
    """Return the canonical name of ``encoding``, one of :data:`ENCODINGS`.

    None when it is not one of ours.

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
        raise InputError.of("codecs.unknown", encoding=encoding, encodings=", ".join(ENCODINGS))
    return name


# --------------------------------------------------------------------------------------
# Tables (data files)
# --------------------------------------------------------------------------------------

def _read_table(name: str) -> list[dict[str, str]]:
    with open(data_path(f"encodings/{name}"), encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _codepoint(row: dict[str, str], name: str) -> str:
    """Return the character of a table row, checked against its ``char`` column."""
    ch = chr(int(row["codepoint"].removeprefix("U+"), 16))
    if row.get("char", ch) != ch:  # pragma: no cover - guards the data file
        raise RuntimeError(f"{name}: row {row} has a char that is not its codepoint")
    return ch


@cache
def _tcvn3_decoding_table() -> str:
    r"""Build the 256-character decoding table of TCVN3 ('\ufffe' marks an undefined byte)."""
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
    """Build the VNI encoding map, decoding map and letter regex.

    The decoding map takes a sequence as latin-1 text to a letter; the regex finds letters,
    modifier sequences and undefined bytes in latin-1 text.
    """
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
    """Return the 134 non-ASCII letters of Vietnamese (67 lowercase, 67 capitals)."""
    _, decoding, _ = _vni_tables()
    return frozenset(decoding.values())


@cache
def _cp1258_encoding_map() -> dict[int, bytes | int]:
    """Map each character to its bytes in cp1258.

    Its own single bytes, plus every Vietnamese letter it lacks as base letter + combining
    tone byte.
    """
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
    """Return the VNI regex with runs of non-letter bytes as its last alternative.

    Runs of bytes that can be no part of a letter (neither a letter alone nor the start of
    a pair) replace single bytes as its last alternative: a modifier right after its base
    letter is matched with it first.
    """
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
    """Decode VNI bytes.

    With ``final=False`` a trailing byte that may take a modifier from the next chunk is
    left unconsumed (incremental decoding).
    """
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
        raise InputError.of("codecs.decode", name=_LABELS[name], byte=exc.object[exc.start],
                            start=exc.start, why=exc.reason, raw=raw) from exc


def encode(text: str, encoding: str) -> bytes:
    r"""Encode ``text`` (NFC-normalised first) in ``encoding``.

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
    b'H\xb6i D\xad\xacng'
    >>> encode("Xin chào", "vni").decode("cp1252")
    'Xin chaøo'
    """
    name = _resolve(encoding)
    try:
        return _ENCODERS[name](text)[0]
    except UnicodeEncodeError as exc:
        ch = exc.object[exc.start]
        context = exc.object[max(exc.start - 15, 0):exc.end + 15]
        raise InputError.of("codecs.encode", char=ch, code=ord(ch),
                            unicode_name=unicodedata.name(ch, "unnamed"), start=exc.start,
                            context=context, name=_LABELS[name]) from exc


def transcode(text: str, encoding: str) -> str:
    r"""Re-decode text that was read as latin-1 (one character per byte).

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
    >>> transcode("H¶i D\xad¬ng", "tcvn3")
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
