"""docs/deploy.md's deployment example does what it says: its environment file makes scoring need a
token on a loopback bind behind a proxy, and the limits it quotes are the service's."""

from __future__ import annotations

import re
from pathlib import Path

from corpus.settings import (
    AUTH_FAILURE_BURST,
    HTTP_MAX_BATCH_BODY_BYTES,
    MAX_BATCH_ITEMS,
    MAX_CHARS_HTTP,
    MAX_CHARS_HTTP_BATCH_TOTAL,
    SERVICE_MAX_WAITING_DRAFTS,
)
from serve.config import Settings

DOC = Path(__file__).resolve().parents[1] / "docs" / "deploy.md"


def env_file() -> dict[str, str]:
    """The first ```bash block of the doc (the /etc/postwacht.env example) as a mapping."""
    block = re.search(r"```bash\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    assert block, "no environment file example"
    env = {}
    for line in block.group(1).splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            key, _, value = line.partition("=")
            env[key] = value
    return env


def test_the_example_environment_requires_a_token_for_scoring():
    env = env_file()
    assert env["POSTWACHT_REQUIRE_TOKEN_FOR_SCORING"] == "true"
    settings = Settings.from_env(host="127.0.0.1", environ=env)
    assert settings.require_token_for_scoring is True


def test_the_proxy_example_forwards_the_client_address_and_fits_a_batch():
    text = DOC.read_text(encoding="utf-8")
    assert "proxy_set_header X-Forwarded-For" in text and "FORWARDED_ALLOW_IPS" in text
    body_mb = int(re.search(r"client_max_body_size (\d+)m;", text).group(1))  # type: ignore[union-attr]
    assert body_mb << 20 == HTTP_MAX_BATCH_BODY_BYTES


def test_the_quoted_limits_are_the_settings():
    text = DOC.read_text(encoding="utf-8").replace(",", "")
    for value in (MAX_CHARS_HTTP, MAX_BATCH_ITEMS, MAX_CHARS_HTTP_BATCH_TOTAL, SERVICE_MAX_WAITING_DRAFTS):
        assert str(value) in text, value
    assert f"AUTH_FAILURE_BURST`, {AUTH_FAILURE_BURST})" in DOC.read_text(encoding="utf-8")
