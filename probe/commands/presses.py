"""`prolan-probe presses import FILE.csv [--alert [--max-age-minutes M]]` and
`presses list [--suspicious] [--point P] [--since T] [--until T] [--limit N] [--format table|json]`."""

from __future__ import annotations

import argparse
import datetime as dt
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import Select, and_, or_, select, true

from probe.commands.base import (
    CommandError,
    Context,
    parse_local_time,
    print_json,
    print_refused_rows,
    print_table,
)
from probe.i18n import _
from probe.ingest.config import IngestConfig
from probe.press_hooks import press_hooks
from probe.presses import import_presses_csv
from probe.store.schema import clips, pads, points, presses
from probe.topology import INDICATIVE_KINDS, load_topology


def register(sub: Any) -> None:
    presses = sub.add_parser("presses", help=_("button presses")).add_subparsers(
        dest="presses_command", required=True
    )
    imp = presses.add_parser(
        "import", help=_("import presses from CSV (header pad,button,pressed_at,question)")
    )
    imp.add_argument("file", type=Path)
    imp.add_argument("--batch-size", type=int, default=20_000)
    imp.add_argument(
        "--alert",
        action="store_true",
        help=_(
            "the imported presses may alert through press rules, like presses from pads "
            "(default: an import is history and never alerts)"
        ),
    )
    imp.add_argument(
        "--max-age-minutes",
        type=float,
        metavar="M",
        help=_(
            "with --alert: alert on presses up to M minutes old when stored (0 = any age; "
            "default: each press rule's max_age_minutes)"
        ),
    )
    imp.add_argument(
        "--max-age-days",
        type=float,
        help=_(
            "refuse presses older than this (default: [ingest] max_age_days, 400; 0 = no limit: old history)"
        ),
    )
    imp.add_argument(
        "--max-ahead-minutes",
        type=float,
        help=_(
            "refuse presses this far in the future (default: [ingest] max_ahead_minutes, 10; 0 = no limit)"
        ),
    )
    imp.set_defaults(func=cmd_import)
    lst = presses.add_parser(
        "list", help=_("stored presses, newest first (with --suspicious: the suspicious ones)")
    )
    lst.add_argument(
        "--suspicious",
        action="store_true",
        help=_("only presses marked suspicious (within a pad's min_seconds_between of the previous one)"),
    )
    lst.add_argument("--point", help=_("only this service point"))
    lst.add_argument("--since", help=_("ISO time: pressed at or after it (local time if no offset)"))
    lst.add_argument("--until", help=_("ISO time: pressed before it (local time if no offset)"))
    lst.add_argument(
        "--limit", type=int, default=100, help=_("at most this many (default 100, at most 10000)")
    )
    lst.add_argument("--format", choices=["table", "json"], default="table", help=_("table or json"))
    lst.set_defaults(func=cmd_list)


def cmd_import(ctx: Context, args: argparse.Namespace) -> int:
    if args.max_age_minutes is not None and not args.alert:
        raise CommandError("--max-age-minutes applies to alerts: give it with --alert")
    if args.max_age_minutes is not None and args.max_age_minutes < 0:
        raise CommandError("--max-age-minutes must be 0 (any age) or more")
    engine = ctx.ready_engine()
    topology = load_topology(engine)
    started = time.perf_counter()
    window = ctx.config.section(IngestConfig).plausible_window()
    if args.max_age_days is not None:
        window = replace(window, max_age_days=max(args.max_age_days, 0.0))
    if args.max_ahead_minutes is not None:
        window = replace(window, max_ahead_minutes=max(args.max_ahead_minutes, 0.0))
    report = import_presses_csv(
        engine,
        topology,
        args.file,
        batch_size=args.batch_size,
        hooks=press_hooks(ctx.config),
        alert=args.alert,
        max_age_minutes=args.max_age_minutes,
        window=window,
    )
    elapsed = time.perf_counter() - started
    print_refused_rows(report.errors)
    rate = report.read / elapsed if elapsed > 0 else 0.0
    print(
        _(
            "{file}: {read} rows read, {stored} stored, {duplicates} already stored, {refused} refused "
            "({seconds:.1f} s, {rate:,.0f} rows/s)"
        ).format(
            file=args.file,
            read=report.read,
            stored=report.stored,
            duplicates=report.duplicates,
            refused=report.refused,
            seconds=elapsed,
            rate=rate,
        )
    )
    for name, hook_report in sorted(report.hooks.items()):
        if hook_report.queued or hook_report.skipped:
            print(f"{name}: {hook_report.text()}")
    return 1 if report.errors else 0


MAX_LIST = 10_000


