"""The attacker in the runner: side files, `research audit-privacy`, a unit that would reveal
a cell fails with the table and cell named while the others go on; the comparison set."""

import json

import pandas as pd
from typer.testing import CliRunner

from research.report import published
from research.run import privacy_audit
from research.stats import suppression
from conftest import W2, old_rule, table_cells

INPUTS = {"threshold": 5, "municipalities": ["232", "846", "151", "218"], "workshops": ["w2"],
          "respondents": "x"}


def side(reports, phase, unit, cells):
    path = published.side_file(privacy_audit.folder_of(reports), phase, unit)
    path.parent.mkdir(parents=True, exist_ok=True)
    records = json.loads(cells.assign(value=cells["value"].where(~cells["hidden"])).to_json(
        orient="records"))
    path.write_text(json.dumps({"phase": phase, "unit": unit,
                                "tables": {"reflection/w2:role": records}}), encoding="utf-8")
    return path


def planted_run(tmp_path):
    published.write_plan(privacy_audit.folder_of(tmp_path), INPUTS, pd.DataFrame())
    side(tmp_path, "reflection", "w2-232", table_cells(W2, old_rule))
    safe = table_cells({("232", "elected"): 5, ("232", "office_holder"): 6,
                        ("846", "elected"): 6, ("846", "office_holder"): 7}, lambda c, r: True,
                       population="reflection/w3")
    path = published.side_file(privacy_audit.folder_of(tmp_path), "reflection", "w3-232")
    records = json.loads(safe.to_json(orient="records"))
    path.write_text(json.dumps({"phase": "reflection", "unit": "w3-232",
                                "tables": {"reflection/w3:role": records}}), encoding="utf-8")


def test_audit_names_the_table_and_the_cell_of_the_planted_hole(tmp_path):
    planted_run(tmp_path)
    result = privacy_audit.audit(privacy_audit.folder_of(tmp_path), 5)
    assert result["status"] == "failed"
    cells = {p["cell"]: p for p in result["problems"]}
    hole = cells["municipality_code=232, role=business"]
    assert (hole["low"], hole["high"]) == (1, 1)
    assert privacy_audit.message(hole, 5) == (
        "privacy audit: table 'role' of reflection/w2, cell municipality_code=232, "
        "role=business: hidden cell lies in 1..1 (threshold 5; published by "
        "reflection/w2-232)")
    # the planted table prints the programme's 2 business people and 4 experts: found too
    assert sorted(p["cell"] for p in result["problems"]
                  if p["problem"].startswith("shows a group")) == ["role=business", "role=expert"]


def test_a_revealing_unit_fails_and_the_others_go_on(tmp_path):
    planted_run(tmp_path)
    for unit in ("w2-232", "w3-232"):
        (tmp_path / f"{unit}.ipynb").write_text("{}", encoding="utf-8")
    ok = privacy_audit.gate(tmp_path, "reflection", "w3-232", tmp_path / "w3-232.ipynb")
    assert ok == {"privacy_audit": {"status": "passed", "method": "attack", "threshold": 5, "tables": 1,
                                    "cells": 25, "hidden_cells": 0, "merged_categories": 0,
                                    "problems": 0}}
    bad = privacy_audit.gate(tmp_path, "reflection", "w2-232", tmp_path / "w2-232.ipynb")
    assert bad["status"] == "failed" and bad["html"] is None
    assert bad["error"].startswith("privacy audit: table 'role' of reflection/w2, cell ")
    assert (tmp_path / "failed" / "reflection" / "w2-232.ipynb").exists()
    # nothing of the failed unit stays published
    assert not published.side_file(privacy_audit.folder_of(tmp_path), "reflection",
                                   "w2-232").exists()
    assert privacy_audit.audit(privacy_audit.folder_of(tmp_path), 5)["status"] == "passed"


def test_cli_audit_privacy_reports_and_fails(tmp_path):
    from research.cli import app
    planted_run(tmp_path)
    result = CliRunner().invoke(app, ["audit-privacy", "--reports", str(tmp_path)])
    assert result.exit_code == 1
    assert "cell municipality_code=232, role=expert: hidden cell lies in 1..1" in result.output
    assert json.loads((tmp_path / "privacy" / "audit.json").read_text())["status"] == "failed"


