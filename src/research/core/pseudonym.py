"""Keyed pseudonyms for survey respondents.

A respondent identifier (e-mail address, name, survey-tool id) is replaced by
`r-` + the first 16 hex digits of HMAC-SHA256(key, identifier), where the identifier is
trimmed and case-folded so that `Anna@Kunta.fi` in the baseline and `anna@kunta.fi` in the
final wave link to the same pseudonym. Without the key a pseudonym cannot be turned back
into an identifier, nor can a guessed e-mail address be confirmed.

The key lives outside `data/processed/` and outside reports: by default in
`data/keys/pseudonym.key` (git-ignored), created with a random key on first use. The
environment variable `RESEARCH_PSEUDONYM_KEY` overrides the file (e.g. on a shared server).
Keep the key as long as later waves must link to earlier ones.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

import pandas as pd

from research.core.atomic import write_text
from research.core.errors import UserError

ENV_VAR = "RESEARCH_PSEUDONYM_KEY"
KEY_FILE = Path("keys") / "pseudonym.key"
PREFIX = "r-"


def key_path(raw: str | Path = "data/raw") -> Path:
    """Where the key file lives for a project whose raw data is `raw`: `data/keys/pseudonym.key`."""
    return Path(raw).parent / KEY_FILE


def load_key(path: str | Path | None = None, create: bool = True) -> bytes:
    """The pseudonym key: `$RESEARCH_PSEUDONYM_KEY`, else the key file (created if missing)."""
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return env.encode("utf-8")
    path = Path(path) if path is not None else key_path()
    if path.exists():
        key = path.read_text(encoding="utf-8").strip()
        if len(key) < 32:
            raise UserError("pseudonym key is too short (expected at least 32 characters); "
                            "delete the file to create a new key, which breaks links to "
                            "earlier waves", file=path)
        return key.encode("utf-8")
    if not create:
        raise UserError(f"pseudonym key not found; set {ENV_VAR} or restore the key file",
                        file=path)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    write_text(path, key + "\n", mode=0o600)
    return key.encode("utf-8")


def normalise_identifier(identifier: str) -> str:
    return str(identifier).strip().casefold()


def pseudonym(identifier: str, key: bytes) -> str:
    """The pseudonym of one identifier under `key`."""
    digest = hmac.new(key, normalise_identifier(identifier).encode("utf-8"), hashlib.sha256)
    return PREFIX + digest.hexdigest()[:16]


def pseudonymise(values: pd.Series, key: bytes) -> pd.Series:
    """Pseudonyms for a column of identifiers (same index); each distinct value hashed once."""
    unique = {v: pseudonym(v, key) for v in pd.unique(values.astype(str))}
    return values.astype(str).map(unique).astype(object)
