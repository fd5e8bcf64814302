import math

import pytest

from wissenswerk.evaluation.metrics import mrr_at, ndcg_at, percentile, recall_at


def test_ndcg_matches_hand_computation() -> None:
    rels = {"a": 2, "b": 1}
    ranked = ["x", "a", "b"]
    dcg = 2 / math.log2(3) + 1 / math.log2(4)
    idcg = 2 / math.log2(2) + 1 / math.log2(3)
    assert ndcg_at(ranked, rels, 10) == pytest.approx(dcg / idcg)
    assert ndcg_at(["a", "b"], rels, 10) == pytest.approx(1.0)
    assert ndcg_at(["x"], rels, 10) == 0.0


def test_recall_and_mrr() -> None:
    rels = {"a": 1, "b": 1}
    assert recall_at(["a", "x", "b"], rels, 2) == 0.5
    assert mrr_at(["x", "y", "a"], rels, 10) == pytest.approx(1 / 3)
    assert mrr_at(["x"], rels, 10) == 0.0


def test_percentile_nearest_rank() -> None:
    values = list(range(1, 101))
    assert percentile(values, 50) == 50
    assert percentile(values, 95) == 95
