"""Tables that fit the terminal: :class:`FitTable` leaves out whole columns, least important first
(:class:`Col`), until the rest fits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

__all__ = ["Col", "FitTable"]


Justify = Literal["left", "center", "right"]


@dataclass(frozen=True, slots=True)
class Col:
    """A column of a :class:`FitTable`. ``drop`` 0: always shown and never shortened (symbols,
    quantities, prices); otherwise the column goes when the table does not fit, highest first
    (columns of the same level go together, such as bid size and ask size)."""

    name: str
    justify: Justify = "left"
    drop: int = 0


class FitTable:
    """A table that fits the width it is given: whole columns are left out, least important first,
    until the rest fits; the columns that stay are never cut short (no ``230…``). A wide terminal
    shows every column. Rendered with rich (``console.print(fit_table)``), also inside grids."""

    def __init__(self, title: str | None, columns: Sequence[Col], *, style: str = "",
                 show_header: bool = True) -> None:
        self.title = title
        self.columns = list(columns)
        self.style = style
        self.show_header = show_header
        self.rows: list[tuple[str, ...]] = []

    def add_row(self, *cells: str) -> None:
        if len(cells) != len(self.columns):
            raise ValueError(f"{len(cells)} cells for {len(self.columns)} columns")
        self.rows.append(cells)

    def _widths(self) -> list[int]:
        widths = []
        for i, col in enumerate(self.columns):
            w = Text(col.name).cell_len if self.show_header else 0
            for row in self.rows:
                for line in Text.from_markup(row[i]).plain.split("\n"):
                    w = max(w, Text(line).cell_len)
            widths.append(w)
        return widths

    @staticmethod
    def _total(widths: Sequence[int]) -> int:
        return sum(widths) + 3 * len(widths) + 1  # one space each side of a cell, the rules

    def kept(self, max_width: int) -> list[int]:
        """The indices of the columns shown at ``max_width`` cells."""
        widths = self._widths()
        keep = list(range(len(self.columns)))
        for level in sorted({c.drop for c in self.columns if c.drop > 0}, reverse=True):
            if self._total([widths[k] for k in keep]) <= max_width:
                break
            keep = [k for k in keep if self.columns[k].drop != level]  # a level goes together
        return keep

    def table(self, max_width: int) -> Table:
        """The rich Table for ``max_width`` cells."""
        keep = self.kept(max_width)
        table = Table(title=self.title, title_justify="left", style=self.style,
                      show_header=self.show_header)
        for i in keep:
            col = self.columns[i]
            table.add_column(col.name, justify=col.justify, no_wrap=col.drop > 0,
                             overflow="fold" if col.drop == 0 else "ellipsis")
        for row in self.rows:
            table.add_row(*(row[i] for i in keep))
        return table

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.table(options.max_width)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        widths = self._widths()
        least = self._total([w for w, c in zip(widths, self.columns) if c.drop == 0])
        return Measurement(min(least, options.max_width), min(self._total(widths), options.max_width))
