"""Tables for spreadsheet programs: CSV that Excel reads as UTF-8, and XLSX.

A table is a header and rows of cells: text, numbers (floats, ints) or None
(an empty cell). Both writers keep text exactly as it is meant to read, and
never let a spreadsheet run it as a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

Cell = str | float | int | None

#: Excel opens a CSV file as UTF-8 only when it starts with a byte order
#: mark; without one "×10⁹/L" reads "Ã—10â¹/L".
UTF8_BOM = "\ufeff"

# Spreadsheet programs run a cell that starts with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

#: Text columns wider than this many characters are cut to it in the XLSX
#: layout (the text itself is whole; only the column's width is capped).
_MAX_WIDTH = 40


def formula_safe(value: str) -> str:
    """``value`` with a leading apostrophe when a spreadsheet would run it as
    a formula (CSV injection); the apostrophe shows, so the text still reads."""
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def csv_cell(value: Cell, *, decimals: int = 1) -> str | int:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.{decimals}f}"
    if isinstance(value, int):
        return value
    return formula_safe(value)


def csv_write(*, header: Sequence[str], rows: Sequence[Sequence[Cell]], out: Any, bom: bool = True) -> None:
    """Write the table to ``out`` (a text stream, or a Django response) as CSV."""
    if bom:
        out.write(UTF8_BOM)
    writer = csv.writer(out)
    writer.writerow([csv_cell(name) for name in header])
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])


@dataclass(frozen=True, slots=True)
class Sheet:
    """One worksheet: ``bold_rows`` are indexes into ``rows`` (summary rows);
    ``frozen_columns`` stay in view when scrolling sideways."""

    title: str
    header: Sequence[str]
    rows: Sequence[Sequence[Cell]]
    bold_rows: frozenset[int] = field(default_factory=frozenset)
    frozen_columns: int = 0


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    """The sheets as an XLSX workbook."""
    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for sheet in sheets:
        ws = book.create_sheet(title=sheet.title[:31])
        _append(ws, sheet.header, font=bold)
        for index, row in enumerate(sheet.rows):
            _append(ws, row, font=bold if index in sheet.bold_rows else None)
        ws.freeze_panes = ws.cell(row=2, column=sheet.frozen_columns + 1)
        for column, name in enumerate(sheet.header, start=1):
            ws.column_dimensions[get_column_letter(column)].width = min(max(len(name), 8) + 2, _MAX_WIDTH)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _append(ws: Any, values: Sequence[Cell], *, font: Font | None) -> None:
    row = ws.max_row + 1 if ws.max_row > 1 or ws.cell(1, 1).value is not None else 1
    for column, value in enumerate(values, start=1):
        cell = ws.cell(row=row, column=column, value=value)
        if isinstance(value, str):
            # openpyxl stores text that starts with "=" as a formula; a string
            # cell is shown exactly as written and never run.
            cell.data_type = "s"
        elif isinstance(value, float):
            cell.number_format = "0.0"
        if font is not None:
            cell.font = font
