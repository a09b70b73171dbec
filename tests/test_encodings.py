"""Vietnamese legacy text codecs (TCVN3, VNI, cp1258, UTF-8) and encoding detection."""

from __future__ import annotations

import codecs
import csv
import importlib.util
import io
import random
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from landplan import encodings
from landplan._data import data_path
from landplan.encodings import (
    ENCODINGS,
    Detection,
    decode,
    detect_encoding,
    encode,
    transcode,
)
from landplan.errors import InputError

from .conftest import skip_or_fail

BASES = "aăâeêioôơuưy"
TONES = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


LOWER = sorted({_nfc(b + t) for b in BASES for t in TONES} - set("aeiouy") | {"đ"})
UPPER = sorted(ch.upper() for ch in LOWER)
LETTERS = LOWER + UPPER  # the 134 non-ASCII letters of Vietnamese
TCVN3_CAPITALS = "ĂÂÊÔƠƯĐ"  # the only capitals VN3 has
TONED_CAPITALS = [ch for ch in UPPER if ch not in TCVN3_CAPITALS]

SENTENCES = [
    "Ủy ban nhân dân huyện Gia Lộc",
    "Đất ở tại nông thôn",
    "Nguyễn Thị Hường",
    "Cho thuê đất",
    "Chuyển mục đích sử dụng đất",
]

# Realistic attribute values: owners, addresses, land-use names, decisions.
VALUES = [
    "Nguyễn Thị Hường", "Trần Văn Đức", "Lê Thị Thu Hà", "Phạm Quốc Khánh", "Hoàng Minh Tuấn",
    "Vũ Thị Ngọc Ánh", "Đặng Văn Lượng", "Bùi Thị Xuân", "Đỗ Mạnh Cường", "Ngô Quang Huy",
    "Ủy ban nhân dân huyện Gia Lộc", "Thôn Đông Khê, xã Thạch Khôi", "Phường Trần Hưng Đạo",
    "Thị trấn Nam Sách", "Khu dân cư số 3, đường Nguyễn Lương Bằng", "Tỉnh Hải Dương",
    "Đất ở tại nông thôn", "Đất ở tại đô thị", "Đất trồng lúa nước còn lại",
    "Đất trồng cây lâu năm", "Đất nuôi trồng thủy sản", "Đất rừng sản xuất",
    "Đất cơ sở giáo dục và đào tạo", "Đất giao thông", "Cho thuê đất",
    "Chuyển mục đích sử dụng đất", "Giao đất có thu tiền sử dụng đất",
    "Công nhận quyền sử dụng đất", "125/QĐ-UBND", "Quyết định số 2031/QĐ-UBND ngày 15/6/2021",
    "Hộ gia đình, cá nhân", "Ông Nguyễn Văn Tường và bà Lê Thị Nguyệt",
]


