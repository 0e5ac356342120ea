"""costfacts.md's reference cases end to end: CSV as written → ingest → estimate → stored rows.

The estimator tests build evidence in base units; here the inputs are written the way sources
write them (2.788 million GPU-hours, 700 W, 19 percent, 989 TFLOP/s, 8.25 days, $24.4B of
shares) and go through the real CLI. A wrong conversion factor, a formula or an input lost
anywhere on the path from the file to the stored estimate or the reconciliation view fails a
test here. Expected values are costfacts.md's, typed in, never read back from costboard.
"""

from __future__ import annotations

import json
from typing import Any

import polars as pl
import pytest
from click.testing import CliRunner

from costboard.cli import main
from costboard.plugins.evidence import middle
from costboard.warehouse.config import WarehouseConfig
from tests.conftest import Warehouses, cli_options

pytestmark = pytest.mark.catalogs

SUBJECTS = """subject,name,kind,developer,members,released_on,note
deepseek-v3,DeepSeek-V3,model,DeepSeek,,2024-12-27,
deepseek-r1,DeepSeek-R1,model,DeepSeek,,,
gpt-4,GPT-4,model,OpenAI,,2022-10-14,Epoch's GPT-4 start (2022-05-12) from its general rule
llama-3.1-405b,Llama 3.1 405B,model,Meta,,2024-07-23,
h800,NVIDIA H800,chip,NVIDIA,,,
h100,NVIDIA H100,chip,NVIDIA,,,
a100,NVIDIA A100,chip,NVIDIA,,2020-05-14,
ml-hardware,ML hardware,chip,,,,
"""

# claim_id,subject,metric,scope,qualifier,value,low,high,unit,stated_on: all by one claimant
# and source (the figures are costfacts.md's; the unit is how a source would write them).
CLAIMS = """\
v3-hours,deepseek-v3,gpu_hours,final_run,,2.788,,,gpu_hours_million,2024-12-27
v3-gpus,deepseek-v3,gpu_count,final_run,h800,2048,,,count,2024-12-27
v3-rent,deepseek-v3,rental_price,final_run,h800,2,,,usd_per_gpu_hour,2024-12-27
v3-params,deepseek-v3,active_params,spec,,37,,,params_billion,2024-12-27
v3-tokens,deepseek-v3,training_tokens,final_run,,14.8,,,tokens_trillion,2024-12-27
v3-cost,deepseek-v3,training_cost,final_run,,5.576,,,usd_million,2024-12-27
h800-dgx,h800,purchase_price,market,dgx_per_gpu,44750,,,usd_per_gpu,2025-02-21
h800-tdp,h800,power,spec,,700,,,w,2024-05-31
h800-bf16,h800,peak_flops,spec,bf16,989,,,tflop_per_second,2024-05-31
v3-cost-low,deepseek-v3,training_cost,final_run,low-report,1,,,usd_million,2025-02-21
v3-cost-mid,deepseek-v3,training_cost,final_run,mid-report,5.918,,,usd_million,2025-02-21
v3-cost-high,deepseek-v3,training_cost,final_run,high-report,0.1,,,usd_billion,2025-02-21
v3-cost-range,deepseek-v3,training_cost,final_run,range-report,,4,9,usd_million,2025-02-21
v3-cost-floor,deepseek-v3,training_cost,final_run,floor-report,,5,,usd_million,2025-02-21
interconnect,ml-hardware,interconnect_fraction,method,,19,,,percent,2024-05-31
power-fraction,ml-hardware,average_power_fraction,method,,75,,,percent,2024-05-31
power-multiplier,ml-hardware,server_power_multiplier,method,,1.8,,,ratio,2024-05-31
pue,ml-hardware,pue,method,,1.25,,,ratio,2024-05-31
electricity-2024,ml-hardware,electricity_price,method,2024,0.0771,,,usd_per_kwh,2024-05-31
r1-gpus,deepseek-r1,gpu_count,final_run,h800,512,,,count,2025-09-17
r1-zero-days,deepseek-r1,training_duration,stage,r1_zero,8.25,,,days,2025-09-17
r1-rl-hours,deepseek-r1,training_duration,stage,r1_rl,80,,,hours,2025-09-17
r1-sft-hours,deepseek-r1,gpu_hours,stage,sft_data,5,,,gpu_hours_thousand,2025-09-17
r1-rent,deepseek-r1,rental_price,final_run,h800,2,,,usd_per_gpu_hour,2025-09-17
gpt4-hours,gpt-4,gpu_hours,final_run,,57,,,gpu_hours_million,2024-05-31
gpt4-gpus,gpt-4,gpu_count,final_run,a100,25000,,,count,2024-05-31
a100-dgx,a100,purchase_price,market,dgx_per_gpu,24875,,,usd_per_gpu,2020-05-21
a100-azure,a100,rental_price,market,azure_3yr_cud,1.36,,,usd_per_gpu_hour,2024-01-01
llama-flop,llama-3.1-405b,training_flop,final_run,,3.8e25,,,flop,2024-07-23
llama-gpus,llama-3.1-405b,gpu_count,final_run,h100,16384,,,count,2024-07-23
llama-mfu,llama-3.1-405b,utilization,final_run,bf16,40.42,,,percent,2024-07-23
h100-bf16,h100,peak_flops,spec,bf16,989.4,,,tflop_per_second,2024-07-23
"""


