"""Outputs: terminal tables, JSON, the HTML report and comparison, figures and exports."""

from valuelens.report._comparison import render_comparison_html, write_comparison_pages
from valuelens.report._export import FORMATS, choice_rows, choices_frame, export_frame, values_frame
from valuelens.report._figures import figure_svgs, write_figures
from valuelens.report._html import default_report_path, render_report_html, write_report
from valuelens.report._listings import print_annotation, print_rows, print_suites
from valuelens.report._studies import print_comparison, print_steer, print_survey, print_sweep
from valuelens.report._sweep_html import write_sweep_html
from valuelens.report._terminal import bias_sentence, print_run, print_summary, values_table
from valuelens.report._utilities_terminal import print_utilities

__all__ = [
    "FORMATS",
    "bias_sentence",
    "choice_rows",
    "choices_frame",
    "default_report_path",
    "export_frame",
    "figure_svgs",
    "print_annotation",
    "print_comparison",
    "print_rows",
    "print_run",
    "print_steer",
    "print_suites",
    "print_summary",
    "print_survey",
    "print_sweep",
    "print_utilities",
    "render_comparison_html",
    "render_report_html",
    "values_frame",
    "values_table",
    "write_comparison_pages",
    "write_figures",
    "write_report",
    "write_sweep_html",
]