def _table(name: str) -> list[dict[str, str]]:
    with open(data_path(f"encodings/{name}"), encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_there_are_134_vietnamese_letters():
    assert len(LOWER) == 67 and len(UPPER) == 67 and len(set(LETTERS)) == 134


# --- tables -----------------------------------------------------------------------------

def test_tcvn3_table_maps_74_distinct_bytes_in_a1_fe_to_distinct_letters():
    rows = _table("tcvn3.csv")
    assert len(rows) == 74
    assert len({r["byte"] for r in rows}) == 74 and len({r["char"] for r in rows}) == 74
    for r in rows:
        assert 0xA1 <= int(r["byte"], 16) <= 0xFE
        assert r["char"] == chr(int(r["codepoint"][2:], 16))
        assert unicodedata.name(r["char"]) == r["name"]
    assert {r["char"] for r in rows} == set(LOWER) | set(TCVN3_CAPITALS)


def test_vni_table_has_every_letter_once_and_capitals_use_capital_bytes():
    rows = _table("vni.csv")
    assert sorted(r["char"] for r in rows) == sorted(LETTERS)
    assert len({r["bytes"] for r in rows}) == 134
    by_char = {r["char"]: r for r in rows}
    for r in rows:
        assert r["char"] == chr(int(r["codepoint"][2:], 16))
        assert unicodedata.name(r["char"]) == r["name"]
        seq = bytes(int(b, 16) for b in r["bytes"].split())
        assert seq.decode("cp1252") == r["cp1252"]
        assert len(seq) in (1, 2)
    for ch in LOWER:
        assert by_char[ch.upper()]["cp1252"] == by_char[ch]["cp1252"].upper()


# --- round trips ------------------------------------------------------------------------

@pytest.mark.parametrize("letter", LOWER + list(TCVN3_CAPITALS))
def test_tcvn3_round_trips_lowercase_letters_and_its_seven_capitals(letter):
    data = encode(letter, "tcvn3")
    assert len(data) == 1 and data[0] >= 0xA1
    assert decode(data, "tcvn3") == letter


@pytest.mark.parametrize("capital", TONED_CAPITALS)
def test_tcvn3_writes_toned_capitals_as_the_lowercase_byte_so_case_is_lost(capital):
    assert encode(capital, "tcvn3") == encode(capital.lower(), "tcvn3")
    assert decode(encode(capital, "tcvn3"), "tcvn3") == capital.lower()


def test_tcvn3_round_trip_of_capitalised_text_lowercases_only_toned_capitals():
    assert decode(encode("Ủy ban Ấp Đông ĐẤT", "tcvn3"), "tcvn3") == "ủy ban ấp Đông ĐấT"


@pytest.mark.parametrize("letter", LETTERS)
def test_vni_round_trips_every_letter(letter):
    data = encode(letter, "vni")
    assert decode(data, "vni") == letter
    assert decode(b"x" + data + b"x", "vni") == f"x{letter}x"


@pytest.mark.parametrize("letter", LETTERS)
def test_cp1258_round_trips_every_letter_in_nfc(letter):
    data = encode(letter, "cp1258")
    assert decode(data, "cp1258") == letter
    assert _nfc(data.decode("cp1258")) == letter  # what any cp1258 reader gets


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_every_encoding_round_trips_all_vietnamese_text_and_ascii(encoding):
    text = " ".join(LOWER) + "".join(chr(i) for i in range(128))
    if encoding != "tcvn3":
        text += " ".join(UPPER)
    assert decode(encode(text, encoding), encoding) == text


# --- known strings ------------------------------------------------------------------------

def test_domain_examples_decode():
    assert decode(b"H\xb6i D\xad\xacng", "tcvn3") == "Hải Dương"
    vni = {"Xin chaøo": "Xin chào", "Vieät Nam": "Việt Nam", "ñaát": "đất",
           "Haûi Döông": "Hải Dương", "Thò traán": "Thị trấn", "yù nghóa": "ý nghĩa",
           "Chæ thò": "Chỉ thị", "Ñöôøng": "Đường", "VIEÄT NAM": "VIỆT NAM", "naêm": "năm"}
    for raw, text in vni.items():
        assert decode(raw.encode("cp1252"), "vni") == text


@pytest.mark.parametrize("text,tcvn3,vni", [
    ("Ủy ban nhân dân huyện Gia Lộc", b"\xf1y ban nh\xa9n d\xa9n huy\xd6n Gia L\xe9c",
     "UÛy ban nhaân daân huyeän Gia Loäc"),
    ("Đất ở tại nông thôn", b"\xa7\xcat \xeb t\xb9i n\xabng th\xabn",
     "Ñaát ôû taïi noâng thoân"),
    ("Nguyễn Thị Hường", b"Nguy\xd4n Th\xde H\xad\xeang", "Nguyeãn Thò Höôøng"),
    ("Cho thuê đất", b"Cho thu\xaa \xae\xcat", "Cho thueâ ñaát"),
    ("Chuyển mục đích sử dụng đất", b"Chuy\xd3n m\xf4c \xae\xddch s\xf6 d\xf4ng \xae\xcat",
     "Chuyeån muïc ñích söû duïng ñaát"),
])
def test_known_sentences_encode_to_the_expected_bytes(text, tcvn3, vni):
    assert encode(text, "tcvn3") == tcvn3
    assert encode(text, "vni") == vni.encode("cp1252")
    assert decode(vni.encode("cp1252"), "vni") == text
    expected_tcvn3 = text.replace("Ủ", "ủ")  # VN3 has no toned capitals
    assert decode(tcvn3, "tcvn3") == expected_tcvn3
    for encoding in ("utf-8", "cp1258"):
        assert decode(encode(text, encoding), encoding) == text


def test_cp1258_uses_its_precomposed_letters_and_combining_tones():
    assert encode("Hà", "cp1258") == b"H\xe0"  # à is one byte in cp1258
    assert encode("ả", "cp1258") == b"a\xd2"  # hook above is combining 0xD2
    assert encode("ấ", "cp1258") == b"\xe2\xec"  # â + combining acute
    assert encode("Đường", "cp1258") == b"\xd0\xfd\xf5\xccng"
    assert decode(b"Vi\xea\xf2t Nam", "cp1258") == "Việt Nam"


def test_decode_and_encode_normalise_to_nfc():
    nfd = unicodedata.normalize("NFD", "Nguyễn Thị Hường")
    assert decode(nfd.encode("utf-8"), "utf-8") == "Nguyễn Thị Hường"
    for encoding in ENCODINGS:
        assert encode(nfd, encoding) == encode("Nguyễn Thị Hường", encoding)


@pytest.mark.parametrize("alias,name", [
    ("UTF8", "utf-8"), ("utf-8", "utf-8"), ("Windows-1258", "cp1258"), ("CP1258", "cp1258"),
    ("ABC", "tcvn3"), ("TCVN", "tcvn3"), ("tcvn5712-3", "tcvn3"), ("VNI-Windows", "vni"),
    ("vni", "vni"),
])
def test_encoding_names_accept_aliases_in_any_case(alias, name):
    assert encode("Hải Dương", alias) == encode("Hải Dương", name)
    assert decode(encode("Hải Dương", name), alias) == "Hải Dương"


def test_unknown_encoding_is_an_input_error_listing_the_choices():
    with pytest.raises(InputError, match="tcvn3"):
        decode(b"abc", "latin-9")
    with pytest.raises(ValueError):
        encode("abc", "koi8-r")


@pytest.mark.parametrize("encoding,data,byte", [
    ("tcvn3", b"H\x80i", "0x80"),
    ("tcvn3", b"\xb0", "0xB0"),  # a VN1 combining tone, not part of VN3
    ("vni", b"ab\xf9c", "0xF9"),  # a modifier without a base letter
    ("vni", b"x\xd0", "0xD0"),  # not defined in VNI
    ("utf-8", b"H\xb6i", "0xB6"),
    ("cp1258", b"a\x81", "0x81"),
])
def test_undecodable_bytes_raise_input_error_instead_of_being_replaced(encoding, data, byte):
    with pytest.raises(InputError, match=byte):
        decode(data, encoding)


@pytest.mark.parametrize("encoding,text,char", [
    ("tcvn3", "Mañana", "ñ"), ("tcvn3", "5 €", "€"), ("vni", "Café ñ", "ñ"),
    ("vni", "Đất ở ©", "©"), ("cp1258", "北京", "北"), ("utf-8", "a\ud800", "\ud800"),
])
def test_unencodable_characters_raise_input_error_naming_the_character(encoding, text, char):
    with pytest.raises(InputError, match=f"U\\+{ord(char):04X}"):
        encode(text, encoding)


def test_transcode_redecodes_text_read_as_latin1_and_leaves_decoded_text_alone():
    assert transcode("Xin chaøo", "vni") == "Xin chào"
    assert transcode("H¶i D\xad¬ng", "abc") == "Hải Dương"
    assert transcode("Vi\xea\xf2t", "cp1258") == "Việt"
    assert transcode("Hải Dương", "tcvn3") == "Hải Dương"
    nfd = unicodedata.normalize("NFD", "Hải Dương")
    assert transcode(nfd, "vni") == "Hải Dương"
    assert transcode("ONT", "vni") == "ONT"


# --- registered Python codecs ------------------------------------------------------------

def test_registered_codecs_work_with_str_encode_and_bytes_decode():
    assert "Hải Dương".encode("tcvn3") == b"H\xb6i D\xad\xacng"
    assert b"H\xb6i D\xad\xacng".decode("tcvn3") == "Hải Dương"
    assert "Xin chaøo".encode("cp1252").decode("vni") == "Xin chào"
    assert "Việt Nam".encode("vni") == "Vieät Nam".encode("cp1252")
    assert codecs.lookup("VNI-Windows").name == "vni"
    assert codecs.lookup("TCVN3").name == "tcvn3"


def test_registered_codecs_raise_unicode_errors_and_honour_replace_and_ignore():
    with pytest.raises(UnicodeDecodeError) as info:
        b"Vie\xe4t \xf9".decode("vni")
    assert info.value.encoding == "vni" and info.value.start == 6
    assert b"Vie\xe4t \xf9".decode("vni", "replace") == "Việt \ufffd"
    assert b"Vie\xe4t \xf9".decode("vni", "ignore") == "Việt "
    assert b"Vie\xe4t \xf9".decode("vni", "backslashreplace") == "Việt \\xf9"
    with pytest.raises(UnicodeDecodeError) as info:
        b"H\x80i".decode("tcvn3")
    assert info.value.encoding == "tcvn3"
    assert b"H\x80i".decode("tcvn3", "replace") == "H\ufffdi"
    assert b"H\x80i".decode("tcvn3", "ignore") == "Hi"
    with pytest.raises(UnicodeEncodeError) as err:
        "Việt ñ".encode("vni")
    assert err.value.encoding == "vni"
    assert "Việt ñ".encode("vni", "replace") == b"Vie\xe4t ?"
    assert "Việt ñ".encode("tcvn3", "ignore") == b"Vi\xd6t "
    with pytest.raises(UnicodeEncodeError):
        "ñ".encode("tcvn3")


codecs.register_error("landplan-test-replace", lambda exc: ("\ufffd", exc.end))
_PIECES = [encode(ch, "vni") for ch in LETTERS] + [bytes([b]) for b in range(256)]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=12).map(b"".join))
def test_lenient_decoding_matches_the_error_handler_path(data):
    # errors="replace" takes a fast path (used by detection); it must equal the generic one.
    for name in ("vni", "tcvn3"):
        assert data.decode(name, "replace") == data.decode(name, "landplan-test-replace")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(LETTERS + list(" .,-/0123456789abcdxyzQĐ")),
               max_size=30))
