"""Survey and sweep summaries carry `status` and `answered` like a dilemma run: incomplete when prompts lack answers."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from rich.console import Console

import valuelens
from valuelens.report import print_survey, print_sweep


def test_a_survey_with_lost_answers_is_incomplete(isolated_store: Path) -> None:
    first = valuelens.survey("synthetic/default", store=isolated_store).summary()
    assert (first["status"], first["answered"]) == ("complete", first["prompts"])
    with sqlite3.connect(isolated_store) as db:  # as if the run had been killed before these were answered
        db.execute("DELETE FROM responses WHERE rowid IN (SELECT rowid FROM responses LIMIT 7)")
    again = valuelens.load_run(first["run_id"], store=isolated_store).summary()
    assert (again["status"], again["answered"]) == ("incomplete", first["prompts"] - 7)
    console = Console(record=True, width=200)
    print_survey(again, console)
    assert f"INCOMPLETE: {first['prompts'] - 7} of {first['prompts']} prompts answered" in console.export_text()


def test_a_sweep_says_which_runs_are_incomplete(isolated_store: Path) -> None:
    sw = valuelens.sweep(["synthetic/default"], personas=["japan"], limit=6, n_boot=20, store=isolated_store)
    summary = sw.summary()
    assert summary["status"] == "complete"
    assert [(r["status"], r["answered"]) for r in summary["runs"]] == [("complete", 12), ("complete", 12)]
    sw.runs[1].run.answered = 5  # what a run interrupted after 5 prompts is assembled with
    summary = sw.summary()
    assert summary["status"] == "incomplete" and summary["runs"][1]["status"] == "incomplete"
    console = Console(record=True, width=200)
    print_sweep(summary, console)
    assert "INCOMPLETE: 5 of 12 prompts answered" in console.export_text()


BANNER = 'class="incomplete" role="alert"'


def test_a_utilities_page_says_when_the_run_is_incomplete(isolated_store: Path) -> None:
    """A killed utilities run (answers lost, still "running" in the store) says INCOMPLETE on its page,
    with the same banner as a dilemma run's report; the complete run's page does not."""
    from valuelens.report import render_report_html

    first = valuelens.fit_utilities("synthetic/default", "core", limit=12, store=isolated_store)
    done = first.summary()
    assert (done["status"], done["answered"]) == ("complete", done["prompts"])
    assert BANNER not in render_report_html(first.report_data()) and "INCOMPLETE" not in render_report_html(
        valuelens.load_run(done["run_id"], store=isolated_store).report_data()
    )
    with sqlite3.connect(isolated_store) as db:  # as if the run had been killed before these were answered
        db.execute("DELETE FROM responses WHERE rowid IN (SELECT rowid FROM responses LIMIT 7)")
        db.execute("UPDATE runs SET status='running' WHERE run_id=?", (done["run_id"],))
    again = valuelens.load_run(done["run_id"], store=isolated_store)
    summary = again.summary()
    assert (summary["status"], summary["answered"]) == ("incomplete", done["prompts"] - 7)
    page = render_report_html(again.report_data())
    assert BANNER in page and f"INCOMPLETE: {done['prompts'] - 7} of {done['prompts']} prompts answered" in page


def test_a_sweep_page_names_its_incomplete_runs(isolated_store: Path, tmp_path: Path) -> None:
    from valuelens.report import write_sweep_html

    sw = valuelens.sweep(["synthetic/default"], personas=["japan"], limit=6, n_boot=20, store=isolated_store)
    complete = write_sweep_html(sw.summary(), tmp_path / "complete.html").read_text(encoding="utf-8")
    assert BANNER not in complete and "INCOMPLETE" not in complete
    sw.runs[1].run.answered = 5  # what a run interrupted after 5 prompts is assembled with
    page = write_sweep_html(sw.summary(), tmp_path / "partial.html").read_text(encoding="utf-8")
    assert page.count(BANNER) == 1
    condition = sw.summary()["runs"][1]["condition"]
    assert f"synthetic/default | {condition}: INCOMPLETE: 5 of 12 prompts answered" in page
