"""A FRED series CSV as an importer (warehouse/fred.py): each observation a price row of the
series' ticker (or ``--ticker``), the series a ticker subject, FRED's "." for a missing
observation reported at its cell and skipped, a blank line ignored, and a file of another
shape refused at its header.

Ingesting Epoch AI's PPI series end to end (both date-column names): tests/warehouse/
test_epoch_import.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from costboard.warehouse import fred
from costboard.warehouse.errors import IngestError
from costboard.warehouse.importers import ImportOptions, detect
from costboard.warehouse.readers import read_csv

SERIES = "observation_date,PPI\n2025-01-01,101.5\n2025-02-01,.\n\n2025-03-01,102.25\n"


def tables(text: str, ticker: str | None = None) -> dict[str, object]:
    imported = fred.convert(read_csv(Path("PPI.csv"), text), ImportOptions(ticker=ticker))
    return {"skipped": imported.skipped, **{t.kind: t.table for t in imported.tables}}


def test_each_observation_is_a_close_of_the_series_and_a_missing_one_is_skipped_at_its_cell() -> (
    None
):
    found = tables(SERIES)
    prices = found["prices"]
    assert prices.frame.select("date", "ticker", "close", "adjusted").rows() == [  # type: ignore[attr-defined]
        ("2025-01-01", "PPI", "101.5", "false"),
        ("2025-03-01", "PPI", "102.25", "false"),
    ]
    assert [str(e) for e in found["skipped"]] == [  # type: ignore[attr-defined]
        "PPI.csv:3:2: column 'PPI': FRED marks this observation missing ('.'); skipped"
    ]
    # A kept row still points at its own line and column in the series file.
    assert prices.locate(1, "close") == (5, 2) and prices.locate(0, "date") == (2, 1)  # type: ignore[attr-defined]


def test_the_series_becomes_a_ticker_subject_and_ticker_renames_it() -> None:
    found = tables(SERIES, ticker="PPI-DC")
    assert found["subjects"].frame.row(0, named=True) == {  # type: ignore[attr-defined]
        "subject": "PPI-DC",
        "name": "FRED series PPI",
        "kind": "ticker",
        "note": "From FRED (https://fred.stlouisfed.org/series/PPI); values as 'close'",
    }
    assert set(found["prices"].frame["ticker"]) == {"PPI-DC"}  # type: ignore[attr-defined]
    assert set(found["prices"].frame["source_url"]) == {  # type: ignore[attr-defined]
        "https://fred.stlouisfed.org/series/PPI"
    }


def test_only_a_two_column_file_dated_by_fred_is_recognised() -> None:
    assert fred.IMPORTER.recognises(read_csv(Path("a.csv"), "DATE,CPI\n2025-01-01,1\n"))
    assert not fred.IMPORTER.recognises(read_csv(Path("a.csv"), "date,CPI\n2025-01-01,1\n"))
    three = read_csv(Path("a.csv"), "observation_date,CPI,PPI\n2025-01-01,1,2\n")
    assert not fred.IMPORTER.recognises(three)
    assert detect(read_csv(Path("a.csv"), SERIES), [fred.IMPORTER]).name == "fred"


def test_forcing_the_fred_kind_on_another_file_is_refused_at_its_header() -> None:
    with pytest.raises(IngestError) as refused:
        tables("date,close\n2025-01-01,1\n")
    assert [str(e) for e in refused.value.errors] == [
        "PPI.csv:1:1: not a FRED series: expected 'observation_date,<SERIES>'"
    ]
