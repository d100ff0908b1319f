"""`prolan-probe run`: the service, in one asyncio event loop.

Order of start: logging; the database engine and the snapshot of the last stored values (a dead
database is reported and the probe starts anyway, serving what it has and recovering by itself);
the evaluator (loads the tests); the checks that need nothing bound (the `[tests.NAME]` sections,
each component's `check`); then every component of the `prolan.components` entry points in
their order (the scheduler last). Any problem stops `run` with one line per problem (file and key):
before anything is bound when the config is at fault, after stopping the components already
started when one cannot start. A subsystem whose entry point fails to load stops `run` too.
SIGTERM or SIGINT stops the components in reverse order; the whole stop takes at most
`STOP_SECONDS`. Under systemd (`Type=notify`) readiness and stopping are reported through
$NOTIFY_SOCKET.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import importlib
import logging
import logging.handlers
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Awaitable
from typing import Any, TypeVar

from sqlalchemy.exc import SQLAlchemyError

from probe import __version__, plugins
from probe.commands.base import CommandError, Context
from probe.config import LoggingConfig, ProbeConfig
from probe.i18n import _
from probe.lease import ACTIVE, STANDBY, Lease
from probe.logs import LOG_FORMAT, ZoneFormatter
from probe.service import Component, ComponentStartError, Runtime
from probe.snapshot import Snapshot, SnapshotHub
from probe.store.db import open_engine, redact

log = logging.getLogger("probe.run")

STOP_SECONDS = 5.0
# Leave this much of the stop budget for closing the database and exiting.
STOP_RESERVE_SECONDS = 0.5
START_TIMEOUT_SECONDS = 30.0


def register(sub: Any) -> None:
    run = sub.add_parser("run", help=_("run the probe service (scheduler, SNMP agent, ingest, notifier)"))
    run.set_defaults(func=cmd_run)


def cmd_run(ctx: Context, args: argparse.Namespace) -> int:
    refuse_half_a_probe()
    configure_logging(ctx.config, debug=bool(getattr(args, "verbose", False)))
    return run_service(ctx.config)


def refuse_half_a_probe() -> None:
    """A subsystem that failed to load would leave a probe that looks up but is not: say which."""
    failures = plugins.failures()
    if failures:
        raise CommandError(_("not starting: ") + "; ".join(str(failure) for failure in failures))
    if not plugins.components():  # an install without its metadata (e.g. a stale editable one)
        raise CommandError(_("not starting: no service component is installed (reinstall: pip install -e .)"))


def configure_logging(config: ProbeConfig, *, debug: bool = False) -> None:
    """Log to stderr, or to a rotating file when `[logging] file` is set."""
    settings: LoggingConfig = config.logging
    handler: logging.Handler
    if settings.file is not None:
        path = config.resolve_path(settings.file)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handler = logging.handlers.RotatingFileHandler(
                path, maxBytes=settings.max_bytes, backupCount=settings.backups, encoding="utf-8"
            )
        except OSError as exc:
            raise CommandError(
                f"[logging] file = {str(path)!r}: cannot open the log file: {exc.strerror or exc}"
            ) from None
    else:
        handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(ZoneFormatter(LOG_FORMAT, config.tz))
    logging.basicConfig(level=logging.DEBUG if debug else settings.level, handlers=[handler], force=True)
    # APScheduler logs every job run at INFO; that is our own log's business.
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, logging.getLogger().level))


T = TypeVar("T")


class RunRefused(Exception):
    """`run` does not start (or stops again): a configuration problem found before anything was
    bound, or a component that could not start. One line per problem, naming the file and key."""


def run_service(config: ProbeConfig) -> int:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    refused: RunRefused | None = None
    try:
        status = loop.run_until_complete(serve(config))
    except RunRefused as exc:
        refused, status = exc, 2
    finally:
        _cancel_leftovers(loop)
        asyncio.set_event_loop(None)
        loop.close()
    if refused is not None:
        raise CommandError(str(refused)) from None
    _exit_despite_stuck_threads(status)
    return status


def _cancel_leftovers(loop: asyncio.AbstractEventLoop) -> None:
    tasks = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in tasks:
        task.cancel()
    if tasks:
        loop.run_until_complete(asyncio.wait(tasks, timeout=0.3))
    # Idle to_thread workers exit now; one stuck in a blocking call is left to the check below.
    with contextlib.suppress(TimeoutError):
        loop.run_until_complete(asyncio.wait_for(loop.shutdown_default_executor(), timeout=1.0))


def _exit_despite_stuck_threads(status: int) -> None:
    """A hanging evaluation test (or driver call) keeps a worker thread alive; Python would wait
    for it at exit forever. Its transaction is uncommitted, so exiting now loses nothing."""
    deadline = time.monotonic() + 0.5
    for thread in threading.enumerate():
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join(max(0.0, deadline - time.monotonic()))  # idle pool workers are exiting
    stuck = [
        t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon and t.is_alive()
    ]
    if stuck:
        log.warning("exiting with %d busy worker thread(s): %s", len(stuck), ", ".join(t.name for t in stuck))
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)


def notify_systemd(message: str) -> None:
    """sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET, if systemd gave one."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return
    if address.startswith("@"):
        address = "\0" + address[1:]  # abstract namespace
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.connect(address)
            sock.sendall(message.encode())
    except OSError as exc:
        log.debug("sd_notify %r failed: %s", message, exc)


