"""Notifier commands: `notify test`, `outbox flush|list|retry`, `silence add|list|remove`,
`recipients import-ldap|list`. The notifier (Jinja2, ldap3, aiosmtplib, pyserial) is imported
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
        raise CommandError(f"no rule named {args.rule!r} in [[notifier.rules]] (rules: {names})")
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
    print(f"rule {rule.name!r}: {queued} test messages queued")
    if queued == 0:
        raise CommandError(f"rule {rule.name!r}: no recipient has an address for channels {rule.channels}")
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
    print(f"{len(ctx.config.section(NotifierConfig).rules)} rules: templates OK")
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
    print(f"outbox: {count} failed messages queued again")
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
        raise CommandError("the silence ends before it starts; check --from / --until")
    if args.rule and ctx.config.section(NotifierConfig).rule(args.rule) is None:
        raise CommandError(f"no rule named {args.rule!r} in [[notifier.rules]]")
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
        raise CommandError(f"no silence with id {args.id} (see `prolan-probe silence list --all`)")
    print(f"silence {args.id} removed")
    return 0


def cmd_import_ldap(ctx: Context, args: argparse.Namespace) -> int:
    from notifier import store
    from notifier.recipients import LdapImportError, import_group

    password = os.environ.get(args.password_env)
    if args.bind_dn and password is None:
        if not sys.stdin.isatty():
            raise CommandError(f"--bind-dn given but ${args.password_env} is not set")
        password = getpass.getpass(f"password for {args.bind_dn}: ")
    try:
        result = import_group(
            args.url, args.bind_dn, password, args.group, args.base, page_size=args.page_size
        )
    except LdapImportError as exc:
        raise CommandError(str(exc)) from None
    list_name = args.list_name or args.group.split(",")[0].split("=")[-1]
    for line in result.skipped:
        print(f"skipped {line}", file=sys.stderr)
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
