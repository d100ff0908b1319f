"""Shared pieces of the notifier tests: evaluations, configs, an SMTP server."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from probe.assess import ThresholdTable
from probe.config import ProbeConfig, parse_config
from probe.levels import Level
from probe.snapshot import Evaluation, MetricState

NEGATIVE = "LOYALTY_MON. СОКОК. Калужская. % негативных ответов. Интервал 10 мин"
T0 = dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC)  # 10:00 Moscow, a Monday


def metric(
    value: float | None,
    level: Level | None,
    at: dt.datetime,
    *,
    metric_id: int = 7,
    name: str = NEGATIVE,
    point: str | None = "Калужская",
) -> MetricState:
    return MetricState(
        id=metric_id,
        key=f"loyalty_mon.m{metric_id}",
        name=name,
        test="LOYALTY_MON",
        short_name="% негативных ответов",
        value=value,
        level=level,
        time=at,
        unit="%",
        point=point,
        region="Москва/ЮЗАО",
        thresholds=ThresholdTable.higher_worse(20, 40, 60, 80),
    )


def evaluation(at: dt.datetime, *metrics: MetricState, historical: bool = False) -> Evaluation:
    return Evaluation(test="LOYALTY_MON", at=at, metrics=metrics, historical=historical)


def levels_series(levels: list[Level | None], start: dt.datetime = T0, **kwargs: Any) -> list[Evaluation]:
    values = {
        Level.GOOD: 10.0,
        Level.ACCEPTABLE: 30.0,
        Level.ATTENTION: 50.0,
        Level.EDGE: 70.0,
        Level.BAD: 90.0,
    }
    out = []
    for i, level in enumerate(levels):
        at = start + dt.timedelta(minutes=10 * i)
        out.append(evaluation(at, metric(values.get(level) if level else None, level, at, **kwargs)))
    return out


def notifier_config(
    db_url: str, rule: str = "", extra: str = "", smtp_port: int = 25, consecutive: int = 5
) -> ProbeConfig:
    import tomllib

    text = f'''
name = "probe-test"
timezone = "Europe/Moscow"
[database]
url = "{db_url}"
[notifier.smtp]
host = "127.0.0.1"
port = {smtp_port}
sender = "probe@example.org"
timeout_seconds = 5
[notifier.outbox]
retry_base_seconds = 1
retry_max_seconds = 2
poll_seconds = 0.2
[[notifier.recipients]]
name = "quality"
members = [{{ name = "Анна", email = "anna@example.org", phone = "+79990000000" }}]
[[notifier.recipients]]
name = "directors"
members = [{{ name = "Boss", email = "boss@example.org", language = "en" }}]
{extra}
[[notifier.rules]]
name = "negative"
metrics = "LOYALTY_MON. *. *. % негативных ответов. Интервал 10 мин"
level = "attention"
consecutive = {consecutive}
recipients = ["quality"]
channels = ["email"]
{rule}
'''
    return parse_config(tomllib.loads(text))


def cli(capsys: pytest.CaptureFixture[str], *args: str, config: Path) -> SimpleNamespace:
    """The real command line in this process (a fresh interpreter costs seconds on a busy
    machine); the steps that must be a separate process (a restart) use run_cli."""
    import logging

    from probe.cli import main

    root = logging.getLogger()
    before = list(root.handlers)
    capsys.readouterr()
    try:
        status = main(["--config", str(config), *args])
    finally:
        # main() configures logging onto this test's captured stderr; do not leak it to the next
        for handler in root.handlers[:]:
            if handler not in before:
                root.removeHandler(handler)
    captured = capsys.readouterr()
    return SimpleNamespace(returncode=status, stdout=captured.out, stderr=captured.err)
