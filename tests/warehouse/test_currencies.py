"""Money written in another currency is converted to US dollars at the claim's date, by the
exchange_rate claim in force then (warehouse/currency.py); a missing rate is refused at the
claim's unit cell and nothing is written; what was written is kept.

Every rate here is a crafted test input (claimant "test-fixture", example.org sources; round
powers of two so the arithmetic is exact), never a real exchange rate.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import polars as pl
import pytest

from costboard.warehouse import currency, ingest, lake, readers, validate_claims
from costboard.warehouse.config import WarehouseConfig
from costboard.warehouse.errors import IngestError
from costboard.warehouse.vocabulary import BUILT_IN, Unit, Vocabulary, merge
from tests.conftest import CliCall, write

TODAY = dt.date(2026, 1, 1)
CURRENCIES = ("eur", "gbp", "cny", "krw", "jpy")
SUBJECTS = "subject,name,kind\ndeepseek,DeepSeek,company\n" + "".join(
    f"{code},{code.upper()},currency\n" for code in (*CURRENCIES, "chf")
)
HEADER = "claim_id,subject,metric,scope,value,low,high,unit,claimant,stated_on,source_url,note,status,status_note\n"


def rate(claim_id: str, currency: str, value: str, stated_on: str, status: str = "") -> str:
    note = "crafted test rate" if not status else ""
    status_note = "test: withdrawn" if status else ""
    return (
        f"{claim_id},{currency},exchange_rate,market,{value},,,usd_per_unit,test-fixture,"
        f"{stated_on},https://example.org/crafted-rate,{note},{status},{status_note}\n"
    )


def money(
    claim_id: str, value: str, unit: str, stated_on: str, metric: str = "training_cost"
) -> str:
    scope = "fleet_capex" if metric == "training_cost" else "company"
    return (
        f"{claim_id},deepseek,{metric},{scope},{value},,,{unit},test-fixture,{stated_on},"
        "https://example.org/crafted-claim,,,\n"
    )


def claims_file(tmp_path: Path, name: str, *rows: str) -> Path:
    return write(tmp_path / name, HEADER + "".join(rows))


def run(config: WarehouseConfig, *paths: Path, vocabulary: Vocabulary = BUILT_IN) -> None:
    subjects = write(paths[0].parent / "subjects.csv", SUBJECTS)
    ingest.ingest(config, [subjects, *paths], message="test", today=TODAY, vocabulary=vocabulary)


def stored(config: WarehouseConfig) -> dict[str, dict[str, object]]:
    with lake.connect(config) as connection:
        frame = connection.execute("SELECT * FROM claims").pl()
    return {row["claim_id"]: row for row in frame.iter_rows(named=True)}


def snapshots(config: WarehouseConfig) -> int:
    with lake.connect(config) as connection:
        return int(connection.execute("SELECT count(*) FROM snapshots").fetchone()[0])  # type: ignore[index]


def test_a_claim_converts_at_the_rate_in_force_on_its_date_not_a_later_one(
    config: WarehouseConfig, tmp_path: Path
) -> None:
    # The rates come from the warehouse: an earlier ingest.
    run(
        config,
        claims_file(
            tmp_path,
            "rates.csv",
            rate("fx-krw-1", "krw", "0.001", "2024-12-01"),
            rate("fx-krw-2", "krw", "0.002", "2025-02-01"),
        ),
    )
    run(
        config,
        claims_file(
            tmp_path,
            "claims.csv",
            money("january", "1900", "krw_billion", "2025-01-28"),
            money("on-the-day", "1900", "krw_billion", "2025-02-01"),
            # A month counts from its last day: January's rate, not February's.
            money("a-month", "1900", "krw_billion", "2025-01"),
        ),
    )
    claims = stored(config)
    assert claims["january"]["value"] == pytest.approx(1.9e12 * 0.001)
    assert claims["on-the-day"]["value"] == pytest.approx(1.9e12 * 0.002)
    assert claims["a-month"]["value"] == pytest.approx(1.9e12 * 0.001)
    assert claims["january"]["unit"] == "usd"


def test_a_rate_in_the_same_ingest_converts_a_claim(
    config: WarehouseConfig, tmp_path: Path
) -> None:
    run(
        config,
        claims_file(tmp_path, "rates.csv", rate("fx-eur", "eur", "2", "2025-01-01")),
        claims_file(tmp_path, "claims.csv", money("raised", "3", "eur_million", "2025-03-01")),
    )
    assert stored(config)["raised"]["value"] == pytest.approx(6e6)


def test_what_was_written_is_kept_and_the_note_names_the_rate_claim(
    config: WarehouseConfig, tmp_path: Path
) -> None:
    ranged = (
        "ranged,deepseek,training_cost,fleet_capex,1900,1800,2000,krw_billion,test-fixture,"
        "2025-01-28,https://example.org/crafted-claim,as reported,,\n"
    )
    run(
        config,
        claims_file(tmp_path, "rates.csv", rate("fx-krw", "krw", "0.0005", "2025-01-01")),
        claims_file(
            tmp_path, "claims.csv", money("point", "1900", "krw_billion", "2025-01-28"), ranged
        ),
    )
    claims = stored(config)
    point = claims["point"]
    assert (point["value_as_written"], point["unit_as_written"]) == (1900, "krw_billion")
    assert point["value"] == pytest.approx(1.9e12 * 0.0005)
    assert point["note"] == "converted from 1,900 krw_billion at 0.0005 usd per krw (claim fx-krw)"
    row = claims["ranged"]
    assert (row["low_as_written"], row["value_as_written"], row["high_as_written"]) == (
        1800,
        1900,
        2000,
    )
    assert (row["low"], row["high"]) == pytest.approx((1.8e12 * 0.0005, 2.0e12 * 0.0005))
    assert row["note"] == (
        "as reported; converted from value 1,900, low 1,800, high 2,000 krw_billion "
        "at 0.0005 usd per krw (claim fx-krw)"
    )


def test_a_claim_with_no_rate_in_force_is_refused_at_its_unit_cell_and_nothing_is_written(
    config: WarehouseConfig, tmp_path: Path
) -> None:
    rates = claims_file(
        tmp_path,
        "rates.csv",
        rate("fx-krw-later", "krw", "0.001", "2025-02-01"),
        rate("fx-eur", "eur", "2", "2024-01-01"),
    )
    claims = claims_file(
        tmp_path,
        "claims.csv",
        money("in-eur", "3", "eur_million", "2025-01-28"),
        money("too-early", "1900", "krw_billion", "2025-01-28"),
        money("no-rate", "5", "jpy_billion", "2025-03-01"),
    )
    before = snapshots(config)
    with pytest.raises(IngestError) as caught:
        run(config, rates, claims)
    assert snapshots(config) == before, "a refused ingest writes nothing"
    unit_column = HEADER.split(",").index("unit") + 1
    assert [(e.file, e.line, e.column, e.field, e.message) for e in caught.value.errors] == [
        (
            str(claims),
            3,
            unit_column,
            "unit",
            "no exchange rate for krw in force on 2025-01-28: ingest an exchange_rate claim "
            "for krw stated on or before it",
        ),
        (
            str(claims),
            4,
            unit_column,
            "unit",
            "no exchange rate for jpy in force on 2025-03-01: ingest an exchange_rate claim "
            "for jpy stated on or before it",
        ),
    ]


def test_a_retracted_rate_is_never_in_force(config: WarehouseConfig, tmp_path: Path) -> None:
    run(
        config,
        claims_file(
            tmp_path,
            "rates.csv",
            rate("fx-gbp-1", "gbp", "2", "2025-01-01"),
            rate("fx-gbp-2", "gbp", "4", "2025-01-10", status="retracted"),
        ),
        claims_file(tmp_path, "claims.csv", money("pounds", "1", "gbp", "2025-01-20")),
    )
    assert stored(config)["pounds"]["value"] == pytest.approx(2.0)


def test_each_currency_and_its_thousand_million_billion_forms_convert_by_their_factor(
    config: WarehouseConfig, tmp_path: Path
) -> None:
    rates = {code: 2.0**-index for index, code in enumerate(CURRENCIES)}
    factors = {"": 1.0, "_thousand": 1e3, "_million": 1e6, "_billion": 1e9}
    run(
        config,
        claims_file(
            tmp_path,
            "rates.csv",
            *(rate(f"fx-{code}", code, str(value), "2025-01-01") for code, value in rates.items()),
        ),
        claims_file(
            tmp_path,
            "claims.csv",
            *(
                money(f"{code}{suffix}", "3", f"{code}{suffix}", "2025-02-01")
                for code in CURRENCIES
                for suffix in factors
            ),
        ),
    )
    claims = stored(config)
    actual = {
        claim_id: claims[claim_id]["value"] for claim_id in claims if not claim_id.startswith("fx-")
    }
    expected = {
        f"{code}{suffix}": 3 * factor * rates[code]
        for code in CURRENCIES
        for suffix, factor in factors.items()
    }
    assert actual == pytest.approx(expected, rel=1e-12)


def test_a_plugins_currency_unit_converts_by_its_own_rate(
    config: WarehouseConfig, tmp_path: Path
) -> None:
    franc = Unit(
        "chf_million", "usd", 1e6, "millions of Swiss francs (test plugin)", currency="chf"
    )
    merged, problems = merge([("test-plugin", Vocabulary(units=(franc,)))])
    assert problems == {} and "chf" in merged.currencies
    run(
        config,
        claims_file(tmp_path, "rates.csv", rate("fx-chf", "chf", "0.5", "2025-01-01")),
        claims_file(tmp_path, "claims.csv", money("francs", "4", "chf_million", "2025-01-02")),
        vocabulary=merged,
    )
    assert stored(config)["francs"]["value"] == pytest.approx(2e6)


def test_a_currency_unit_must_convert_to_us_dollars() -> None:
    bad = Vocabulary(units=(Unit("chf_per_hour", "usd_per_year", 1.0, "francs", currency="chf"),))
    assert bad.problems() == [
        "unit 'chf_per_hour': currency 'chf' must be a lower-case code and the unit's base 'usd'"
    ]


def validated(*rows: str) -> pl.DataFrame:
    table = readers.read_csv(Path("claims.csv"), HEADER + "".join(rows))
    return validate_claims.claims(table, today=TODAY)


@pytest.mark.parametrize("metric", ["funding_raised", "revenue", "valuation"])
def test_the_company_metrics_are_accepted_in_us_dollars(metric: str) -> None:
    (row,) = validated(money("x", "2.5", "usd_billion", "2025-01-01", metric=metric)).to_dicts()
    assert (row["value"], row["unit"], row["scope"]) == (2.5e9, "usd", "company")
    with pytest.raises(IngestError, match=f"unit 'usd_per_gpu' does not fit metric '{metric}'"):
        validated(money("x", "2.5", "usd_per_gpu", "2025-01-01", metric=metric))


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (
            rate("fx", "deepseek", "0.5", "2025-01-01"),
            "subject",
            "an exchange_rate claim is about a currency: its subject is the currency's code "
            "(cny, eur, gbp, jpy, krw), not 'deepseek'",
        ),
        (
            rate("fx", "krw", "0.5", "2025-01-01").replace(",market,", ",spec,"),
            "scope",
            "an exchange_rate claim's scope is market, not 'spec'",
        ),
        (
            rate("fx", "krw", "0", "2025-01-01"),
            "value",
            "an exchange_rate claim needs a value above 0: US dollars for one unit of the currency",
        ),
        (
            rate("fx", "krw", "0.5", "2025-01-01").replace("usd_per_unit", "usd"),
            "unit",
            "unit 'usd' does not fit metric 'exchange_rate' (its base unit is usd_per_unit)",
        ),
    ],
)
def test_a_malformed_exchange_rate_is_refused_at_its_cell(
    row: str, column: str, message: str
) -> None:
    with pytest.raises(IngestError) as caught:
        validated(row)
    (error,) = caught.value.errors
    assert (error.line, error.column, error.field) == (
        2,
        HEADER.split(",").index(column) + 1,
        column,
    )
    assert error.message == message


def test_costboard_vocabulary_lists_the_currencies_the_rate_and_the_company_metrics(
    cli: CliCall,
) -> None:
    result = cli("vocabulary", "--format", "csv")
    assert result.exit_code == 0, result.output
    frame = pl.read_csv(io.StringIO(result.output))
    names = set(zip(frame["what"], frame["name"], strict=True))
    for code in CURRENCIES:
        for suffix in ("", "_thousand", "_million", "_billion"):
            assert ("unit", f"{code}{suffix}") in names
    for metric in ("funding_raised", "revenue", "valuation", "exchange_rate"):
        assert ("metric", metric) in names
    assert {("unit", "usd_per_unit"), ("subject_kind", "currency"), ("scope", "company")} <= names


def test_of_two_rates_stated_the_same_day_the_greater_claim_id_is_in_force(
    config: WarehouseConfig, tmp_path: Path
) -> None:
    run(
        config,
        claims_file(
            tmp_path,
            "rates.csv",
            rate("fx-cny-b", "cny", "4", "2025-01-01"),
            rate("fx-cny-a", "cny", "2", "2025-01-01"),
        ),
        claims_file(tmp_path, "claims.csv", money("yuan", "1", "cny", "2025-01-02")),
    )
    assert stored(config)["yuan"]["note"].endswith("(claim fx-cny-b)")


# --- the module's own functions, called directly -----------------------------------------


def test_written_in_names_the_currency_of_a_currency_unit_and_nothing_else() -> None:
    units = pl.DataFrame({"unit": ["krw_billion", "eur", "usd", "usd_million", "gpu_hours", None]})
    found = units.select(currency.written_in(BUILT_IN))[currency.WRITTEN_IN].to_list()
    assert found == ["krw", "eur", None, None, None, None]


def test_the_rates_that_can_be_in_force_take_an_ingests_new_version_over_the_stored_one(
    config: WarehouseConfig, tmp_path: Path
) -> None:
    run(
        config,
        claims_file(
            tmp_path,
            "rates.csv",
            rate("fx-eur-1", "eur", "2", "2025-01-01"),
            rate("fx-gbp-1", "gbp", "4", "2025-01-01", status="retracted"),
            rate("fx-jpy-1", "jpy", "0.0078125", "2025-01-01"),
        ),
    )
    incoming = pl.DataFrame(
        {
            "claim_id": ["fx-eur-1", "fx-krw-1", "yen-cost"],
            "subject": ["eur", "krw", "deepseek"],
            "metric": ["exchange_rate", "exchange_rate", "training_cost"],
            "stated_on": [dt.date(2025, 2, 1), dt.date(2025, 1, 15), dt.date(2025, 1, 2)],
            "value": [1.0, 0.0009765625, 8.0],
            "status": ["current", None, "current"],
        }
    )
    with lake.connect(config) as connection:
        found = currency.rates(connection, incoming)
    # eur's stored version (2 on 1 January) is replaced by the ingest's (1 on 1 February);
    # the retracted gbp rate and the claim that is not a rate are not there.
    assert found.rows() == [
        ("jpy", dt.date(2025, 1, 1), 0.0078125, "fx-jpy-1"),
        ("krw", dt.date(2025, 1, 15), 0.0009765625, "fx-krw-1"),
        ("eur", dt.date(2025, 2, 1), 1.0, "fx-eur-1"),
    ]
    assert found.columns == ["currency", "rate_on", "rate", "rate_claim_id"]
