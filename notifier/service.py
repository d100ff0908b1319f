"""The notifier inside `prolan-probe run`: feeds every published evaluation to the incidents,
announces matched presses (press rules: woken by the press hook the moment ingest commits them,
else every `press_poll_seconds`) and delivers the outbox continuously (woken at once when
something is queued, else every `poll_seconds`, which is also what picks up retries and the end
of quiet hours)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from notifier import store
from notifier.config import NotifierConfig, NotifierRule, PressRule
from notifier.messages import TemplateProblem
from notifier.outbox import Deliverer
from notifier.pipeline import Templates, feed
from notifier.press_alerts import PressAnnouncer, assessments_from_snapshot
from notifier.press_hook import add_waker, remove_waker
from notifier.sandbox import SandboxRenderer
from probe.lease import LeaseLost
from probe.service import ComponentStartError, Runtime
from probe.snapshot import Evaluation, Snapshot, Subscription
from probe.store.db import utcnow

log = logging.getLogger(__name__)


class NotifierService:
    def __init__(self, runtime: Runtime, templates: Templates) -> None:
        self.runtime = runtime
        self.templates = templates
        self.deliverer = Deliverer(runtime.config, runtime.engine)
        # Only the active probe notifies (ACTIVE_ONLY); the lease guards what it commits and sends.
        self.deliverer.fence = runtime.fence
        self.deliverer.may_send = lambda: runtime.lease is None or runtime.lease.held()
        self.loop = asyncio.get_running_loop()
        self.wake = asyncio.Event()
        # Evaluations are fed one at a time and in the order they were published.
        self._feed_lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="notifier-feed")
        self._stopped = asyncio.Event()
        self.subscription: Subscription | None = None
        self._task = asyncio.create_task(self._deliver_forever(), name="notifier-outbox")
        self.press_wake = asyncio.Event()
        self.announcer: PressAnnouncer | None = None
        self._press_task: asyncio.Task[None] | None = None
        if runtime.config.section(NotifierConfig).press_rules:
            self.announcer = PressAnnouncer(
                runtime.config,
                runtime.engine,
                templates,
                assessments=assessments_from_snapshot(lambda: runtime.hub.current),
                fence=runtime.fence,
            )
            add_waker(self._wake_announcer)
            self._press_task = asyncio.create_task(self._announce_forever(), name="notifier-presses")

    def _wake_announcer(self) -> None:
        """The press hook, after ingest committed matching presses (any thread)."""
        self.loop.call_soon_threadsafe(self.press_wake.set)

    async def _announce_forever(self) -> None:
        assert self.announcer is not None
        poll = self.runtime.config.section(NotifierConfig).press_poll_seconds
        while not self._stopped.is_set():
            self.press_wake.clear()  # before the round: a wake during it starts the next one
            timeout = poll
            try:
                summary = await asyncio.to_thread(self.announcer.process)
            except LeaseLost as exc:
                log.warning("notifier: presses not announced: %s", exc)
            except Exception:  # the database may be down: the presses wait, try again next round
                log.exception("notifier: announcing presses failed")
            else:
                if summary.queued:
                    self.wake.set()
                if summary.next_due is not None:
                    until = (summary.next_due - utcnow()).total_seconds()
                    timeout = min(poll, max(0.05, until))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.press_wake.wait(), timeout=timeout)

    def describe(self) -> str:
        """For the probe's start line: how many rules and where messages go."""
        config = self.runtime.config.section(NotifierConfig)
        channels = []
        if config.smtp is not None:
            channels.append(f"SMTP {config.smtp.host}:{config.smtp.port}")
        if config.sms is not None:
            channels.append(f"SMS {config.sms.port}")
        rules = f"{len(config.rules)} rules" + (
            f", {len(config.press_rules)} press rules" if config.press_rules else ""
        )
        return f"notifier ({rules}" + "".join(f", {c}" for c in channels) + ")"

    def on_snapshot(self, _snapshot: Snapshot, evaluation: Evaluation | None) -> None:
        """Hub callback, in the notifier's own subscriber thread (never the evaluator's)."""
        if evaluation is None or evaluation.historical:
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # a worker thread: do the blocking SQL right here
            self._feed(evaluation)
            return
        self.loop.run_in_executor(self._executor, self._feed, evaluation)

    def _feed(self, evaluation: Evaluation) -> None:
        try:
            with self._feed_lock:
                summary = feed(
                    self.runtime.config,
                    self.runtime.engine,
                    evaluation,
                    templates=self.templates,
                    fence=self.runtime.fence,
                )
        except LeaseLost as exc:
            log.warning(
                "notifier: evaluation of %s at %s not processed: %s", evaluation.test, evaluation.at, exc
            )
            return
        except Exception:
            log.exception("notifier: evaluation of %s at %s not processed", evaluation.test, evaluation.at)
            return
        if summary.queued:
            self.loop.call_soon_threadsafe(self.wake.set)

    async def _deliver_forever(self) -> None:
        poll = self.runtime.config.section(NotifierConfig).outbox.poll_seconds
        while not self._stopped.is_set():
            try:
                await self.deliverer.deliver_due()
            except Exception:  # the database may be down: try again next round
                log.exception("notifier: outbox delivery round failed")
            self.wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), timeout=poll)

    async def stop(self) -> None:
        if self.subscription is not None:
            self.runtime.hub.unsubscribe(self.subscription)
        self._stopped.set()
        self.wake.set()
        self.press_wake.set()
        remove_waker(self._wake_announcer)
        self.templates.close()  # a render in progress (up to its time limit) ends now
        tasks = [t for t in (self._task, self._press_task) if t is not None]
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), timeout=30)
        self._executor.shutdown(wait=True)


