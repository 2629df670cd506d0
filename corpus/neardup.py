"""Near-duplicate grouping: character 5-gram Jaccard >= 0.6 puts two texts in one group."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer

JACCARD_MIN = 0.6


def _shingles(texts: Sequence[str]) -> sparse.csr_matrix:
    vec = CountVectorizer(analyzer="char", ngram_range=(5, 5), lowercase=True, binary=True,
                          preprocessor=lambda t: " ".join(t.lower().split()), dtype=np.int32)
    return vec.fit_transform(texts).tocsr()


def near_duplicate_pairs(texts: Sequence[str], threshold: float = JACCARD_MIN,
                         chunk: int = 1024) -> list[tuple[int, int, float]]:
    """All pairs (i < j) with 5-gram Jaccard >= threshold. The shingle products are taken a chunk
    of rows at a time and thresholded as arrays: the whole 25,000 x 25,000 product held gigabytes
    and a Python loop over every shared 5-gram pair took minutes."""
    if len(texts) < 2:
        return []
    X = _shingles(texts)
    sizes = np.asarray(X.sum(axis=1)).ravel()
    XT = X.T.tocsc()
    pairs: list[tuple[int, int, float]] = []
    for start in range(0, len(texts), chunk):
        inter = (X[start:start + chunk] @ XT).tocoo()
        rows = inter.row.astype(np.int64) + start
        cols = inter.col.astype(np.int64)
        keep = rows < cols
        rows, cols, shared = rows[keep], cols[keep], inter.data[keep].astype(np.float64)
        union = sizes[rows] + sizes[cols] - shared
        with np.errstate(divide="ignore", invalid="ignore"):
            jaccard = np.where(union > 0, shared / union, 0.0)
        hit = (union > 0) & (jaccard >= threshold)
        pairs += [(int(i), int(j), float(v)) for i, j, v in zip(rows[hit], cols[hit], jaccard[hit], strict=True)]
    pairs.sort()
    # identical short texts without any 5-gram
    seen: dict[str, int] = {}
    for i, t in enumerate(texts):
        key = " ".join(t.lower().split())
        if sizes[i] == 0:
            if key in seen:
                pairs.append((seen[key], i, 1.0))
            else:
                seen[key] = i
    return pairs


def group_ids(ids: Sequence[str], texts: Sequence[str], threshold: float = JACCARD_MIN) -> list[str]:
    """Union-find over near-duplicate pairs; a group is named after its first member's id."""
    parent = list(range(len(texts)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j, _ in near_duplicate_pairs(texts, threshold):
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)
    return [f"g-{ids[find(i)]}" for i in range(len(texts))]


def _key(text: str) -> str:
    return " ".join(text.lower().split())


def near_duplicates_across(queries: Sequence[str], texts: Sequence[str], threshold: float = JACCARD_MIN,
                           chunk: int = 256) -> list[tuple[int, int, float]]:
    """Pairs (query index, text index, Jaccard) with 5-gram Jaccard >= threshold, or the same
    normalised text. Compares queries with texts only (never texts with each other), in chunks
    of queries, so a few reviewed cases against the whole corpus stay cheap."""
    if not queries or not texts:
        return []
    X = _shingles([*queries, *texts])
    Q, T = X[: len(queries)], X[len(queries):]
    q_sizes = np.asarray(Q.sum(axis=1)).ravel()
    t_sizes = np.asarray(T.sum(axis=1)).ravel()
    found: dict[tuple[int, int], float] = {}
    for start in range(0, len(queries), chunk):
        inter = (Q[start:start + chunk] @ T.T).tocoo()
        for i, j, v in zip(inter.row, inter.col, inter.data, strict=True):
            qi = start + int(i)
            union = q_sizes[qi] + t_sizes[j] - v
            if union and v / union >= threshold:
                found[(qi, int(j))] = float(v / union)
    by_key: dict[str, list[int]] = {}
    for j, t in enumerate(texts):
        by_key.setdefault(_key(t), []).append(j)
    for qi, q in enumerate(queries):
        for j in by_key.get(_key(q), []):
            found[(qi, j)] = 1.0
    return sorted((qi, j, sim) for (qi, j), sim in found.items())
