"""`research fetch` against a real local HTTP server (pytest-httpserver) that replays the
recorded API responses in tests/fixtures/api (see its README for what is recorded and what
the tests build)."""

from __future__ import annotations

import ast
import hashlib
import itertools
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from werkzeug import Response

from research.core.tables import read_table
from research.geo.classification import Classifier
from research.prepare.catalogue import build
from research.prepare.fetch import FetchError, Http, Limits, fetch
from research.prepare.fetch_clients import merge_jsonstat
from research.prepare.pxweb import read_text_table
from research.prepare.steps import TARGET_YEAR

ROOT = Path(__file__).resolve().parents[3]
RAW = ROOT / "data" / "raw"
API = ROOT / "tests" / "fixtures" / "api"
V1_PATH = "/PXWeb/api/v1/fi/StatFin/vaerak/statfin_vaerak_pxt_11rd.px"
V1_BODY = (API / "pxweb_v1_statfin_response_fi_jsonstat2.json").read_bytes()
V1_QUERY = json.loads((API / "pxweb_v1_statfin_query_fi.json").read_text(encoding="utf-8"))
S5_BODY = (API / "pxweb_v2_statfin_11s5_kunnat_2024M12_jsonstat2_en.json").read_bytes()


class Clock:
    """A fake clock for the rate limiter: sleeping advances it."""

    def __init__(self):
        self.now, self.slept = 0.0, []

    def sleep(self, seconds):
        self.slept.append(round(seconds, 6))
        self.now += seconds

    def __call__(self):
        return self.now


def http(**limits) -> tuple[Http, Clock]:
    clock = Clock()
    return Http(limits=Limits(**{"timeout": 5, "backoff": 1.0, **limits}), sleep=clock.sleep,
                clock=clock), clock


def v1_metadata(dataset: dict) -> dict:
    """The v1 table metadata (GET of the table URL), built from the response's dimensions."""
    return {"title": dataset["label"], "variables": [
        {"code": d, "text": dataset["dimension"][d]["label"],
         "values": list(dataset["dimension"][d]["category"]["index"]),
         "valueTexts": list(dataset["dimension"][d]["category"]["label"].values())}
        for d in dataset["id"]]}


def raw_with(tmp_path: Path, sources: str) -> Path:
    """A raw folder: the bundled classification and a catalogue of the given sources."""
    raw = tmp_path / "raw"
    (raw / "statfin").mkdir(parents=True)
    (raw / "classification").symlink_to(RAW / "classification")
    shutil.copy(RAW / "statfin" / "area_names.yml", raw / "statfin")
    (raw / "statfin" / "indicator_catalogue.yml").write_text(
        "sources:\n" + sources + "indicators:\n"
        "  - {id: population, name: {fi: V, en: P}, unit: {fi: a, en: i}, theme: population,\n"
        "     direction: 1, kind: count, source: [{source: pop, column: value}]}\n",
        encoding="utf-8")
    return raw


def v1_source(server, query=None) -> str:
    query = query or {"Vuosi": ["2020", "2021", "2022"], "Sukupuoli": ["SSS", "1", "2"],
                      "Ikä": ["20-24", "25-29", "30-34", "35-39", "40-44", "45-49", "50-54",
                              "55-59", "60-64", "65-69"]}
    return ("  pop:\n    file: fetched/11rd.json\n    area: Sukupuoli\n    year: Vuosi\n"
            "    api:\n      service: pxweb_v1\n"
            f"      url: {server.url_for(V1_PATH)}\n"
            f"      query: {json.dumps(query, ensure_ascii=False)}\n"
            "      citation: Väestö 31.12. iän ja sukupuolen mukaan (11rd)\n")


def written(raw: Path) -> list[str]:
    return sorted(str(p.relative_to(raw)) for p in (raw / "statfin").rglob("*")
                  if p.is_file() and p.name != "area_names.yml"
                  and p.name != "indicator_catalogue.yml")


# --- PxWeb v1 -----------------------------------------------------------------------------

def test_v1_post_replays_the_recorded_query_and_writes_response_with_provenance(
        tmp_path, httpserver):
    dataset = json.loads(V1_BODY)
    httpserver.expect_request(V1_PATH, method="GET").respond_with_json(v1_metadata(dataset))
    httpserver.expect_request(V1_PATH, method="POST", json=V1_QUERY).respond_with_data(
        V1_BODY, content_type="application/json")
    raw = raw_with(tmp_path, v1_source(httpserver))
    client, _ = http()
    fetch(raw, http=client)
    out = raw / "statfin" / "fetched" / "11rd.json"
    assert out.read_bytes() == V1_BODY
    prov = json.loads((out.parent / "11rd.json.provenance.json").read_text(encoding="utf-8"))
    assert prov["url"] == httpserver.url_for(V1_PATH)
    assert prov["query"] == V1_QUERY
    assert prov["sha256"] == hashlib.sha256(V1_BODY).hexdigest()
    assert prov["citation"] == "Lähde: Tilastokeskus, Väestö 31.12. iän ja sukupuolen mukaan (11rd)"
    assert prov["licence"] == "CC BY 4.0"
    assert prov["retrieved"].endswith("+00:00")
    assert len(read_text_table(out)) == 90


