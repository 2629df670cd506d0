"""Which split a group of near-duplicates belongs to: deterministic, by a hash of the group id,
so a text and its near-duplicates (and a reviewed case and its corpus twins) never straddle
train and test."""

from __future__ import annotations

import hashlib

SPLIT_SHARES = (("train", 0.70), ("dev", 0.15), ("test", 0.15))


def split_for(group: str) -> str:
    h = int(hashlib.sha256(group.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    acc = 0.0
    for name, share in SPLIT_SHARES:
        acc += share
        if h < acc:
            return name
    return SPLIT_SHARES[-1][0]
