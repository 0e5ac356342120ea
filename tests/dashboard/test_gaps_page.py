"""The dashboard's Gaps page (dashboard/pages/gaps.py) on a crafted warehouse with a known
ranking: its callback's rows in order, the filters, the subject links pinned to the snapshot,
sources linked only when http(s), and the reason an empty table gives.

Every estimate is stored directly: 100 in the range 50-200 (training_cost final_run) and 1,000
in 500-2,000 (training_total), so each gap is a round log10 worked out here by hand.
"""

from __future__ import annotations

import datetime as dt
import importlib
import math
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import dash
import pytest
from flask_caching.backends import SimpleCache

from costboard.dashboard.app import create_app
from costboard.warehouse import ingest, lake, schema
from costboard.warehouse.config import WarehouseConfig
from tests.warehouse.test_reconciliation_view import estimate, store

EARLY, DAY = dt.date(2025, 1, 3), dt.date(2025, 1, 10)
HEADER = (
    "claim_id,subject,metric,scope,value,low,high,unit,bound,claimant,stated_on,"
    "source_url,outlet,source_title\n"
)
#: claim_id: (subject, scope, value, low, high, bound, stated_on, source URL)
CLAIMS = {
    "total-far": ("b", "training_total", "50000", "", "", "", DAY, "https://b.org/total"),
    "far-above": ("a", "final_run", "2000", "", "", "", DAY, "https://a.org/far"),
    "below": ("b", "final_run", "10", "", "", "", EARLY, "https://b.org/below"),
    "range-apart": ("d", "final_run", "", "300", "400", "", DAY, ""),
    "floor-below": ("c", "final_run", "20", "", "", "lower", DAY, "http://c.org/floor"),
    "range-overlap": ("e", "final_run", "", "10", "60", "", DAY, "https://e.org/overlap"),
}
#: The ranking in the latest frame, and each claim's gap (log10), by hand.
RANKED = ["total-far", "far-above", "below", "range-apart", "floor-below", "range-overlap"]
GAPS = {
    "total-far": math.log10(50000 / 2000),
    "far-above": math.log10(2000 / 200),
    "below": math.log10(50 / 10),
    "range-apart": math.log10(300 / 200),
    "floor-below": 0.0,  # "more than $20" agrees with 50-200
    "range-overlap": 0.0,  # 10-60 overlaps 50-200
}


def build(home: Path) -> WarehouseConfig:
    """The crafted warehouse: claims in one snapshot, their estimates in the next. The
    subjects are models but e, a company; "range-apart" has no URL, only an outlet and title.
    Estimates are of DAY, so "below" (stated before) has none in force at its date."""
    config = WarehouseConfig.resolve(home)
    schema.create(config, author="tests")
    kinds = {s: "company" if s == "e" else "model" for s, *_ in CLAIMS.values()}
    (home / "subjects.csv").write_text(
        "subject,kind\n" + "".join(f"{s},{k}\n" for s, k in kinds.items())
    )
    rows = [
        f"{c},{s},training_cost,{scope},{v},{lo},{hi},usd,{b},someone {s},{when},{url},"
        + ("" if url else "A Print Weekly,Issue 3")
        for c, (s, scope, v, lo, hi, b, when, url) in CLAIMS.items()
    ]
    (home / "claims.csv").write_text(HEADER + "\n".join(rows) + "\n")
    ingest.ingest(config, [home / "subjects.csv", home / "claims.csv"], message="c", today=DAY)
    store(
        config,
        *(estimate(subject=s) for s in sorted(kinds)),
        estimate(
            subject="b",
            scope="training_total",
            estimator="model_b",
            value=1000.0,
            low=500.0,
            high=2000.0,
        ),
    )
    return config


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> WarehouseConfig:
    return build(tmp_path_factory.mktemp("gaps-page") / "home")


@pytest.fixture(scope="module")
def snapshots(config: WarehouseConfig) -> tuple[int, int]:
    """(the snapshot with the claims only, the newest: with their estimates)."""
    with lake.connect(config) as connection:
        newest = int(connection.execute("SELECT max(snapshot_id) FROM snapshots").fetchone()[0])
    return newest - 1, newest


@pytest.fixture(scope="module")
def app(config: WarehouseConfig) -> dash.Dash:
    return create_app(config, cache=SimpleCache(threshold=0), warm=False)


@pytest.fixture
def gaps(app: dash.Dash) -> Iterator[ModuleType]:
    with app.server.test_request_context("/gaps"):
        yield importlib.import_module("costboard.dashboard.pages.gaps")


