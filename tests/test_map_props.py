"""The map's popups say, for each decision, its own rules and messages."""

import numpy as np
import pandas as pd

from landplan import _map_layers
from landplan._arrowtext import join_per_key


def test_each_decisions_popup_carries_its_own_findings_messages_in_finding_order(sample_check):
    d, f = sample_check.decisions, sample_check.findings
    chosen = d[_map_layers.drawn_decisions(d, all_decisions=True)]
    props = _map_layers.decision_props(chosen, f, lang="en", public=False)
    mine = f[(f["layer"] == "decisions") & f["source_row"].notna()]
    mine = mine.sort_values(["source_row", "finding_id"], kind="stable")
    expected = {row: ("\n".join(g["message"]), ", ".join(dict.fromkeys(g["rule"])))
                for row, g in mine.groupby("source_row")}
    several = sum(len(g) > 1 for _, g in mine.groupby("source_row"))
    assert several > 0  # the sample has decisions with several findings
    for row, message, rules in zip(props["i"], props["m"], props["r"], strict=True):
        want = expected.get(row)
        if want is None:
            assert pd.isna(message) and pd.isna(rules)
        else:
            assert (message, rules) == want


def test_join_per_key_joins_each_keys_texts_in_the_order_given_and_drops_repeats_when_asked():
    keys = np.array([5.0, 5.0, 2.0, 9.0, 9.0, 9.0, 2.0])
    texts = ["b", "a", "x", "r", None, "r", "x"]
    k, joined = join_per_key(keys, texts, ", ")
    assert k.tolist() == [2.0, 5.0, 9.0]
    assert joined.tolist() == ["x, x", "b, a", "r, , r"]
    k, joined = join_per_key(keys, texts, ", ", distinct=True)
    assert joined.tolist() == ["x", "b, a", "r, "]


def test_join_per_key_agrees_with_pandas_groupby_on_many_unsorted_keys():
    # Arrow's hash grouping reorders groups past a few thousand keys: not to be relied on
    rng = np.random.default_rng(7)
    keys = rng.integers(0, 40_000, 150_000).astype(float)
    texts = [f"t{i % 13}" for i in range(len(keys))]
    k, joined = join_per_key(keys, texts, "|")
    expected = pd.Series(texts).groupby(keys).agg("|".join)
    assert k.tolist() == expected.index.tolist()
    assert joined.tolist() == expected.tolist()
    k, joined = join_per_key(keys, texts, "|", distinct=True)
    expected = pd.Series(texts).groupby(keys).agg(lambda t: "|".join(dict.fromkeys(t)))
    assert joined.tolist() == expected.tolist()
