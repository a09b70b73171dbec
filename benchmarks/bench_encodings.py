"""Text-encoding detection of a legacy shapefile's values: seconds, and the ratio to decoding.

:func:`landplan.encodings.detect_encoding` scores every candidate encoding (UTF-8, TCVN3,
VNI, cp1258) on the raw bytes of a layer's distinct text values. This times it on
``--values`` distinct realistic values (owners, addresses, decision numbers; the same kind of
values as ``tests/test_encodings.py``) encoded in each encoding, and reports the ratio to a
plain :func:`landplan.encodings.decode` of the same bytes with the encoding known — what
reading the layer costs anyway. Best of ``--repeat`` runs. Run from the repository root::

    .venv/bin/python benchmarks/bench_encodings.py --values 5000

Budget (formerly a timing assertion in the test suite): 5,000 values detected in ≤ 0.4 s on
the 2-core development machine (measured 0.07–0.1 s there). The "× decode" ratio is the number
to compare across machines. The tests check that detection is right; its speed is measured
here only. Exits 1 if any encoding is detected wrongly.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import time
from pathlib import Path

from landplan.encodings import ENCODINGS, decode, detect_encoding, encode


def many_values(n: int, seed: int = 1) -> list[str]:
    """``n`` distinct Vietnamese attribute values: names, addresses, decision numbers."""
    rng = random.Random(seed)
    family = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
              "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
    middle = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Quang", "Thanh", "Ngọc", "Xuân", "Kim"]
    given = ["Hường", "Đức", "Hà", "Khánh", "Tuấn", "Ánh", "Lượng", "Xuân", "Cường", "Huy",
             "Nguyệt", "Tường", "Thủy", "Phượng", "Dũng", "Hùng", "Lan", "Hoa", "Sơn", "Trí"]
    values: set[str] = set()
    while len(values) < n:
        r = rng.random()
        if r < 0.6:
            values.add(f"{rng.choice(family)} {rng.choice(middle)} {rng.choice(given)}")
        elif r < 0.9:
            values.add(f"Thôn {rng.choice(given)} {rng.randint(1, 99)}, "
                       f"xã {rng.choice(given)} {rng.choice(family)}")
        else:
            values.add(f"{rng.randint(1, 9999)}/QĐ-UBND")
    return sorted(values)


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def run(n_values: int, repeat: int = 3) -> tuple[str, list[dict]]:
    """The table (Markdown) and its rows: one per encoding."""
    values = many_values(n_values)
    rows = []
    for encoding in ENCODINGS:
        samples = [encode(v, encoding) for v in values]
        found = detect_encoding(samples)
        detect_s = _best(lambda s=samples: detect_encoding(s), repeat)
        decode_s = _best(lambda s=samples, e=encoding: [decode(b, e) for b in s], repeat)
        rows.append({"encoding": encoding, "found": found.encoding,
                     "confidence": found.confidence, "detect_s": detect_s,
                     "decode_s": decode_s, "ratio": detect_s / decode_s})
    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; {n_values:,} distinct values, best of {repeat}.", "",
        "| encoding | detected | confidence | detection s | plain decode s | × decode |",
        "|---|---|---:|---:|---:|---:|",
    ]
    lines += [f"| {r['encoding']} | {r['found']} | {r['confidence']:.2f} | {r['detect_s']:.3f} "
              f"| {r['decode_s']:.3f} | {r['ratio']:.1f} |" for r in rows]
    return "\n".join(lines), rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--values", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--write", type=Path, help="also write the table to this file")
    args = parser.parse_args(argv)
    table, rows = run(args.values, args.repeat)
    print(table)
    if args.write:
        args.write.write_text(f"# Encoding-detection benchmark\n\n{table}\n", encoding="utf-8")
    return 0 if all(r["found"] == r["encoding"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
