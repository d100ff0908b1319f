"""`prolan-probe history prune|status`: the housekeeper's pass by hand, and what is stored."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from probe.commands.base import Context, print_json, print_table
from probe.history.config import HistoryConfig
from probe.history.housekeeper import PruneReport, housekeep
from probe.history.status import HistoryStatus, history_status
from probe.i18n import _


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "history",
        help=_("bounded history: roll up hourly trends and prune old values, or show what is kept"),
        description=_(
            "Raw values are kept [history] keep_days, hourly trends trend_days; the service prunes "
            "by itself, these commands do it by hand or show the state."
        ),
    )
    actions = parser.add_subparsers(dest="history_action", metavar="ACTION", required=True)
    prune = actions.add_parser(
        "prune", help=_("roll up trends and prune what is past its retention, once, and report what went")
    )
    prune.add_argument("--format", choices=("table", "json"), default="table")
    prune.set_defaults(func=cmd_prune)
    status = actions.add_parser("status", help=_("sizes, the oldest raw day and the oldest trend hour"))
    status.add_argument("--format", choices=("table", "json"), default="table")
    status.set_defaults(func=cmd_status)


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(dt.UTC).isoformat()


def report_json(report: PruneReport) -> dict[str, Any]:
    return {
        "hours_rolled": report.hours_rolled,
        "trends_written": report.trends_written,
        "deleted": dict(sorted(report.deleted.items())),
        "partitions_dropped": report.partitions_dropped,
        "partitions_created": report.partitions_created,
        "raw_cutoff": _iso(report.raw_cutoff),
        "trend_cutoff": _iso(report.trend_cutoff),
        "seconds": round(report.seconds, 3),
    }


def cmd_prune(ctx: Context, args: argparse.Namespace) -> int:
    settings = ctx.config.section(HistoryConfig)
    report = housekeep(ctx.ready_engine(), settings)
    if args.format == "json":
        print_json(report_json(report))
        return 0
    print(
        _("{hours} hours rolled up into {rows} trend rows").format(
            hours=report.hours_rolled, rows=report.trends_written
        )
    )
    rows = [(table, count) for table, count in sorted(report.deleted.items())]
    print_table(rows, [_("table"), _("rows deleted")])
    if report.partitions_dropped:
        print(_("partitions dropped: {names}").format(names=", ".join(report.partitions_dropped)))
    if report.partitions_created:
        print(_("partitions created: {names}").format(names=", ".join(report.partitions_created)))
    print(
        _("raw values kept from {raw}, trends from {trend} ({seconds:.1f} s)").format(
            raw=_iso(report.raw_cutoff) or "-", trend=_iso(report.trend_cutoff) or "-", seconds=report.seconds
        )
    )
    return 0


def status_json(status: HistoryStatus) -> dict[str, Any]:
    return {
        "tables": [
            {"table": t.name, "rows": t.rows, "bytes": t.bytes, "estimated": t.estimated}
            for t in status.tables
        ],
        "oldest_raw": _iso(status.oldest_raw),
        "newest_raw": _iso(status.newest_raw),
        "oldest_raw_day": None if status.oldest_raw is None else status.oldest_raw.date().isoformat(),
        "oldest_trend_hour": _iso(status.oldest_trend),
        "newest_trend_hour": _iso(status.newest_trend),
        "rolled_until": _iso(status.rolled_until),
        "last_pass": _iso(status.last_pass),
        "partitions": status.partitions,
        "threshold_tables": status.distinct_tables,
    }


def cmd_status(ctx: Context, args: argparse.Namespace) -> int:
    settings = ctx.config.section(HistoryConfig)
    status = history_status(ctx.ready_engine())
    if args.format == "json":
        data = status_json(status)
        data["keep_days"], data["trend_days"] = settings.keep_days, settings.trend_days
        print_json(data)
        return 0
    rows = [
        (t.name, ("~" if t.estimated else "") + str(t.rows), "-" if t.bytes is None else t.bytes)
        for t in status.tables
    ]
    print_table(rows, [_("table"), _("rows"), _("bytes")])
    day = None if status.oldest_raw is None else status.oldest_raw.date().isoformat()
    print(_("oldest raw day: {day} (kept {days} days)").format(day=day or "-", days=settings.keep_days))
    print(
        _("oldest trend hour: {hour} (kept {days} days)").format(
            hour=_iso(status.oldest_trend) or "-", days=settings.trend_days
        )
    )
    print(_("rolled up until: {at}").format(at=_iso(status.rolled_until) or "-"))
    if status.partitions is not None:
        print(_("day partitions of metric_values: {count}").format(count=status.partitions))
    return 0