def test_any_vietnamese_text_round_trips(text):
    for name in ("utf-8", "cp1258", "vni"):
        assert decode(encode(text, name), name) == text
    assert decode(encode(text, "tcvn3"), "tcvn3") == "".join(
        ch.lower() if ch in TONED_CAPITALS else ch for ch in text)


def test_vni_incremental_decoder_joins_a_letter_split_across_chunks():
    decoder = codecs.getincrementaldecoder("vni")()
    parts = [decoder.decode(b"Vie"), decoder.decode(b"\xe4t Na"), decoder.decode(b"m", True)]
    assert "".join(parts) == "Việt Nam"


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_text_files_can_be_read_and_written_with_the_registered_codecs(encoding, tmp_path):
    text = "\n".join(SENTENCES).lower() + "\n"
    path = tmp_path / "values.txt"
    path.write_text(text, encoding=encoding)
    assert path.read_bytes() == encode(text, encoding)
    with open(path, encoding=encoding) as f:
        assert f.read() == text
    stream = io.TextIOWrapper(io.BytesIO(encode(text, encoding)), encoding=encoding)
    assert "".join(iter(lambda: stream.read(3), "")) == text


# --- detection ----------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ENCODINGS)
def test_detection_picks_the_encoding_of_realistic_values_with_high_confidence(encoding):
    found = detect_encoding([encode(v, encoding) for v in VALUES])
    assert isinstance(found, Detection)
    assert found.encoding == encoding, found
    assert found.confidence > 0.8, found
    assert set(found.scores) == set(ENCODINGS)
    assert found.scores[encoding] == max(found.scores.values())
    assert encodings._LABELS[encoding] in found.reason