# Place in the start order of `prolan-probe run` (probe.service): before the scheduler, so its first evaluations reach the incidents.
ORDER = 20
# Sends: runs only on the active probe of the aggregator (probe.lease); a standby starts it when
# it takes over.
ACTIVE_ONLY = True


async def check(runtime: Runtime) -> None:
    """Before `run` binds anything: every rule's recipient lists exist (in the config or imported
    from LDAP into the database), its test exists, and every template any rule may use compiles
    and renders within its limits. Raises ComponentStartError naming the file and key."""
    config = runtime.config.section(NotifierConfig)
    if not config.enabled or not (config.rules or config.press_rules):
        return
    where = runtime.config.origin

    def stored_lists() -> set[str]:
        with runtime.engine.connect() as conn:
            return store.known_lists(conn, config)

    try:
        lists = await asyncio.to_thread(stored_lists)
        complete = True
    except Exception:  # the database may be down at start: check what the config itself names
        lists = {lst.name for lst in config.recipients}
        complete = False
    tests = set(runtime.evaluator.report.loaded) if runtime.evaluator is not None else None
    named: list[tuple[str, NotifierRule | PressRule]] = [
        *((f"notifier.rules[{i}]", rule) for i, rule in enumerate(config.rules)),
        *((f"notifier.press_rules[{i}]", rule) for i, rule in enumerate(config.press_rules)),
    ]
    for place, rule in named:
        for key in ("recipients", "escalate_to"):
            for name in getattr(rule, key, ()):
                if name not in lists and complete:
                    known = ", ".join(sorted(lists)) or "none"
                    raise ComponentStartError(
                        f"{where}: key '{place}.{key}': no recipient list {name!r} "
                        f"(lists: {known}; [[notifier.recipients]] or `notify import-ldap`)"
                    )
                if name not in lists:
                    log.warning(
                        "rule %r: recipient list %r is not in the config (the database is down)",
                        rule.name,
                        name,
                    )
        test = getattr(rule, "test", None)
        if test is not None and tests is not None and test not in tests:
            raise ComponentStartError(
                f"{where}: key '{place}.test': no test {test!r} (tests: {', '.join(sorted(tests)) or 'none'})"
            )
    # A worker of its own: stopping the notifier (or a cancelled check) ends a render at once.
    templates = Templates(runtime.config, SandboxRenderer(config.render_limits()))

    def trial_render() -> None:  # in a thread: each render may take up to its time limit
        for place, rule in named:
            try:
                for language in ("ru", "en"):
                    templates.get(rule, language).check(runtime.config.name)
            except TemplateProblem as exc:
                raise ComponentStartError(f"{where}: key '{place}.templates': {exc}") from None

    try:
        await asyncio.to_thread(trial_render)
    finally:
        templates.close()  # also when `run` gives up (SIGTERM): a render in progress ends now


async def start(runtime: Runtime) -> NotifierService | None:
    config = runtime.config.section(NotifierConfig)
    if not config.enabled or not (config.rules or config.press_rules or config.smtp or config.sms):
        return None
    # A worker of its own: stopping the notifier (or a cancelled check) ends a render at once.
    templates = Templates(runtime.config, SandboxRenderer(config.render_limits()))
    try:
        # A broken template stops start-up here, with its rule, file and line. In a thread: the
        # trial renders take up to their time limit each, and the loop keeps serving meanwhile.
        await asyncio.to_thread(templates.check_all)
    except BaseException:
        templates.close()  # also when `run` gives up on the start (SIGTERM): the check ends now
        raise
    service = NotifierService(runtime, templates)
    service.subscription = runtime.hub.subscribe(service.on_snapshot, name="notifier")
    log.debug(
        "notifier: %d rules, %d press rules; outbox delivery started",
        len(config.rules),
        len(config.press_rules),
    )
    return service
