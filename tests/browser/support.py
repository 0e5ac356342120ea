"""The warehouse the dashboard tests read, built once per test process through the real CLI.

The demo warehouse (``costboard init --demo``), then ``costboard estimate``, a tag, a revised
claim (so a claim has two versions and two snapshots differ) and ``costboard estimate``
again: the history a team's warehouse would have.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from costboard.cli import main

#: The revised claim: the H800 rental listing at CR8DL, its price corrected.
REVISED_CLAIM = "h800-rental-cr8dl-2024-08"
TAG = "first-estimates"

_built: dict[str, Path] = {}


def revised_claim_file(folder: Path) -> Path:
    path = folder / "revised-claim.csv"
    path.write_text(
        "claim_id,subject,metric,scope,qualifier,value,unit,claimant,stated_on,source_url,"
        "source_title,note\n"
        f"{REVISED_CLAIM},h800,rental_price,market,cr8dl,3.45,usd_per_gpu_hour,Epoch AI,"
        "2024-08-31,https://github.com/epoch-research/training-cost-trends,"
        "Epoch AI training-cost-trends (code and data),price corrected in a later revision\n",
        encoding="utf-8",
    )
    return path


def dashboard_home(demo_home: Path, scratch: Path) -> Path:
    """A copy of the demo warehouse with estimates and some history (built once per process)."""
    if "home" not in _built:
        home = scratch / "dashboard-home"
        shutil.copytree(demo_home, home)
        add_history(scratch, "--home", str(home))
        _built["home"] = home
    return _built["home"]


def add_history(scratch: Path, *options: str) -> None:
    """Estimates, a tag, a revised claim, estimates again: on the warehouse the CLI's global
    ``options`` name (``--home``, and ``--catalog``/``--data-path`` for another catalog)."""

    def run(*args: str) -> None:
        result = CliRunner().invoke(main, [*options, *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output

    run("estimate")
    run("tag", TAG, "-m", "the first estimate run")
    run("ingest", str(revised_claim_file(scratch)), "-m", "revise the CR8DL listing")
    run("estimate")


def claim_count(home: Path) -> int:
    """How many claims the warehouse at ``home`` holds now (the seed's and Epoch AI's)."""
    from costboard.warehouse import lake
    from costboard.warehouse.config import WarehouseConfig

    with lake.connect(WarehouseConfig.resolve(home)) as connection:
        row = connection.execute("SELECT count(*) FROM claims").fetchone()
    assert row is not None
    return int(row[0])
