"""Press hooks: subsystems that act on presses *in the transaction that stores them*.

A subsystem declares a factory in the `prolan.press_hooks` entry-point group (setup.cfg); the
factory gets the probe's config and returns a `PressHook`, or None when it has nothing to do (the
notifier without press rules). Ingest (TCP, serial, the spool draining) and `presses import`
call every hook with each batch inside the batch's own transaction, so what a hook writes (the
notifier's queue of presses to announce) is committed together with the presses or not at all:
a crash between the two cannot happen, and nothing is announced about a press that was not stored.

A hook must be cheap (it runs before the `OK` of every press) and idempotent (a batch may be
stored twice: a retried line, the spool draining a batch whose slow transaction committed after
all). A database error in a hook fails the batch like any other (ingest then spools it and tries
again); any other error is logged and the presses are stored without that hook, because ingest
must never stop for a plug-in's fault.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from probe.presses import Press
from probe.topology import Topology

if TYPE_CHECKING:
    from probe.config import ProbeConfig

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredPresses:
    """One batch of presses being stored, and how it came in."""

    presses: Sequence[Press]  # as stored: suspicious ones marked (`Press.suspicious`, issue 21)
    topology: Topology  # the topology the presses were validated against
    stored_at: dt.datetime  # aware UTC: now, in the storing transaction
    live: bool  # from pads through ingest (TCP, serial, the spool), not an import of a file
    alert: bool  # may alert: live presses, or an import with `--alert`
    max_age_minutes: float | None = None  # overrides the hook's own age limit (`--max-age-minutes`)


@dataclass
class HookReport:
    """What one hook did with one batch: for the log of ingest and the summary of an import."""

    queued: int = 0  # presses the hook took on (e.g. queued to be announced)
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> presses it left alone

    def add(self, other: HookReport) -> None:
        self.queued += other.queued
        for reason, count in other.skipped.items():
            self.skipped[reason] = self.skipped.get(reason, 0) + count

    def text(self) -> str:
        parts = [f"{self.queued} queued"] + [f"{n} {reason}" for reason, n in sorted(self.skipped.items())]
        return ", ".join(parts)


class PressHook(Protocol):
    name: str

    def stored(self, conn: Connection, batch: StoredPresses) -> HookReport:
        """Inside the storing transaction (blocking; called from a worker thread)."""
        ...

    def committed(self, report: HookReport) -> None:
        """After the transaction committed (e.g. wake a consumer); must not block."""
        ...


class HookRun:
    """The hooks of one storing transaction: `run(conn)` inside it, `committed()` after it."""

    def __init__(self, hooks: Sequence[PressHook], batch: StoredPresses) -> None:
        self.hooks = hooks
        self.batch = batch
        self.reports: dict[str, HookReport] = {}

    def run(self, conn: Connection, stored: Sequence[Press] | None = None) -> None:
        """Every hook inside the storing transaction; `stored`: the batch as it was stored (its
        suspicious presses marked, issue 21), when the caller has it."""
        self.reports.clear()
        batch = self.batch if stored is None else replace(self.batch, presses=stored)
        for hook in self.hooks:
            try:
                self.reports[hook.name] = hook.stored(conn, batch)
            except SQLAlchemyError:
                raise  # the transaction is broken: the batch fails as a whole and is retried
            except Exception:
                log.exception(
                    "press hook %r failed: %d presses are stored without it",
                    hook.name,
                    len(self.batch.presses),
                )

    def committed(self) -> None:
        for hook in self.hooks:
            report = self.reports.get(hook.name)
            if report is None:
                continue
            try:
                hook.committed(report)
            except Exception:
                log.exception("press hook %r failed after the commit", hook.name)


def press_hooks(config: ProbeConfig) -> list[PressHook]:
    """The hooks the installed subsystems offer for this config (their factories may decline)."""
    from probe import plugins

    hooks: list[PressHook] = []
    for name, factory in plugins.press_hook_factories().items():
        try:
            hook = factory(config)
        except Exception:
            log.exception("press hook %r could not be set up; presses are stored without it", name)
            continue
        if hook is not None:
            hooks.append(hook)
    return hooks


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
