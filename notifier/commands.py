"""Notifier commands: `notify test|check|replay`, `outbox flush|list|retry`, `silence add|list|remove`,
`recipients import-ldap|list`, `alerts list|show|ack|close` (press alerts). The notifier (Jinja2, ldap3, aiosmtplib, pyserial) is imported
when one of them runs, so that every other command starts without it."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import getpass
import os
import sys
import uuid
from typing import Any

from notifier.config import NotifierConfig
from notifier.i18n import _
from probe.commands.base import CommandError, Context, parse_local_time, print_json, print_table
from probe.i18n import N_
from probe.store.db import utcnow


def register(sub: Any) -> None:
    notify = sub.add_parser("notify", help=_("notifications")).add_subparsers(
        dest="notify_command", required=True
    )
    test = notify.add_parser("test", help=_("send a sample message of a rule through its real channels"))
    test.add_argument("--rule", required=True, help=_("rule name from [[notifier.rules]]"))
    test.add_argument("--no-deliver", action="store_true", help=_("only queue it (the service will send it)"))
    test.set_defaults(func=cmd_notify_test)
    check = notify.add_parser("check", help=_("compile and trial-render every rule's templates"))
    check.set_defaults(func=cmd_notify_check)
    replay = notify.add_parser(
        "replay",
        help=_("run stored history through a rule: what it would have opened and sent (sends nothing)"),
    )
    replay.add_argument("--rule", required=True, help=_("rule name from [[notifier.rules]]"))
    replay.add_argument("--from", dest="since", required=True, help=_("ISO time (local time if no offset)"))
    replay.add_argument("--to", dest="until", required=True, help=_("ISO time (local time if no offset)"))
    replay.add_argument(
        "--thresholds",
        help=_("t1,t2,t3,t4: re-assess the history with this table first (rising: higher is worse)"),
    )
    replay.add_argument("--format", choices=["table", "json"], default="table", help=_("table or json"))
    replay.set_defaults(func=cmd_notify_replay)

    outbox = sub.add_parser("outbox", help=_("messages waiting, sent and failed")).add_subparsers(
        dest="outbox_command", required=True
    )
    flush = outbox.add_parser("flush", help=_("deliver what is due once and exit with a summary"))
    flush.set_defaults(func=cmd_outbox_flush)
    lst = outbox.add_parser("list", help=_("the latest outbox rows"))
    lst.add_argument("--status", choices=["pending", "sending", "sent", "failed"])
    lst.add_argument("--limit", type=int, default=50)
    lst.add_argument("--format", choices=["table", "json"], default="table")
    lst.set_defaults(func=cmd_outbox_list)
    retry = outbox.add_parser("retry", help=_("queue permanently failed rows again (all, or the given ids)"))
    retry.add_argument("ids", nargs="*", type=int)
    retry.set_defaults(func=cmd_outbox_retry)

    silence = sub.add_parser("silence", help=_("maintenance silences")).add_subparsers(
        dest="silence_command", required=True
    )
    add = silence.add_parser("add", help=_("silence rules / metrics / points for a while"))
    add.add_argument("--rule", help=_("only this rule (default: every rule)"))
    add.add_argument("--metrics", help=_("glob on metric names (default: every metric)"))
    add.add_argument("--point", help=_("glob on point names (default: every point)"))
    add.add_argument(
        "--from", dest="start", help=_("ISO time it starts (default: now; local time if no offset)")
    )
    group = add.add_mutually_exclusive_group(required=True)
    group.add_argument("--for", dest="duration", help=_("how long: 90m, 2h, 1d, 1h30m"))
    group.add_argument("--until", help=_("ISO time it ends (local time if no offset)"))
    add.add_argument("--reason", default="", help=_("why (shown in `silence list`)"))
    add.set_defaults(func=cmd_silence_add)
    slist = silence.add_parser("list", help=_("active and future silences"))
    slist.add_argument("--all", action="store_true", help=_("include expired ones"))
    slist.set_defaults(func=cmd_silence_list)
    remove = silence.add_parser("remove", help=_("end a silence now"))
    remove.add_argument("id", type=int)
    remove.set_defaults(func=cmd_silence_remove)

    recipients = sub.add_parser("recipients", help=_("recipient lists")).add_subparsers(
        dest="recipients_command", required=True
    )
    ldap = recipients.add_parser(
        "import-ldap", help=_("import the members of an LDAP/AD group into a named list")
    )
    ldap.add_argument("--url", required=True, help=_("ldap://HOST:PORT or ldaps://HOST"))
    ldap.add_argument("--bind-dn", help=_("DN (or user@domain for AD) to bind as; default anonymous"))
    ldap.add_argument(
        "--password-env",
        default="PROLAN_LDAP_PASSWORD",
        help=_("environment variable with the bind password"),
    )
    ldap.add_argument("--group", required=True, help=_("group DN, or its cn / sAMAccountName"))
    ldap.add_argument("--base", help=_("search base (default: the server's first naming context)"))
    ldap.add_argument("--list", dest="list_name", help=_("recipient list name (default: the group's name)"))
    ldap.add_argument("--page-size", type=int, default=500)
    ldap.add_argument("--dry-run", action="store_true", help=_("show the members, store nothing"))
    ldap.set_defaults(func=cmd_import_ldap)
    rlist = recipients.add_parser("list", help=_("members of the recipient lists (config and imported)"))
    rlist.add_argument("--list", dest="list_name")
    rlist.set_defaults(func=cmd_recipients_list)

    alerts = sub.add_parser("alerts", help="press alerts and their acknowledgement").add_subparsers(
        dest="alerts_command", required=True
    )
    alist = alerts.add_parser("list", help="the latest press alerts, newest first")
    alist.add_argument("--open", action="store_true", help="only those nobody acknowledged yet")
    alist.add_argument("--point", help="point name or glob")
    alist.add_argument("--rule", help="press rule name")
    alist.add_argument("--limit", type=int, default=50)
    alist.add_argument("--format", choices=["table", "json"], default="table")
    alist.set_defaults(func=cmd_alerts_list)
    ashow = alerts.add_parser("show", help="one alert: its presses, messages and acknowledgement")
    ashow.add_argument("id", type=int)
    ashow.set_defaults(func=cmd_alerts_show)
    for name, helptext in (
        ("ack", "acknowledge an alert (open -> acknowledged)"),
        ("close", "close an alert (open or acknowledged -> closed)"),
    ):
        step = alerts.add_parser(name, help=helptext)
        step.add_argument("id", type=int)
        step.add_argument("--comment", help="what was done, for the console and `alerts list`")
        step.add_argument("--by", default=None, help="who (default: the user running the command)")
        step.set_defaults(func=cmd_alerts_step, step=name)


def _local_time(ctx: Context, text: str, option: str) -> dt.datetime:
    return parse_local_time(text, ctx.config.tz, option)


def _flush(ctx: Context) -> int:
    from notifier.outbox import Deliverer

    summary = asyncio.run(Deliverer(ctx.config, ctx.ready_engine()).deliver_due())
    for line in summary.errors:
        print(line, file=sys.stderr)
    print(f"outbox: {summary.line()}")
    return 1 if summary.failed or summary.retry else 0


def cmd_notify_test(ctx: Context, args: argparse.Namespace) -> int:
    from notifier import store
    from notifier.incidents import Event, EventKind, IncidentState, Sample
    from notifier.messages import SAMPLE_METRIC, TemplateProblem
    from notifier.pipeline import Templates, event_messages

    rule = ctx.config.section(NotifierConfig).rule(args.rule)
    if rule is None:
        names = ", ".join(r.name for r in ctx.config.section(NotifierConfig).rules) or "none"
        raise CommandError(
            _("no rule named {rule!r} in [[notifier.rules]] (rules: {names})").format(
                rule=args.rule, names=names
            )
        )
    engine = ctx.ready_engine()
    templates = Templates(ctx.config)
    now = utcnow().replace(microsecond=0)
    values = tuple(Sample(now - dt.timedelta(minutes=10 * i), 45.0, rule.level) for i in range(4, -1, -1))
    state = IncidentState(opened_at=values[0].at, last_values=values)
    event = Event(EventKind.TEST, 0, now, values[-1], state)
    try:
        with engine.begin() as conn:
            messages = event_messages(
                conn,
                ctx.config,
                templates,
                rule,
                SAMPLE_METRIC,
                event,
                now=now,
                dedupe_prefix=f"test|{rule.name}|{uuid.uuid4().hex}",
            )
            queued = store.enqueue_many(conn, messages)
    except TemplateProblem as exc:
        raise CommandError(str(exc)) from None
    print(_("rule {rule!r}: {count} test messages queued").format(rule=rule.name, count=queued))
    if queued == 0:
        raise CommandError(
            _("rule {rule!r}: no recipient has an address for channels {channels}").format(
                rule=rule.name, channels=rule.channels
            )
        )
    if args.no_deliver:
        return 0
    return _flush(ctx)


def cmd_notify_check(ctx: Context, args: argparse.Namespace) -> int:
    from notifier.messages import TemplateProblem
    from notifier.pipeline import Templates

    del args
    try:
        Templates(ctx.config).check_all()
    except TemplateProblem as exc:
        raise CommandError(str(exc)) from None
    print(_("{count} rules: templates OK").format(count=len(ctx.config.section(NotifierConfig).rules)))
    return 0


def cmd_outbox_flush(ctx: Context, args: argparse.Namespace) -> int:
    del args
    return _flush(ctx)


def cmd_outbox_list(ctx: Context, args: argparse.Namespace) -> int:
    from notifier.outbox import outbox_rows

    rows = outbox_rows(ctx.ready_engine(), status=args.status, limit=args.limit)
    if args.format == "json":
        print_json(rows)
        return 0
    print_table(
        [
            [
                r["id"],
                r["created_at"],
                r["rule"],
                r["kind"],
                r["channel"],
                r["address"],
                r["status"],
                r["attempts"],
                r["due_at"] if r["status"] == "pending" else r["sent_at"],
                (r["last_error"] or "")[:80],
            ]
            for r in rows
        ],
        [
            "id",
            "created (UTC)",
            "rule",
            "kind",
            "channel",
            "address",
            "status",
            "tries",
            "due/sent (UTC)",
            "last error",
        ],
    )
    return 0


def cmd_outbox_retry(ctx: Context, args: argparse.Namespace) -> int:
    from notifier.outbox import retry_failed

    count = retry_failed(ctx.ready_engine(), args.ids or None)
    print(_("outbox: {count} failed messages queued again").format(count=count))
    return 0


def cmd_silence_add(ctx: Context, args: argparse.Namespace) -> int:
    from notifier import store
    from notifier.rules import Silence, parse_duration

    start = _local_time(ctx, args.start, "--from") if args.start else utcnow()
    if args.duration:
        try:
            end = start + parse_duration(args.duration)
        except ValueError as exc:
            raise CommandError(f"--for: {exc}") from None
    else:
        end = _local_time(ctx, args.until, "--until")
    if end <= start:
        raise CommandError(_("the silence ends before it starts; check --from / --until"))
    if args.rule and ctx.config.section(NotifierConfig).rule(args.rule) is None:
        raise CommandError(_("no rule named {rule!r} in [[notifier.rules]]").format(rule=args.rule))
    silence_id = store.add_silence(
        ctx.ready_engine(),
        Silence(0, start, end, rule=args.rule, metrics=args.metrics, point=args.point, reason=args.reason),
    )
    tz = ctx.config.tz
    print(
        f"silence {silence_id}: {start.astimezone(tz):%Y-%m-%d %H:%M} — "
        f"{end.astimezone(tz):%Y-%m-%d %H:%M} ({ctx.config.timezone})"
    )
    return 0


def cmd_silence_list(ctx: Context, args: argparse.Namespace) -> int:
    from notifier import store

    tz = ctx.config.tz
    rows = [
        [
            s.id,
            f"{s.starts_at.astimezone(tz):%Y-%m-%d %H:%M}",
            f"{s.ends_at.astimezone(tz):%Y-%m-%d %H:%M}",
            s.rule or "*",
            s.metrics or "*",
            s.point or "*",
            s.reason,
        ]
        for s in store.list_silences(ctx.ready_engine(), include_expired=args.all)
    ]
    print_table(rows, ["id", "from", "until", "rule", "metrics", "point", "reason"])
    return 0


def cmd_silence_remove(ctx: Context, args: argparse.Namespace) -> int:
    from notifier import store

    if not store.remove_silence(ctx.ready_engine(), args.id):
        raise CommandError(
            _("no silence with id {id} (see `prolan-probe silence list --all`)").format(id=args.id)
        )
    print(_("silence {id} removed").format(id=args.id))
    return 0


def cmd_import_ldap(ctx: Context, args: argparse.Namespace) -> int:
    from notifier import store
    from notifier.recipients import LdapImportError, import_group

    password = os.environ.get(args.password_env)
    if args.bind_dn and password is None:
        if not sys.stdin.isatty():
            raise CommandError(
                _("--bind-dn given but ${variable} is not set").format(variable=args.password_env)
            )
        password = getpass.getpass(f"password for {args.bind_dn}: ")
    try:
        result = import_group(
            args.url, args.bind_dn, password, args.group, args.base, page_size=args.page_size
        )
    except LdapImportError as exc:
        raise CommandError(str(exc)) from None
    list_name = args.list_name or args.group.split(",")[0].split("=")[-1]
    for line in result.skipped:
        print(_("skipped {line}").format(line=line), file=sys.stderr)
    print_table([[m.name, m.email or "", m.phone or ""] for m in result.members], ["name", "email", "phone"])
    if not args.dry_run:
        store.replace_imported_list(ctx.ready_engine(), list_name, result.members, f"{args.url} {args.group}")
    print(
        f"list {list_name!r}: {len(result.members)} members from {len(result.groups)} groups"
        f"{' (dry run, nothing stored)' if args.dry_run else ''}; {len(result.skipped)} skipped"
    )
    return 0


def cmd_recipients_list(ctx: Context, args: argparse.Namespace) -> int:
    from notifier import store

    engine = ctx.ready_engine()
    with engine.connect() as conn:
        names = sorted(store.known_lists(conn, ctx.config.section(NotifierConfig)))
        if args.list_name:
            names = [args.list_name]
        rows = [
            [name, m.name, m.email or "", m.phone or ""]
            for name in names
            for m in store.list_members(conn, ctx.config.section(NotifierConfig), name)
        ]
    print_table(rows, ["list", "name", "email", "phone"])
    return 0


def _local(ctx: Context, moment: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    return "" if moment is None else moment.astimezone(ctx.config.tz).strftime(fmt)


def _alert_json(ctx: Context, alert: Any) -> dict[str, Any]:
    def iso(moment: dt.datetime | None) -> str | None:
        return None if moment is None else moment.astimezone(ctx.config.tz).isoformat()

    return {
        "id": alert.id,
        "rule": alert.rule,
        "point": alert.point,
        "region": alert.region,
        "kind": alert.kind,
        "pad": alert.pad_id,
        "button": alert.button,
        "pressed_at": iso(alert.pressed_at),
        "presses": alert.presses,
        "first_pressed_at": iso(alert.first_pressed_at),
        "created_at": iso(alert.created_at),
        "status": alert.status,
        "acknowledged_at": iso(alert.acknowledged_at),
        "acknowledged_by": alert.acknowledged_by,
        "ack_comment": alert.ack_comment,
        "closed_at": iso(alert.closed_at),
        "closed_by": alert.closed_by,
        "close_comment": alert.close_comment,
        "messages": {"sent": alert.sent, "pending": alert.pending, "failed": alert.failed},
        "press_id": alert.press_id,
        "clip": alert.clip_status,
    }


def cmd_alerts_list(ctx: Context, args: argparse.Namespace) -> int:
    from probe.store.alerts import list_alerts

    found = list_alerts(
        ctx.ready_engine(), open_only=args.open, point=args.point, rule=args.rule, limit=args.limit
    )
    if args.format == "json":
        print_json([_alert_json(ctx, a) for a in found])
        return 0
    rows = []
    for a in found:
        presses = str(a.presses)
        if a.presses > 1:
            presses += f" since {_local(ctx, a.first_pressed_at, '%H:%M')}"
        comment = a.close_comment or a.ack_comment or ""
        who = a.closed_by or a.acknowledged_by or ""
        rows.append(
            [
                a.id,
                _local(ctx, a.pressed_at),
                a.point,
                a.kind,
                a.rule,
                presses,
                a.status,
                who,
                comment.replace("\n", " ")[:60],
                f"{a.sent}/{a.sent + a.pending + a.failed}",
            ]
        )
    print_table(
        rows,
        [
            "id",
            f"pressed ({ctx.config.timezone})",
            "point",
            "kind",
            "rule",
            "presses",
            "status",
            "by",
            "comment",
            "sent",
        ],
    )
    return 0


def cmd_alerts_show(ctx: Context, args: argparse.Namespace) -> int:
    from probe.store.alerts import alert_presses, get_alert

    engine = ctx.ready_engine()
    alert = get_alert(engine, args.id)
    if alert is None:
        raise CommandError(_("no alert {id} (see `prolan-probe alerts list`)").format(id=args.id))
    lines = [
        f"alert {alert.id}: {alert.kind} at {alert.point} ({alert.region}), rule {alert.rule!r}",
        f"  pressed:       {_local(ctx, alert.pressed_at)} (pad {alert.pad_id}, button {alert.button})",
        f"  presses:       {alert.presses} since {_local(ctx, alert.first_pressed_at)}",
        f"  announced:     {_local(ctx, alert.created_at)}; messages sent {alert.sent}, waiting {alert.pending}, failed {alert.failed}",
        f"  status:        {alert.status}",
    ]
    if alert.acknowledged_at is not None:
        lines.append(f"  acknowledged:  {_local(ctx, alert.acknowledged_at)} by {alert.acknowledged_by}")
        if alert.ack_comment:
            lines.append(f"  comment:       {alert.ack_comment}")
    if alert.closed_at is not None:
        lines.append(f"  closed:        {_local(ctx, alert.closed_at)} by {alert.closed_by}")
        if alert.close_comment:
            lines.append(f"  comment:       {alert.close_comment}")
    if alert.clip_status is not None:
        lines.append(
            f"  audio:         {alert.clip_status}{' ' + alert.clip_path if alert.clip_path else ''}"
        )
    print("\n".join(lines))
    print_table(
        [
            [pid or "", _local(ctx, at), pad, button, kind]
            for pid, pad, button, kind, at in alert_presses(engine, args.id)
        ],
        ["press id", "pressed", "pad", "button", "kind"],
    )
    return 0


def _user() -> str:
    """The user running the command (for `alerts ack` without --by)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in the environment nor the password database
        return f"uid {os.getuid()}"


