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


def test_join_per_key_keeps_first_appearance_order_and_drops_repeats_when_asked():
    keys = np.array([5.0, 5.0, 2.0, 9.0, 9.0, 9.0, 2.0])
    texts = ["b", "a", "x", "r", None, "r", "x"]
    k, joined = join_per_key(keys, texts, ", ")
    assert k.tolist() == [5.0, 2.0, 9.0]
    assert joined.tolist() == ["b, a", "x, x", "r, , r"]
    k, joined = join_per_key(keys, texts, ", ", distinct=True)
    assert k.tolist() == [5.0, 2.0, 9.0]
    assert joined.tolist() == ["b, a", "x", "r, "]
