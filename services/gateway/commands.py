"""Operator commands, run where the gateway runs: `python -m services.gateway <command>`.

`create-admin` makes the first network admin of a real network, who then signs in to the console
and adds everyone else (`/v1/staff`). The password never travels as an argument (it would sit in
the shell history and the process list): it comes from MESOCARE_ADMIN_PASSWORD, a prompt, or a
line on standard input.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Mapping, Sequence
from typing import TextIO
from uuid import UUID

import asyncpg
from pydantic import ValidationError

from services.gateway.app import MIGRATIONS
from services.gateway.domain.accounts import NETWORK_ADMIN
from services.gateway.domain.errors import AccountTaken
from services.gateway.schemas import StaffCreate
from services.gateway.settings import Settings
from services.gateway.usecases import staff
from services.gateway.usecases.staff import NetworkAdmin
from shared.errors import Invalid
from shared.service import migrated_pool
from shared.settings import load_settings
from shared.uow import Database

PASSWORD_ENV = "MESOCARE_ADMIN_PASSWORD"


class Refused(Exception):
    """The command changed nothing; the message says why and what to do instead."""


async def create_network_admin(
    db: Database, *, network_id: UUID, email: str, display_name: str, password: str
) -> NetworkAdmin:
    """A network admin for `network_id` with all its clinics; a repeat changes nothing."""
    try:
        wanted = StaffCreate(
            email=email.strip(),
            display_name=display_name.strip(),
            password=password,
            roles=[NETWORK_ADMIN],
        )
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise Refused(f"Not a valid account ({problems}); nothing changed.") from None
    try:
        # A system unit: the email may name an account of another network (emails are unique
        # across networks), which row-level security would hide from a unit of `network_id`.
        async with db.unit(None) as uow:
            return await staff.ensure_network_admin(uow, network_id, wanted)
    except Invalid as exc:
        raise Refused(f"{exc.detail} Nothing changed.") from None
    except AccountTaken as exc:
        raise Refused(exc.detail) from None


def read_password(
    email: str, *, environ: Mapping[str, str] = os.environ, stdin: TextIO = sys.stdin
) -> str:
    """From MESOCARE_ADMIN_PASSWORD, else a prompt (asked twice) on a terminal, else one line."""
    if PASSWORD_ENV in environ:
        password = environ[PASSWORD_ENV]
    elif stdin.isatty():
        password = getpass.getpass(f"Password for {email}: ")
        if getpass.getpass("The same password again: ") != password:
            raise Refused("The two passwords differ; nothing changed.")
    else:
        password = stdin.readline().rstrip("\r\n")
    if not password:
        raise Refused(
            f"No password given: set {PASSWORD_ENV}, run with a terminal (-it) to be asked, "
            "or pipe it on standard input. Nothing changed."
        )
    return password


async def _create_admin(settings: Settings, args: argparse.Namespace, password: str) -> str:
    # The same start-up as the gateway's (migrations by the owner's login, then the runtime
    # login), so this also works before the gateway's first start.
    pool = await migrated_pool(settings.model_copy(update={"db_pool_max": 1}), MIGRATIONS)
    try:
        admin = await create_network_admin(
            Database(pool, source=f"mesocare/{settings.service}"),
            network_id=args.network_id,
            email=args.email,
            display_name=args.name,
            password=password,
        )
    finally:
        await pool.close()
    account = admin.account
    if not admin.created:
        return (
            f"{account.email} is already a network admin of network {account.network_id} "
            "(password and account unchanged)."
        )
    return (
        f"Created network admin {account.email} (id {account.id}) for network "
        f"{account.network_id}. Sign in at /console/login on the gateway, or get a token "
        "with POST /auth/token (grant_type=password)."
    )


def parser() -> argparse.ArgumentParser:
    commands = argparse.ArgumentParser(
        prog="python -m services.gateway",
        description="Without a command, runs the gateway. Commands are for operators.",
    )
    sub = commands.add_subparsers(dest="command", required=True)
    create = sub.add_parser(
        "create-admin",
        help="create the first network admin of a network",
        description=(
            "Create a network admin (all clinics of the network) in the gateway's database, "
            "read from DATABASE_URL / GATEWAY_DATABASE_URL as the gateway does. The password "
            f"comes from {PASSWORD_ENV}, else a prompt on a terminal, else one line on standard "
            "input. Running it again for the same admin changes nothing."
        ),
    )
    create.add_argument("--network-id", required=True, type=UUID, help="the network (tenant)")
    create.add_argument("--email", required=True, help="the admin's sign-in email")
    create.add_argument(
        "--name", default="Network admin", help="display name (default: %(default)s)"
    )
    return commands


def main(argv: Sequence[str]) -> int:
    args = parser().parse_args(argv)
    settings = load_settings(Settings, program="create-admin")
    try:
        password = read_password(args.email)
        print(asyncio.run(_create_admin(settings, args, password)))
    except Refused as exc:
        print(f"create-admin: {exc}", file=sys.stderr)
        return 1
    except (OSError, ValueError, asyncpg.PostgresError) as exc:
        # No database answering, the database refusing the login, settings refused.
        print(f"create-admin: {exc}", file=sys.stderr)
        return 1
    return 0
