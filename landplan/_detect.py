"""Encoding detection of :mod:`landplan.encodings` (:func:`detect_encoding`).

Which of the candidate encodings makes text values read as Vietnamese.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from landplan._codecs import (
    _DECODERS,
    _LABELS,
    _TONE_MARKS,
    ENCODINGS,
    _nfc,
    _vietnamese_letters,
    canonical,
)
from landplan._labels import LANGS, label

# Ties between candidates that decode equally well go to the more common encoding of
# Vietnamese cadastral data (TCVN3 offices in the north, VNI in the south, cp1258 rare).
_PREFERENCE = ("utf-8", "tcvn3", "vni", "cp1258")


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
    reasons
        The same sentence in every language of :data:`landplan._labels.LANGS`, by
        language (words: ``labels.toml`` ``[encoding_reason]``); empty when made without.
    scores
        Per candidate encoding: the share (0..1) of non-ASCII words that decode to Vietnamese
        syllables (1.0 for UTF-8 when every sample is strictly valid UTF-8).
    """

    encoding: str
    confidence: float
    reason: str
    scores: dict[str, float]
    reasons: dict[str, str] = field(default_factory=dict)

    def reason_in(self, lang: str) -> str:
        """Return the reason in ``lang`` (the English one when not made in ``lang``)."""
        return self.reasons.get(lang, self.reason)


def _said(pieces: list[tuple[str, dict[str, object]]], scores: dict[str, float],
          encoding: str, confidence: float) -> Detection:
    """Return a detection whose reason is ``pieces`` (label keys and values), in each language.

    A piece's ``why`` is the text of the pieces before it; pieces without one are joined by
    "; ".
    """
    reasons = {}
    for lang in LANGS:
        text = ""
        for key, values in pieces:
            words = label(f"encoding_reason.{key}", lang)
            if "{why}" in words:
                text = words.format(why=text, **values)
            else:
                text = f"{text}; {words.format(**values)}" if text else words.format(**values)
        reasons[lang] = text
    return Detection(encoding, confidence, reasons["en"], scores, reasons)


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
    """Build the regex of an untoned syllable whose toned vowel is in upper case.

    A syllable written without its tone mark but with the toned vowel in upper case ("người"
    -> "ngưƠi"): the tone sits on the nucleus (or, in the old style, on the medial glide:
    "hòa"), never on a final.
    """
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
    """Tell whether ``token`` reads as Vietnamese.

    True for a Vietnamese word, False for a spoilt one, None for a token without letters (a
    dash, a degree sign: they say nothing about the encoding).
    """
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


def _distinct_samples(samples: Iterable[bytes]) -> dict[bytes, None]:
    """Return the distinct non-empty samples, in order (as the keys of a dict).

    ``None`` values are skipped; text raises :class:`TypeError` (bytes are needed).
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
    return distinct


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
    distinct = _distinct_samples(samples)
    declared_name = canonical(declared) if declared is not None else None
    note: list[tuple[str, dict[str, object]]] = []
    if declared is not None and declared_name is None:
        note = [("ignored", {"declared": repr(declared)})]
    non_ascii = [s for s in distinct if not s.isascii()]
    if not non_ascii:
        what = ("all_ascii", {"n": len(distinct)}) if distinct else ("no_samples", {})
        return _said([what, *note], dict.fromkeys(ENCODINGS, 1.0), "ascii", 1.0)

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
        pieces = [("utf8", {"n": len(non_ascii), "m": multibyte,
                            "share": _percent(good / total if total else 0), "total": total})]
    else:
        pieces = [("syllables", {"share": _percent(s1), "total": total,
                                 "encoding": _LABELS[chosen]})]
    pieces.append(("next_best", {"next": _LABELS[runner_up], "next_share": _percent(s2)}))
    if declared_name is not None:
        if chosen == declared_name:
            pieces.append(("kept", {"encoding": _LABELS[declared_name]}))
        else:
            pieces.append(("overridden", {"encoding": _LABELS[declared_name],
                                          "share": _percent(scores[declared_name])}))
    return _said([*pieces, *note], {name: round(scores[name], 4) for name in ENCODINGS},
                 chosen, confidence)
