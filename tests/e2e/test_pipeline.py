"""The runner: the matrix of units, an end-to-end run, failures, unchanged reruns, nbval."""

import json
import re
import subprocess
import sys

import pytest

from research.core.config import load_config
from research.core.errors import UserError
from research.run.matrix import build_matrix

from conftest import RAW, ROOT, run_cli


#: an e-mail address, tried only where its local part starts (from every position of a long
#: run of word characters, as in an embedded figure, the search is quadratic)
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+\.[a-z]{2,}")
DATA_URI = re.compile(r"data:image/(svg\+xml|png);base64,([A-Za-z0-9+/=]+)")


def readable(text: str) -> str:
    """A report's text with its embedded images decoded (an SVG's text is text too) and
    the PNG ones left out: what a reader, or a search of the file, can find in it."""
    import base64

    return DATA_URI.sub(lambda m: base64.b64decode(m.group(2)).decode("utf-8")
                        if m.group(1) == "svg+xml" else "", text)


@pytest.fixture(scope="module")
def suupohja():
    return load_config(ROOT / "config" / "suupohja.yml", RAW)


def test_matrix_of_suupohja(suupohja):
    matrix = build_matrix(suupohja)
    keys = [u.key for u in matrix]
    assert len(keys) == 4 + 4 * 5 + 5 + 1
    assert keys[:4] == ["baseline/232", "baseline/846", "baseline/151", "baseline/218"]
    assert "reflection/w3-all" in keys and "evaluation/region" in keys
    assert keys[-1] == "vitality/region"


def test_matrix_filters(suupohja):
    keys = [u.key for u in build_matrix(suupohja, units=["232"])]
    assert keys == ["baseline/232", "reflection/w1-232", "reflection/w2-232",
                    "reflection/w3-232", "reflection/w4-232", "evaluation/232"]
    keys = [u.key for u in build_matrix(suupohja, phases=["evaluation"], units=["region"])]
    assert keys == ["evaluation/region"]


def test_matrix_rejects_unknown_phase_and_unit(suupohja):
    with pytest.raises(UserError) as exc:
        build_matrix(suupohja, phases=["baseilne"])
    assert str(exc.value) == ("unknown phase 'baseilne'; did you mean 'baseline'? "
                              "(phases: baseline, reflection, evaluation, vitality)")
    with pytest.raises(UserError) as exc:
        build_matrix(suupohja, phases=["baseline"], units=["233"])
    assert str(exc.value).startswith("unknown unit '233'; did you mean '232'?")


FAILING = '''# %% tags=["parameters"]
config = ""
unit = ""
processed = ""
raw = ""
language = ""

# %%
raise ValueError("boom in " + unit)
'''


@pytest.mark.slow
@pytest.mark.xdist_group("notebooks")
def test_run_end_to_end(project):
    (project / "notebooks" / "vitality.py").write_text(FAILING, encoding="utf-8")
    # one worker, so that baseline/218 runs in the kernel that just ran baseline/151
    result = run_cli("run", "-p", "baseline", "-p", "vitality", "-u", "151", "-u", "218",
                     "-u", "region", "-j", "1", cwd=project)
    assert result.returncode == 1, result.stderr
    assert "failed vitality/region: cell 3 (raise ValueError(\"boom in \" + unit)): ValueError: boom in region" in result.stderr
    assert "ValueError: boom in region" in result.stderr
    assert "3 reports: 2 ok, 0 unchanged, 1 failed" in result.stdout

    reports = project / "reports"
    manifest = json.loads((reports / "manifest.json").read_text(encoding="utf-8"))
    units = {(u["phase"], u["unit"]): u for u in manifest["units"]}
    ok = units[("baseline", "218")]
    assert ok["status"] == "ok"
    assert ok["html"] == "html/baseline/218.html"
    assert ok["notebook"] == "notebooks/baseline/218.ipynb"
    assert ok["parameters"] == {"config": "../../../config/suupohja.yml", "unit": "218",
                                "processed": "../../../data/processed",
                                "raw": "../../../data/raw", "language": "fi"}
    assert set(ok["inputs"]) == {"notebook", "config", "processed", "package", "template",
                                 "parameters"}
    assert units[("vitality", "region")]["status"] == "failed"
    assert units[("vitality", "region")]["html"] is None

    html = (reports / ok["html"]).read_text(encoding="utf-8")
    assert "<title>Nykytilan kartoitus: Karijoki</title>" in html
    assert 'class="jp-InputArea' not in html and 'class="jp-InputPrompt' not in html
    assert "raise ValueError" not in html and "report.setup" not in html
    assert not re.search(r"<script[^>]+src=", html)
    assert "Väestön kehitys" in html
    assert "Suupohja" in html and "Tilastokeskus" in html
    assert len(html.encode()) < 3_000_000
    # privacy: no respondent e-mail, pseudonym or any e-mail address in reports or notebooks
    from research.report.survey_report import pseudonyms
    from research.demo.synthetic import demo_identifiers
    secrets = demo_identifiers() + pseudonyms(project / "data" / "processed")
    assert len(secrets) > 300
    for path in [*reports.rglob("*.html"), *reports.rglob("*.ipynb")]:
        text = readable(path.read_text(encoding="utf-8")).lower()
        assert not [s for s in secrets if s in text], path
        assert not EMAIL.search(text), path
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert 'href="html/baseline/218.html"' in index
    assert not list(reports.rglob(".*.tmp*"))

    # a second run with nothing changed skips the finished unit and retries the failed one
    (project / "notebooks" / "vitality.py").write_text(
        (ROOT / "notebooks" / "vitality.py").read_text(encoding="utf-8"), encoding="utf-8")
    again = run_cli("run", "-p", "baseline", "-u", "218", cwd=project)
    assert again.returncode == 0, again.stderr
    assert "1 reports: 0 ok, 1 unchanged, 0 failed" in again.stdout
    executed = json.loads((reports / ok["notebook"]).read_text(encoding="utf-8"))
    counts = [c.get("execution_count") for c in executed["cells"] if c["cell_type"] == "code"]
    assert counts[:3] == [1, 2, 3]
    streams = [o for c in executed["cells"] for o in c.get("outputs", [])
               if o["output_type"] == "stream"]
    assert streams == []

    # the reviewer's strict nbval rerun of the executed notebook passes
    review = subprocess.run([sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env",
                             "-p", "no:cacheprovider", "-q", "--nbval-sanitize-with",
                             str(project / "templates" / "nbval_sanitize.cfg"),
                             str(reports / ok["notebook"])],
                            cwd=project, capture_output=True, text=True, timeout=600)
    assert review.returncode == 0, review.stdout
    assert re.search(r"\d+ passed", review.stdout)


