"""The API clients of `research fetch`: StatFin PxWeb v1 and v2, THL Sotkanet REST 1.1.

Each client takes the source's `api:` mapping and an `Http` (rate limit, retries) and returns
a `Download` whose bytes `prepare` can read: a JSON-stat 2.0 dataset for PxWeb (the parts of
a split query merged into one), a `municipality_code,year,value` CSV for Sotkanet (its region
ids mapped to municipality codes with `/regions`; the raw responses are kept beside it).
Nothing is written here; every check (unknown table, unknown variable or value, a response
that is not JSON or lacks an asked variable) happens before `fetch` writes.
"""

from __future__ import annotations

import itertools
import json
import math

from research.prepare.fetch import Download, FetchError, Http, parse_json


# --- JSON-stat ---------------------------------------------------------------------------

def _categories(dim: dict) -> list[str]:
    index = dim["category"].get("index")
    if isinstance(index, dict):
        return sorted(index, key=index.get)
    return list(index) if index else list(dim["category"].get("label", {}))


def check_jsonstat(obj, url: str, wanted: list[str]) -> dict:
    """The dataset, or a one-line error when it is not JSON-stat 2 or lacks a variable."""
    if not isinstance(obj, dict) or "dimension" not in obj or "id" not in obj:
        raise FetchError(f"{url}: the response is not a JSON-stat 2.0 dataset")
    have = {i.lower(): i for i in obj["id"]}
    missing = [w for w in wanted if w.lower() not in have]
    if missing:
        raise FetchError(f"{url}: the response lacks variable '{missing[0]}' (it has: "
                         f"{', '.join(obj['id'])})")
    return obj


def merge_jsonstat(parts: list[dict], dim: str) -> dict:
    """One dataset from parts that differ only in the categories of `dim`."""
    if len(parts) == 1:
        return parts[0]
    ids = parts[0]["id"]
    cells, status, cats = {}, {}, []
    for part in parts:
        axes = [_categories(part["dimension"][d]) for d in ids]
        cats += [c for c in axes[ids.index(dim)] if c not in cats]
        values = part["value"]
        st = part.get("status") or {}
        for pos, key in enumerate(itertools.product(*axes)):
            v = values.get(str(pos)) if isinstance(values, dict) else values[pos]
            cells[key] = v
            s = st.get(str(pos)) if isinstance(st, dict) else (st[pos] if st else None)
            if s is not None:
                status[key] = s
    out = json.loads(json.dumps(parts[0]))
    labels = {}
    for part in parts:
        labels.update(part["dimension"][dim]["category"].get("label", {}))
    out["dimension"][dim]["category"] = {"index": {c: i for i, c in enumerate(cats)},
                                         "label": {c: labels.get(c, c) for c in cats}}
    axes = [_categories(out["dimension"][d]) for d in ids]
    out["size"] = [len(a) for a in axes]
    keys = list(itertools.product(*axes))
    out["value"] = [cells.get(k) for k in keys]
    if status:
        out["status"] = {str(i): status[k] for i, k in enumerate(keys) if k in status}
    return out


