"""`[history]` validated like every section, and `prolan-probe history prune|status` (issue 16)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

from probe.config import ConfigError, load_config
from probe.history.config import HistoryConfig
from probe.store.db import utcnow
from probe.store.schema import metric_values, metrics
from tests.helpers import run_cli


@pytest.mark.parametrize(
    ("body", "key", "what"),
    [
        ("keep_days = '31'\n", "history.keep_days", "valid integer"),
        ("keep_days = 0\n", "history.keep_days", "greater than or equal to 1"),
        ("trend_days = 1.5\n", "history.trend_days", "valid integer"),
        ("keep_dayz = 3\n", "history.keep_dayz", "unknown key"),
        ("batch_rows = 10\n", "history.batch_rows", "greater than or equal to 100"),
    ],
)
def test_bad_history_settings_name_file_and_key(tmp_path: Path, body: str, key: str, what: str) -> None:
    path = tmp_path / "probe.toml"
    path.write_text("[history]\n" + body, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert len(message.splitlines()) == 1 and str(path) in message and f"'{key}'" in message, message
    assert what in message, message


def test_history_defaults(tmp_path: Path) -> None:
    path = tmp_path / "probe.toml"
    path.write_text("[history]\nkeep_days = 7\n", encoding="utf-8")
    settings = load_config(path).section(HistoryConfig)
    assert (settings.keep_days, settings.trend_days) == (7, 730)
    assert HistoryConfig().keep_days == 31


def test_prune_and_status_commands(engine: Engine, write_config) -> None:  # type: ignore[no-untyped-def]
    """Values 40 days old go (keep_days 31), their trends stay; the reports say so."""
    now = utcnow()
    old = now.replace(minute=0, second=0, microsecond=0) - dt.timedelta(days=40)
    with engine.begin() as conn:
        conn.execute(
            metrics.insert().values(id=1, key="m", name="M", test="T", short_name="M", created_at=now)
        )
        conn.execute(
            metric_values.insert(),
            [
                {"metric_id": 1, "at": old + dt.timedelta(minutes=10 * i), "value": float(i)}
                for i in range(1, 7)
            ]
            + [{"metric_id": 1, "at": now - dt.timedelta(hours=2), "value": 1.0}],
        )
    config = write_config()
    pruned = run_cli("--lang", "en", "history", "prune", "--format", "json", config=config, check=True)
    report = json.loads(pruned.stdout)
    assert report["trends_written"] == 2 and report["hours_rolled"] == 2
    # On PostgreSQL the old day had no partition of its own (DEFAULT): deleted row by row.
    assert report["deleted"]["metric_values"] == 6
    status = json.loads(run_cli("history", "status", "--format", "json", config=config, check=True).stdout)
    assert status["oldest_trend_hour"] == old.isoformat()
    assert status["oldest_raw"] == (now - dt.timedelta(hours=2)).isoformat()
    rows = {t["table"]: t["rows"] for t in status["tables"]}
    assert rows["metric_values"] == 1 and rows["metric_trends"] == 2 and status["keep_days"] == 31
    text = run_cli("--lang", "ru", "history", "status", config=config, check=True).stdout
    assert "самый старый день" in text.lower(), text
