"""Where accepted presses go before they are answered `OK`: the database, or the spool.

One committer task takes everything submitted since its last commit (from every connection and
serial port) as one batch — group commit: the busier the probe, the bigger the batches. While the
spool is empty the batch is written to the database in one transaction (a worker thread); a press
is answered `OK` only after the commit. If that fails, or takes longer than `db_timeout_seconds`,
the batch is appended to the spool (fsync) and answered `OK` from there; from then on new batches
go to the spool too, so that presses reach the database in the order they were accepted. A drainer
task writes the spool to the database, in order, whenever the database accepts writes again, and
switches back to direct writes when the spool is empty. A batch that timed out may reach the
database twice (its slow transaction and the spool): the unique key stores it once.

Press hooks (probe.press_hooks: the notifier's queue of presses to announce) run inside each
batch's transaction, the direct one and the spool drainer's alike, with the time it is stored.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import Engine

from probe.ingest.counters import IngestCounters
from probe.ingest.spool import Spool
from probe.press_hooks import HookRun, PressHook, StoredPresses, utc_now
from probe.presses import Press, copy_press_rows, mark_suspicious, store_marked_presses
from probe.topology import Topology

log = logging.getLogger(__name__)


@dataclass
class _Pending:
    presses: Sequence[Press]
    done: asyncio.Future[None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


def _store(engine: Engine, batch: Sequence[Press], hooks: HookRun | None = None) -> int:
    stored = _store_once(engine, batch, hooks)
    if hooks is not None:
        hooks.committed()
    return stored


def _store_once(engine: Engine, batch: Sequence[Press], hooks: HookRun | None) -> int:
    if engine.dialect.name == "postgresql":
        # The common case, new presses: one COPY in one transaction, the fewest round trips (an OK
        # waits for them). A batch with a press stored before fails on the unique key and goes
        # the general way below.
        import psycopg

        try:
            with engine.begin() as conn:
                marked = mark_suspicious(conn, batch)  # issue 21: bursts on pads with a minimum gap
                raw = conn.connection.driver_connection
                assert raw is not None
                with raw.cursor() as cursor:
                    copy_press_rows(cursor, "presses", marked)
                if hooks is not None:
                    hooks.run(conn, marked)
            return len(batch)
        except psycopg.errors.UniqueViolation:
            pass
    with engine.begin() as conn:
        stored, marked = store_marked_presses(conn, batch)
        if hooks is not None:
            hooks.run(conn, marked)
        return stored


class PressSink:
    def __init__(
        self,
        engine: Engine,
        spool: Spool,
        counters: IngestCounters,
        *,
        db_timeout_seconds: float = 2.0,
        retry_seconds: float = 5.0,
        max_batch: int = 10_000,
        hooks: Sequence[PressHook] = (),
        topology: Callable[[], Topology] = Topology,
    ) -> None:
        self.engine = engine
        self.hooks = list(hooks)
        self.topology = topology
        self.spool = spool
        self.counters = counters
        self.db_timeout_seconds = db_timeout_seconds
        self.retry_seconds = retry_seconds
        self.max_batch = max_batch
        self.stored = 0  # presses newly stored in the database since start (not duplicates)
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        # Database writes; a write hung on a dead network must not block the spool or the drainer.
        self._db_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="ingest-db")
        self._spool_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-spool")
        self._spool_lock = asyncio.Lock()
        self._spool_filled = asyncio.Event()
        self._database_down_logged = False
        self._tasks: list[asyncio.Task[None]] = []
        self._outstanding = 0

    def _hook_run(self, batch: Sequence[Press]) -> HookRun | None:
        if not self.hooks:
            return None
        stored = StoredPresses(batch, self.topology(), utc_now(), live=True, alert=True)
        return HookRun(self.hooks, stored)

    @property
    def spooling(self) -> bool:
        return self.spool.pending

    def start(self) -> None:
        if self.spool.pending:
            self._spool_filled.set()
        self._tasks = [
            asyncio.create_task(self._commit_loop(), name="ingest-commit"),
            asyncio.create_task(self._drain_loop(), name="ingest-drain"),
        ]

    async def submit(self, presses: Sequence[Press]) -> None:
        """Returns when the presses are in the database or in the spool (then they may be answered OK);
        raises when neither worked (the disk is full as well as the database down)."""
        if not presses:
            return
        pending = _Pending(presses)
        self._queue.put_nowait(pending)
        self._outstanding += 1
        try:
            await pending.done
        finally:
            self._outstanding -= 1

    async def stop(self) -> None:
        """Commit what was submitted, then stop; the spool keeps what the database has not got."""
        for _ in range(int((self.db_timeout_seconds + 5) * 100)):
            if not self._outstanding:
                break
            await asyncio.sleep(0.01)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._db_pool.shutdown(wait=False, cancel_futures=True)
        self._spool_pool.shutdown(wait=True)

    # -- committer -----------------------------------------------------------------------------
    async def _commit_loop(self) -> None:
        while True:
            first = await self._queue.get()
            items = [first]
            size = len(first.presses)
            while size < self.max_batch and not self._queue.empty():
                item = self._queue.get_nowait()
                items.append(item)
                size += len(item.presses)
            batch = [p for item in items for p in item.presses]
            try:
                await self._commit(batch)
            except Exception as exc:  # nothing durable: the senders get ERR and will retry
                log.error("ingest: cannot store %d presses in the database or the spool: %s", len(batch), exc)
                for item in items:
                    if not item.done.done():
                        item.done.set_exception(exc)
            else:
                for item in items:
                    if not item.done.done():
                        item.done.set_result(None)

    async def _commit(self, batch: list[Press]) -> None:
        loop = asyncio.get_running_loop()
        if not self.spool.pending:
            write = loop.run_in_executor(self._db_pool, _store, self.engine, batch, self._hook_run(batch))
            try:
                self.stored += await asyncio.wait_for(asyncio.shield(write), self.db_timeout_seconds)
                return
            except TimeoutError:
                write.add_done_callback(_ignore_result)
                self._database_down(f"no answer within {self.db_timeout_seconds:g} s")
            except Exception as exc:
                self._database_down(f"{exc.__class__.__name__}: {exc}")
        async with self._spool_lock:
            await loop.run_in_executor(self._spool_pool, self.spool.append, batch)
        by_source: dict[str, int] = {}
        for press in batch:
            by_source[press.source] = by_source.get(press.source, 0) + 1
        for source, count in by_source.items():
            self.counters.add(source, spooled=count)
        self._spool_filled.set()

    def _database_down(self, why: str) -> None:
        if not self._database_down_logged:
            log.warning(
                "ingest: the database does not accept presses (%s); spooling to %s", why, self.spool.path
            )
            self._database_down_logged = True

    # -- drainer -------------------------------------------------------------------------------
    async def _drain_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._spool_filled.wait()
            if not self.spool.pending:
                self._spool_filled.clear()
                continue
            presses, offset = await loop.run_in_executor(self._spool_pool, self.spool.read)
            try:
                self.stored += await loop.run_in_executor(
                    self._db_pool, _store, self.engine, presses, self._hook_run(presses)
                )
            except Exception as exc:
                self._database_down(f"{exc.__class__.__name__}: {exc}")
                await asyncio.sleep(self.retry_seconds)
                continue
            await loop.run_in_executor(self._spool_pool, self.spool.advance, offset)
            async with self._spool_lock:
                if not self.spool.pending:
                    self.spool.clear()
                    self._spool_filled.clear()
                    if self._database_down_logged:
                        log.warning("ingest: the database is back; the spool is written and empty")
                    self._database_down_logged = False


def _ignore_result(future: asyncio.Future[int]) -> None:
    if not future.cancelled():
        future.exception()