def split(selection: dict[str, list[str]], sizes: dict[str, int], max_cells: int
          ) -> tuple[str | None, list[dict[str, list[str]]]]:
    """Queries of at most `max_cells` cells: the largest selected variable cut in chunks."""
    cells = math.prod(sizes.values())
    if cells <= max_cells or not selection:
        return None, [selection]
    dim = max(selection, key=lambda k: len(selection[k]))
    rest = cells // max(1, len(selection[dim]))
    per = max(1, max_cells // max(1, rest))
    values = selection[dim]
    return dim, [{**selection, dim: values[i:i + per]} for i in range(0, len(values), per)]


def _check_selection(url: str, variables: dict[str, list[str]], query: dict) -> None:
    for var, values in query.items():
        if var not in variables:
            raise FetchError(f"{url}: the table has no variable '{var}' (its variables: "
                             f"{', '.join(variables)})")
        unknown = [v for v in values if v not in variables[var]]
        if unknown:
            raise FetchError(f"{url}: variable '{var}' has no value '{unknown[0]}'")


# --- PxWeb v1 ----------------------------------------------------------------------------

def pxweb_v1(api: dict, http: Http) -> Download:
    """GET the table's metadata (an unknown table fails here), then POST the query as
    JSON-stat 2, split by data cells; the parts merged."""
    url = api["url"]
    meta = parse_json(http.request("GET", url), url)
    if not isinstance(meta, dict) or "variables" not in meta:
        raise FetchError(f"{url}: not a PxWeb table (no variables in its metadata)")
    variables = {v["code"]: list(v["values"]) for v in meta["variables"]}
    query = {k: [str(x) for x in v] for k, v in (api.get("query") or {}).items()}
    _check_selection(url, variables, query)
    sizes = {k: len(query.get(k, v)) for k, v in variables.items()}
    dim, chunks = split(query, sizes, http.limits.max_cells)
    parts, bodies = [], []
    for chunk in chunks:
        body = {"query": [{"code": k, "selection": {"filter": "item", "values": v}}
                          for k, v in chunk.items()],
                "response": {"format": "json-stat2"}}
        raw = http.request("POST", url, json=body)
        parts.append(check_jsonstat(parse_json(raw, url), url, list(chunk)))
        bodies.append(body)
    data = raw if len(parts) == 1 else json.dumps(merge_jsonstat(parts, dim),
                                                  ensure_ascii=False).encode("utf-8")
    return Download(data, url, bodies, api.get("citation") or meta.get("title", url))


# --- PxWeb v2 ----------------------------------------------------------------------------

def pxweb_v2(api: dict, http: Http) -> Download:
    """GET /config (the limits), the table's metadata, then its data as JSON-stat 2."""
    root = api["url"].rstrip("/")
    lang = {"lang": api.get("language", "fi")}
    config = parse_json(http.request("GET", f"{root}/config"), f"{root}/config")
    if isinstance(config, dict):
        http.limits.calls = int(config.get("maxCallsPerTimeWindow") or http.limits.calls)
        http.limits.window = float(config.get("timeWindow") or http.limits.window)
        http.limits.max_cells = int(config.get("maxDataCells") or http.limits.max_cells)
    table = f"{root}/tables/{api['table']}"
    meta = check_jsonstat(parse_json(http.request("GET", f"{table}/metadata", params=lang),
                                     f"{table}/metadata"), f"{table}/metadata", [])
    variables = {d: _categories(meta["dimension"][d]) for d in meta["id"]}
    query = {k: [str(x) for x in v] for k, v in (api.get("query") or {}).items()}
    _check_selection(f"{table}/metadata", variables, query)
    sizes = {k: len(query.get(k, v)) for k, v in variables.items()}
    dim, chunks = split(query, sizes, http.limits.max_cells)
    parts, bodies, url = [], [], f"{table}/data"
    for chunk in chunks:
        body = {"selection": [{"variableCode": k, "valueCodes": v} for k, v in chunk.items()]}
        raw = http.request("POST", url, json=body, params={**lang, "outputFormat": "json-stat2"})
        parts.append(check_jsonstat(parse_json(raw, url), url, list(chunk)))
        bodies.append(body)
    data = raw if len(parts) == 1 else json.dumps(merge_jsonstat(parts, dim),
                                                  ensure_ascii=False).encode("utf-8")
    return Download(data, url, bodies, api.get("citation") or meta.get("label", api["table"]))


# --- THL Sotkanet ------------------------------------------------------------------------

def sotkanet(api: dict, http: Http) -> Download:
    """`/regions` (Sotkanet's region ids to municipality codes), then the indicator's data
    for the years asked, one request per at most 10 years; a CSV of municipalities."""
    root = api["url"].rstrip("/")
    regions = http.request("GET", f"{root}/regions")
    codes = {r["id"]: str(r["code"]).zfill(3) for r in parse_json(regions, f"{root}/regions")
             if isinstance(r, dict) and r.get("category") == "KUNTA"}
    years = [int(y) for y in api.get("years") or []]
    rows, bodies, raws = [], [], []
    url = f"{root}/json"
    for i in range(0, max(1, len(years)), 10):
        params = {"indicator": api["indicator"], "years": years[i:i + 10],
                  "genders": api.get("gender", "total")}
        raw = http.request("GET", url, params=params)
        data = parse_json(raw, url)
        if not isinstance(data, list):
            raise FetchError(f"{url}: the response is not a list of values")
        for d in data:
            if not {"region", "year", "value"} <= set(d):
                raise FetchError(f"{url}: the response lacks variable 'region', 'year' or "
                                 "'value'")
            if d["region"] in codes:
                rows.append((codes[d["region"]], int(d["year"]), d["value"]))
        bodies.append(params)
        raws.append(raw)
    if not rows:
        raise FetchError(f"{url}: no municipal values for indicator {api['indicator']}")
    text = "municipality_code,year,value\n" + "".join(
        f"{c},{y},{'' if v is None else v}\n" for c, y, v in sorted(rows))
    extra = {".regions.json": regions, **{f".response{i + 1}.json": r for i, r in enumerate(raws)}}
    return Download(text.encode("utf-8"), url, bodies,
                    api.get("citation") or f"Sotkanet, indikaattori {api['indicator']}", extra)


CLIENTS = {"pxweb_v1": pxweb_v1, "pxweb_v2": pxweb_v2, "sotkanet": sotkanet}