WORDS = sorted({w for v in VALUES for w in v.replace(",", " ").split() if not w.isascii()})


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_single_short_word_gets_the_right_encoding_or_a_low_confidence(encoding):
    for word in WORDS:
        found = detect_encoding([encode(word, encoding)])
        assert found.encoding == encoding or found.confidence < 0.5, (word, found)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_single_value_gets_the_right_encoding_or_a_low_confidence(encoding):
    for value in VALUES:
        found = detect_encoding([encode(value, encoding)])
        assert found.encoding in (encoding, "ascii") or found.confidence < 0.5, (value, found)


def test_all_ascii_samples_give_ascii_with_full_confidence():
    found = detect_encoding([b"ONT", b"125/QD-UBND", b"Nguyen Van A", None, b""])
    assert found.encoding == "ascii" and found.confidence == 1.0
    assert "ASCII" in found.reason
    assert detect_encoding([]).encoding == "ascii"


def test_a_wrong_declared_encoding_is_overridden_and_the_reason_says_so():
    samples = [encode(v, "tcvn3") for v in VALUES]
    found = detect_encoding(samples, declared="UTF-8")
    assert found.encoding == "tcvn3" and found.confidence > 0.8
    assert "declared UTF-8 overridden" in found.reason
    found = detect_encoding([encode(v, "vni") for v in VALUES], declared="1258")
    assert found.encoding == "vni" and "overridden" in found.reason


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_correct_declared_encoding_is_kept(encoding):
    found = detect_encoding([encode(v, encoding) for v in VALUES], declared=encoding.upper())
    assert found.encoding == encoding and "kept" in found.reason


