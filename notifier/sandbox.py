"""Template rendering bounded in time and memory: a worker process with limits.

Jinja2's sandbox refuses escapes, but not work: two nested `range(99999)` loops, `lipsum(n=10**6)`
or `'x' * 10**9` run until the process is killed, and no in-process counter catches them all
(loops, filters, string formatting, ...). So templates are rendered in a separate process
(`python -m notifier.sandbox`) whose address space is limited (`RLIMIT_AS`) and which is killed
when a render takes longer than the time limit; its output is cut off at a size limit. The
worker is started on first use and again after it was killed; one render costs a round trip
through a pipe (well under a millisecond).

Messages are JSON lines: a request `{"jobs": [[name, source, html], ...], "context",
"max_output"}`; the worker answers `{"started": N}` before each job, then `{"texts"}` or
`{"error", "line", "name"}`.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import select
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

DEFAULT_RENDER_SECONDS = 2.0
DEFAULT_MEMORY_MB = 256
DEFAULT_MAX_OUTPUT_BYTES = 256 * 1024
START_SECONDS = 30.0


class RenderError(Exception):
    """A template that failed or went over a limit; `line` is its line, or "?"."""

    def __init__(self, message: str, line: str = "?", name: str = "") -> None:
        super().__init__(message)
        self.line = line
        self.name = name  # the template's name, when one of several failed


@dataclass(frozen=True)
class Job:
    """One template to render: its name (the file, for error messages), its text, HTML or not."""

    name: str
    source: str
    html: bool = False


@dataclass(frozen=True)
class RenderLimits:
    seconds: float = DEFAULT_RENDER_SECONDS
    memory_mb: int = DEFAULT_MEMORY_MB
    max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES


class SandboxRenderer:
    """The parent's end: one worker process, used by one thread at a time (a lock)."""

    def __init__(self, limits: RenderLimits | None = None) -> None:
        self.limits = limits or RenderLimits()
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._pending = b""  # bytes read from the worker after the last complete line
        self._closed = False
        self.restarts = 0

    def _worker(self) -> subprocess.Popen[bytes]:
        if self._process is None or self._process.poll() is not None:
            if self._process is not None:
                self.restarts += 1
            self._process = subprocess.Popen(
                [sys.executable, "-m", "notifier.sandbox", str(self.limits.memory_mb)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env={**os.environ, "PYTHONPATH": _package_root()},
            )
            self._pending = b""
            # Starting Python takes a while on a busy machine: that is not the template's time.
            if self._read_line(time.monotonic() + START_SECONDS) is None:
                self._kill()
                raise RenderError(f"the template renderer did not start within {START_SECONDS:g} s")
        return self._process

    def _read_line(self, deadline: float) -> dict[str, Any] | None:
        """The worker's next answer line (JSON), None at the deadline; RenderError if it died.
        Reads the pipe's file descriptor directly: a buffered reader could hold a line that
        select() then does not see."""
        assert self._process is not None and self._process.stdout is not None
        fd = self._process.stdout.fileno()
        while b"\n" not in self._pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                return None
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                raise RenderError(self._died())
            self._pending += chunk
        line, _, self._pending = self._pending.partition(b"\n")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def render(self, name: str, source: str, context: Mapping[str, Any], *, html: bool = False) -> str:
        """The rendered text, or RenderError (a template error, or over a limit)."""
        return self.render_many([Job(name, source, html)], context)[0]

    def render_many(self, jobs: Sequence[Job], context: Mapping[str, Any]) -> list[str]:
        """Several templates with one context in one round trip (the parts of one message); each
        has the time limit, so the batch has their sum."""
        request = json.dumps(
            {
                "jobs": [[job.name, job.source, job.html] for job in jobs],
                "context": context,
                "max_output": self.limits.max_output_bytes,
            },
            ensure_ascii=False,
            default=str,
        )
        with self._lock:
            if self._closed:
                raise RenderError("the notifier is stopping")
            worker = self._worker()
            assert worker.stdin is not None and worker.stdout is not None
            try:
                worker.stdin.write(request.encode("utf-8") + b"\n")
                worker.stdin.flush()
            except OSError:
                self._kill()
                raise RenderError(self._died()) from None
            # The worker says which job it starts, so a timeout names the right template; each
            # job has its own time limit.
            current = 0
            while True:
                try:
                    reply = self._read_line(time.monotonic() + self.limits.seconds)
                except RenderError as exc:
                    self._kill()
                    raise RenderError(str(exc), name=jobs[current].name) from None
                if reply is None:
                    self._kill()
                    raise RenderError(
                        f"took longer than {self.limits.seconds:g} s (the render time limit); stopped",
                        name=jobs[current].name,
                    )
                if "started" in reply:
                    current = int(reply["started"])
                    continue
                break
        if "error" in reply:
            raise RenderError(reply["error"], str(reply.get("line", "?")), reply.get("name", ""))
        texts: list[str] = reply["texts"]
        return texts

    def _died(self) -> str:
        if self._closed:
            return "the notifier is stopping"
        return f"the renderer stopped (over the memory limit of {self.limits.memory_mb} MB?)"

    def _kill(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()
        if process is not None:
            for stream in (process.stdin, process.stdout):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Stop the worker now, also under a render in progress (which then fails at once)."""
        self._closed = True
        process = self._process
        if process is not None and process.poll() is None:
            process.kill()
        with self._lock:
            self._kill()


_shared: dict[RenderLimits, SandboxRenderer] = {}
_shared_lock = threading.Lock()


def shared_renderer(limits: RenderLimits | None = None) -> SandboxRenderer:
    """One renderer per process (and limits) for callers that do not manage their own: a command
    that feeds many evaluations starts one worker, not one per evaluation. Its worker ends with
    the process (it reads requests until its stdin closes)."""
    limits = limits or RenderLimits()
    with _shared_lock:
        renderer = _shared.get(limits)
        if renderer is None or renderer.closed:
            renderer = _shared[limits] = SandboxRenderer(limits)
        return renderer


def _package_root() -> str:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    existing = os.environ.get("PYTHONPATH")
    return root if not existing else f"{root}{os.pathsep}{existing}"


# ---- the worker ---------------------------------------------------------------------------


def _line_of(exc: BaseException, name: str) -> str:
    """The template line of an error raised while rendering (Jinja rewrites tracebacks so the
    template's frames carry the template's name and line)."""
    line = "?"
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == name:
            line = str(frame.lineno)
    return line


def _address_space_bytes() -> int:
    with open("/proc/self/statm", encoding="ascii") as handle:
        return int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _serve(memory_mb: int, requests: TextIO, answers: TextIO) -> None:
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    # After the imports: the limit is on what rendering may add to the worker's own size.
    limit = _address_space_bytes() + memory_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    sources: dict[str, str] = {}

    def load(name: str) -> tuple[str, str, Any]:
        source = sources[name]
        return source, name, lambda: sources.get(name) == source  # recompiled when it changes

    loader = jinja2.FunctionLoader(load)
    environments = {
        html: SandboxedEnvironment(loader=loader, autoescape=html, undefined=jinja2.StrictUndefined)
        for html in (False, True)
    }
    answers.write('{"ready": true}\n')
    answers.flush()
    for raw in requests:
        request = json.loads(raw)
        texts: list[str] = []
        reply: dict[str, Any] = {"texts": texts}
        name = ""
        try:
            for number, (name, source, html) in enumerate(request["jobs"]):
                answers.write(f'{{"started": {number}}}\n')
                answers.flush()
                sources[name] = source
                template = environments[html].get_template(name)
                pieces: list[str] = []
                size = 0
                limit_bytes = request["max_output"]
                for piece in template.generate(**request["context"]):
                    size += len(piece.encode("utf-8"))
                    if size > limit_bytes:
                        raise RenderError(
                            f"produced more than {limit_bytes:,} bytes (the output limit); stopped"
                        )
                    pieces.append(piece)
                texts.append("".join(pieces))
        except MemoryError as exc:
            reply = {
                "error": f"needs more than {memory_mb} MB (the memory limit); stopped",
                "line": _line_of(exc, name),
            }
        except RenderError as exc:
            reply = {"error": str(exc), "line": _line_of(exc, name)}
        except jinja2.TemplateSyntaxError as exc:
            reply = {"error": exc.message or str(exc), "line": exc.lineno}
        except Exception as exc:  # sandbox violations, undefined variables, filter errors
            reply = {"error": str(exc), "line": _line_of(exc, name)}
        if "error" in reply:
            reply["name"] = name
        answers.write(json.dumps(reply, ensure_ascii=False) + "\n")
        answers.flush()


if __name__ == "__main__":
    _serve(int(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_MEMORY_MB, sys.stdin, sys.stdout)
