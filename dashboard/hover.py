"""Data text made safe for Plotly's hover, which renders a subset of HTML (links, <b>, <br>).

Every page that joins warehouse text (a claimant, a quote, a source's title) into a
``hovertext`` or ``hovertemplate`` goes through these two: the markup the page adds itself
stays markup, the data's own stays text (a claimant holding ``<a href=...>`` is not a link).
"""

from __future__ import annotations

import html

import polars as pl


def escaped(value: object) -> str:
    """``value`` as hover text ("" for None): ``&``, ``<`` and ``>`` escaped.

    Quotes stay as they are: without a ``<`` the data cannot open a tag, and Plotly knows only a
    few named entities (``&quot;`` would be shown as those six characters).
    """
    return "" if value is None else html.escape(str(value), quote=False)


def escaped_column(column: str | pl.Expr) -> pl.Expr:
    """:func:`escaped` over a column, vectorized (nulls stay null)."""
    expr = pl.col(column) if isinstance(column, str) else column
    return (
        expr.cast(pl.String)
        .str.replace_all("&", "&amp;", literal=True)
        .str.replace_all("<", "&lt;", literal=True)
        .str.replace_all(">", "&gt;", literal=True)
    )
