"""The sample decisions re-encoded as legacy cadastral exports give the same check."""

from __future__ import annotations

import pandas as pd
import pytest

import landplan
from landplan.encodings import encode


def _legacy_copy(raw, folder, encoding, cpg=None):
    """``raw`` written as a shapefile whose bytes are in ``encoding`` (no .cpg unless given)."""

    def to_bytes_text(value):
        return encode(value, encoding).decode("latin-1") if isinstance(value, str) else value

    legacy = raw.rename(columns={c: to_bytes_text(c) for c in raw.columns if c != "geometry"})
    for column in legacy.columns:
        if column != "geometry" and (legacy[column].dtype == object
                                     or pd.api.types.is_string_dtype(legacy[column])):
            legacy[column] = legacy[column].map(to_bytes_text)
    folder.mkdir()
    path = folder / "thua.shp"
    legacy.to_file(path, engine="pyogrio", encoding="ISO-8859-1")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    if cpg:
        path.with_suffix(".cpg").write_text(cpg)
    return path


@pytest.fixture(scope="module")
def sample():
    return landplan.read_layer(landplan.sample_dir() / "decisions")


@pytest.fixture(scope="module")
def reference(sample_check):
    """The check of the UTF-8 sample as `landplan demo` runs it (conftest: once a session)."""
    return sample_check


@pytest.mark.slow  # the sample check, once for each legacy copy
@pytest.mark.parametrize("encoding, cpg", [("tcvn3", None), ("vni", None), ("cp1258", None),
                                           ("tcvn3", "UTF-8")])
def test_legacy_encoded_sample_gives_the_same_findings(sample, reference, tmp_path, encoding,
                                                       cpg, monkeypatch):
    path = _legacy_copy(sample, tmp_path / encoding, encoding, cpg)
    raw = landplan.read_layer(path)
    assert raw.attrs["encoding"].encoding == encoding
    assert raw.attrs["encoding"].confidence > 0.8
    owners = sample["tenchu"].fillna("")
    decoded = raw["tenchu"].fillna("")
    if encoding == "tcvn3":  # TCVN3 has no toned capitals: such letters come back lower-case
        assert (decoded.str.lower() == owners.str.lower()).all()
        assert (decoded == owners).mean() > 0.5
    else:
        assert (decoded == owners).all()
    assert any(not name.isascii() for name in decoded)

    from landplan import _sample

    # The demo's inputs with the legacy copy as the decisions (sample_result reads
    # _sample.sample_inputs; patching the CLI's _demo_inputs would check the UTF-8 sample).
    inputs, config = _sample.sample_inputs()
    inputs.decisions = path
    monkeypatch.setattr(_sample, "sample_inputs", lambda: (inputs, config))
    read = []

    def load_decisions(source, *args, **kwargs):
        read.append(source)
        return landplan.load_decisions(source, *args, **kwargs)

    monkeypatch.setattr(_sample, "load_decisions", load_decisions)
    result = _sample.sample_result()
    assert read == [path]  # the check read the legacy copy, not the UTF-8 sample
    columns = ["source_row", "rule", "severity", "message"]
    pd.testing.assert_frame_equal(result.findings[columns], reference.findings[columns])
    assert list(result.decisions["status"]) == list(reference.decisions["status"])