def claims_csv() -> str:
    header = (
        "claim_id,subject,metric,scope,qualifier,value,low,high,unit,stated_on,"
        "claimant,source_url\n"
    )
    rows = [
        f"{line},costfacts,https://example.org/costfacts" for line in CLAIMS.splitlines() if line
    ]
    return header + "\n".join(rows) + "\n"


def cli(home: WarehouseConfig, *args: str) -> str:
    result = CliRunner().invoke(main, [*cli_options(home), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def sql(home: WarehouseConfig, query: str) -> list[dict[str, Any]]:
    return json.loads(cli(home, "sql", query, "--format", "json"))


@pytest.fixture(scope="module")
def home(
    tmp_path_factory: pytest.TempPathFactory, module_warehouses: Warehouses
) -> WarehouseConfig:
    folder = tmp_path_factory.mktemp("e2e")
    (folder / "subjects.csv").write_text(SUBJECTS, encoding="utf-8")
    (folder / "claims.csv").write_text(claims_csv(), encoding="utf-8")
    home = module_warehouses.make(folder / "home", None)
    cli(home, "init")
    cli(home, "ingest", str(folder / "subjects.csv"), str(folder / "claims.csv"), "-m", "facts")
    cli(home, "estimate", "-m", "estimates")
    return home


def latest(home: WarehouseConfig, subject: str, estimator: str) -> dict[str, Any]:
    rows = sql(
        home,
        f"SELECT * FROM estimates WHERE subject = '{subject}' AND estimator = '{estimator}' "
        "ORDER BY as_of DESC LIMIT 1",
    )
    assert rows, f"no stored {estimator} estimate for {subject}"
    row = rows[0]
    row["parameters"] = json.loads(row["parameters"])
    return row


def derived(row: dict[str, Any], name: str) -> Any:
    return row["parameters"][name]["value"]


# --- the cost models, from CSV as written -------------------------------------------------------


def test_row_4_v3_rental_from_2_788_million_gpu_hours_is_5_576_million_exact(
    home: WarehouseConfig,
) -> None:
    row = latest(home, "deepseek-v3", "cloud_rental")
    assert derived(row, "gpu_hours") == 2_788_000
    assert row["value"] == 5_576_000.0


def test_row_6_r1_rental_from_512_gpus_for_8_25_days_and_80_hours_is_294_672(
    home: WarehouseConfig,
) -> None:
    row = latest(home, "deepseek-r1", "cloud_rental")
    assert derived(row, "gpu_hours") == 512 * 198 + 512 * 80 + 5_000  # 8.25 days = 198 h
    assert row["value"] == pytest.approx(294_672.0, rel=1e-12)


def test_rows_25_and_27_v3_amortized_with_700_w_and_percent_fractions_is_5_918_million(
    home: WarehouseConfig,
) -> None:
    row = latest(home, "deepseek-v3", "amortized_hardware_energy")
    assert derived(row, "power") == pytest.approx(0.7)  # 700 W
    assert derived(row, "interconnect_fraction") == pytest.approx(0.19)  # 19 percent
    assert derived(row, "average_power_fraction") == pytest.approx(0.75)  # 75 percent
    assert round(derived(row, "hardware_cost") / 1e6, 3) == 4.588
    assert round(derived(row, "interconnect_cost") / 1e6, 3) == 1.076
    assert round(derived(row, "energy_cost") / 1e6, 3) == 0.254
    assert derived(row, "gpu_energy_kwh") / 1000 == pytest.approx(1_951.6, rel=1e-12)
    assert round(row["value"] / 1e6, 3) == 5.918


def test_row_26_v3_cluster_acquisition_with_a_19_percent_interconnect_is_113_1_million(
    home: WarehouseConfig,
) -> None:
    row = latest(home, "deepseek-v3", "hardware_acquisition")
    assert row["value"] == pytest.approx(2048 * 44_750 / 0.81, rel=1e-12)
    assert round(row["value"] / 1e6, 1) == 113.1


def test_row_12_v3_six_nd_from_billions_of_params_and_trillions_of_tokens(
    home: WarehouseConfig,
) -> None:
    row = latest(home, "deepseek-v3", "compute_6nd")
    assert derived(row, "training_flop") == pytest.approx(3.2856e24, rel=1e-12)
    assert derived(row, "peak_flops") == pytest.approx(989e12)  # 989 TFLOP/s
    # No MFU claimed for V3: Epoch's median utilization 0.375, at the claimed $2 per GPU-hour.
    assert derived(row, "utilization") == 0.375
    assert row["value"] == pytest.approx(3.2856e24 / (989e12 * 0.375 * 3600) * 2.0, rel=1e-9)


def test_row_17_llama_chip_hours_from_a_40_42_percent_mfu_and_989_4_tflops(
    home: WarehouseConfig,
) -> None:
    row = latest(home, "llama-3.1-405b", "compute_6nd")
    assert derived(row, "utilization") == pytest.approx(0.4042)
    assert derived(row, "gpu_hours") == pytest.approx(26.39e6, rel=0.005)


def test_rows_23_and_24_gpt4_acquisition_and_cloud_cost(home: WarehouseConfig) -> None:
    acquisition = latest(home, "gpt-4", "hardware_acquisition")
    assert acquisition["value"] == pytest.approx(767.75e6, rel=1e-5)
    assert abs(acquisition["value"] / 778.07e6 - 1) <= 0.02
    cloud = latest(home, "gpt-4", "cloud_rental")
    assert cloud["value"] == pytest.approx(77.52e6, rel=1e-12)
    assert abs(cloud["value"] / 78.35e6 - 1) <= 0.02


# --- reconciliation: claims below, inside and above an estimate's range --------------------------


def reconciled(home: WarehouseConfig, claim_id: str, estimator: str) -> dict[str, Any]:
    # The estimate in force at the claim's date (the latest frame is tested in
    # tests/warehouse/test_reconciliation_frames.py).
    rows = sql(
        home,
        "SELECT claim_value, value, low, high, ratio, inside_range FROM reconciliation "
        f"WHERE claim_id = '{claim_id}' AND estimator = '{estimator}' "
        "AND frame = 'at_claim_date'",
    )
    assert len(rows) == 1, rows
    return rows[0]


def test_a_claim_equal_to_its_estimate_reconciles_at_ratio_one(home: WarehouseConfig) -> None:
    row = reconciled(home, "v3-cost", "cloud_rental")  # $5.576M at 2024-12-27
    assert row["claim_value"] == 5_576_000.0
    assert row["ratio"] == 1.0 and row["inside_range"] is True


def test_a_claim_below_the_range_is_outside_with_ratio_claim_over_estimate(
    home: WarehouseConfig,
) -> None:
    row = reconciled(home, "v3-cost-low", "amortized_hardware_energy")  # $1M vs $5.918M
    assert row["claim_value"] == 1_000_000.0
    assert row["claim_value"] < row["low"]
    assert row["ratio"] == pytest.approx(1e6 / 5.918e6, rel=1e-3)  # 0.169, not 5.918
    assert row["inside_range"] is False


def test_a_claim_inside_the_range_but_off_centre_has_a_ratio_that_is_not_one(
    home: WarehouseConfig,
) -> None:
    row = reconciled(home, "v3-cost-mid", "cloud_rental")  # $5.918M vs $5.576M
    assert row["low"] <= row["claim_value"] <= row["high"]
    assert row["ratio"] == pytest.approx(5.918 / 5.576, rel=1e-9)
    assert row["inside_range"] is True


def test_a_claim_above_the_range_written_in_billions_is_outside(home: WarehouseConfig) -> None:
    row = reconciled(home, "v3-cost-high", "cloud_rental")  # 0.1 usd_billion vs $5.576M
    assert row["claim_value"] == 100_000_000.0
    assert row["claim_value"] > row["high"]
    assert row["ratio"] == pytest.approx(100 / 5.576, rel=1e-9)
    assert row["inside_range"] is False


def test_the_reconciliation_view_and_the_evidence_give_a_claim_the_same_point(
    home: WarehouseConfig,
) -> None:
    """A claim's point has one rule, stated in SQL for the view and in polars for the
    estimators and the dashboard: a range's geometric middle, else its one end."""
    ids = ("v3-cost-range", "v3-cost-floor", "v3-cost-mid")
    in_view = {
        row["claim_id"]: row["claim_value"]
        for row in sql(
            home,
            f"SELECT DISTINCT claim_id, claim_value FROM reconciliation WHERE claim_id IN {ids}",
        )
    }
    claims = pl.DataFrame(
        sql(home, f"SELECT claim_id, value, low, high FROM claims WHERE claim_id IN {ids}")
    )
    in_polars = dict(claims.select("claim_id", middle()).iter_rows())
    assert in_view == pytest.approx(in_polars)
    assert in_view["v3-cost-range"] == pytest.approx(6e6)  # sqrt(4M x 9M)
    assert in_view["v3-cost-floor"] == 5e6


# --- the market move, from the demo's prices and shares in millions and billions ----------------


@pytest.fixture(scope="module")
def demo_home(
    tmp_path_factory: pytest.TempPathFactory, module_warehouses: Warehouses
) -> WarehouseConfig:
    home = module_warehouses.make(tmp_path_factory.mktemp("e2e-demo") / "home", "demo")
    cli(home, "estimate")
    return home


def test_nvidias_27_january_loss_is_bloombergs_589_billion_within_its_range(
    demo_home: WarehouseConfig,
) -> None:
    rows = sql(
        demo_home,
        "SELECT metric, value, low, high FROM estimates WHERE estimator = 'market_cap_move' "
        "AND subject = 'NVDA' AND as_of = DATE '2025-01-27' AND scope = 'one_day'",
    )
    by_metric = {row["metric"]: row for row in rows}
    # marketdata.md: -16.97% close to close; 24.804B shares (Macrotrends, 24,804 million).
    assert by_metric["price_change"]["value"] == pytest.approx(-0.1697, abs=5e-4)
    move = by_metric["market_cap_change"]
    assert move["value"] == pytest.approx((118.40910 - 142.60687) * 24.804e9, rel=1e-5)
    assert move["low"] <= -589e9 <= move["high"]
    assert abs(move["value"] / -589e9 - 1) <= 0.02


def test_the_nvidia_broadcom_move_is_dated_27_january_like_each_tickers(
    demo_home: WarehouseConfig,
) -> None:
    # The market moved the pair on the 27th: its move is there, the sum of NVDA's and AVGO's
    # moves that day (marketdata.md's closes), not only at CNBC's 31 January claim.
    rows = sql(
        demo_home,
        "SELECT subject, as_of, value FROM estimates WHERE estimator = 'market_cap_move' "
        "AND scope = 'one_day' AND metric = 'market_cap_change' "
        "AND subject IN ('NVDA', 'AVGO', 'nvidia-broadcom')",
    )
    moves = {(r["subject"], r["as_of"]): r["value"] for r in rows}
    day = "2025-01-27"
    pair = moves[("nvidia-broadcom", day)]
    assert pair == pytest.approx(moves[("NVDA", day)] + moves[("AVGO", day)], rel=1e-12)
    assert pair == pytest.approx(moves[("nvidia-broadcom", "2025-01-31")], rel=1e-12)


def test_the_nvidia_broadcom_loss_is_about_800_billion_and_bloomberg_reconciles(
    demo_home: WarehouseConfig,
) -> None:
    # CNBC stated the combined ~$800B on 31 January, qualified with the trading day it
    # describes: the group's estimate at that date is the 27th's move
    group = sql(
        demo_home,
        "SELECT value FROM estimates WHERE estimator = 'market_cap_move' AND scope = 'one_day' "
        "AND subject = 'nvidia-broadcom' AND metric = 'market_cap_change' "
        "AND as_of = DATE '2025-01-31'",
    )
    assert abs(group[0]["value"] / -800e9 - 1) <= 0.01
    cnbc = reconciled(demo_home, "cnbc-nvidia-broadcom-mcap-change", "market_cap_move")
    assert cnbc["value"] == group[0]["value"] and cnbc["inside_range"] is True
    bloomberg = reconciled(demo_home, "nvda-mcap-change-bloomberg", "market_cap_move")
    assert bloomberg["claim_value"] == -589e9
    assert bloomberg["ratio"] == pytest.approx(-589e9 / bloomberg["value"], rel=1e-12)
    assert 0.97 < bloomberg["ratio"] < 1.0 and bloomberg["inside_range"] is True
