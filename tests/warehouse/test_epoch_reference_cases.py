"""Epoch AI's published costs, reproduced from Epoch's own files through the real CLI.

The six reference cases of shared/reference/epoch/METHOD.md (nominal dollars, computed by
Epoch's method from the same files): Epoch's models, chips and hardware prices and its fixed
training starts are ingested as published, with the seed's subjects so that Epoch's GPT-4 is
costboard's ``gpt-4``; ``costboard estimate`` runs the built-in estimators; every stored figure
must be within 1% of Epoch's. Expected values are typed in from METHOD.md, never read back.

A wrong chip (TPU v4 costed as an H100), a wrong price row (the latest instead of the family's
oldest DGX price), a vendor order or committed-use conversion off, a PUE class missed or the
fixed training starts ignored each moves at least one of these figures by more than 1%.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from costboard.cli import main
from costboard.warehouse.demo import epoch_files, seed_file


def cli(home: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["--home", str(home), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse of the seed's subjects and Epoch AI's files, with its estimates."""
    home = tmp_path_factory.mktemp("epoch") / "home"
    cli(home, "init")
    files = [str(seed_file("subjects.csv")), *(str(f) for f in epoch_files())]
    cli(home, "ingest", *files, "-m", "Epoch AI's databases")
    cli(home, "estimate", "-m", "estimates")
    return home


@pytest.fixture(scope="module")
def estimates(home: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """The latest stored estimate of every (subject, estimator) on Epoch's data."""
    rows = json.loads(
        cli(
            home,
            "sql",
            "SELECT subject, estimator, value, inputs, parameters, assumed FROM estimates "
            "QUALIFY row_number() OVER (PARTITION BY subject, estimator ORDER BY as_of DESC) = 1",
            "--format",
            "json",
        )
    )
    return {(row["subject"], row["estimator"]): row for row in rows}


# (subject, amortized hardware + energy, acquisition, cloud): METHOD.md's reference cases.
REFERENCE_CASES = [
    ("gpt-4", 40_155_934, 767_746_914, 77_520_000),
    ("gemini-1.0-ultra", 28_233_700, 596_310_074, 198_360_000),
    ("llama-3.1-405b", 51_260_340, 899_903_943, 170_559_406),
    ("GPT-3-175B-(davinci)", 2_088_539, 229_938_272, 4_120_320),
    ("Falcon-180B", 10_277_318, 125_787_654, 25_657_344),
    ("LaMDA", 203_559, 10_938_646, 1_276_416),
]
ESTIMATORS = ("amortized_hardware_energy", "hardware_acquisition", "cloud_rental")


@pytest.mark.parametrize(("subject", "amortized", "acquisition", "cloud"), REFERENCE_CASES)
def test_each_reference_case_is_within_one_percent_of_epochs_published_cost(
    estimates: dict[tuple[str, str], dict[str, Any]],
    subject: str,
    amortized: float,
    acquisition: float,
    cloud: float,
) -> None:
    for estimator, expected in zip(ESTIMATORS, (amortized, acquisition, cloud), strict=True):
        found = estimates.get((subject, estimator))
        assert found is not None, f"no {estimator} estimate for {subject}"
        assert found["value"] == pytest.approx(expected, rel=0.01), (subject, estimator)


def recorded(row: dict[str, Any]) -> dict[str, Any]:
    return {name: entry["value"] for name, entry in json.loads(row["parameters"]).items()}


def test_gpt_4s_amortized_cost_splits_as_epoch_splits_it(
    estimates: dict[tuple[str, str], dict[str, Any]],
) -> None:
    figures = recorded(estimates[("gpt-4", "amortized_hardware_energy")])
    assert figures["hardware_cost"] == pytest.approx(29_691_721, rel=0.01)
    assert figures["interconnect_cost"] == pytest.approx(6_964_725, rel=0.01)
    assert figures["energy_cost"] == pytest.approx(3_499_488, rel=0.01)
    # $24,875 per GPU (DGX A100, the A100 family's oldest DGX price), acquired at the chip's
    # release + 90 days, training from Epoch's fixed start
    assert (figures["server_price"], figures["acquired_on"], figures["training_start"]) == (
        24_875.0,
        "2020-08-12",
        "2022-05-12",
    )
    assert figures["pue"] == 1.25  # OpenAI is not a hyperscaler


def test_a_tpu_is_priced_at_epochs_equivalent_price_and_acquired_at_release(
    estimates: dict[tuple[str, str], dict[str, Any]],
) -> None:
    figures = recorded(estimates[("gemini-1.0-ultra", "amortized_hardware_energy")])
    assert figures["server_price"] == pytest.approx(5_167 * 1.64)
    assert figures["acquired_on"] == "2021-05-20"
    assert (figures["pue"], figures["average_power_fraction"]) == (1.1, 0.43)
    assert figures["power"] == pytest.approx(0.170)  # TPU v4's TDP from Epoch's chip database


def test_the_cloud_price_is_the_vendors_in_epochs_order_in_three_year_terms(
    estimates: dict[tuple[str, str], dict[str, Any]],
) -> None:
    gpt_4 = json.loads(estimates[("gpt-4", "cloud_rental")]["parameters"])["rental_price"]
    assert gpt_4["value"] == 1.36
    assert "microsoft-azure cud_3y" in gpt_4["origin"]  # Azure first for OpenAI
    llama = json.loads(estimates[("llama-3.1-405b", "cloud_rental")]["parameters"])
    assert "google-cloud cud_3y" in llama["rental_price"]["origin"]
    assert llama["gpu_hours"]["value"] == 16_384 * 2_142  # quantity x training time


def test_a_model_stating_only_its_compute_gets_chip_hours_from_it_marked_as_assumed(
    estimates: dict[tuple[str, str], dict[str, Any]],
) -> None:
    # GPT-3.5: 2.578e24 FLOP on A100 SXM4 40 GB (312 TFLOP/s BF16), no quantity, no
    # chip-hours, no MFU: Epoch's chip-hours are FLOP / (peak x its median 0.375) / 3,600.
    row = estimates[("GPT-3.5", "amortized_hardware_energy")]
    figures = recorded(row)
    assert figures["chip_hours"] == pytest.approx(2.578e24 / (312e12 * 0.375) / 3600, rel=1e-9)
    assert figures["training_start"] == "2022-03-14"  # Epoch's fixed start for GPT-3.5 models
    assert row["assumed"] == ["chip-hours from training compute at utilization not the model's own"]
    # no cluster size: neither a purchase of the cluster nor Epoch's cloud figure
    assert ("GPT-3.5", "hardware_acquisition") not in estimates
    assert ("GPT-3.5", "cloud_rental") not in estimates


def test_the_reference_cases_assume_nothing_but_a_tpus_equivalent_price(
    estimates: dict[tuple[str, str], dict[str, Any]],
) -> None:
    tpu_price = ["purchase_price: Epoch AI's TPU-equivalent price (TPUs are not sold)"]
    for subject, *_ in REFERENCE_CASES:
        tpu = subject in ("gemini-1.0-ultra", "LaMDA")
        for estimator in ESTIMATORS:
            expected = tpu_price if tpu and estimator != "cloud_rental" else []
            assert estimates[(subject, estimator)]["assumed"] == expected, (subject, estimator)


def test_explain_lists_what_an_estimate_assumed(home: Path) -> None:
    explained = cli(home, "estimate", "--explain", "GPT-3.5")
    assert "chip-hours from training compute" in explained