def cmd_alerts_step(ctx: Context, args: argparse.Namespace) -> int:
    from probe.store.alerts import AlertError, acknowledge, close

    by = args.by or _user()
    step = acknowledge if args.step == "ack" else close
    try:
        alert = step(ctx.ready_engine(), args.id, by=by, comment=args.comment)
    except AlertError as exc:
        raise CommandError(str(exc)) from None
    print(
        _("alert {id} ({kind} at {point}, {time}): {status} by {by}").format(
            id=alert.id,
            kind=alert.kind,
            point=alert.point,
            time=_local(ctx, alert.pressed_at),
            status=alert.status,
            by=by,
        )
    )
    return 0


def cmd_notify_replay(ctx: Context, args: argparse.Namespace) -> int:
    """Stored history through a rule (docs/notifications.md, "Try a rule on history")."""
    from notifier.messages import TemplateProblem
    from notifier.replay import ReplayError, parse_thresholds, replay, rule_named

    since = _local_time(ctx, args.since, "--from")
    until = _local_time(ctx, args.until, "--to")
    try:
        rule = rule_named(ctx.config, args.rule)
        table = parse_thresholds(args.thresholds) if args.thresholds else None
        report = replay(ctx.config, ctx.ready_engine(), rule, since, until, thresholds=table)
    except ReplayError as exc:
        raise CommandError(str(exc)) from None
    except TemplateProblem as exc:
        raise CommandError(str(exc)) from None
    if args.format == "json":
        print_json(_replay_json(report))
        return 0
    _print_replay(ctx, report)
    return 0


