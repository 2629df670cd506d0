"""The protocol as data (corpus/protocol.yaml): articles, label table, advice."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from model.labels import AUTHOR_ROLES, LABELS
from model.settings import PROTOCOL_PATH


@dataclass(frozen=True)
class Article:
    id: str
    section: str
    number: int
    text: str
    roles: tuple[str, ...]


class Protocol:
    """Read-only view of corpus/protocol.yaml."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.raw = data
        self.articles: dict[str, Article] = {
            a["id"]: Article(a["id"], a["section"], int(a["number"]), a["text"], tuple(a["roles"]))
            for a in data["articles"]
        }
        self.labels: dict[str, dict[str, Any]] = data["labels"]
        self.sanctions: dict[str, list[str]] = data["sanctions"]
        missing = set(LABELS) - set(self.labels)
        if missing:
            raise ValueError(f"protocol.yaml lacks labels: {sorted(missing)}")

    def label_name(self, label: str) -> str:
        return self.labels[label]["name"]

    def severity(self, label: str) -> str:
        return self.labels[label]["severity"]

    def article_ids_for(self, label: str, role: str) -> list[str]:
        """Primary articles for a flagged label and author role (onbekend: every role)."""
        table = self.labels[label]["articles"]
        ids = list(table.get("every", []))
        roles = AUTHOR_ROLES if role not in AUTHOR_ROLES else (role,)
        for r in roles:
            for art in table.get(r, []):
                if art not in ids:
                    ids.append(art)
        return ids

    def consequence_ids_for(self, role: str) -> list[str]:
        roles = AUTHOR_ROLES if role not in AUTHOR_ROLES else (role,)
        ids: list[str] = []
        for r in roles:
            for art in self.sanctions.get(r, []):
                if art not in ids:
                    ids.append(art)
        return ids

    def advice_for(self, label: str, role: str) -> str:
        advice = self.labels[label].get("advice", {})
        return advice.get(role) or advice.get("onbekend", "")

    def boundary_article_title(self, article_id: str) -> str:
        return self.labels["staff_boundary"].get("sub_articles", {}).get(article_id, "")


def load_protocol_file(path: Path) -> Protocol:
    with path.open(encoding="utf-8") as fh:
        return Protocol(yaml.safe_load(fh))


@lru_cache(maxsize=1)
def get_protocol() -> Protocol:
    """The protocol, loaded once per process."""
    return load_protocol_file(PROTOCOL_PATH)