@pytest.mark.slow
@pytest.mark.xdist_group("notebooks")
def test_killed_run_leaves_no_truncated_report_and_next_run_finishes(project):
    import os
    import signal
    import time

    cmd = [sys.executable, "-m", "research.cli", "run", "-p", "baseline", "-j", "1"]
    proc = subprocess.Popen(cmd, cwd=project, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    manifest = project / "reports" / "manifest.json"
    deadline = time.time() + 300
    while time.time() < deadline:
        if manifest.exists() and '"status": "ok"' in manifest.read_text(encoding="utf-8"):
            break
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = json.loads(manifest.read_text(encoding="utf-8"))["units"]
    finished = [u["unit"] for u in done if u["status"] == "ok"]
    assert 1 <= len(finished) < 4
    for html in (project / "reports" / "html").rglob("*.html"):
        assert html.read_text(encoding="utf-8").rstrip().endswith("</html>")
    result = run_cli("run", "-p", "baseline", "-j", "2", cwd=project)
    assert result.returncode == 0, result.stderr
    assert (f"4 reports: {4 - len(finished)} ok, {len(finished)} unchanged, 0 failed"
            in result.stdout)
    assert not list((project / "reports").rglob(".*.tmp*"))


@pytest.mark.slow
@pytest.mark.xdist_group("notebooks")
def test_english_reports_on_request(project):
    result = run_cli("run", "-p", "baseline", "-u", "151", "--language", "en",
                     "--reports", "reports-en", cwd=project)
    assert result.returncode == 0, result.stderr
    html = (project / "reports-en" / "html" / "baseline" / "151.html").read_text("utf-8")
    assert "<title>Baseline assessment: Isojoki</title>" in html
    assert '<html lang="en">' in html
    assert "Population development" in html and "Väestön kehitys" not in html
    index = (project / "reports-en" / "index.html").read_text("utf-8")
    assert "Reports: Suupohja municipalities&#x27; development programme" in index


@pytest.mark.slow
@pytest.mark.xdist_group("notebooks")
def test_another_region_from_new_region_runs_end_to_end(project):
    made = run_cli("new-region", "--subregion", "146", "--out", "config/jarviseutu.yml",
                   cwd=project)
    assert made.returncode == 0, made.stderr
    result = run_cli("run", "--config", "config/jarviseutu.yml", "-p", "vitality", "-p",
                     "baseline", "-u", "region", "-u", "005", "--reports", "reports-146",
                     cwd=project)
    assert result.returncode == 0, result.stderr
    assert "2 reports: 2 ok, 0 unchanged, 0 failed" in result.stdout
    html = (project / "reports-146" / "html" / "vitality" / "region.html").read_text("utf-8")
    assert "<title>Elinvoimamittaristo: Järviseutu</title>" in html
    baseline = (project / "reports-146" / "html" / "baseline" / "005.html").read_text("utf-8")
    assert "<title>Nykytilan kartoitus: Alajärvi</title>" in baseline
    assert (project / "reports-146" / "vitality" / "vitality_index.xlsx").exists()


def test_reports_of_two_configs_are_not_mixed_in_one_folder(project):
    reports = project / "reports"
    reports.mkdir()
    (reports / "manifest.json").write_text('{"config": "../config/suupohja.yml", "units": []}',
                                           encoding="utf-8")
    assert run_cli("new-region", "--subregion", "146", "--out", "config/jarviseutu.yml",
                   cwd=project).returncode == 0
    result = run_cli("run", "--config", "config/jarviseutu.yml", cwd=project)
    assert result.returncode == 2
    assert ("error: reports: this folder holds the reports of ../config/suupohja.yml; give the "
            "reports of config/jarviseutu.yml a folder of their own with --reports (or empty "
            "this one with `make clean`)") in result.stderr
    assert "Traceback" not in result.stderr
