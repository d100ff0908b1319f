"""`prolan-probe clips [--since T]`: cut the fragments that are due now, once, and exit."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any

from sqlalchemy import select

from probe.clips.runner import ClipCutter
from probe.commands.base import CommandError, Context, print_json, print_table
from probe.i18n import _
from probe.store.schema import clips, points


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "clips",
        help=_("cut audio fragments around presses once (the service does it continuously)"),
        description="Cut the fragments of every due press of the [clips] kinds, retrying presses "
        "whose recording was missing, then exit.",
    )
    parser.add_argument(
        "--since",
        metavar="T",
        help="only presses at or after T (ISO 8601; no offset = the probe's time zone); "
        "default: [clips] lookback_days ago",
    )
    parser.add_argument(
        "--list", action="store_true", help=_("list the recorded fragments instead of cutting")
    )
    parser.add_argument("--point", metavar="NAME", help=_("with --list: only this point"))
    parser.add_argument("--format", choices=("table", "json"), default="table", help=_("with --list"))
    parser.set_defaults(func=cmd_clips)


def parse_since(text: str, ctx: Context) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(
            _("--since {text!r}: not an ISO 8601 time (e.g. 2026-11-22T10:00)").format(text=text)
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=ctx.config.tz)
    return value.astimezone(dt.UTC)


def cmd_clips(ctx: Context, args: argparse.Namespace) -> int:
    since = parse_since(args.since, ctx) if args.since else None
    if args.list:
        return list_clips(ctx, since, args.point, args.format)
    cutter = ClipCutter(ctx.config, ctx.ready_engine())
    report = cutter.run_once(since=since, respect_backoff=False)
    print(
        f"{report.cut} fragments cut, {report.waiting} presses waiting for a recording, "
        f"{report.missing} without a recording (given up) — {report.seconds:.1f} s; output {cutter.output_dir}"
    )
    for message in report.errors:
        print(message, file=sys.stderr)
    return 1 if report.errors else 0


def list_clips(ctx: Context, since: dt.datetime | None, point: str | None, fmt: str) -> int:
    query = (
        select(
            points.c.name,
            clips.c.pressed_at,
            clips.c.kind,
            clips.c.status,
            clips.c.duration_seconds,
            clips.c.path,
            clips.c.reason,
            clips.c.press_id,
        )
        .join(points, points.c.id == clips.c.point_id)
        .order_by(clips.c.pressed_at, clips.c.press_id)
    )
    if since is not None:
        query = query.where(clips.c.pressed_at >= since)
    if point is not None:
        query = query.where(points.c.name == point)
    with ctx.ready_engine().connect() as conn:
        rows = conn.execute(query).all()
    tz = ctx.config.tz
    items = [
        {
            "press_id": row.press_id,
            "point": row.name,
            "pressed_at": row.pressed_at.astimezone(tz).isoformat(timespec="seconds"),
            "kind": row.kind,
            "status": row.status,
            "seconds": row.duration_seconds,
            "path": row.path,
            "reason": row.reason,
        }
        for row in rows
    ]
    if fmt == "json":
        print_json(items)
    else:
        header = ("press_id", "point", "pressed_at", "kind", "status", "seconds", "path", "reason")
        print_table([[item[key] for key in header] for item in items], header)
    return 0
