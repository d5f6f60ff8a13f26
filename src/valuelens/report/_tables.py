"""HTML tables: sortable (by the page script) and searchable, every cell escaped."""

from __future__ import annotations

from typing import Any

from valuelens.report._svg import esc, is_num


def cell_number(x: Any, digits: int = 2) -> str:
    """A numeric <td> whose raw value sorts (data-v) and whose text reads well."""
    if not is_num(x):
        return '<td class="n" data-v="">–</td>'
    shown = f"{x:.0f}" if isinstance(x, int) or float(x).is_integer() else f"{x:.{digits}f}"
    shown = shown.replace("-", "\u2212")
    return f'<td class="n" data-v="{float(x)!r}">{esc(shown)}</td>'


def header_row(cols: list[tuple[str, str, str]]) -> str:
    """<thead> with one sort button per column; `cols` is [(key, header, "num" | "text")]."""
    num_cls = ' class="n"'
    ths = "".join(
        f'<th scope="col" data-type="{esc(kind)}"{num_cls if kind == "num" else ""}>'
        f'<button type="button">{esc(head)}</button></th>'
        for _, head, kind in cols
    )
    return f"<thead><tr>{ths}</tr></thead>"


def sortable_table(
    table_id: str, cols: list[tuple[str, str, str]], rows: list[dict[str, Any]], row_class: Any = None
) -> str:
    """A table over dict rows; `row_class(row)` may give a CSS class (e.g. "sig")."""
    body = []
    for r in rows:
        cells = "".join(
            cell_number(r.get(key)) if kind == "num" else f"<td>{esc(r.get(key, ''))}</td>" for key, _, kind in cols
        )
        cls = row_class(r) if row_class else None
        body.append(f'<tr class="{esc(cls)}">{cells}</tr>' if cls else f"<tr>{cells}</tr>")
    return f'<table id="{esc(table_id)}" data-sortable="1">{header_row(cols)}<tbody>{"".join(body)}</tbody></table>'


def search_box(table_id: str, placeholder: str) -> str:
    """A search field that hides the table rows not containing every typed word."""
    count_id = f"{table_id}-count"
    return (
        f'<div class="tools"><input type="search" placeholder="{esc(placeholder)}" '
        f'aria-label="{esc(placeholder)}" data-table="{esc(table_id)}" data-count="{esc(count_id)}">'
        f'<span class="count" id="{esc(count_id)}" aria-live="polite"></span>'
        "<span class='sub' style='margin:0'>Click a column heading to sort.</span></div>"
    )
