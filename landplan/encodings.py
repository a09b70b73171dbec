r"""Vietnamese text encodings of legacy cadastral data: decoding, encoding and detection.

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
    ASCII below 0x80, Vietnamese letters in 0xA1-0xFE (``H\xb6i D\xad\xacng`` = "Hải Dương").
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

The codecs live in :mod:`landplan._codecs`, the detection in :mod:`landplan._detect`.

>>> decode(b"H\xb6i D\xad\xacng", "tcvn3")
'Hải Dương'
>>> decode("Xin chaøo".encode("cp1252"), "vni")
'Xin chào'
>>> encode("Đất ở", "abc")
b'\xa7\xcat \xeb'
>>> values = [b"H\xb6i D\xad\xacng", b"\xae\xcat \xeb t\xb9i n\xabng th\xabn"]
>>> detect_encoding(values).encoding
'tcvn3'
"""

from __future__ import annotations

from landplan._codecs import _LABELS as _LABELS  # re-exported: the reasons' encoding names
from landplan._codecs import ENCODINGS, canonical, decode, encode, transcode
from landplan._detect import Detection, detect_encoding

__all__ = ["ENCODINGS", "Detection", "canonical", "decode", "detect_encoding", "encode",
           "transcode"]
