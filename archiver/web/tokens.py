"""Archivist tokens: only their sha256 is kept (a stolen token file grants nothing), compared in constant time.

The file lives outside the store (`$ARCHIVER_TOKENS_FILE`, else `$XDG_CONFIG_HOME/archiver/tokens.json`): tokens are
credentials, the store is evidence. App replicas behind a load balancer mount the same file read-only."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archiver.errors import ConfigError, NotFoundError

PREFIX = "lna_"


def tokens_path() -> Path:
    override = os.environ.get("ARCHIVER_TOKENS_FILE")
    if override:
        return Path(override)
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "archiver" / "tokens.json"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class TokenInfo:
    token_id: str
    name: str
    created: str

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.token_id, "name": self.name, "created": self.created}


class TokenFile:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or tokens_path()

    def _load(self) -> list[dict[str, str]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot read the token file {self.path} ({exc}); fix or remove it") from exc
        return [dict(entry) for entry in data.get("tokens", [])]

    def _save(self, entries: list[dict[str, str]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.partial")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"tokens": entries}, handle, indent=1)
        tmp.replace(self.path)

    def create(self, name: str) -> tuple[TokenInfo, str]:
        """A new token: the secret is returned once, only its hash is written."""
        token_id = secrets.token_hex(4)
        token = f"{PREFIX}{token_id}_{secrets.token_urlsafe(24)}"
        created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        entries = self._load()
        entries.append({"id": token_id, "name": name, "created": created, "sha256": _digest(token)})
        self._save(entries)
        return TokenInfo(token_id, name, created), token

    def list(self) -> list[TokenInfo]:
        return [TokenInfo(e["id"], e.get("name", ""), e.get("created", "")) for e in self._load()]

    def revoke(self, token_id: str) -> None:
        entries = self._load()
        kept = [e for e in entries if e["id"] != token_id]
        if len(kept) == len(entries):
            raise NotFoundError(f"no token with id {token_id}; `archiver tokens list` shows them")
        self._save(kept)

    def check(self, token: str) -> TokenInfo | None:
        """The token's entry when `token` is valid; every entry is compared, in constant time."""
        wanted = _digest(token)
        found = None
        for entry in self._load():
            if hmac.compare_digest(entry.get("sha256", ""), wanted):
                found = TokenInfo(entry["id"], entry.get("name", ""), entry.get("created", ""))
        return found
