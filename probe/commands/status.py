"""`prolan-probe status`: is a probe service running against this aggregator, are its consumers of
evaluations (the SNMP index, the notifier) keeping up, and how fresh are the results of each test.

Read from the aggregator (`service_status`, written by every running service every 10 s, and
`test_runs`), so it works from any machine that reaches the database. Exit status 0 when a service
is alive and all its consumers are ok, 1 otherwise (for monitoring scripts), 2 on errors."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any

from sqlalchemy import func, select

from probe.commands.base import Context, print_json, print_table
from probe.status import STALE_SECONDS, read_services
from probe.store.db import utcnow
from probe.store.schema import test_runs


def register(sub: Any) -> None:
    parser = sub.add_parser("status", help="the running service: its consumers of evaluations, fresh results")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.set_defaults(func=cmd_status)


def cmd_status(ctx: Context, args: argparse.Namespace) -> int:
    engine = ctx.ready_engine()
    now = utcnow()
    services = read_services(engine)
    with engine.connect() as conn:
        last_runs = conn.execute(
            select(test_runs.c.test, func.max(test_runs.c.at))
            .group_by(test_runs.c.test)
            .order_by(test_runs.c.test)
        ).all()
    alive = [s for s in services if s.alive(now)]
    healthy = bool(alive) and all(c.state == "ok" for s in alive for c in s.consumers)
    tz = ctx.config.tz
    if args.format == "json":
        print_json(
            {
                "ok": healthy,
                "services": [
                    {
                        "origin": s.origin,
                        "probe": s.probe,
                        "alive": s.alive(now),
                        "heartbeat_age_seconds": round(s.age_seconds(now), 1),
                        "started_at": _local(s.started_at, tz),
                        "followed_seq": s.followed_seq,
                        "consumers": [
                            {
                                "name": c.name,
                                "state": c.state,
                                "queued": c.queued,
                                "lag_seconds": round(max(c.busy_seconds, c.lag_seconds), 3),
                                "last_seconds": round(c.last_seconds, 3),
                                "delivered": c.delivered,
                                "failures": c.failures,
                                "dropped": c.dropped,
                                "last_error": c.last_error,
                            }
                            for c in s.consumers
                        ],
                    }
                    for s in services
                ],
                "tests": [{"test": test, "last_run": _local(at, tz)} for test, at in last_runs],
            }
        )
        return 0 if healthy else 1
    if not services:
        print("no probe service has run against this aggregator (no heartbeat)")
    for s in services:
        state = "running" if s.alive(now) else f"gone (no heartbeat for {s.age_seconds(now):.0f} s)"
        print(f"service {s.probe} [{s.origin}]: {state}; started {_local(s.started_at, tz)}")
        print_table(
            [
                (
                    c.name,
                    c.state,
                    c.queued,
                    f"{max(c.busy_seconds, c.lag_seconds):.1f}",
                    f"{c.last_seconds:.2f}",
                    c.failures,
                    c.last_error,
                )
                for c in s.consumers
            ],
            ["consumer", "state", "queued", "lag s", "last s", "failures", "last error"],
        )
        print()
    print_table([(test, _local(at, tz)) for test, at in last_runs], ["test", "last evaluated interval"])
    if not alive:
        print(
            f"prolan-probe: no probe service is running (no heartbeat within {STALE_SECONDS:.0f} s)",
            file=sys.stderr,
        )
    elif not healthy:
        print("prolan-probe: a consumer of evaluations is slow or failing (see above)", file=sys.stderr)
    return 0 if healthy else 1


def _local(value: dt.datetime | None, tz: Any) -> str | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC).astimezone(tz).isoformat(timespec="seconds")
