"""What `bin/run` does on a fresh clone, on the embedded SQLite database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _manage(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "CELERY_TASK_ALWAYS_EAGER"}
    }
    env.update(DEBUG="1", ENV_FILE="/nonexistent/.env", DATABASE_URL=f"sqlite:///{db}")
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_fresh_sqlite_migrates_loads_the_catalog_and_the_demo_twice(tmp_path):
    db = tmp_path / "fresh.sqlite3"
    for _ in range(2):  # bin/run is run again and again: every step is idempotent
        migrate = _manage("migrate", "--no-input", db=db)
        assert migrate.returncode == 0, migrate.stderr
        catalog = _manage("load_reference_catalog", db=db)
        assert catalog.returncode == 0, catalog.stderr
        demo = _manage("seed_demo", db=db)
        assert demo.returncode == 0, demo.stderr
        assert "demo@breakeven.local" in demo.stdout

    counts = _manage(
        "shell",
        "-c",
        "from pricing.models import CatalogVersion; from accounts.models import Organization;"
        "print(CatalogVersion.objects.filter(status='published').count(),"
        " Organization.objects.filter(slug='demo-co').count())",
        db=db,
    )
    assert counts.stdout.strip().splitlines()[-1].split() == ["1", "1"], counts.stderr
