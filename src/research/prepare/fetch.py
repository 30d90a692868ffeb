"""`research fetch`: download the catalogue's API sources into `data/raw/` with provenance.

A source in `data/raw/statfin/indicator_catalogue.yml` may declare an `api:` beside its
`file:` (the path the response is written to, under `data/raw/statfin/`):

    api:
      service: pxweb_v1            # pxweb_v1 (POST, JSON-stat 2) | pxweb_v2 | sotkanet
      url: https://pxdata.stat.fi/PXWeb/api/v1/fi/StatFin/muutl/statfin_muutl_pxt_11ae.px
      query: {Vuosi: ["2021", "2022"], Tiedot: [vaesto, vm43_netto]}   # codes per variable
      citation: "Väestönmuutokset ja väkiluku alueittain (11ae)"

(`pxweb_v2`: `url` is the API root, e.g. https://pxdata.stat.fi/api/v2, and `table` the table
id; `sotkanet`: `url` is https://sotkanet.fi/rest/1.1, `indicator` and `years`.)

Only `research fetch` goes online; `prepare` and `run` read what is on disk, and a source whose
API file has not been fetched yet is skipped by `prepare`. Each download is validated (JSON,
JSON-stat with the asked variables) before anything is written; the data file and its
provenance file (`<file>.provenance.json`: URL, query, retrieval time, SHA-256, citation
"Lähde: Tilastokeskus, <taulukko>", licence CC BY 4.0) are then written atomically, so a failed
fetch leaves `data/raw/` as it was. Requests keep to the service's limit (PxWeb: 30 per 10 s,
or what a v2 `/config` says), large queries are split by data-cell count and the parts merged,
and failures of the network or of the server (timeouts, 429, 5xx) are retried with backoff.
Errors are one line (`FetchError`, a `UserError`).

Client: `requests` (pinned in pyproject.toml). `pxwebpy` was evaluated: it speaks only the
PxWeb v2 API (it refuses servers below 2.0.0, so StatFin's v1 POST queries are out), returns
parsed tables rather than the response bytes this module must store and hash for provenance,
and has no Sotkanet client; its rate limiting from `/config` and its splitting by
`maxDataCells` are followed here.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from research.core.atomic import write_with
from research.core.errors import UserError

LICENCE = "CC BY 4.0"
PUBLISHERS = {"pxweb_v1": "Tilastokeskus", "pxweb_v2": "Tilastokeskus", "sotkanet": "THL"}
RETRY_STATUS = (429, 500, 502, 503, 504)


class FetchError(UserError):
    """A download that failed: one line naming the URL and what went wrong."""


@dataclass
class Limits:
    """The service's limits and the client's patience."""

    calls: int = 30                # requests per window (StatFin PxWeb: 30 per 10 s)
    window: float = 10.0
    max_cells: int = 100_000       # data cells per PxWeb query
    timeout: float = 30.0
    retries: int = 3
    backoff: float = 1.0           # seconds, doubled on each retry


@dataclass
class Http:
    """A rate-limited, retrying HTTP client (requests underneath); `sleep` and `clock` can
    be replaced in tests."""

    limits: Limits = field(default_factory=Limits)
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    calls: deque = field(default_factory=deque)
    log: list = field(default_factory=list)

    def __post_init__(self):
        import requests
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "research-kit (research fetch)"

    def _wait(self) -> None:
        now = self.clock()
        while self.calls and now - self.calls[0] >= self.limits.window:
            self.calls.popleft()
        if len(self.calls) >= self.limits.calls:
            self.sleep(self.limits.window - (now - self.calls[0]))
            self.calls.popleft()
        self.calls.append(self.clock())

    def request(self, method: str, url: str, **kwargs) -> bytes:
        """The response body; retried on timeouts, connection errors, 429 and 5xx."""
        import requests
        delay = self.limits.backoff
        for attempt in range(self.limits.retries + 1):
            self._wait()
            last = attempt == self.limits.retries
            try:
                resp = self.session.request(method, url, timeout=self.limits.timeout, **kwargs)
            except requests.Timeout:
                if last:
                    raise FetchError(f"{method} {url}: no answer within "
                                     f"{self.limits.timeout:g} s ({attempt + 1} tries)") from None
            except requests.RequestException as exc:
                if last:
                    raise FetchError(f"{method} {url}: {type(exc).__name__}: "
                                     f"{str(exc).splitlines()[0][:200]}") from None
            else:
                self.log.append((method, url, resp.status_code))
                if resp.status_code < 400:
                    return resp.content
                if resp.status_code not in RETRY_STATUS or last:
                    body = " ".join(resp.text.split())[:200]
                    raise FetchError(f"{method} {url}: HTTP {resp.status_code} {resp.reason}"
                                     + (f": {body}" if body else ""))
                retry_after = resp.headers.get("Retry-After", "")
                if retry_after.isdigit():
                    delay = max(delay, float(retry_after))
            self.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")


def parse_json(body: bytes, url: str):
    try:
        return json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FetchError(f"{url}: the response is not valid JSON (truncated or not JSON: "
                         f"{exc.msg if hasattr(exc, 'msg') else exc})") from None


@dataclass
class Download:
    """What a client returns: the bytes to write, the requests made, the citation."""

    body: bytes
    url: str
    queries: list
    citation: str
    extra: dict = field(default_factory=dict)   # other files to write beside: name -> bytes


def provenance(download: Download, service: str, retrieved: str) -> dict:
    publisher = PUBLISHERS.get(service, service)
    return {
        "url": download.url,
        "service": service,
        "query": download.queries if len(download.queries) != 1 else download.queries[0],
        "retrieved": retrieved,
        "sha256": hashlib.sha256(download.body).hexdigest(),
        "bytes": len(download.body),
        "citation": f"Lähde: {publisher}, {download.citation}",
        "licence": LICENCE,
    }


def api_sources(catalogue: dict, names: list[str] | None = None) -> dict[str, dict]:
    """The catalogue's sources that declare an `api`, optionally only `names`."""
    apis = {n: s for n, s in catalogue["sources"].items() if s.get("api")}
    unknown = sorted(set(names or []) - set(apis))
    if unknown:
        raise UserError(f"source '{unknown[0]}' declares no api (sources with an api: "
                        f"{', '.join(sorted(apis)) or 'none'})", file=catalogue["path"])
    return {n: apis[n] for n in (names or apis)}


