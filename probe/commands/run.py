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

from probe import __version__, plugins
from probe.commands.base import CommandError, Context
from probe.config import LoggingConfig, ProbeConfig
from probe.i18n import _
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
    try:
        components = await _start(runtime)
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
            ", ".join(describe(name, component) for name, component in components) or _("no components"),
            where,
            getattr(runtime, "role", None) or _("active"),  # a single probe is the active one
            config.source or _("built-in defaults"),
            time.monotonic() - started,
        )
        notify_systemd("READY=1\nSTATUS=running")
        await runtime.stopping.wait()
    notify_systemd("STOPPING=1")
    deadline = time.monotonic() + STOP_SECONDS - STOP_RESERVE_SECONDS
    await stop_components(components, deadline)
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.remove_signal_handler(signum)
    await asyncio.to_thread(engine.dispose)
    log.info(_("probe stopped"))
    return 0


async def _start(runtime: Runtime) -> list[tuple[str, Component]]:
    """Check everything that can be checked before binding anything (the tests' sections of the
    config, each component's `check`), then start the components. Raises RunRefused; a SIGTERM
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
        return []
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
        return []
    return await start_components(runtime, [module.__name__ for module in modules])


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