def press_list_query(
    *,
    suspicious: bool,
    point_id: int | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
    limit: int,
) -> Select[Any]:
    """Presses newest first with their point, the pad's minimum gap and their audio fragment
    (clips: cut, waiting or missing), for `presses list` (compiled for mssql in the tests)."""
    conditions = []
    if suspicious:
        conditions.append(presses.c.suspicious == true())
    if point_id is not None:
        conditions.append(presses.c.point_id == point_id)
    if since is not None:
        conditions.append(presses.c.pressed_at >= since)
    if until is not None:
        conditions.append(presses.c.pressed_at < until)
    return (
        select(
            presses.c.id,
            presses.c.pad_id,
            presses.c.button,
            presses.c.kind,
            presses.c.pressed_at,
            presses.c.question_id,
            presses.c.source,
            presses.c.suspicious,
            points.c.name.label("point"),
            pads.c.min_seconds_between,
            clips.c.status.label("clip_status"),
            clips.c.path.label("clip_path"),
        )
        .select_from(
            presses.outerjoin(points, points.c.id == presses.c.point_id)
            .outerjoin(pads, pads.c.id == presses.c.pad_id)
            .outerjoin(clips, clips.c.press_id == presses.c.id)
        )
        .where(and_(true(), *conditions))
        .order_by(presses.c.pressed_at.desc(), presses.c.id.desc())
        .limit(limit)
    )


def previous_press_query(pad_id: str, pressed_at: dt.datetime, press_id: int) -> Select[Any]:
    """The indicative press of the pad just before this one (the same millisecond: stored
    before it): what made a press suspicious."""
    earlier = or_(
        presses.c.pressed_at < pressed_at,
        and_(presses.c.pressed_at == pressed_at, presses.c.id < press_id),
    )
    return (
        select(presses.c.pressed_at)
        .where(presses.c.pad_id == pad_id, presses.c.kind.in_(INDICATIVE_KINDS), earlier)
        .order_by(presses.c.pressed_at.desc(), presses.c.id.desc())
        .limit(1)
    )


def cmd_list(ctx: Context, args: argparse.Namespace) -> int:
    if not 1 <= args.limit <= MAX_LIST:
        raise CommandError(
            _("--limit must be 1..{most}, got {limit}").format(most=MAX_LIST, limit=args.limit)
        )
    tz = ctx.config.tz
    since = parse_local_time(args.since, tz, "--since") if args.since else None
    until = parse_local_time(args.until, tz, "--until") if args.until else None
    engine = ctx.ready_engine()
    topology = load_topology(engine)
    point_id = None
    if args.point is not None:
        point = topology.points.get(args.point)
        if point is None or point.id is None:
            known = ", ".join(sorted(topology.points)[:20]) or _("none")
            raise CommandError(
                _("--point: no service point {point!r} (points: {known})").format(
                    point=args.point, known=known
                )
            )
        point_id = point.id
    query = press_list_query(
        suspicious=args.suspicious, point_id=point_id, since=since, until=until, limit=args.limit
    )
    rows = []
    with engine.connect() as conn:
        for row in conn.execute(query):
            gap = None
            if row.kind in INDICATIVE_KINDS:
                before = conn.execute(previous_press_query(row.pad_id, row.pressed_at, row.id)).scalar()
                gap = None if before is None else (row.pressed_at - before).total_seconds()
            rows.append((row, gap))
    if args.format == "json":
        print_json(
            [
                {
                    "id": row.id,
                    "pressed_at": row.pressed_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
                    "point": row.point,
                    "pad": row.pad_id,
                    "button": row.button,
                    "kind": row.kind,
                    "question": row.question_id,
                    "source": row.source,
                    "suspicious": bool(row.suspicious),
                    "seconds_after_previous": gap,
                    "min_seconds_between": row.min_seconds_between,
                    "clip": None
                    if row.clip_status is None
                    else {"status": row.clip_status, "path": row.clip_path},
                }
                for row, gap in rows
            ]
        )
        return 0
    table = [
        (
            row.id,
            f"{row.pressed_at.astimezone(tz):%Y-%m-%d %H:%M:%S.%f}"[:-3],
            row.point or "",
            row.pad_id,
            row.kind,
            "" if gap is None else _("{seconds} s").format(seconds=f"{gap:g}"),
            _("yes") if row.suspicious else "",
            _clip_text(row.clip_status, row.clip_path),
        )
        for row, gap in rows
    ]
    print_table(
        table,
        ["id", _("time"), _("point"), _("pad"), _("kind"), _("after previous"), _("suspicious"), _("audio")],
    )
    if not rows:
        print(_("no presses marked suspicious match") if args.suspicious else _("no presses match"))
    return 0


def _clip_text(status: str | None, path: str | None) -> str:
    if status is None:
        return ""
    return path if status == "cut" and path else status
