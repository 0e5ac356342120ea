"""Each validation rule, checked at the validator itself: its exact message, line and column, its
boundary (a value on the boundary passes) and what a clean file normalises to.

tests/warehouse/test_validation.py checks the same rules through a whole ingest; these call
warehouse/validate.py directly, which takes milliseconds, so every rule can have its own case.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import polars as pl
import pytest

from costboard.warehouse import readers, validate, validate_claims
from costboard.warehouse.errors import MAX_ERRORS_PER_FILE, IngestError, InputError

TODAY = dt.date(2026, 1, 1)
NOT_FINITE = "is not a finite number (NaN and infinity are not allowed)"

CLAIM = {
    "claim_id": "v3",
    "subject": "deepseek-v3",
    "metric": "training_cost",
    "scope": "final_run",
    "qualifier": "",
    "value": "5",
    "low": "",
    "high": "",
    "unit": "usd_million",
    "claimant": "DeepSeek-AI",
    "stated_on": "2024-12-27",
    "source_url": "https://arxiv.org/abs/2412.19437",
    "source_title": "V3 report",
    "quote": "",
    "note": "",
}
PRICE = {
    "date": "2025-01-24",
    "ticker": "NVDA",
    "open": "148.3",
    "high": "148.9",
    "low": "141.8",
    "close": "142.6",
    "volume": "234657600",
    "adjusted": "true",
    "source_url": "https://example.org/nvda.csv",
}


def csv(base: dict[str, str], *rows: dict[str, str]) -> str:
    """A CSV of ``base``'s columns, one line per row (each row: changes to ``base``)."""
    lines = [",".join(base)] + [",".join((base | row).values()) for row in rows or ({},)]
    return "\n".join(lines) + "\n"


def table(text: str, name: str) -> readers.RawTable:
    return readers.read_csv(Path(name), text)


def claims(text: str) -> pl.DataFrame:
    return validate_claims.claims(table(text, "claims.csv"), today=TODAY)


def subjects(text: str) -> pl.DataFrame:
    return validate.subjects(table(text, "subjects.csv"), today=TODAY)


def prices(text: str) -> pl.DataFrame:
    return validate.prices(table(text, "prices.csv"), today=TODAY)


def refused(validator, text: str) -> IngestError:  # type: ignore[no-untyped-def]
    with pytest.raises(IngestError) as caught:
        validator(text)
    return caught.value