def _slice(dataset: dict, query: dict) -> dict:
    """The server side of a split query: the recorded dataset cut to the posted selection."""
    ids = dataset["id"]
    axes = [list(dataset["dimension"][d]["category"]["index"]) for d in ids]
    keep = [[c for c in ax if d not in query or c in query[d]] for d, ax in zip(ids, axes)]
    cells = dict(zip(itertools.product(*axes), dataset["value"]))
    out = json.loads(json.dumps(dataset))
    for d, k in zip(ids, keep):
        cat = out["dimension"][d]["category"]
        cat["index"] = {c: i for i, c in enumerate(k)}
        cat["label"] = {c: cat["label"][c] for c in k}
    out["size"] = [len(k) for k in keep]
    out["value"] = [cells[key] for key in itertools.product(*keep)]
    return out


def test_large_query_split_by_data_cells_and_merged(tmp_path, httpserver):
    dataset = json.loads(V1_BODY)
    posted = []

    def handler(request):
        query = {q["code"]: q["selection"]["values"] for q in request.get_json()["query"]}
        posted.append(query)
        return Response(json.dumps(_slice(dataset, query)), content_type="application/json")

    httpserver.expect_request(V1_PATH, method="GET").respond_with_json(v1_metadata(dataset))
    httpserver.expect_request(V1_PATH, method="POST").respond_with_handler(handler)
    raw = raw_with(tmp_path, v1_source(httpserver))
    client, _ = http(max_cells=20)  # 90 cells: the 10 age groups in chunks of 2
    fetch(raw, http=client)
    assert [len(q["Ikä"]) for q in posted] == [2, 2, 2, 2, 2]
    merged = read_text_table(raw / "statfin" / "fetched" / "11rd.json", naming="id")
    whole = read_text_table(API / "pxweb_v1_statfin_response_fi_jsonstat2.json", naming="id")
    key = ["Vuosi", "Sukupuoli", "Ikä"]
    pd.testing.assert_frame_equal(merged.sort_values(key).reset_index(drop=True)[[*key, "value"]],
                                  whole.sort_values(key).reset_index(drop=True)[[*key, "value"]])
    assert merge_jsonstat([dataset], "Ikä") is dataset


# --- PxWeb v2: StatFin 11s5 through prepare ---------------------------------------------------

def test_v2_11s5_through_prepare_gives_the_bundled_values(tmp_path, httpserver, processed):
    """The recorded 11s5 response, fetched from the local server, read by the catalogue: the
    same population as the bundled file gives (whole country 31.12.2024: 5 635 971)."""
    dataset = json.loads(S5_BODY)
    meta = {k: v for k, v in dataset.items() if k != "value"}
    config = {"apiVersion": "2.0.0", "maxDataCells": 100000, "maxCallsPerTimeWindow": 30,
              "timeWindow": 10}
    httpserver.expect_request("/api/v2/config").respond_with_json(config)
    httpserver.expect_request("/api/v2/tables/statfin_vaerak_pxt_11s5/metadata",
                              query_string={"lang": "en"}).respond_with_json(meta)
    httpserver.expect_request(
        "/api/v2/tables/statfin_vaerak_pxt_11s5/data", method="POST",
        json={"selection": [{"variableCode": "kuukausi", "valueCodes": ["2024M12"]}]},
    ).respond_with_data(S5_BODY, content_type="application/json")
    src = ("  pop:\n    file: fetched/11s5.json\n    area: alue\n    year: kuukausi\n"
           "    naming: id\n    api:\n      service: pxweb_v2\n"
           f"      url: {httpserver.url_for('/api/v2')}\n      table: statfin_vaerak_pxt_11s5\n"
           "      language: en\n      query: {kuukausi: ['2024M12']}\n")
    raw = raw_with(tmp_path, src)
    client, _ = http()
    fetch(raw, http=client)
    tables = build(raw, Classifier.from_raw(raw, TARGET_YEAR))
    got = tables["indicators"].set_index("municipality_code")["value"]
    assert got.sum() == 5635971 and len(got) == 308
    assert got["232"] == 12518
    bundled = read_table(processed, "indicators")
    b = bundled[(bundled["indicator"] == "population") & (bundled["year"] == 2024)]
    assert b.set_index("municipality_code")["value"].sort_index().equals(got.sort_index())


