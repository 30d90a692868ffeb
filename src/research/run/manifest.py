"""What a run is keyed on and what it records: input hashes, `reports/manifest.json`.

A unit whose inputs (notebook source, config, processed tables, package code, template and
parameters) hash to the same value as in the manifest is skipped as `unchanged`.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from research import __version__
from research.core.atomic import write_text
from research.core.config import Config
from research.core.errors import UserError
from research.core.hashes import sha256_bytes, sha256_files
from research.core.tables import DIGEST
from research.run import privacy_audit
from research.run.matrix import PHASES, Unit

MANIFEST = "manifest.json"


def package_hash() -> str:
    """Hash of the installed package's code and label table: a code change reruns reports."""
    root = Path(__file__).resolve().parents[1]
    files = [p for p in root.rglob("*") if p.suffix in (".py", ".yml") and p.is_file()]
    return sha256_bytes(f"{__version__}:{sha256_files(files)}".encode())


@dataclass
class RunContext:
    """Paths and shared hashes of one `research run`."""

    config: Config
    language: str
    notebooks: Path
    templates: Path
    processed: Path
    raw: Path
    reports: Path
    hashes: dict = field(default_factory=dict)

    def shared_hashes(self) -> dict:
        if not self.hashes:
            digest = self.processed / DIGEST
            if not digest.exists():
                raise UserError("no processed data; run `research prepare` first",
                                file=self.processed)
            self.hashes = {
                "config": sha256_bytes(self.config.path.read_bytes()),
                "processed": sha256_bytes(digest.read_bytes()),
                "package": package_hash(),
                "template": sha256_files([p for p in (self.templates / "report").glob("*")
                                          if p.is_file()]),
            }
        return self.hashes

    def parameters(self, unit: Unit) -> dict:
        """Notebook parameters; paths are relative to the executed notebook's folder."""
        where = os.path.abspath((self.reports / unit.notebook_rel).parent)
        rel = lambda p: os.path.relpath(os.path.abspath(p), where)  # noqa: E731
        return {"config": rel(self.config.path), "unit": unit.unit,
                "processed": rel(self.processed), "raw": rel(self.raw),
                "language": self.language}

    def inputs(self, unit: Unit) -> dict:
        source = self.notebooks / f"{unit.phase}.py"
        if not source.exists():
            raise UserError("notebook source missing", file=source)
        params = self.parameters(unit)
        return dict(self.shared_hashes(), notebook=sha256_bytes(source.read_bytes()),
                    parameters=sha256_bytes(json.dumps(params, sort_keys=True).encode()))


def input_hash(inputs: dict) -> str:
    return sha256_bytes(json.dumps(inputs, sort_keys=True).encode())


def read_manifest(reports: Path) -> dict:
    path = reports / MANIFEST
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return {}


def remove_stale_temporaries(reports: Path) -> None:
    """Temporary files of a run that was killed half-way."""
    for tmp in reports.rglob(".*.tmp*"):
        tmp.unlink(missing_ok=True)


@functools.cache
def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version
    out = {"python": ".".join(map(str, sys.version_info[:3]))}
    for name in ("research", "pandas", "numpy", "scipy", "statsmodels", "matplotlib", "seaborn",
                 "papermill", "nbconvert", "jupytext"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def write_manifest(ctx: RunContext, entries: dict) -> None:
    from research.core.tables import read_digest
    units = sorted(entries.values(), key=lambda e: (PHASES.index(e["phase"])
                                                    if e["phase"] in PHASES else 99, e["unit"]))
    manifest = {
        "programme": ctx.config.programme_name(ctx.language),
        "config": os.path.relpath(ctx.config.path.resolve(), ctx.reports.resolve()),
        "language": ctx.language,
        "versions": _versions(),
        "processed_tables": read_digest(ctx.processed),
        "inputs": ctx.shared_hashes(),
        "privacy_audit": privacy_audit.summary(privacy_audit.read_audit(ctx.reports)),
        "units": units,
    }
    write_text(ctx.reports / MANIFEST, json.dumps(manifest, indent=2,
                                                  ensure_ascii=False) + "\n")