def test_a_declared_encoding_wins_a_tie():
    # "Ngô" in cp1258 also reads as "Ngụ" in TCVN3 and "Ngơ" in VNI: all plausible.
    sample = [encode("Ngô", "cp1258")]
    assert detect_encoding(sample).confidence < 0.5
    found = detect_encoding(sample, declared="windows-1258")
    assert found.encoding == "cp1258" and "kept" in found.reason


def test_an_unknown_declared_encoding_is_ignored_and_mentioned():
    found = detect_encoding([encode(v, "vni") for v in VALUES], declared="ISO-8859-1")
    assert found.encoding == "vni" and "'ISO-8859-1'" in found.reason


def test_garbage_bytes_give_a_low_confidence():
    rng = random.Random(7)
    samples = [bytes(rng.randrange(0x80, 0x100) for _ in range(8)) for _ in range(50)]
    assert detect_encoding(samples).confidence < 0.5


def test_detection_is_deterministic_and_independent_of_sample_order():
    samples = [encode(v, enc) for v in VALUES for enc in ("tcvn3",)]
    first = detect_encoding(samples)
    assert detect_encoding(list(reversed(samples))) == first
    assert detect_encoding(samples + samples) == first  # repeated values count once


def test_detection_wants_bytes_not_text():
    with pytest.raises(TypeError, match="bytes"):
        detect_encoding(["Hải Dương"])


def _many_values(n: int) -> list[str]:
    """The benchmark's own realistic values (benchmarks/bench_encodings.py), one generator."""
    bench = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_encodings.py"
    spec = importlib.util.spec_from_file_location("bench_encodings", bench)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.many_values(n)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_detection_of_5000_values_is_right(encoding):
    # Its speed is a benchmark (benchmarks/bench_encodings.py), not a test.
    samples = [encode(v, encoding) for v in _many_values(5000)]
    found = detect_encoding(samples)
    assert found.encoding == encoding and found.confidence > 0.95


# --- the TCVN3 table against glibc ---------------------------------------------------------

def test_tcvn3_table_agrees_with_glibc_tcvn5712_1_where_vn1_and_vn3_overlap():
    if shutil.which("iconv") is None:
        skip_or_fail("iconv is not on PATH")
    rows = _table("tcvn3.csv")
    raw = b"\n".join(bytes([int(r["byte"], 16)]) for r in rows)
    result = subprocess.run(["iconv", "-f", "TCVN5712-1", "-t", "UTF-8"], input=raw,
                            capture_output=True, check=False)
    if result.returncode != 0:
        skip_or_fail(f"iconv has no TCVN5712-1: {result.stderr.decode(errors='replace')}")
    theirs = result.stdout.decode("utf-8").split("\n")
    assert theirs == [r["char"] for r in rows]