def test_v2_limits_come_from_config(tmp_path, httpserver):
    """Statistics Sweden's recorded /config says 3 calls per 1 s and 150 000 cells."""
    for name, path in (("config", "/api/v2/config"),
                       ("TAB6471_metadata", "/api/v2/tables/TAB6471/metadata")):
        httpserver.expect_request(path).respond_with_data(
            (API / f"pxweb_v2_scb_{name}.json").read_bytes(), content_type="application/json")
    httpserver.expect_request("/api/v2/tables/TAB6471/data", method="POST").respond_with_data(
        (API / "pxweb_v2_scb_TAB6471_data.json").read_bytes(), content_type="application/json")
    src = ("  pop:\n    file: fetched/scb.json\n    area: Region\n    year: Tid\n"
           "    api: {service: pxweb_v2, url: '" + httpserver.url_for("/api/v2") +
           "', table: TAB6471, language: en, query: {Tid: ['2025M01']}}\n")
    raw = raw_with(tmp_path, src)
    client, clock = http()
    fetch(raw, http=client)
    assert (client.limits.calls, client.limits.window, client.limits.max_cells) == (3, 1.0,
                                                                                  150000)
    assert clock.slept == []  # three calls fit in the window; a fourth waits for it to pass
    client.request("GET", httpserver.url_for("/api/v2/config"))
    assert clock.slept == [1.0]
    assert (raw / "statfin" / "fetched" / "scb.json").read_bytes() == (
        API / "pxweb_v2_scb_TAB6471_data.json").read_bytes()


def test_rate_limit_30_requests_per_10_seconds(httpserver):
    httpserver.expect_request("/x").respond_with_data("{}")
    client, clock = http()
    for _ in range(31):
        client.request("GET", httpserver.url_for("/x"))
    assert clock.slept == [10.0]


# --- THL Sotkanet ---------------------------------------------------------------------------

def test_sotkanet_regions_mapped_to_municipality_codes(tmp_path, httpserver):
    regions = [{"id": 52, "code": "232", "category": "KUNTA", "title": {"fi": "Kauhajoki"}},
               {"id": 53, "code": "846", "category": "KUNTA", "title": {"fi": "Teuva"}},
               {"id": 900, "code": "141", "category": "SEUTUKUNTA", "title": {"fi": "Suupohja"}}]
    data = [{"indicator": 493, "region": 52, "year": 2021, "gender": "total", "value": 3.1},
            {"indicator": 493, "region": 53, "year": 2021, "gender": "total", "value": 2.4},
            {"indicator": 493, "region": 900, "year": 2021, "gender": "total", "value": 2.9}]
    httpserver.expect_request("/rest/1.1/regions").respond_with_json(regions)
    httpserver.expect_request("/rest/1.1/json", query_string="indicator=493&years=2021&"
                              "genders=total").respond_with_json(data)
    src = ("  pop:\n    file: fetched/sotkanet_493.csv\n    area: municipality_code\n"
           "    year: year\n    api: {service: sotkanet, url: '" +
           httpserver.url_for("/rest/1.1") + "', indicator: 493, years: [2021]}\n")
    raw = raw_with(tmp_path, src)
    client, _ = http()
    fetch(raw, http=client)
    out = raw / "statfin" / "fetched" / "sotkanet_493.csv"
    assert out.read_text(encoding="utf-8") == ("municipality_code,year,value\n232,2021,3.1\n"
                                               "846,2021,2.4\n")
    prov = json.loads(out.with_name(out.name + ".provenance.json").read_text(encoding="utf-8"))
    assert prov["citation"] == "Lähde: THL, Sotkanet, indikaattori 493"
    assert json.loads(out.with_name(out.name + ".regions.json").read_text()) == regions


# --- bad responses: clear errors, nothing written ------------------------------------------

def _fails(tmp_path, httpserver, respond, query=None, **limits) -> str:
    dataset = json.loads(V1_BODY)
    httpserver.expect_request(V1_PATH, method="GET").respond_with_json(v1_metadata(dataset))
    respond(httpserver.expect_request(V1_PATH, method="POST"))
    raw = raw_with(tmp_path, v1_source(httpserver, query))
    client, clock = http(**limits)
    with pytest.raises(FetchError) as exc:
        fetch(raw, http=client)
    assert written(raw) == []
    return str(exc.value).replace(httpserver.url_for(V1_PATH), "URL"), clock


@pytest.mark.parametrize("status, reason", [(400, "BAD REQUEST"), (429, "TOO MANY REQUESTS"),
                                            (503, "SERVICE UNAVAILABLE")])
