"""One pass of the cutter: find the presses that are due, cut their fragments, record the outcome.

A press of a configured kind is due once its fragment's end (press + after_seconds) has passed.
Outcomes, one `clips` row per press (unique press_id: every press is cut once):

* the recordings cover the fragment → `cut`;
* they cover part of it and the recorder has already recorded past its end (a pause) → `cut`, with
  silence where nothing was recorded (`gap_seconds`), so the press stays `before_seconds` in;
* no or too short a recording yet → `waiting`, looked at again after `retry_minutes` (the file may
  not have been copied in yet); after `give_up_hours` → `cut` with what exists, or `missing`.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Select, and_, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from probe.clips.config import ClipsConfig
from probe.clips.cutter import CutError, Plan, cut_fragment, output_format, plan_fragment
from probe.clips.recordings import Recording, RecordingIndex
from probe.config import ConfigError, ProbeConfig, default_data_dir
from probe.store.db import utcnow
from probe.store.schema import clips, points, presses

log = logging.getLogger("probe.clips")

STATUS_CUT = "cut"
STATUS_WAITING = "waiting"
STATUS_MISSING = "missing"
BATCH = 500


@dataclass(frozen=True, slots=True)
class DuePress:
    press_id: int
    point_id: int
    point: str
    kind: str
    pressed_at: dt.datetime  # aware UTC
    attempts: int  # earlier attempts (0: never looked at)


@dataclass
class PassReport:
    cut: int = 0
    waiting: int = 0
    missing: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def looked_at(self) -> int:
        return self.cut + self.waiting + self.missing


def output_folder(config: ProbeConfig) -> Path:
    output = config.section(ClipsConfig).output
    if output is not None:
        return config.resolve_path(output)
    return default_data_dir() / "clips"


class ClipCutter:
    """Cuts due fragments for one probe (config + aggregator). Blocking; the service runs it in a
    worker thread, the `clips` command directly. Keeps the recordings index between passes."""

    def __init__(self, config: ProbeConfig, engine: Engine) -> None:
        settings = config.section(ClipsConfig)
        if settings.recordings is None:
            source = config.source or "the config"
            raise ConfigError(
                f"{source}: [clips] recordings is not set (the folder with one folder per point)"
            )
        self.config = config
        self.settings = settings
        self.engine = engine
        self.tz = config.tz
        self.recordings_dir = config.resolve_path(settings.recordings)
        self.output_dir = output_folder(config)
        # sox is optional: without it (or with sox = "") ffmpeg cuts everything.
        self.sox = shutil.which(settings.sox) if settings.sox else None
        self.index = RecordingIndex(self.recordings_dir, self.tz, settings.ffprobe)
        self.before = dt.timedelta(seconds=settings.before_seconds)
        self.after = dt.timedelta(seconds=settings.after_seconds)
        # Set from another thread to end a pass after the press being cut (service shutdown).
        self.cancel = threading.Event()
        self._listed: dict[str, list[Recording]] = {}

    # --- which presses -------------------------------------------------------------------------

    def due_presses(
        self, now: dt.datetime, since: dt.datetime, *, respect_backoff: bool = True
    ) -> Iterator[DuePress]:
        """Presses of the configured kinds in [since, now - after] with no final clip row, oldest
        first, read in keyset-paged batches (each pass may update rows it has read)."""
        last: tuple[dt.datetime, int] | None = None
        while True:
            query = self.due_query(now, since, last, respect_backoff=respect_backoff)
            with self.engine.connect() as conn:
                rows = conn.execute(query).all()
            for row in rows:
                yield DuePress(
                    int(row.id), int(row.point_id), row.name, row.kind, row.pressed_at, int(row.attempts or 0)
                )
            if len(rows) < BATCH:
                return
            last = (rows[-1].pressed_at, int(rows[-1].id))

    def due_query(
        self,
        now: dt.datetime,
        since: dt.datetime,
        after: tuple[dt.datetime, int] | None = None,
        *,
        respect_backoff: bool = True,
    ) -> Select[Any]:
        """One batch of due presses after the keyset `after` (pressed_at, id)."""
        retry_filter = clips.c.status == STATUS_WAITING
        if respect_backoff:
            retry_filter = and_(retry_filter, clips.c.next_attempt_at <= now)
        query = (
            select(
                presses.c.id,
                presses.c.point_id,
                points.c.name,
                presses.c.kind,
                presses.c.pressed_at,
                clips.c.attempts,
            )
            .join(points, points.c.id == presses.c.point_id)
            .outerjoin(clips, clips.c.press_id == presses.c.id)
            .where(
                presses.c.kind.in_(self.settings.kinds),
                presses.c.pressed_at >= since,
                presses.c.pressed_at <= now - self.after,
                or_(clips.c.id.is_(None), retry_filter),
            )
            .order_by(presses.c.pressed_at, presses.c.id)
            .limit(BATCH)
        )
        if after is not None:
            # Spelled out rather than a row-value comparison, which SQL Server lacks.
            query = query.where(
                or_(
                    presses.c.pressed_at > after[0],
                    and_(presses.c.pressed_at == after[0], presses.c.id > after[1]),
                )
            )
        return query

    # --- one pass ------------------------------------------------------------------------------

    def run_once(
        self,
        now: dt.datetime | None = None,
        since: dt.datetime | None = None,
        *,
        respect_backoff: bool = True,
    ) -> PassReport:
        """Cut everything due now; `since` (aware) defaults to now - lookback_days."""
        started = time.perf_counter()
        now = now or utcnow()
        since = since or now - dt.timedelta(days=self.settings.lookback_days)
        report = PassReport()
        self._listed.clear()  # folders are listed once per pass, not once per press
        for press in self.due_presses(now, since, respect_backoff=respect_backoff):
            if self.cancel.is_set():
                break
            status = self._handle(press, now, report)
            if status == STATUS_CUT:
                report.cut += 1
            elif status == STATUS_WAITING:
                report.waiting += 1
            elif status == STATUS_MISSING:
                report.missing += 1
        report.seconds = time.perf_counter() - started
        return report

    def fragment_path(self, press: DuePress, fmt: str) -> Path:
        local = press.pressed_at.astimezone(self.tz)
        return self.output_dir / press.point / f"{local:%Y%m%d-%H%M%S}-{press.kind}-{press.press_id}.{fmt}"

    def _handle(self, press: DuePress, now: dt.datetime, report: PassReport) -> str | None:
        start, end = press.pressed_at - self.before, press.pressed_at + self.after
        if press.point not in self._listed:
            self._listed[press.point] = self.index.recordings(press.point)
        plan = plan_fragment(self._listed[press.point], start, end)
        gave_up = now - press.pressed_at >= dt.timedelta(hours=self.settings.give_up_hours)
        values: dict[str, object] = {"starts_at": start, "ends_at": end, "updated_at": now}
        if plan.covered > 0 and (plan.complete or plan.recorder_moved_on or gave_up):
            path = self.fragment_path(press, output_format(plan, self.settings.format))
            try:
                length = cut_fragment(plan, path, self.settings.ffmpeg, self.sox)
            except (CutError, OSError) as exc:
                message = f"press {press.press_id} at '{press.point}': {exc}"
                report.errors.append(message)
                log.error("%s", message)
                values |= self._not_cut(press, now, gave_up, str(exc))
            else:
                values |= {
                    "status": STATUS_CUT,
                    "path": str(path),
                    "duration_seconds": round(length, 3),
                    "gap_seconds": round(plan.gap, 3),
                    "sources": "\n".join(r.path.name for r in plan.recordings),
                    "reason": None if plan.complete else _gap_reason(plan),
                    "cut_at": now,
                    "next_attempt_at": None,
                }
                log.info("cut %s (%.1f s) for press %s at '%s'", path, length, press.press_id, press.point)
        else:
            values |= self._not_cut(press, now, gave_up, self._why_not(press, plan))
        if not self._store(press, values):
            return None
        return str(values["status"])

    def _not_cut(self, press: DuePress, now: dt.datetime, gave_up: bool, reason: str) -> dict[str, object]:
        if gave_up:
            return {"status": STATUS_MISSING, "reason": reason, "next_attempt_at": None}
        retry = now + dt.timedelta(minutes=self.settings.retry_minutes)
        return {"status": STATUS_WAITING, "reason": reason, "next_attempt_at": retry}

    def _why_not(self, press: DuePress, plan: Plan) -> str:
        folder = self.index.folder(press.point)
        if not folder.is_dir():
            return f"no recordings folder {folder}"
        if plan.covered <= 0:
            return f"no recording in {folder} covers {self._local(plan.start)}–{self._local(plan.end)}"
        until = self._local(plan.recorded_until) if plan.recorded_until else "?"
        return f"recordings in {folder} end at {until}; the fragment needs until {self._local(plan.end)}"

    def _local(self, at: dt.datetime) -> str:
        return f"{at.astimezone(self.tz):%Y-%m-%d %H:%M:%S}"

    def _store(self, press: DuePress, values: dict[str, object]) -> bool:
        """Insert or update the press's row; False when another cutter got there first."""
        values["attempts"] = press.attempts + 1
        try:
            with self.engine.begin() as conn:
                if not self._update_waiting(conn, press, values):
                    conn.execute(
                        clips.insert().values(
                            press_id=press.press_id,
                            point_id=press.point_id,
                            kind=press.kind,
                            pressed_at=press.pressed_at,
                            created_at=values["updated_at"],
                            **values,
                        )
                    )
        except IntegrityError:
            log.info("press %s was handled by another cutter at the same time", press.press_id)
            return False
        return True

    def _update_waiting(self, conn: Connection, press: DuePress, values: dict[str, object]) -> bool:
        if press.attempts == 0:
            return False
        result = conn.execute(
            clips.update()
            .where(clips.c.press_id == press.press_id, clips.c.status == STATUS_WAITING)
            .values(**values)
        )
        return result.rowcount > 0


def _gap_reason(plan: Plan) -> str:
    return f"{plan.gap:.1f} s of the fragment had no recording (silence put there)"
