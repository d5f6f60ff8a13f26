"""Outputs: terminal tables, JSON, the HTML report and comparison, figures and exports."""

from valuelens.report._comparison import render_comparison_html
from valuelens.report._export import FORMATS, choice_rows, choices_frame, export_frame, values_frame
from valuelens.report._figures import figure_svgs, write_figures
from valuelens.report._html import default_report_path, render_report_html, write_report
from valuelens.report._listing import print_runs, print_sweep, runs_table
from valuelens.report._terminal import bias_sentence, print_run, values_table

__all__ = [
    "FORMATS",
    "bias_sentence",
    "choice_rows",
    "choices_frame",
    "default_report_path",
    "export_frame",
    "figure_svgs",
    "print_run",
    "print_runs",
    "print_sweep",
    "render_comparison_html",
    "render_report_html",
    "runs_table",
    "values_frame",
    "values_table",
    "write_figures",
    "write_report",
]
