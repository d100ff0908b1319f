"""`prolan-probe db init`."""

from __future__ import annotations

import argparse
from typing import Any

from probe.commands.base import Context
from probe.i18n import _
from probe.store.db import init_db, redact


def register(sub: Any) -> None:
    db = sub.add_parser("db", help=_("aggregator database")).add_subparsers(dest="db_command", required=True)
    init = db.add_parser("init", help=_("create or upgrade the schema (idempotent)"))
    init.set_defaults(func=cmd_init)


def cmd_init(ctx: Context, args: argparse.Namespace) -> int:
    created = init_db(ctx.engine)
    where = redact(ctx.config.database.url)
    if created:
        print(
            _("{where}: created {count} tables: {tables}").format(
                where=where, count=len(created), tables=", ".join(created)
            )
        )
    else:
        print(_("{where}: schema is up to date").format(where=where))
    return 0
