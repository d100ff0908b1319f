"""Notifications (SPEC §5): rules -> incidents -> outbox -> e-mail and SMS.

`feed(config, engine, evaluation)` is what the `evaluate` command calls (sync: incidents and
outbox rows, no delivery); `notifier.service.start(runtime)` is the `run` service's part.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from notifier.pipeline import FeedSummary
    from probe.config import ProbeConfig
    from probe.snapshot import Evaluation


def feed(config: ProbeConfig, engine: Engine, evaluation: Evaluation) -> FeedSummary:
    """Drive the incidents by one evaluation and queue their messages (see notifier.pipeline)."""
    from notifier.pipeline import feed as _feed  # imported late: probe.config imports notifier.rules

    return _feed(config, engine, evaluation)


__all__ = ["feed"]