def test_rows_are_ranked_by_the_gap_to_the_nearest_range_end(
    gaps: ModuleType, snapshots: tuple[int, int]
) -> None:
    _, newest = snapshots
    rows, summary, empty, *_ = gaps.update(newest, "latest")
    assert [r["claim_id"] for r in rows] == RANKED
    assert [r["rank"] for r in rows] == list(range(1, len(RANKED) + 1))
    for row in rows:
        assert row["claim_gap"] == pytest.approx(GAPS[row["claim_id"]])
    assert empty is None
    assert summary == (
        f"6 claims ranked at snapshot {newest} (latest frame), "
        "4 outside every range they are compared with."
    )
    by_id = {r["claim_id"]: r for r in rows}
    # Who, when, the figure as stated (a range-only claim as its range), the estimator's range.
    far = by_id["far-above"]
    assert (far["claimant"], far["stated_on"], far["claim"]) == (
        "someone a",
        "2025-01-10",
        "$2,000",
    )
    assert (far["estimator"], far["range"], far["outside"]) == (
        "model_a",
        "$50 – $200",
        "×10 above",
    )
    assert by_id["range-apart"]["claim"] == "$300 – $400"
    assert by_id["floor-below"]["claim"] == "> $20" and by_id["floor-below"]["outside"] == "inside"
    assert by_id["below"]["outside"] == "×5 below"
    assert by_id["total-far"]["range"] == "$500 – $2,000"


def test_each_subject_links_to_its_overview_at_the_same_snapshot(
    gaps: ModuleType, snapshots: tuple[int, int]
) -> None:
    _, newest = snapshots
    rows, *_, state = gaps.update(newest, "latest")
    assert {r["subject"]: r["overview_href"] for r in rows}["a"] == (
        f"/?snapshot={newest}&subject=a"
    )
    # The overview writes the same URL for that subject (its own url_state).
    overview = importlib.import_module("costboard.dashboard.pages.overview")
    *_, overview_state = overview.update(newest, ["a"])
    assert "/" + overview_state["search"] == f"/?snapshot={newest}&subject=a"
    assert state["search"] == f"?snapshot={newest}&frame=latest"


def test_sources_are_links_only_for_http_urls(gaps: ModuleType, snapshots: tuple[int, int]) -> None:
    rows, *_ = gaps.update(snapshots[1], "latest")
    by_id = {r["claim_id"]: r for r in rows}
    assert by_id["far-above"]["source_href"] == "https://a.org/far"
    assert by_id["floor-below"]["source_href"] == "http://c.org/floor"
    printed = by_id["range-apart"]
    assert (printed["source_href"], printed["source_label"]) == (None, "Issue 3")


def test_kind_metric_and_scope_filter_and_rank_anew(
    gaps: ModuleType, snapshots: tuple[int, int]
) -> None:
    newest = snapshots[1]
    rows, _, _, kinds, metrics, scopes, _, state = gaps.update(newest, "latest", "company")
    assert [(r["claim_id"], r["rank"]) for r in rows] == [("range-overlap", 1)]
    assert state["search"] == f"?snapshot={newest}&frame=latest&kind=company"
    assert [o["value"] for o in kinds] == ["company", "model"]
    assert [o["value"] for o in metrics] == ["training_cost"]
    assert [o["value"] for o in scopes] == ["final_run", "training_total"]
    rows, *_ = gaps.update(newest, "latest", None, "training_cost", "final_run")
    assert [r["claim_id"] for r in rows] == RANKED[1:]
    rows, *_ = gaps.update(newest, "latest", "model", None, "training_total")
    assert [r["claim_id"] for r in rows] == ["total-far"]


def test_the_at_claim_date_frame_ranks_only_claims_with_an_estimate_then(
    gaps: ModuleType, snapshots: tuple[int, int]
) -> None:
    rows, *_ = gaps.update(snapshots[1], "at_claim_date")
    assert [r["claim_id"] for r in rows] == [c for c in RANKED if c != "below"]
    assert {r["frame"] for r in rows} == {"at_claim_date"}


def test_an_empty_table_says_why(gaps: ModuleType, snapshots: tuple[int, int]) -> None:
    claims_only, newest = snapshots
    rows, summary, empty, *_ = gaps.update(newest, "latest", None, "hardware_spend")
    assert rows == [] and summary is None
    assert "No compared claim has metric = hardware_spend" in empty.children
    assert "6 claims are ranked without these filters" in empty.children
    # Before any estimate: every claim is unmodelled, and the page counts them by reason.
    rows, _, empty, *options = gaps.update(claims_only, "latest")
    assert rows == []
    said = f"No claim is compared with an estimate in the latest frame at snapshot {claims_only}"
    assert said in empty.children
    assert "6: no estimator models their metric and scope" in empty.children
    assert options[0] == []


def test_the_layout_restores_the_filters_from_the_url(
    gaps: ModuleType, snapshots: tuple[int, int]
) -> None:
    claims_only, _ = snapshots
    page = gaps.layout(snapshot=str(claims_only), frame="at_claim_date", kind="company")
    found = {c.id: c.value for c in walk(page) if str(getattr(c, "id", None)) in WANTED}
    assert found == {
        "gaps-snapshot": claims_only,
        "gaps-frame": "at_claim_date",
        "gaps-kind": "company",
        "gaps-metric": None,
        "gaps-scope": None,
    }
    unknown = gaps.layout(frame="someday")
    assert any("No frame 'someday'" in str(getattr(c, "children", "")) for c in walk(unknown))


WANTED = {"gaps-snapshot", "gaps-frame", "gaps-kind", "gaps-metric", "gaps-scope"}


def walk(component: object) -> Iterator[object]:
    yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, str):
            yield from walk(child)