def test_http_errors(tmp_path, httpserver, status, reason):
    message, clock = _fails(tmp_path, httpserver, lambda r: r.respond_with_data(
        "Bad query", status=status), retries=2)
    assert message == f"POST URL: HTTP {status} {reason}: Bad query"
    assert clock.slept == ([] if status == 400 else [1.0, 2.0])  # backoff, then give up


def test_retry_after_429_then_success(tmp_path, httpserver):
    dataset = json.loads(V1_BODY)
    httpserver.expect_ordered_request(V1_PATH, method="GET").respond_with_json(
        v1_metadata(dataset))
    httpserver.expect_ordered_request(V1_PATH, method="POST").respond_with_data(
        "", status=429, headers={"Retry-After": "7"})
    httpserver.expect_ordered_request(V1_PATH, method="POST").respond_with_data(V1_BODY)
    raw = raw_with(tmp_path, v1_source(httpserver))
    client, clock = http()
    fetch(raw, http=client)
    assert clock.slept == [7.0]
    assert (raw / "statfin" / "fetched" / "11rd.json").read_bytes() == V1_BODY


def test_truncated_json(tmp_path, httpserver):
    message, _ = _fails(tmp_path, httpserver, lambda r: r.respond_with_data(V1_BODY[:700]))
    assert message.startswith("URL: the response is not valid JSON (truncated or not JSON: ")


def test_table_without_the_asked_variable(tmp_path, httpserver):
    message, _ = _fails(tmp_path, httpserver, lambda r: r.respond_with_data(V1_BODY),
                        query={"Alue": ["SSS"]})
    assert message == ("URL: the table has no variable 'Alue' (its variables: Vuosi, "
                       "Sukupuoli, Ikä, Tiedot)")


def test_response_without_the_asked_variable(tmp_path, httpserver):
    dataset = json.loads(V1_BODY)
    dataset["id"] = ["Vuosi", "Ikä", "Tiedot"]
    message, _ = _fails(tmp_path, httpserver, lambda r: r.respond_with_json(dataset))
    assert message == ("URL: the response lacks variable 'Sukupuoli' (it has: Vuosi, Ikä, "
                       "Tiedot)")


def test_unknown_table(tmp_path, httpserver):
    httpserver.expect_request(V1_PATH, method="GET").respond_with_data("", status=404)
    raw = raw_with(tmp_path, v1_source(httpserver))
    client, _ = http()
    with pytest.raises(FetchError) as exc:
        fetch(raw, http=client)
    assert str(exc.value) == f"GET {httpserver.url_for(V1_PATH)}: HTTP 404 NOT FOUND"
    assert written(raw) == []


def test_timeout(tmp_path, httpserver):
    import time

    def slow(request):
        time.sleep(1.0)
        return Response("{}")

    httpserver.expect_request(V1_PATH, method="GET").respond_with_handler(slow)
    raw = raw_with(tmp_path, v1_source(httpserver))
    client, _ = http(timeout=0.2, retries=0)
    with pytest.raises(FetchError) as exc:
        fetch(raw, http=client)
    assert str(exc.value) == f"GET {httpserver.url_for(V1_PATH)}: no answer within 0.2 s (1 tries)"
    assert written(raw) == []


def test_cli_error_is_one_line_and_exit_2(tmp_path, httpserver):
    from conftest import run_cli
    httpserver.expect_request(V1_PATH, method="GET").respond_with_data("", status=404)
    raw = raw_with(tmp_path, v1_source(httpserver))
    res = run_cli("fetch", "--raw", str(raw), "--retries", "0", cwd=tmp_path)
    assert res.returncode == 2
    assert res.stderr.strip().splitlines() == [
        f"error: GET {httpserver.url_for(V1_PATH)}: HTTP 404 NOT FOUND"]
    help_text = run_cli("fetch", "--help", cwd=tmp_path).stdout
    assert "PxWeb v1/v2, THL" in help_text and "CC BY 4.0" in help_text


# --- reports never go online -----------------------------------------------------------------

def test_only_fetch_imports_the_http_client():
    """`make reports` (prepare and run) never goes online: no module but fetch imports
    requests or the fetch modules (the CLI imports them inside its fetch command only)."""
    src = ROOT / "src" / "research"
    allowed = {"prepare/fetch.py", "prepare/fetch_clients.py", "cli.py"}
    for path in src.rglob("*.py"):
        rel = str(path.relative_to(src))
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
        online = {n for n in names if n.split(".")[0] in ("requests", "httpx", "urllib3")
                  or n.startswith("research.prepare.fetch")}
        assert not online or rel in allowed, (rel, online)
