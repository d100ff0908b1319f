"""Running one test with a timeout in a worker thread, so that a hanging test never blocks the
others. Python cannot kill a thread: a test that exceeds its timeout is abandoned (daemon thread)
and its next run is refused until it returns, so hung runs never pile up."""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


class TestTimeout(Exception):
    pass


@dataclass
class Outcome(Generic[T]):
    value: T | None = None
    error: BaseException | None = None
    traceback: str = ""
    duration_seconds: float = 0.0
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class Runner:
    """One per test: remembers a run that is still going after its timeout."""

    name: str
    _busy: threading.Lock = field(default_factory=threading.Lock)

    def run(self, work: Callable[[], T], timeout: float) -> Outcome[T]:
        outcome: Outcome[T] = Outcome()
        if not self._busy.acquire(blocking=False):
            outcome.error = TestTimeout(f"{self.name}: the previous run has not finished yet (hung)")
            return outcome
        done = threading.Event()
        started = time.perf_counter()

        def target() -> None:
            try:
                outcome.value = work()
            except BaseException as exc:  # everything a test raises is its failure, reported
                outcome.error = exc
                outcome.traceback = traceback.format_exc()
            finally:
                outcome.duration_seconds = time.perf_counter() - started
                self._busy.release()
                done.set()

        thread = threading.Thread(target=target, name=f"test-{self.name}", daemon=True)
        thread.start()
        if not done.wait(timeout):
            # The worker keeps running and writes into `outcome`; hand back a separate result.
            return Outcome(
                error=TestTimeout(f"{self.name}: no result within {timeout:g} s (timeout)"),
                duration_seconds=time.perf_counter() - started,
                timed_out=True,
            )
        return outcome