def messages(validator, text: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Every error as ``line:column: column 'field': message`` (without the file name)."""
    return [str(e).partition(":")[2] for e in refused(validator, text).errors]


# --- claims -----------------------------------------------------------------------------------

GAS = {"metric": "gpu_hours", "unit": "gpu_hours"}  # a metric that may be negative

CLAIM_RULES = [
    ({"value": "five"}, "2:6: column 'value': 'five' is not a number"),
    ({"low": "x"}, "2:7: column 'low': 'x' is not a number"),
    ({"high": "x"}, "2:8: column 'high': 'x' is not a number"),
    ({"value": "nan"}, f"2:6: column 'value': 'nan' {NOT_FINITE}"),
    ({**GAS, "value": "", "low": "-inf"}, f"2:7: column 'low': '-inf' {NOT_FINITE}"),
    ({"high": "inf"}, f"2:8: column 'high': 'inf' {NOT_FINITE}"),
    ({"value": ""}, "2:6: column 'value': a claim needs a value, a low or a high"),
    ({"low": "6"}, "2:7: column 'low': low 6 is above value 5"),
    ({"high": "4"}, "2:8: column 'high': value 5 is above high 4"),
    ({"value": "", "low": "6", "high": "4"}, "2:8: column 'high': low 6 is above high 4"),
    (
        {"stated_on": "2024-02-30"},
        "2:11: column 'stated_on': '2024-02-30' is not a real date in the form YYYY-MM-DD",
    ),
    ({"stated_on": "27/12/2024"}, "2:11: column 'stated_on': '27/12/2024' is not a real date"),
    ({"stated_on": "2026-01-02"}, "2:11: column 'stated_on': 2026-01-02 is in the future"),
    (
        {"metric": "trainig_cost"},
        "2:3: column 'metric': unknown metric 'trainig_cost' "
        "(did you mean 'training_cost' or 'training_start' or 'operating_cost'?)",
    ),
    (
        {"scope": "finalrun"},
        "2:4: column 'scope': unknown scope 'finalrun' (did you mean 'final_run'?)",
    ),
    ({"unit": "dollars"}, "2:9: column 'unit': unknown unit 'dollars'"),
    (
        {"unit": "gpu_hours"},
        "2:9: column 'unit': unit 'gpu_hours' does not fit metric 'training_cost' "
        "(its base unit is usd)",
    ),
    ({"value": "-5"}, "2:6: column 'value': a training_cost cannot be negative"),
    (
        {"value": "", "low": "-1", "high": "5"},
        "2:6: column 'value': a training_cost cannot be negative",
    ),
    ({"value": "", "high": "-1"}, "2:6: column 'value': a training_cost cannot be negative"),
    (
        {"metric": "rental_price", "unit": "usd_per_gpu_hour", "value": "-2"},
        "2:6: column 'value': a rental_price cannot be negative",
    ),
    (
        {"source_url": "javascript:alert(1)"},
        "2:12: column 'source_url': 'javascript:alert(1)' is not an http(s) URL",
    ),
    (
        {"source_url": "www.example.org"},
        "2:12: column 'source_url': 'www.example.org' is not an http(s) URL",
    ),
]


@pytest.mark.parametrize(("change", "message"), CLAIM_RULES, ids=[m for _, m in CLAIM_RULES])
def test_each_claim_rule_reports_exactly_its_message_at_its_field(
    change: dict[str, str], message: str
) -> None:
    found = messages(claims, csv(CLAIM, change))
    assert len(found) == 1 and found[0].startswith(message), found


@pytest.mark.parametrize("column", validate_claims.CLAIM_REQUIRED)
def test_each_required_claim_field_must_have_a_value(column: str) -> None:
    where = list(CLAIM).index(column) + 1
    assert messages(claims, csv(CLAIM, {column: ""})) == [
        f"2:{where}: column '{column}': a value is required"
    ]


@pytest.mark.parametrize(
    "change",
    [
        {"low": "5", "high": "5"},  # low = value = high
        {"value": "", "low": "3", "high": "3"},
        {"value": "0"},  # a cost of zero is not negative
        {"stated_on": "2026-01-01"},  # today is not the future
        {"source_url": "http://example.org/a?b=1"},
        {"metric": "market_cap_change", "value": "-593", "unit": "usd_billion"},
        {"metric": "gpu_count", "unit": "count", "value": "", "low": "-1"},
        {"value": "", "low": "4"},
        {"value": "", "high": "6"},
    ],
    ids=str,
)
def test_values_on_a_rules_boundary_pass(change: dict[str, str]) -> None:
    assert claims(csv(CLAIM, change)).height == 1


def test_a_claims_file_must_have_its_required_columns_and_no_unknown_ones() -> None:
    error = refused(claims, "subject,metric,valeu\nx,y,1\n")
    assert [str(e) for e in error.errors] == [
        "claims.csv:1:1: a claims file needs a 'value', 'low' or 'high' column",
        "claims.csv:1:1: missing required column 'claimant'",
        "claims.csv:1:1: missing required column 'scope'",
        "claims.csv:1:1: missing required column 'stated_on'",
        "claims.csv:1:1: missing required column 'unit'",
        "claims.csv:1:3: unknown column 'valeu' (did you mean 'value'?)",
    ]


@pytest.mark.parametrize("column", ["value", "low", "high"])
def test_any_one_of_value_low_or_high_is_column_enough(column: str) -> None:
    required = {c: CLAIM[c] for c in (*validate_claims.CLAIM_REQUIRED, "source_url")}
    frame = claims(csv({**required, column: "3"}))
    (row,) = frame.to_dicts()
    assert row[column] == 3_000_000 and row[f"{column}_as_written"] == 3
    # the columns the file lacks are there, empty, with their usual types
    assert frame.schema == claims(csv(CLAIM)).schema
    assert frame.schema["qualifier"] == frame.schema["quote"] == pl.String


def test_every_failing_rule_of_a_file_is_reported_together_in_file_order() -> None:
    text = csv(CLAIM, {"claim_id": "a", "value": "x"}, {"claim_id": "b", "stated_on": "2024-13-01"})
    assert messages(claims, text) == [
        "2:6: column 'value': 'x' is not a number",
        "3:11: column 'stated_on': '2024-13-01' is not a real date in the form YYYY-MM-DD, YYYY-MM or YYYY",
    ]


def test_errors_are_capped_per_file_and_the_rest_are_counted() -> None:
    rows = [{"claim_id": f"c{i}", "value": "x", "scope": "nope"} for i in range(40)]
    error = refused(claims, csv(CLAIM, *rows))
    assert len(error.errors) == MAX_ERRORS_PER_FILE == 50
    assert error.omitted == 80 - 50
    assert sum("is not a number" in str(e) for e in error.errors) == 40


def test_the_last_place_under_the_cap_goes_to_the_next_rule_that_fails() -> None:
    rows = [{"claim_id": f"c{i}", "value": "x"} for i in range(49)] + [{"scope": "nope"}]
    error = refused(claims, csv(CLAIM, *rows))
    assert len(error.errors) == 50 and error.omitted == 0
    assert "unknown scope 'nope'" in str(error.errors[-1])


def test_too_many_column_errors_are_capped_too() -> None:
    header = ",".join([*CLAIM, *(f"extra{i}" for i in range(60))])
    error = refused(claims, header + "\n")
    assert len(error.errors) == 50 and error.omitted == 10


def test_a_clean_claim_is_normalised_with_what_was_written_kept() -> None:
    text = csv(
        CLAIM,
        {"qualifier": "h800", "low": "4", "high": "6", "quote": "about $5.6M", "note": "n"},
    )
    frame = claims(text)
    assert frame.columns == [
        "claim_id",
        "subject",
        "metric",
        "scope",
        "qualifier",
        "value",
        "low",
        "high",
        "unit",
        "value_as_written",
        "low_as_written",
        "high_as_written",
        "unit_as_written",
        "claimant",
        "stated_on",
        "source_url",
        "quote",
        "note",
        "bound",
        "source_kind",
        "cites",
        "status",
        "status_note",
        "outlet",
        "stated_on_precision",
        "source_title",
        "document_title",
        "_currency",
    ]
    assert frame.to_dicts() == [
        {
            "claim_id": "v3",
            "subject": "deepseek-v3",
            "metric": "training_cost",
            "scope": "final_run",
            "qualifier": "h800",
            "value": 5e6,
            "low": 4e6,
            "high": 6e6,
            "unit": "usd",
            "value_as_written": 5.0,
            "low_as_written": 4.0,
            "high_as_written": 6.0,
            "unit_as_written": "usd_million",
            "claimant": "DeepSeek-AI",
            "stated_on": dt.date(2024, 12, 27),
            "source_url": "https://arxiv.org/abs/2412.19437",
            "quote": "about $5.6M",
            "note": "n",
            "bound": None,
            "source_kind": None,
            "cites": None,
            "status": None,
            "status_note": None,
            "outlet": None,
            "stated_on_precision": "day",
            "source_title": None,  # a source with a URL keeps its title in sources
            "document_title": "V3 report",
            "_currency": None,  # US dollars: nothing to convert (warehouse/currency.py)
        }
    ]


def expected_id(*fields: str) -> str:
    return "c-" + hashlib.sha256("\x1f".join(fields).encode()).hexdigest()[:12]


def test_a_claim_without_an_id_gets_a_stable_one_from_its_key_fields() -> None:
    text = csv(CLAIM, {"claim_id": ""}, {"claim_id": "", "qualifier": "h800", "value": "6"})
    first, second = claims(text)["claim_id"].to_list()
    assert first == expected_id(
        "deepseek-v3", "training_cost", "final_run", "", "DeepSeek-AI", "2024-12-27"
    )
    assert second == expected_id(
        "deepseek-v3", "training_cost", "final_run", "h800", "DeepSeek-AI", "2024-12-27"
    )
    assert validate_claims.derived_claim_id("a", None, "b") == expected_id("a", "", "b")
    assert claims(text)["claim_id"].to_list() == [first, second]


def test_an_identical_repeat_passes_and_a_conflicting_one_names_the_first_line() -> None:
    assert claims(csv(CLAIM, {}, {})).height == 2
    text = csv(CLAIM, {}, {}, {"value": "6"}, {"claim_id": "other"})
    assert messages(claims, text) == [
        "4:1: column 'claim_id': conflicting duplicate: claim_id=v3 also on line 2 with other values"
    ]


# --- subjects ---------------------------------------------------------------------------------

SUBJECT = {
    "subject": "deepseek-v3",
    "name": "DeepSeek-V3",
    "kind": "model",
    "developer": "DeepSeek",
    "members": "",
    "released_on": "2024-12-26",
    "note": "",
}

SUBJECT_RULES = [
    ({"subject": ""}, "2:1: column 'subject': a value is required"),
    ({"kind": ""}, "2:3: column 'kind': a value is required"),
    ({"kind": "modle"}, "2:3: column 'kind': unknown subject kind 'modle' (did you mean 'model'?)"),
    (
        {"kind": "group"},
        "2:5: column 'members': a group subject needs members (';'-separated tickers)",
    ),
    (
        {"members": "NVDA"},
        "2:5: column 'members': only group subjects have members; this one is a model",
    ),
    (
        {"subject": "deepseek v3"},
        "2:1: column 'subject': subject id 'deepseek v3' contains whitespace",
    ),
    ({"released_on": "2024-12-32"}, "2:6: column 'released_on': '2024-12-32' is not a real date"),
    ({"released_on": "2026-06-01"}, "2:6: column 'released_on': 2026-06-01 is in the future"),
]


@pytest.mark.parametrize(("change", "message"), SUBJECT_RULES, ids=[m for _, m in SUBJECT_RULES])
def test_each_subject_rule_reports_exactly_its_message_at_its_field(
    change: dict[str, str], message: str
) -> None:
    found = messages(subjects, csv(SUBJECT, change))
    assert len(found) == 1 and found[0].startswith(message), found


def test_a_subjects_file_needs_subject_and_kind_and_no_unknown_columns() -> None:
    assert messages(subjects, "name,knd\nx,model\n") == [
        "1:1: missing required column 'kind'",
        "1:1: missing required column 'subject'",
        "1:2: unknown column 'knd' (did you mean 'kind'?)",
    ]


def test_clean_subjects_are_normalised_with_members_as_a_list() -> None:
    text = csv(
        SUBJECT,
        {},
        {
            "subject": "nvidia-broadcom",
            "name": "",
            "kind": "group",
            "developer": "",
            "members": "NVDA; AVGO",
            "released_on": "",
        },
    )
    frame = subjects(text)
    assert frame.columns == [*SUBJECT, "related"]
    assert frame.to_dicts() == [
        {
            **SUBJECT,
            "members": None,
            "released_on": dt.date(2024, 12, 26),
            "note": None,
            "related": None,
        },
        {
            "subject": "nvidia-broadcom",
            "name": None,
            "kind": "group",
            "developer": None,
            "members": ["NVDA", "AVGO"],
            "released_on": None,
            "note": None,
            "related": None,
        },
    ]


def test_a_subject_listed_twice_with_other_values_is_refused() -> None:
    assert subjects(csv(SUBJECT, {}, {})).height == 2
    assert messages(subjects, csv(SUBJECT, {}, {"name": "V3"})) == [
        "3:1: column 'subject': conflicting duplicate: subject=deepseek-v3 also on line 2 with other values"
    ]


# --- prices -----------------------------------------------------------------------------------

PRICE_RULES = [
    ({"date": ""}, "2:1: column 'date': a value is required"),
    ({"ticker": ""}, "2:2: column 'ticker': a value is required"),
    ({"close": ""}, "2:6: column 'close': a value is required"),
    (
        {"date": "24/01/2025"},
        "2:1: column 'date': '24/01/2025' is not a real date in the form YYYY-MM-DD",
    ),
    ({"date": "2026-01-02"}, "2:1: column 'date': 2026-01-02 is in the future"),
    ({"open": "x"}, "2:3: column 'open': 'x' is not a number"),
    ({"volume": "many"}, "2:7: column 'volume': 'many' is not a number"),
    ({"high": "inf"}, f"2:4: column 'high': 'inf' {NOT_FINITE}"),
    ({"volume": "-1"}, "2:7: column 'volume': volume -1 is negative"),
    ({"volume": "10.5"}, "2:7: column 'volume': volume 10.5 is not a whole number"),
    ({"open": "0", "low": ""}, "2:3: column 'open': open price 0 is not positive"),
    ({"low": "-1"}, "2:5: column 'low': low price -1 is not positive"),
    ({"close": "-2", "low": ""}, "2:6: column 'close': close price -2 is not positive"),
    ({"open": "140.0"}, "2:3: column 'open': open 140.0 is below low 141.8"),
    ({"open": "149.0"}, "2:3: column 'open': open 149.0 is above high 148.9"),
    ({"close": "141.0"}, "2:6: column 'close': close 141.0 is below low 141.8"),
    ({"close": "150.0"}, "2:6: column 'close': close 150.0 is above high 148.9"),
    ({"adjusted": "maybe"}, "2:8: column 'adjusted': 'maybe' is not true or false"),
    (
        {"source_url": "ftp://example.org/x"},
        "2:9: column 'source_url': 'ftp://example.org/x' is not an http(s) URL",
    ),
]


@pytest.mark.parametrize(("change", "message"), PRICE_RULES, ids=[m for _, m in PRICE_RULES])
def test_each_price_rule_reports_exactly_its_message_at_its_field(
    change: dict[str, str], message: str
) -> None:
    found = messages(prices, csv(PRICE, change))
    assert len(found) == 1 and found[0].startswith(message), found


def test_a_low_above_the_high_is_reported_beside_the_close_it_traps() -> None:
    assert messages(prices, csv(PRICE, {"high": "0", "open": "", "low": ""})) == [
        "2:4: column 'high': high price 0 is not positive",
        "2:6: column 'close': close 142.6 is above high 0",
    ]
    assert messages(prices, csv(PRICE, {"low": "149", "open": "", "close": "149"})) == [
        "2:5: column 'low': low 149 is above high 148.9",
        "2:6: column 'close': close 149 is above high 148.9",
    ]


@pytest.mark.parametrize(
    "change",
    [
        {"open": "141.8", "close": "148.9"},  # open at the low, close at the high
        {"open": "148.9", "close": "141.8"},
        {"low": "148.9", "open": "148.9", "close": "148.9"},
        {"volume": "0"},
        {"open": "0.5", "high": "0.9", "low": "0.4", "close": "0.6"},  # a price below $1
        {"volume": "", "open": "", "high": "", "low": "", "adjusted": "", "source_url": ""},
        {"date": "2026-01-01"},
    ],
    ids=str,
)
def test_prices_on_a_rules_boundary_pass(change: dict[str, str]) -> None:
    assert prices(csv(PRICE, change)).height == 1


def test_a_prices_file_needs_date_ticker_and_close_and_may_have_adj_close() -> None:
    assert messages(prices, "date,tickr,adj_close\n2025-01-24,NVDA,1\n") == [
        "1:1: missing required column 'close'",
        "1:1: missing required column 'ticker'",
        "1:2: unknown column 'tickr' (did you mean 'ticker'?)",
    ]


@pytest.mark.parametrize(
    ("written", "adjusted"),
    [
        *((w, True) for w in ("true", "t", "yes", "y", "1", "TRUE", "Yes")),
        *((w, False) for w in ("false", "f", "no", "n", "0", "FALSE", "No")),
        ("", None),
    ],
)
def test_adjusted_reads_the_usual_words_for_true_and_false(
    written: str, adjusted: bool | None
) -> None:
    assert prices(csv(PRICE, {"adjusted": written}))["adjusted"].to_list() == [adjusted]


def test_clean_prices_are_normalised_to_numbers_and_dates() -> None:
    text = "date,ticker,open,high,low,close,adj_close,volume,adjusted,source_url\n"
    text += "2025-01-24,NVDA,148.3,148.9,141.8,142.6,142.5,234657600,false,https://example.org/n\n"
    frame = prices(text)
    assert frame.columns == [
        "ticker",
        "date",
        "open",
        "high",
        "low",
        "close",
        "adj_close",
        "volume",
        "adjusted",
        "source_url",
    ]
    assert frame.schema["volume"] == pl.Int64
    assert frame.to_dicts() == [
        {
            "ticker": "NVDA",
            "date": dt.date(2025, 1, 24),
            "open": 148.3,
            "high": 148.9,
            "low": 141.8,
            "close": 142.6,
            "adj_close": 142.5,
            "volume": 234657600,
            "adjusted": False,
            "source_url": "https://example.org/n",
        }
    ]


def test_a_price_row_is_keyed_by_ticker_and_date() -> None:
    assert prices(csv(PRICE, {}, {"ticker": "AVGO"}, {"date": "2025-01-23"})).height == 3
    assert messages(prices, csv(PRICE, {}, {"volume": "1"})) == [
        "3:2: column 'ticker': conflicting duplicate: ticker=NVDA, date=2025-01-24 also on line 2 with other values"
    ]


# --- the helpers ------------------------------------------------------------------------------


def test_a_required_date_check_reports_a_missing_date_first() -> None:
    table = readers.read_csv(Path("dates.csv"), "day\n\n2025-01-01\n2027-01-01\nsoon\n")
    typed = validate.typed(table.frame, (), ("day",))
    checks = validate.date_checks("day", required=True, today=TODAY)
    assert checks[0].message == "a date is required"
    with pytest.raises(IngestError) as caught:
        validate.run_checks(table, typed, checks)
    assert [str(e) for e in caught.value.errors] == [
        "dates.csv:2:1: column 'day': a date is required",
        "dates.csv:4:1: column 'day': 2027-01-01 is in the future",
        "dates.csv:5:1: column 'day': 'soon' is not a real date in the form YYYY-MM-DD",
    ]
    assert (
        len(validate.date_checks("day", required=False, today=TODAY)) == 3
    )  # not a date, before 1900-01-01, after today


def test_raise_if_caps_the_errors_and_counts_the_rest() -> None:
    validate.raise_if([])
    errors = [InputError("f.csv", line, 1, "bad") for line in range(1, 61)]
    with pytest.raises(IngestError) as caught:
        validate.raise_if(errors)
    assert caught.value.errors == errors[:50] and caught.value.omitted == 10
    with pytest.raises(IngestError) as caught:
        validate.raise_if(errors[:3])
    assert caught.value.errors == errors[:3] and caught.value.omitted == 0
