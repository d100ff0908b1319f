"""Notifications (SPEC §5): rules -> incidents -> outbox -> e-mail and SMS.

The notifier plugs into the probe through entry points (setup.cfg): its config section
(`notifier.config.NotifierConfig`), its commands (`notifier.commands`), its service component
(`notifier.service`, which feeds every evaluation the service publishes — its own and those other
processes stored — to the incidents and delivers the outbox).
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
    from notifier.pipeline import feed as _feed  # late: Jinja2 and the channels only when needed

    return _feed(config, engine, evaluation)


__all__ = ["feed"]
