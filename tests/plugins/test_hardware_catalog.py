"""The hardware catalog's rules (plugins/hardware.py), each on a few hand-made claims: a chip's
family and class, Epoch AI's purchase-price and cloud-price selection, committed-use
conversion and the order of precisions for peak FLOP/s (shared/reference/epoch/METHOD.md)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import polars as pl
import pytest

from costboard.plugins import default_compute_6nd, hardware
from costboard.plugins.parameters import Parameters, table
from costboard.testing import claim, make_evidence

D = dt.date
TODAY = D(2025, 6, 1)

CHIPS = [
    {"subject": "a100-40", "name": "NVIDIA A100 SXM4 40 GB", "kind": "chip"},
    {"subject": "a100", "name": "NVIDIA A100", "kind": "chip"},
    {"subject": "a100-pcie", "name": "NVIDIA A100 PCIe", "kind": "chip"},
    {"subject": "v100", "name": "NVIDIA Tesla V100 DGXS 32 GB", "kind": "chip"},
    {"subject": "tpu4", "name": "Google TPU v4", "kind": "chip"},
    {"subject": "tpu1", "name": "Google TPU v1", "kind": "chip"},
    {"subject": "rtx", "name": "NVIDIA GeForce RTX 3090", "kind": "chip"},
    {"subject": "m", "kind": "model", "developer": "OpenAI"},
]


def catalog(*claims: dict[str, Any]) -> dict[str, dict[str, Any]]:
    evidence = make_evidence(
        [claim("m", "gpu_count", "final_run", 1, D(2020, 1, 1)), *claims],
        subjects=CHIPS,
        today=TODAY,
    )
    return {row["chip"]: row for row in hardware.chip_catalog(evidence).to_dicts()}


def test_a_chips_family_class_and_family_chip_come_from_its_name() -> None:
    chips = catalog()
    summary = {
        c: (chips[c]["chip_family"], chips[c]["chip_class"], chips[c]["family_chip"])
        for c in ("a100-40", "a100-pcie", "v100", "tpu4", "rtx")
    }
    assert summary == {
        "a100-40": ("A100", "GPU", "a100"),
        "a100-pcie": ("A100", "GPU", "a100"),
        "v100": ("V100", "GPU", None),  # no chip is named "NVIDIA V100" here
        "tpu4": ("TPU v4", "TPU", "tpu4"),
        "rtx": (None, "GPU", None),
    }


def rows(chip: str, *claims: dict[str, Any], **columns: Any) -> tuple[pl.DataFrame, Any]:
    evidence = make_evidence(
        [claim("m", "gpu_count", "final_run", 1, D(2020, 1, 1), qualifier=chip), *claims],
        subjects=CHIPS,
        today=TODAY,
    )
    frame = hardware.with_chip_facts(
        pl.DataFrame({"subject": ["m"], "as_of": [TODAY], "chip": [chip]}), evidence
    ).with_columns(pl.lit(v).alias(k) for k, v in columns.items())
    return frame.with_row_index("_row"), evidence


def price(subject: str, value: float, day: dt.date, qualifier: str, cid: str) -> dict[str, Any]:
    return claim(subject, "purchase_price", "market", value, day, qualifier=qualifier, claim_id=cid)


def test_a_gpus_price_is_its_familys_oldest_dgx_price_else_its_oldest() -> None:
    family = [
        price("a100-40", 15_000, D(2020, 7, 1), "single_unit", "single"),
        price("a100", 24_875, D(2020, 5, 21), "dgx", "dgx-old"),
        price("a100-40", 20_000, D(2022, 1, 1), "dgx", "dgx-new"),
        price("a100-pcie", 9_000, D(2019, 1, 1), "purchase", "oldest"),
        price("a100", 1.0, D(2025, 7, 1), "dgx", "future"),  # stated after as_of: unknown yet
    ]
    frame, evidence = rows("a100-40", *family)
    chosen = hardware.purchase_price(frame, evidence).row(0, named=True)
    assert (chosen["catalog_price"], chosen["catalog_price_claim_id"]) == (24_875, "dgx-old")
    frame, evidence = rows("a100-40", *[c for c in family if "dgx" not in c["claim_id"]])
    chosen = hardware.purchase_price(frame, evidence).row(0, named=True)
    assert chosen["catalog_price_claim_id"] == "oldest"


def test_a_tpu_gets_no_catalog_purchase_price() -> None:
    frame, evidence = rows("tpu4", price("tpu4", 5_176, D(2021, 5, 20), "purchase", "p"))
    assert hardware.purchase_price(frame, evidence).is_empty()


def rent(subject: str, vendor: str, kind: str, value: float, day: dt.date) -> dict[str, Any]:
    return claim(
        subject,
        "rental_price",
        "market",
        value,
        day,
        qualifier=f"{vendor}:{kind}",
        claim_id=f"{subject}-{vendor}-{kind}-{day}",
    )


def cloud(chip: str, *claims: dict[str, Any], developer: str = "OpenAI") -> dict[str, Any]:
    frame, evidence = rows(chip, *claims, developer=developer, price_target=D(2022, 3, 13))
    found = hardware.rental_price(frame, evidence)
    return found.row(0, named=True) if found.height else {}


def test_the_first_vendor_follows_the_developer_and_three_year_prices_come_first() -> None:
    offers = [
        rent("a100-40", "amazon-web-services", "cud_3y", 1.45, D(2022, 1, 25)),
        rent("a100", "microsoft-azure", "cud_3y", 1.36, D(2022, 1, 20)),
        rent("a100", "microsoft-azure", "on_demand", 3.40, D(2022, 1, 20)),
        rent("a100-40", "google-cloud", "cud_3y", 1.03, D(2021, 12, 12)),
    ]
    # OpenAI: Azure first; Azure has no row for the exact chip, so its family's row counts
    assert cloud("a100-40", *offers)["catalog_rental_claim_id"] == (
        "a100-microsoft-azure-cud_3y-2022-01-20"
    )
    # anyone else: AWS first, with its exact chip's row
    assert cloud("a100-40", *offers, developer="TII")["catalog_rental"] == 1.45
    assert cloud("a100-40", *offers, developer="Google DeepMind")["catalog_rental"] == 1.03
    # without an offer from the first vendor: AWS, then Azure, then Google Cloud
    assert cloud("a100-40", *offers[1:], developer="Meta AI")["catalog_rental"] == 1.36


def test_the_row_closest_before_the_target_wins_and_a_later_one_only_if_none_is_before() -> None:
    before = rent("a100-40", "amazon-web-services", "cud_3y", 1.40, D(2022, 1, 1))
    closer = rent("a100-40", "amazon-web-services", "cud_3y", 1.45, D(2022, 3, 1))
    after = rent("a100-40", "amazon-web-services", "cud_3y", 1.10, D(2022, 3, 20))
    assert cloud("a100-40", before, closer, after, developer="TII")["catalog_rental"] == 1.45
    assert cloud("a100-40", after, developer="TII")["catalog_rental"] == 1.10


@pytest.mark.parametrize(
    ("vendor", "kind", "expected"),
    [
        ("amazon-web-services", "on_demand", 4.10 * (1 - 0.64)),
        ("amazon-web-services", "cud_1y", 2.40 * (1 - 0.64) / (1 - 0.41)),
        ("google-cloud", "on_demand", 4.10 * (1 - 0.56)),
        ("microsoft-azure", "cud_1y", 2.40 * (1 - 0.49) / (1 - 0.25)),
        ("lambda-labs", "on_demand", 4.10 * (1 - 0.56)),
    ],
)
def test_another_price_type_is_converted_to_three_year_terms_with_the_vendors_discounts(
    vendor: str, kind: str, expected: float
) -> None:
    value = 2.40 if kind == "cud_1y" else 4.10
    found = cloud("a100-40", rent("a100-40", vendor, kind, value, D(2022, 1, 1)), developer="TII")
    assert found["catalog_rental"] == pytest.approx(expected, rel=1e-12)


def test_a_vendor_without_known_discounts_gives_only_its_three_year_price() -> None:
    on_demand = rent("a100-40", "oblivus-cloud", "on_demand", 2.0, D(2022, 1, 1))
    assert cloud("a100-40", on_demand, developer="TII") == {}  # no price: none chosen
    three = rent("a100-40", "oblivus-cloud", "cud_3y", 1.2, D(2022, 1, 1))
    assert cloud("a100-40", three, developer="TII")["catalog_rental"] == 1.2


def peak(chip: str, *precisions: tuple[str, float]) -> float | None:
    specs = [
        claim(chip, "peak_flops", "spec", v, D(2020, 1, 1), qualifier=q, claim_id=f"{chip}-{q}")
        for q, v in precisions
    ]
    frame, evidence = rows(chip, *specs)
    return hardware.peak_flops(frame, evidence)["peak_flops"][0]


def test_peak_flops_follow_epochs_order_of_precisions() -> None:
    assert peak("a100-40", ("fp32", 19.5e12), ("tf32", 156e12), ("bf16", 312e12)) == 312e12
    assert peak("a100-40", ("fp32", 19.5e12), ("tf32", 156e12)) == 156e12
    assert peak("a100-40", ("fp16", 78e12), ("fp32", 19.5e12)) == 19.5e12  # fp16: TPUs only
    assert peak("tpu4", ("fp16", 275e12), ("fp32", 1e12)) == 275e12
    assert peak("tpu1", ("int8", 92e12), ("fp32", 1e12)) == 92e12  # TPU v1 counts int8


PEAK_CASES = [
    ("a100-40", (("fp16", 78e12), ("fp32", 19.5e12)), 19.5e12),  # a GPU's plain FP16: never
    ("a100-40", (("tf32", 156e12), ("fp16", 78e12)), 156e12),
    ("a100-40", (("bf16", 312e12), ("fp16", 78e12)), 312e12),
    ("tpu4", (("fp16", 275e12), ("fp32", 1e12)), 275e12),  # a TPU's FP16 before its FP32
    ("tpu1", (("int8", 92e12), ("fp32", 1e12)), 92e12),
    ("a100-40", (("fp8", 624e12),), None),  # no precision Epoch uses: none
]


@pytest.mark.parametrize(("chip", "precisions", "expected"), PEAK_CASES)
def test_compute_6nd_takes_the_same_peak_as_the_hardware_catalog(
    chip: str, precisions: tuple[tuple[str, float], ...], expected: float | None
) -> None:
    """One rule for a chip's peak: compute_6nd's parameter and the chip-hours that
    amortized_hardware_energy derives from compute (hardware.peak_flops) never differ."""
    assert peak(chip, *precisions) == expected
    specs = [
        claim(chip, "peak_flops", "spec", v, D(2020, 1, 1), qualifier=q, claim_id=f"{chip}-{q}")
        for q, v in precisions
    ]
    flop = claim("m", "training_flop", "final_run", 1e24, D(2020, 1, 1), qualifier=chip)
    evidence = make_evidence(
        [claim("m", "gpu_count", "final_run", 1, D(2020, 1, 1), qualifier=chip), flop, *specs],
        subjects=CHIPS,
        today=TODAY,
    )
    params = Parameters(table(*default_compute_6nd.PARAMETERS))
    estimates = default_compute_6nd.estimate(evidence, params)
    row = estimates.filter(pl.col("subject") == "m").sort("as_of").row(-1, named=True)
    used = json.loads(row["parameters"])["peak_flops"]["value"]
    assert used == (default_compute_6nd.PEAK_FLOPS.value if expected is None else expected)


def test_a_price_that_cannot_be_put_in_three_year_terms_yields_to_the_next_vendors() -> None:
    unknown_vendor = rent("a100-40", "oblivus-cloud", "cud_1y", 1.0, D(2022, 1, 1))
    aws = rent("a100-40", "amazon-web-services", "on_demand", 4.10, D(2022, 1, 1))
    found = cloud("a100-40", unknown_vendor, aws, developer="TII")
    assert found["catalog_rental_vendor"] == "amazon-web-services"
    assert found["catalog_rental"] == pytest.approx(4.10 * (1 - 0.64))


def test_a_chip_databases_release_price_is_not_an_epoch_purchase_price() -> None:
    release = price("a100-40", 15_000, D(2025, 5, 1), "release_price", "release")
    frame, evidence = rows("a100-40", release)
    assert hardware.purchase_price(frame, evidence).is_empty()