def _load_snapshot(runtime_engine: Any) -> Snapshot:
    from probe.store.current import load_snapshot

    snapshot: Snapshot = load_snapshot(runtime_engine)
    return snapshot


async def serve(config: ProbeConfig) -> int:
    started = time.monotonic()
    # Signals first: a SIGTERM while the snapshot or the tests load still stops cleanly.
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, _on_signal, stopping, signum)
    where = redact(config.database.url)
    # Before the start line: a start that hangs (a database that does not answer) still says so.
    log.info(
        _("PROLAN probe %s starting (config %s, database %s)"),
        __version__,
        config.source or _("built-in defaults"),
        where,
    )
    engine = open_engine(config.database.url, connect_timeout=config.database.connect_timeout_seconds)
    try:
        snapshot = await asyncio.to_thread(_load_snapshot, engine)
        log.debug("loaded %d current metric values from %s", len(snapshot.metrics), where)
    except Exception as exc:  # a dead or uninitialised database must not stop the probe
        log.error(
            "database %s is unavailable at start (%s: %s); starting without stored values, "
            "it is retried at every evaluation",
            where,
            exc.__class__.__name__,
            exc,
        )
        snapshot = Snapshot(database_ok=False)
    runtime = Runtime(config=config, engine=engine, hub=SnapshotHub(snapshot), stopping=stopping)
    keeper: RoleKeeper | None = None
    try:
        components, keeper = await _start(runtime)
    except RunRefused as exc:
        log.error("not starting: %s", exc)
        await asyncio.to_thread(engine.dispose)
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
        raise
    if not runtime.stopping.is_set():
        log.info(
            _("probe running (PROLAN %s): %s; database %s; role %s; config %s; started in %.1f s"),
            __version__,
            ", ".join(
                describe(name, component)
                for name, component in [*components, *(keeper.running if keeper is not None else [])]
            )
            or _("no components"),
            where,
            (_("active") if runtime.role == ACTIVE else _("standby"))
            + (_(" (lease epoch %d)") % runtime.hub.lease_epoch if runtime.role == ACTIVE else ""),
            config.source or _("built-in defaults"),
            time.monotonic() - started,
        )
        notify_systemd(f"READY=1\nSTATUS=running ({runtime.role})")
        await runtime.stopping.wait()
    notify_systemd("STOPPING=1")
    deadline = time.monotonic() + STOP_SECONDS - STOP_RESERVE_SECONDS
    status = 0
    if keeper is not None:
        await keeper.stop(deadline)
        status = keeper.status
    await stop_components(components, deadline)
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.remove_signal_handler(signum)
    await asyncio.to_thread(engine.dispose)
    log.info(_("probe stopped"))
    return status