def test_finish_keeps_the_audit_of_an_unchanged_run_and_redoes_a_changed_one(tmp_path,
                                                                               monkeypatch):
    planted_run(tmp_path)
    first = privacy_audit.finish(tmp_path)
    assert first["status"] == "failed" and len(first["inputs"]) == 64

    def attacked(*args, **kwargs):
        raise AssertionError("the audit of an unchanged run was done again")
    real_audit = privacy_audit.audit
    monkeypatch.setattr(privacy_audit, "audit", attacked)
    assert privacy_audit.finish(tmp_path) == first
    # the revealing unit withdrawn: a new side-file set, so a new audit, which passes
    published.side_file(privacy_audit.folder_of(tmp_path), "reflection", "w2-232").unlink()
    monkeypatch.setattr(privacy_audit, "audit", real_audit)
    again = privacy_audit.finish(tmp_path)
    assert again["status"] == "passed" and again["inputs"] != first["inputs"]
    assert json.loads((tmp_path / "privacy" / "audit.json").read_text()) == again


def test_plan_of_a_protected_table_passes_the_cli(tmp_path):
    from research.cli import app
    micro = pd.DataFrame([{"municipality_code": c, "role": r, "organisation": None,
                           "wave": "w2"} for (c, r), n in W2.items() for _ in range(n)])
    from research.stats import privacy_plan
    plan = suppression.protect(privacy_plan.workshop_cells(micro, "w2", INPUTS["municipalities"],
                                                           5), 5)
    published.write_plan(privacy_audit.folder_of(tmp_path), INPUTS, privacy_plan.published(plan))
    side(tmp_path, "reflection", "w2-all", plan[plan["table"] == "role"])
    result = CliRunner().invoke(app, ["audit-privacy", "--reports", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "privacy audit passed: 1 tables, 20 cells" in result.output.replace("\n", " ")


def survey_run(tmp_path, hide):
    """Three municipal baseline reports, each publishing its own respondent count and the
    programme total (as `survey_report.intro` does); `hide(plan)` decides what is hidden."""
    from research.stats import privacy_plan
    from research.stats.suppression import key_of
    rows = [{"respondent": f"{m}{i}", "wave": "baseline", "municipality_code": m,
             "role": "staff"} for m, n in {"A": 2, "B": 6, "C": 7}.items() for i in range(n)]
    plan = hide(privacy_plan.survey_plan(pd.DataFrame(rows), ["baseline"], ["A", "B", "C"], 5))
    folder = privacy_audit.folder_of(tmp_path)
    published.write_plan(folder, INPUTS, pd.DataFrame())
    for m in ("A", "B", "C"):
        mine = plan[plan["key"].isin([key_of(municipality_code=m), key_of()])]
        path = published.side_file(folder, "baseline", m)
        path.parent.mkdir(parents=True, exist_ok=True)
        records = json.loads(privacy_plan.published(mine).to_json(orient="records"))
        path.write_text(json.dumps({"phase": "baseline", "unit": m,
                                    "tables": {"survey/baseline:role": records}}),
                        encoding="utf-8")
    return privacy_audit.audit(folder, 5)


def test_audit_finds_a_survey_count_derivable_across_reports(tmp_path):
    # the per-table rule hid only A's 2; B's report prints 6, C's 7, every report 15
    result = survey_run(tmp_path, lambda plan: plan.assign(hidden=plan["value"] < 5))
    assert result["status"] == "failed"
    assert [privacy_audit.message(p, 5) for p in result["problems"]] == [
        "privacy audit: table 'role' of survey/baseline, cell municipality_code=A: hidden "
        "cell lies in 2..2 (threshold 5; published by baseline/A, baseline/B, baseline/C)"]


def test_the_survey_plan_passes_the_audit_across_reports(tmp_path):
    result = survey_run(tmp_path, lambda plan: plan)
    assert result["status"] == "passed"
    assert (result["tables"], result["cells"], result["hidden_cells"]) == (1, 4, 2)


def test_baseline_survey_side_files_pass_and_a_planted_hole_is_named(tmp_path, make_report,
                                                                     processed, monkeypatch):
    """The four baseline reports' survey sections (counts, score table, answers, open
    answers) record what they publish; the audit passes them, and names the cell that one
    un-hidden complement would give away."""
    from research.report import survey_report

    folder = privacy_audit.folder_of(tmp_path)
    published.write_plan(folder, INPUTS, pd.DataFrame())
    monkeypatch.setenv(published.ENV, str(folder))
    published._SIDE.clear()
    for unit in INPUTS["municipalities"]:
        R = make_report(unit, processed=processed)
        ins, resp, wave = survey_report.load(R)
        survey_report.intro(R, resp, ins, wave)
        survey_report.score_table(R, resp, ins, wave)
        survey_report.likert(resp, R, ins, wave)
        survey_report.open_answers(R.table("comments"), R, ins, wave, resp)
    published._SIDE.clear()
    result = privacy_audit.audit(folder, 5)
    assert result["status"] == "passed"
    side_846 = json.loads(published.side_file(folder, "baseline", "846").read_text("utf-8"))
    kinds = {name.split(":")[0].split("/")[2] if name.count("/") > 1 else "respondents"
             for name in side_846["tables"]}
    assert kinds == {"respondents", "score", "item", "open"}
    # Teuva's row of the dynamic score: business 6 and expert 5 hidden, elected 12, office
    # holders 10, total 33; printing the 6 gives the expert count away (33 - 6 - 12 - 10)
    path = published.side_file(folder, "baseline", "846")
    table = side_846["tables"]["survey/baseline/score/dynamic:role"]
    for cell in table:
        if cell["key"] == suppression.key_of(municipality_code="846", role="business"):
            cell.update(hidden=False, value=6.0)
    path.write_text(json.dumps(side_846), encoding="utf-8")
    result = privacy_audit.audit(folder, 5)
    assert [privacy_audit.message(p, 5) for p in result["problems"]] == [
        "privacy audit: table 'role' of survey/baseline/score/dynamic, cell "
        "municipality_code=846, role=expert: hidden cell lies in 5..5 (threshold 5; published "
        "by baseline/151, baseline/218, baseline/232, baseline/846)"]


def protected_run(tmp_path):
    """A run whose plan is the protected w2 table, and a unit that publishes its role table."""
    from research.stats import privacy_plan
    micro = pd.DataFrame([{"municipality_code": c, "role": r, "organisation": None,
                           "wave": "w2"} for (c, r), n in W2.items() for _ in range(n)])
    plan = suppression.protect(privacy_plan.workshop_cells(micro, "w2", INPUTS["municipalities"],
                                                           5), 5)
    published.write_plan(privacy_audit.folder_of(tmp_path), INPUTS, privacy_plan.published(plan))
    side(tmp_path, "reflection", "w2-all", plan[plan["table"] == "role"])
    return plan[plan["table"] == "role"]


def test_a_unit_publishing_only_plan_cells_passes_without_an_attack(tmp_path, monkeypatch):
    # the plan merges business and expert; it hides every cell of 846, 151 and 218 and
    # two of Kauhajoki's four: 14 of 20
    protected_run(tmp_path)
    monkeypatch.setattr(suppression, "cell_intervals", None)   # an attack would fail here
    result = privacy_audit.check_unit(tmp_path, "reflection", "w2-all")
    assert {k: result[k] for k in ("status", "method", "tables", "cells", "hidden_cells")} == {
        "status": "passed", "method": "plan", "tables": 1, "cells": 20,
        "hidden_cells": 14}


def test_a_cell_unlike_the_plan_is_attacked_and_named(tmp_path):
    table = protected_run(tmp_path)
    # the unit prints Kauhajoki's two business people and experts, which the plan hides
    hole = table["key"] == '{"municipality_code": ["232"], "role": ["business", "expert"]}'
    side(tmp_path, "reflection", "w2-all", table.assign(hidden=table["hidden"] & ~hole))
    result = privacy_audit.check_unit(tmp_path, "reflection", "w2-all")
    assert (result["method"], result["status"]) == ("attack", "failed")
    assert "cell municipality_code=232, role=business+expert: shows a group of 2" in [
        f"cell {p['cell']}: {p['problem']}" for p in result["problems"]]


def test_side_files_being_written_by_another_worker_are_not_read(tmp_path):
    planted_run(tmp_path)
    folder = published.side_file(privacy_audit.folder_of(tmp_path), "baseline", "x").parent
    folder.mkdir(parents=True)
    (folder / ".232.json.33fn3g3s.tmp.json").write_text('{"phase": "base', encoding="utf-8")
    assert [p.name for p in published.side_files(privacy_audit.folder_of(tmp_path))] == [
        "w2-232.json", "w3-232.json"]
    assert sorted(set(privacy_audit.read_published(privacy_audit.folder_of(tmp_path))["unit"])) \
        == ["reflection/w2-232", "reflection/w3-232"]
