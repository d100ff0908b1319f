"""`python -m probe.demo.guard PARENT_PID COMMAND…`: run COMMAND so that it gets SIGTERM when its
parent (the live demo's supervisor) dies, even by SIGKILL: Linux's PR_SET_PDEATHSIG, which an
exec keeps. So a demo never leaves a probe, a simulator or a console behind."""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def main(argv: list[str]) -> int:
    if len(argv) < 2 or not argv[0].isdigit():
        print("usage: python -m probe.demo.guard PARENT_PID COMMAND [ARG…]", file=sys.stderr)
        return 2
    parent, command = int(argv[0]), argv[1:]
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:
        return 1  # the supervisor died before the guard was set: nothing to run for
    os.execvp(command[0], command)
    return 127  # not reached: execvp replaces this process or raises


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