async def _start(runtime: Runtime) -> tuple[list[tuple[str, Component]], RoleKeeper | None]:
    """Check everything that can be checked before binding anything (the tests' sections of the
    config, each component's `check`), then start the components that run on every instance,
    then try to take the lease of the active probe (the role keeper starts the active-only
    components if it wins, and whenever it takes over later). Raises RunRefused; a SIGTERM
    meanwhile ends the start early (the components started so far are returned, to be stopped)."""
    from probe.engine import Evaluator

    config = runtime.config
    try:
        runtime.evaluator = await _unless_stopping(
            runtime, asyncio.to_thread(Evaluator, config, runtime.engine, runtime.hub)
        )
    except Exception as exc:
        raise RunRefused(
            f"the evaluation engine could not be built: {exc.__class__.__name__}: {exc}"
        ) from None
    if runtime.evaluator is None:  # stopped meanwhile
        return [], None
    report = runtime.evaluator.report
    log.debug("evaluation tests loaded: %s", ", ".join(sorted(report.loaded)) or "none")
    for failure in report.failed:
        log.error(
            "evaluation test file %s failed to load: %s\n%s", failure.path, failure.error, failure.traceback
        )
    problems = list(runtime.evaluator.config_problems)
    modules = [importlib.import_module(c.module) for c in plugins.components()]
    for module in modules:
        check = getattr(module, "check", None)
        if check is None or problems or runtime.stopping.is_set():
            continue
        try:
            await _unless_stopping(runtime, check(runtime))
        except ComponentStartError as exc:
            problems.append(str(exc))
        except Exception as exc:
            problems.append(f"component {module.__name__} cannot start: {exc.__class__.__name__}: {exc}")
    if problems:
        raise RunRefused("\n".join(problems))
    if runtime.stopping.is_set():
        return [], None
    everywhere = [m.__name__ for m in modules if not getattr(m, "ACTIVE_ONLY", False)]
    active_only = [m.__name__ for m in modules if getattr(m, "ACTIVE_ONLY", False)]
    runtime.lease = Lease(runtime.engine, runtime.evaluator.origin, config.ha.lease_seconds)
    runtime.evaluator.fence = runtime.fence
    started = await start_components(runtime, everywhere)
    keeper = RoleKeeper(runtime, active_only)
    try:
        await keeper.first()
    except RunRefused:
        await stop_components(started, time.monotonic() + STOP_SECONDS - STOP_RESERVE_SECONDS)
        raise
    return started, keeper