def _utc_text(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _replay_json(report: Any) -> dict[str, Any]:
    from notifier.incidents import EventKind

    per_point = report.per_point()
    return {
        "rule": report.rule,
        "from": _utc_text(report.since),
        "to": _utc_text(report.until),
        "thresholds": None
        if report.thresholds is None
        else {"direction": report.thresholds.direction, "bounds": list(report.thresholds.bounds)},
        "metrics": report.metrics,
        "evaluations": report.evaluations,
        "not_counted": dict(sorted(report.skipped.items())),
        "notifications": report.notifications,
        "points": [
            {
                "point": point,
                "opened": counts[EventKind.FIRE],
                "escalated": counts[EventKind.ESCALATE],
                "closed": counts[EventKind.RECOVER],
                "events": [
                    {
                        "kind": e.kind.value,
                        "at": _utc_text(e.at),
                        "incident": e.incident,
                        "metric_id": e.metric_id,
                        "metric": e.metric,
                        "value": e.value,
                        "level": e.level,
                        "messages": [
                            {
                                "channel": m.channel,
                                "recipient": m.recipient,
                                "address": m.address,
                                "due_at": _utc_text(m.due_at),
                                "subject": m.subject,
                                "body": m.body,
                            }
                            for m in e.messages
                        ],
                    }
                    for e in report.events
                    if e.point == point
                ],
            }
            for point, counts in sorted(per_point.items(), key=lambda item: item[0] or "")
        ],
    }


# Why an evaluation was not counted (the keys of ReplayReport.skipped, also in `--format json`).
SKIP_REASONS = {
    "closed": N_("closed (opening hours)"),
    "silenced": N_("silenced"),
    "few_votes": N_("fewer votes than min_votes"),
}


def _print_replay(ctx: Context, report: Any) -> None:
    from notifier.incidents import EventKind

    tz = ctx.config.tz
    span = f"{report.since.astimezone(tz):%Y-%m-%d %H:%M} – {report.until.astimezone(tz):%Y-%m-%d %H:%M}"
    if report.thresholds is not None:
        span += _(", thresholds {table}").format(table=report.thresholds.describe())
    print(
        _(
            "rule {rule!r}, {span}: {metrics} metrics, {evaluations} evaluations, "
            "{notifications} notifications (nothing sent)"
        ).format(
            rule=report.rule,
            span=span,
            metrics=report.metrics,
            evaluations=report.evaluations,
            notifications=report.notifications,
        )
    )
    if report.skipped:
        reasons = ", ".join(f"{_(SKIP_REASONS.get(k, k))} {v}" for k, v in sorted(report.skipped.items()))
        print(_("not counted: {reasons}").format(reasons=reasons))
    per_point = report.per_point()
    rows = [
        (point or "—", c[EventKind.FIRE], c[EventKind.ESCALATE], c[EventKind.RECOVER])
        for point, c in sorted(per_point.items(), key=lambda item: item[0] or "")
    ]
    print()
    print_table(rows, [_("point"), _("opened"), _("escalated"), _("closed")])
    if not report.events:
        return
    print()
    events = [
        (
            f"{e.at.astimezone(tz):%Y-%m-%d %H:%M}",
            e.point or "—",
            e.kind.value,
            e.incident,
            e.metric,
            "—" if e.value is None else f"{e.value:g}",
            e.level or "",
            "; ".join(f"{m.channel} {m.recipient}: {m.subject or m.body}" for m in e.messages),
        )
        for e in report.events
    ]
    print_table(
        events, [_("time"), _("point"), _("event"), "#", _("metric"), _("value"), _("level"), _("would send")]
    )