def fetch_source(name: str, spec: dict, raw: Path, http: Http) -> list[Path]:
    """Download one source and write it (and its provenance) under `raw/statfin/`."""
    from research.prepare import fetch_clients

    api = spec["api"]
    client = fetch_clients.CLIENTS.get(api.get("service"))
    if client is None:
        raise UserError(f"source '{name}': api service must be one of "
                        f"{', '.join(fetch_clients.CLIENTS)}, not {api.get('service')!r}")
    download = client(api, http)
    retrieved = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    target = raw / "statfin" / (spec["file"] if isinstance(spec["file"], str) else spec["file"][0])
    target.parent.mkdir(parents=True, exist_ok=True)
    written = [write_with(target, lambda p: Path(p).write_bytes(download.body))]
    for suffix, body in download.extra.items():
        side = target.with_name(target.name + suffix)
        written.append(write_with(side, lambda p, b=body: Path(p).write_bytes(b)))
    prov = json.dumps(provenance(download, api["service"], retrieved), ensure_ascii=False,
                      indent=2) + "\n"
    side = target.with_name(target.name + ".provenance.json")
    written.append(write_with(side, lambda p: Path(p).write_text(prov, encoding="utf-8")))
    return written


def fetch(raw: str | Path = "data/raw", names: list[str] | None = None,
          http: Http | None = None) -> list[Path]:
    """`research fetch`: every api source of the catalogue (or `names`), one after another;
    the first failure stops with a one-line error (sources fetched before it are kept)."""
    from research.prepare.catalogue import load_catalogue

    raw = Path(raw)
    catalogue = load_catalogue(raw)
    http = http or Http()
    written: list[Path] = []
    for name, spec in api_sources(catalogue, names).items():
        written += fetch_source(name, spec, raw, http)
    return written