class RoleKeeper:
    """Holds this service's role. One task renews the lease (or tries to take it) every third of
    `[ha] lease_seconds`, whatever else happens; another follows what it learns: it starts the
    active-only components when the service becomes the active one and stops them when the lease
    is lost (probe.lease)."""

    def __init__(self, runtime: Runtime, active_only: list[str]) -> None:
        assert runtime.lease is not None
        self.runtime = runtime
        self.lease: Lease = runtime.lease
        self.active_only = active_only
        self.running: list[tuple[str, Component]] = []
        self.status = 0  # the exit status `run` returns: 2 when an active-only component failed
        self._changed = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._database_error = False

    async def first(self) -> None:
        """The first attempt, at start: a component that cannot start stops `run` (RunRefused)."""
        await self._step()
        self._tasks.append(asyncio.create_task(self._renew_loop(), name="lease-renew"))
        held = self.lease.held()
        self._announce(held, at_start=True)
        if held:
            await self._start_active(at_start=True)
        self._tasks.append(asyncio.create_task(self._role_loop(), name="role-keeper"))

    async def _step(self) -> None:
        lease = self.lease
        try:
            began = time.monotonic()
            await asyncio.to_thread(lease.step)
            took = time.monotonic() - began
            if took > lease.renew_every:
                log.warning("lease: renewing took %.1f s (lease %g s)", took, lease.seconds)
            if self._database_error:
                log.info(_("lease: the database answers again"))
                self._database_state(True)
            self._database_error = False
        except SQLAlchemyError as exc:
            if not self._database_error:
                left = max(0.0, lease.valid_until - time.monotonic())
                self._database_state(False)
                log.warning(
                    _("lease: cannot reach the database (%s); %s"),
                    f"{exc.__class__.__name__}: {str(getattr(exc, 'orig', None) or exc).strip()[:200]}",
                    _("still active for %.0f s by the local clock") % left
                    if lease.held()
                    else _("standby until it answers"),
                )
            self._database_error = True
        self.runtime.hub.lease_epoch = lease.epoch if lease.epoch is not None else lease.seen_epoch
        self._changed.set()

    def _database_state(self, ok: bool) -> None:
        """prolanProbeDatabaseState follows what the lease learns, on every instance (a standby
        evaluates nothing that would tell it; the active one may not evaluate for minutes)."""
        hub = self.runtime.hub
        if hub.current.database_ok != ok:
            hub.publish(dataclasses.replace(hub.current, database_ok=ok))

    async def _renew_loop(self) -> None:
        stopping = self.runtime.stopping
        while not stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), timeout=self.lease.renew_every)
            if stopping.is_set():
                return
            try:
                await self._step()
            except Exception:  # the renewal must survive anything: it is what keeps the role
                log.exception("lease renewal: unexpected error")

    async def _role_loop(self) -> None:
        stopping = self.runtime.stopping
        while not stopping.is_set():
            # Also wake up when the lease runs out by the local clock between two steps.
            timeout = max(0.05, self.lease.valid_until - time.monotonic()) if self.running else None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout=timeout)
            self._changed.clear()
            if stopping.is_set():
                return
            held = self.lease.held()
            try:
                if held and not self.running:
                    self._announce(True)
                    await self._start_active()
                elif not held and (self.running or self.runtime.hub.role != STANDBY):
                    self._announce(False)
                    await self._stop_active()
            except RunRefused as exc:  # an active-only component could not start on takeover
                log.error(_("cannot become the active probe: %s"), exc)
                self.status = 2
                stopping.set()
            except Exception:
                log.exception("role keeper: unexpected error")

    def _announce(self, held: bool, *, at_start: bool = False) -> None:
        hub, lease = self.runtime.hub, self.lease
        previous = hub.role
        hub.role = ACTIVE if held else STANDBY
        if held and at_start:  # the start line says it ("role active (lease epoch N)")
            log.debug("this service took the lease (epoch %d)", lease.epoch or 0)
        elif held:
            log.info(
                _("this service is the active probe now (lease epoch %d, lease %g s)"),
                lease.epoch or 0,
                lease.seconds,
            )
        elif at_start:
            log.info(
                _("this service is a standby: the active probe is %s (lease epoch %d)"),
                lease.holder_seen or _("unknown (the database does not answer)"),
                lease.seen_epoch,
            )
        elif previous == ACTIVE:
            log.warning(
                _(
                    "lease lost (epoch %s; last seen: epoch %d, held by %s): stopping evaluation and "
                    "notification, this service is a standby now"
                ),
                hub.lease_epoch,
                lease.seen_epoch,
                lease.holder_seen or "-",
            )
        for component in self.runtime.components.values():  # the heartbeat says it at once
            poke = getattr(component, "poke", None)
            if callable(poke):
                poke()

    async def _start_active(self, *, at_start: bool = False) -> None:
        try:
            self.running = await start_components(self.runtime, self.active_only)
        except RunRefused:
            self.runtime.hub.role = STANDBY
            with contextlib.suppress(SQLAlchemyError):
                await asyncio.to_thread(self.lease.release)
            raise
        if not at_start:
            log.info(_("took over: %s started"), ", ".join(describe(n, c) for n, c in self.running) or "-")

    async def _stop_active(self, deadline: float | None = None) -> None:
        running, self.running = self.running, []
        if not running:
            return
        await stop_components(running, deadline or time.monotonic() + STOP_SECONDS - STOP_RESERVE_SECONDS)
        for module_name, _component in running:
            self.runtime.components.pop(module_name, None)

    async def stop(self, deadline: float) -> None:
        """At the service's stop: the active-only components first, then the lease is released so
        a standby takes over at its next attempt."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._stop_active(deadline)
        if self.lease.epoch is not None:
            try:
                await asyncio.wait_for(
                    asyncio.to_thread(self.lease.release), timeout=max(0.1, deadline - time.monotonic())
                )
                log.info(_("lease released (epoch %d): a standby takes over"), self.runtime.hub.lease_epoch)
            except (SQLAlchemyError, TimeoutError) as exc:
                log.warning(
                    "lease not released (%s): a standby takes over when it expires", exc.__class__.__name__
                )


async def _unless_stopping(runtime: Runtime, work: Awaitable[T]) -> T | None:
    """`work`, or None (it is cancelled) when SIGTERM/SIGINT comes first."""
    task = asyncio.ensure_future(work)
    stop = asyncio.create_task(runtime.stopping.wait())
    try:
        await asyncio.wait({task, stop}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop.cancel()
    if task.done():
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await asyncio.wait_for(task, 1.0)
    return None


def describe(module_name: str, component: Component) -> str:
    """A component's part of the start line: its own words (`describe()`) or its module's name."""
    describe_self = getattr(component, "describe", None)
    if callable(describe_self):
        try:
            return str(describe_self())
        except Exception:  # the start line must not fail for a component's sake
            log.debug("%s.describe() failed", module_name, exc_info=True)
    return module_name.removesuffix(".service").rsplit(".", 1)[-1]


def _on_signal(stopping: asyncio.Event, signum: int) -> None:
    if stopping.is_set():
        return
    log.info(_("%s received: stopping"), signal.Signals(signum).name)
    stopping.set()


async def start_components(runtime: Runtime, module_names: list[str]) -> list[tuple[str, Component]]:
    """Start in order. A component that cannot start stops the ones already started and raises
    RunRefused (the service never runs half); SIGTERM meanwhile returns what started so far."""
    started: list[tuple[str, Component]] = []
    for module_name in module_names:
        if runtime.stopping.is_set():
            break
        try:
            module = importlib.import_module(module_name)
            component = await _unless_stopping(
                runtime, asyncio.wait_for(module.start(runtime), timeout=START_TIMEOUT_SECONDS)
            )
        except Exception as exc:
            if isinstance(exc, ComponentStartError):
                reason = str(exc)
            elif isinstance(exc, TimeoutError):
                reason = f"component {module_name} did not start within {START_TIMEOUT_SECONDS:g} s"
            else:
                reason = f"component {module_name} cannot start: {exc.__class__.__name__}: {exc}"
                log.debug("component %s failed to start", module_name, exc_info=True)
            await stop_components(started, time.monotonic() + STOP_SECONDS - STOP_RESERVE_SECONDS)
            raise RunRefused(reason) from None
        if component is None:
            if not runtime.stopping.is_set():
                log.debug(
                    "component %s is not running (disabled by the configuration or unavailable)", module_name
                )
            continue
        log.debug("component %s started", module_name)
        started.append((module_name, component))
        runtime.components[module_name] = component
    return started


async def stop_components(components: list[tuple[str, Component]], deadline: float) -> None:
    """Stop in reverse order of start; a component that does not stop in time is abandoned."""
    for module_name, component in reversed(components):
        remaining = deadline - time.monotonic()
        try:
            await asyncio.wait_for(component.stop(), timeout=max(0.1, remaining))
            log.info(_("component %s stopped"), module_name)
        except TimeoutError:
            log.warning("component %s did not stop in time; abandoned", module_name)
        except Exception:
            log.exception("component %s failed to stop cleanly", module_name)
