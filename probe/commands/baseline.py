"""`prolan-probe baseline` (typical values and proposed thresholds) and `prolan-probe overrides`
(list and remove the per-point thresholds that `baseline --apply` stored)."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
from typing import Any

from probe.baseline import BaselineError, BaselineOptions, propose_all
from probe.commands.base import CommandError, Context, parse_local_time, print_table
from probe.i18n import _
from probe.store.baselines import apply_proposals, list_overrides, load_histories, remove_overrides
from probe.store.trends import trends_before_raw

DEFAULT_DAYS = 28  # four weeks: every hour of the week is seen four times
_WEEKDAYS = ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс")


def register(sub: Any) -> None:
    base = sub.add_parser(
        "baseline",
        help=_("typical values of assessed metrics and proposed thresholds"),
        description="Typical value = a percentile (median) of past intervals; t1 = typical, "
        "t2..t4 = t1 × coefficients (mirrored for higher-is-better metrics).",
    )
    base.add_argument("--test", required=True, help=_("test name, e.g. LOYALTY_MON"))
    base.add_argument("--point", help=_("only this service point"))
    base.add_argument("--from", dest="since", help=f"ISO time or date (default: {DEFAULT_DAYS} days ago)")
    base.add_argument("--to", dest="until", help=_("ISO time or date (default: now)"))
    base.add_argument(
        "--percentile", type=float, default=50.0, help=_("typical value percentile (default 50)")
    )
    base.add_argument(
        "--coefficients", default="2,3,4", help=_("t2,t3,t4 as multiples of t1 (default 2,3,4)")
    )
    base.add_argument(
        "--floor", type=float, default=1.0, help=_("smallest t1 (a typical 0 cannot be multiplied)")
    )
    base.add_argument("--min-samples", type=int, default=3, help=_("fewest values that give a proposal"))
    base.add_argument("--hour-of-week", action="store_true", help=_("one typical value per hour of the week"))
    base.add_argument("--format", choices=("table", "json", "csv"), default="table")
    base.add_argument("--apply", action="store_true", help=_("store the proposals as per-point overrides"))
    base.set_defaults(func=cmd_baseline)

    over = sub.add_parser("overrides", help=_("per-point threshold overrides")).add_subparsers(
        dest="overrides_command", required=True
    )
    show = over.add_parser("list", help=_("list stored overrides"))
    show.add_argument("--test")
    show.add_argument("--point")
    show.add_argument("--format", choices=("table", "json"), default="table")
    show.set_defaults(func=cmd_list)
    remove = over.add_parser("remove", help=_("remove overrides by id, or all of a test"))
    remove.add_argument("ids", nargs="*", type=int, help=_("override ids (see 'overrides list')"))
    remove.add_argument("--test")
    remove.add_argument("--point")
    remove.add_argument("--source", help=_("only overrides from this source, e.g. baseline"))
    remove.set_defaults(func=cmd_remove)


def parse_coefficients(text: str) -> tuple[float, float, float]:
    try:
        parts = tuple(float(p) for p in text.split(","))
    except ValueError:
        raise CommandError(
            _("--coefficients: {text!r} must be three numbers, e.g. 2,3,4").format(text=text)
        ) from None
    if len(parts) != 3:
        raise CommandError(_("--coefficients: {text!r} must be three numbers, e.g. 2,3,4").format(text=text))
    return parts[0], parts[1], parts[2]


def how_label(how: int | None) -> str:
    if how is None:
        return "всю неделю"
    return f"{_WEEKDAYS[how // 24]} {how % 24:02d}:00"


def _fmt(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def cmd_baseline(ctx: Context, args: argparse.Namespace) -> int:
    engine = ctx.ready_engine()
    tz = ctx.config.tz
    until = parse_local_time(args.until, tz, "--to") if args.until else dt.datetime.now(dt.UTC)
    since = (
        parse_local_time(args.since, tz, "--from") if args.since else until - dt.timedelta(days=DEFAULT_DAYS)
    )
    if since >= until:
        raise CommandError(
            f"--from ({since:%Y-%m-%d %H:%M} UTC) must be before --to ({until:%Y-%m-%d %H:%M} UTC)"
        )
    try:
        options = BaselineOptions(
            percentile=args.percentile,
            coefficients=parse_coefficients(args.coefficients),
            floor=args.floor,
            hour_of_week=args.hour_of_week,
            min_samples=args.min_samples,
        )
    except BaselineError as exc:
        raise CommandError(str(exc)) from None
    histories = load_histories(engine, args.test, point=args.point, since=since, until=until)
    with engine.connect() as conn:
        trends_end = trends_before_raw(conn, since, until)
    if trends_end is not None:  # issue 16: say what the older part is
        print(
            _(
                "values before {time} UTC are hourly trend means (raw values pruned after [history] keep_days)"
            ).format(time=f"{trends_end:%Y-%m-%d %H:%M}"),
            file=sys.stderr,
        )
    proposals = propose_all(histories, options, tz)
    if args.format == "json":
        json.dump([p.as_json() for p in proposals], sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    elif args.format == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(["id", "name", "point", "hour_of_week", "typical", "t1", "t2", "t3", "t4", "samples"])
        for p in proposals:
            writer.writerow(
                [
                    p.metric_id,
                    p.name,
                    p.point or "",
                    "" if p.hour_of_week is None else p.hour_of_week,
                    _fmt(p.typical),
                    *(_fmt(b) for b in p.thresholds.bounds),
                    p.samples,
                ]
            )
    else:
        rows = [
            (
                p.name,
                how_label(p.hour_of_week),
                _fmt(p.typical),
                " / ".join(_fmt(b) for b in p.thresholds.bounds),
                "" if p.current is None else " / ".join(_fmt(b) for b in p.current.bounds),
                p.samples,
            )
            for p in proposals
        ]
        print_table(
            rows, ["метрика", "часы", "типичное", "предлагаемые t1..t4", "текущие t1..t4", "интервалов"]
        )
    if not proposals:
        print(
            f"no assessed metric of {args.test} has {options.min_samples}+ values between "
            f"{since:%Y-%m-%d %H:%M} and {until:%Y-%m-%d %H:%M} UTC",
            file=sys.stderr,
        )
        return 1
    if args.apply:
        count = apply_proposals(engine, proposals)
        print(
            _("applied {count} overrides; the engine uses them from the next evaluation").format(count=count),
            file=sys.stderr,
        )
    return 0


def cmd_list(ctx: Context, args: argparse.Namespace) -> int:
    overrides = list_overrides(ctx.ready_engine(), test=args.test, point=args.point)
    if args.format == "json":
        json.dump([o.as_json() for o in overrides], sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 0
    print_table(
        [
            (
                o.id,
                o.test,
                o.point or "",
                o.metric_pattern,
                how_label(o.hour_of_week),
                o.direction,
                " / ".join(_fmt(b) for b in o.bounds),
                o.source,
            )
            for o in overrides
        ],
        ["id", "тест", "точка", "метрика", "часы", "направление", "t1..t4", "источник"],
    )
    return 0


def cmd_remove(ctx: Context, args: argparse.Namespace) -> int:
    if not args.ids and not args.test:
        raise CommandError(_("overrides remove: give override ids or --test NAME"))
    removed = remove_overrides(
        ctx.ready_engine(), ids=args.ids, test=args.test, point=args.point, source=args.source
    )
    print(_("removed {count} overrides").format(count=removed))
    return 0 if removed else 1
