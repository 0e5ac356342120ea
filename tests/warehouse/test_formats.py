"""costboard's own file kinds and the market exports as importers (warehouse/formats.py):
which importer recognises which header (a Yahoo header also holds Stooq's columns, so the
order matters), how a Yahoo or Stooq export is renamed onto the price layout, where the
ticker comes from, and an export's unexpected column refused at its column.

Ingesting exports end to end through the CLI: tests/cli/test_warehouse_commands.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from costboard.warehouse import formats
from costboard.warehouse.errors import IngestError
from costboard.warehouse.importers import ImportOptions, detect
from costboard.warehouse.readers import RawTable, read_csv, read_json

YAHOO = "Date,Open,High,Low,Close,Adj Close,Volume\n2025-01-27,124.8,128.4,116.7,118.42,118.41,8\n"
STOOQ = "Date,Open,High,Low,Close,Volume\n2025-01-27,220.0,225.0,199.0,202.13,9\n"


def csv(name: str, text: str) -> RawTable:
    return read_csv(Path(name), text)


@pytest.mark.parametrize(
    ("table", "kind"),
    [
        (csv("NVDA.csv", YAHOO), "yahoo"),
        (csv("avgo.us.txt", STOOQ), "stooq"),
        (csv("p.csv", "ticker,date,close\nNVDA,2025-01-27,118.42\n"), "prices"),
        (csv("s.csv", "subject,name,kind\nh800,H800,chip\n"), "subjects"),
        (csv("c.csv", "claim_id,subject,metric\nv3,deepseek-v3,training_cost\n"), "claims"),
        (read_json(Path("c.json"), '[{"claim_id": "v3"}]'), "claims"),
    ],
)
def test_each_header_is_recognised_by_its_own_importer_in_order(table: RawTable, kind: str) -> None:
    assert detect(table, formats.IMPORTERS).name == kind


@pytest.mark.parametrize(
    ("path", "ticker"),
    [
        ("NVDA.csv", "NVDA"),
        ("exports/nvda.us.txt", "NVDA"),
        ("^IXIC.csv", "^IXIC"),
        ("avgo", "AVGO"),
    ],
)
def test_the_ticker_is_the_file_names_first_part_in_capitals(path: str, ticker: str) -> None:
    assert formats.ticker_from_name(path) == ticker


def test_a_yahoo_export_is_renamed_onto_the_price_layout_unadjusted_and_stooq_adjusted() -> None:
    yahoo = formats.to_price_layout(csv("NVDA.csv", YAHOO), "yahoo", None)
    assert yahoo.header == [
        "date", "open", "high", "low", "close", "adj_close", "volume", "ticker", "adjusted"
    ]  # fmt: skip
    assert yahoo.frame.row(0, named=True) == {
        "date": "2025-01-27", "open": "124.8", "high": "128.4", "low": "116.7",
        "close": "118.42", "adj_close": "118.41", "volume": "8", "ticker": "NVDA",
        "adjusted": "false",
    }  # fmt: skip
    stooq = formats.to_price_layout(csv("avgo.us.txt", STOOQ), "stooq", "BRCM")
    assert stooq.frame.select("ticker", "adjusted").row(0) == ("BRCM", "true")


def test_an_unexpected_column_in_an_export_is_refused_at_its_column() -> None:
    table = csv("NVDA.csv", "Date,Open,High,Low,Close,Dividends,Volume\n2025-01-27,1,1,1,1,0,1\n")
    with pytest.raises(IngestError) as refused:
        formats.to_price_layout(table, "stooq", None)
    assert [str(e) for e in refused.value.errors] == [
        "NVDA.csv:1:6: unexpected column 'Dividends' in a stooq export "
        "(expected Date, Open, High, Low, Close, Volume)"
    ]


def test_ticker_given_on_the_command_line_fills_a_price_file_without_one_only() -> None:
    (prices,) = (
        {i.name: i for i in formats.IMPORTERS}["prices"]
        .convert(csv("p.csv", "date,close\n2025-01-27,118.42\n"), ImportOptions(ticker="NVDA"))
        .tables
    )
    assert prices.table.header == ["date", "close", "ticker"]
    assert prices.table.frame["ticker"].to_list() == ["NVDA"]
    (kept,) = (
        {i.name: i for i in formats.IMPORTERS}["prices"]
        .convert(
            csv("p.csv", "ticker,date,close\nAVGO,2025-01-27,202.13\n"),
            ImportOptions(ticker="NVDA"),
        )
        .tables
    )
    assert kept.table.frame["ticker"].to_list() == ["AVGO"]
