"""`prolan-probe status`: which probe services run against this aggregator (every instance, its role
— the active one or a standby, issue 16 —, last heartbeat and version, and the lease), are their consumers of
evaluations (the SNMP index, the notifier) keeping up, and how fresh are the results of each test.

Read from the aggregator (`service_status`, written by every running service every 10 s, and
`test_runs`), so it works from any machine that reaches the database. Exit status 0 when a service
is alive and all its consumers are ok, 1 otherwise (for monitoring scripts), 2 on errors."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any

from sqlalchemy import func, inspect, select

from probe.commands.base import Context, print_json, print_table
from probe.lease import LeaseRow, read_lease
from probe.status import STALE_SECONDS, ServiceRow, read_services
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
        lease = read_lease(conn) if inspect(conn).has_table("probe_lease") else None
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
                        "last_heartbeat": _local(s.updated_at, tz),
                        "role": s.role,
                        "holds_lease": _holds(s, lease),
                        "lease_epoch": s.lease_epoch,
                        "version": s.version,
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
                "lease": None
                if lease is None
                else {
                    "holder": lease.holder,
                    "epoch": lease.epoch,
                    "expires_in_seconds": round(lease.expires_in, 1),
                },
            }
        )
        return 0 if healthy else 1
    if not services:
        print("no probe service has run against this aggregator (no heartbeat)")
    else:
        print_table(
            [
                (
                    s.probe,
                    s.origin,
                    _shown_role(s, lease) if s.alive(now) else "gone",
                    f"{_local(s.updated_at, tz)} ({s.age_seconds(now):.0f} s ago)",
                    s.version or "-",
                    "-" if s.lease_epoch is None else s.lease_epoch,
                )
                for s in services
            ],
            ["service", "instance", "role", "last heartbeat", "version", "lease epoch"],
        )
        if lease is not None:
            print(
                f"lease of the active probe: epoch {lease.epoch}, "
                + (
                    f"held by {lease.holder}, expires in {lease.expires_in:.1f} s"
                    if lease.holder and lease.expires_in > 0
                    else "free (a standby takes it at its next attempt)"
                )
            )
        print()
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


def _holds(service: ServiceRow, lease: LeaseRow | None) -> bool:
    """Does this service hold the lease of the active probe now (by the database's clock)?"""
    return lease is not None and lease.holder == service.origin and lease.expires_in > 0


def _shown_role(service: ServiceRow, lease: LeaseRow | None) -> str:
    """The role from the heartbeat, checked against the lease: a service that last said it was
    active but no longer holds the lease (killed, stalled, cut off) is shown as such."""
    if service.role == "active" and lease is not None and not _holds(service, lease):
        return "active, lease lost"
    return service.role or "-"
