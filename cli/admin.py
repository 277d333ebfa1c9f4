"""Administration and the tools from a terminal: users, the demo athlete, importing and reprocessing files,
calling a tool, chatting, the proactive simulation and Strava's push subscription."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import secrets
import sys
from typing import TYPE_CHECKING, Any

from cli.process import run, services_ready
from core.errors import CoachError
from core.settings import Settings

if TYPE_CHECKING:
    from tools.activities.ahead import DecodeAhead


async def _simulate(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import date, timedelta

    from sqlalchemy.ext.asyncio import AsyncSession

    from agent.checkpoint import get_checkpointer
    from agent.models import build_model
    from core.database import get_engine
    from jobs.tasks.proactive_simulation import simulate_week, table

    start = (
        date.fromisoformat(args.start)
        if args.start
        else date.today() - timedelta(days=date.today().weekday())
    )
    checkpointer = await get_checkpointer()
    async with get_engine().connect() as conn:
        outer = await conn.begin()
        session = AsyncSession(bind=conn, expire_on_commit=False, join_transaction_mode="create_savepoint")
        try:
            scenario, rows = await simulate_week(
                session, start=start, days=args.days, model=build_model(settings), checkpointer=checkpointer
            )
        finally:
            await session.close()
            await outer.rollback()  # a simulation leaves nothing behind
    print(
        f"{args.days} simulated days from {start:%a %d %b %Y} for a fresh demo athlete: runs on "
        f"{', '.join(f'{d:%a}' for d in scenario.run_days)}; key session skipped on "
        f"{scenario.skipped_key_day:%a}; 10K race on {scenario.race_day:%a %d %b}; quiet hours 22:00-07:00\n"
    )
    print(table(rows))
    return 0


def cmd_proactive(args: argparse.Namespace, settings: Settings) -> int:
    services_ready(settings)
    return run(_simulate(args, settings))


async def _user_add(args: argparse.Namespace) -> int:
    from core.database import session_scope
    from tools.account.users import create_user

    password = args.password
    generated = False
    if password is None:
        if sys.stdin.isatty():
            password = getpass.getpass(f"Password for {args.email}: ")
        else:
            password, generated = secrets.token_urlsafe(12), True
    async with session_scope() as session:
        user = await create_user(
            session, args.email, password, display_name=args.name, timezone=args.timezone
        )
    print(f"created user {user.email} (id {user.id})" + (f" with password {password}" if generated else ""))
    return 0


def cmd_user(args: argparse.Namespace, settings: Settings) -> int:
    services_ready(settings)
    return run(_user_add(args))


async def seed_demo(settings: Settings, *, quiet: bool = False) -> int:
    from core.database import session_scope
    from tools.activities.demo import seed_demo

    async with session_scope() as session:
        result = await seed_demo(session, settings.demo_email, settings.demo_password.get_secret_value())
    if result.created:
        print(
            f"demo athlete {result.user.email} created: "
            f"{result.activities} generated runs, {result.samples} samples"
        )
    elif not quiet:
        print(f"demo athlete {result.user.email} already exists; nothing changed")
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    services_ready(settings)
    return run(seed_demo(settings))


async def _tool(args: argparse.Namespace) -> int:
    from core.database import session_scope
    from core.redis import get_redis
    from tools.account.users import get_user_by_email
    from tools.deps import ToolDeps
    from tools.registry import call_tool

    async with session_scope() as session:
        user = await get_user_by_email(session, args.user)
        deps = ToolDeps.for_user(session, user, redis=get_redis())
        result = await call_tool(args.name, deps, args.json_args or "{}")
    print(result.model_dump_json(indent=2))
    return 0


def _head(path: Any) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(4)


def _print_result(result: Any, as_json: bool) -> None:
    if as_json:
        print(result.model_dump_json(), flush=True)
    elif result.status == "rejected":
        print(f"rejected          {result.file}: {result.reason}", flush=True)
    else:
        km = f"{result.distance_m / 1000:.2f} km" if result.distance_m else "no distance"
        print(
            f"{result.status:<18}{result.file}  id={result.activity_id} {result.sport} {km} "
            f"{result.samples} samples",
            flush=True,
        )


async def _import_archive(path: Any, user_id: int, as_json: bool) -> int:
    """A Strava export: its import job, run here (an unfinished one for the same file resumes), each
    activity printed as it is done. Returns the number rejected (the whole archive refused counts 1)."""
    from core.database import session_scope
    from core.models import Job
    from jobs.runner import run_job
    from tools.activities.archive_import import job_for_cli, local_source
    from tools.activities.importer import ImportResult

    source = await asyncio.to_thread(local_source, str(path.resolve()), path.name)
    async with session_scope() as session:
        job = await job_for_cli(session, user_id, source)
    printed, rejected = 0, 0
    running = asyncio.create_task(run_job(str(job.id)))
    while True:
        finished = running.done()
        async with session_scope() as session:
            row = await session.get_one(Job, job.id)
        files = (row.progress or {}).get("files") or []
        for raw in files[printed:]:
            result = ImportResult.model_validate(raw)
            rejected += result.status == "rejected"
            _print_result(result, as_json)
        printed = len(files)
        if finished:
            break
        await asyncio.sleep(0.5)
    await running
    if row.state != "succeeded":
        refused = ImportResult(file=str(path), status="rejected", reason=row.error or "the import failed")
        _print_result(refused, as_json)
        return rejected + 1
    return rejected


def _reason(exc: CoachError | OSError) -> str:
    return exc.message if isinstance(exc, CoachError) else f"cannot read the file: {exc.strerror}"


async def _read_ahead(ahead: DecodeAhead, names: list[str], at: int) -> None:
    """Queue the activity files among `names[at : at + ahead.depth + 1]` not queued yet for decoding in the
    worker process (`tools.activities.ahead`); a zip, or a file that cannot be read, is left for its turn."""
    from pathlib import Path

    from tools.activities.archive_import import is_zip

    for index in range(at, min(at + ahead.depth + 1, len(names))):
        path = Path(names[index])
        if index in ahead:
            continue
        try:
            if is_zip(await asyncio.to_thread(_head, path)):
                continue
            data = await asyncio.to_thread(path.read_bytes)
        except OSError:
            continue  # said in its place
        ahead.submit(index, data, filename=path.name)


async def _import(args: argparse.Namespace) -> int:
    """Import each file in turn (each its own unit of work), decoding the next ones in a worker process
    while the current one is stored; a zip is a Strava export, run as its job."""
    from pathlib import Path

    from core.database import session_scope
    from core.settings import get_settings
    from tools.account.users import get_user_by_email
    from tools.activities.ahead import DecodeAhead
    from tools.activities.archive_import import is_zip
    from tools.activities.importer import ImportResult, import_file, max_unpacked_bytes

    async with session_scope() as session:
        user = await get_user_by_email(session, args.user)
    rejected = 0
    settings = get_settings()
    async with DecodeAhead(max_bytes=max_unpacked_bytes(settings), decoder=settings.fit_decoder) as ahead:
        for index, name in enumerate(args.files):
            path = Path(name)
            try:
                await _read_ahead(ahead, args.files, index)
                decoded = ahead.take(index)
                if decoded is None and is_zip(await asyncio.to_thread(_head, path)):
                    rejected += await _import_archive(path, user.id, args.as_json)
                    continue
                data = await decoded if decoded is not None else await asyncio.to_thread(path.read_bytes)
                async with session_scope() as session:
                    result = await import_file(session, user.id, data, filename=path.name, source="upload")
            except (CoachError, OSError) as exc:
                result = ImportResult(file=str(path), status="rejected", reason=_reason(exc))
                rejected += 1
            result.file = str(path)
            _print_result(result, args.as_json)
    return 1 if rejected else 0


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    services_ready(settings)
    return run(_import(args))


async def _reprocess(args: argparse.Namespace) -> int:
    from core.database import session_scope
    from tools.account.users import get_user_by_email
    from tools.activities.repository import activities_with_originals
    from tools.activities.reprocess import ReprocessResult, reprocess_activity, summary_line

    user_id = None
    if args.user:
        async with session_scope() as session:
            user_id = (await get_user_by_email(session, args.user)).id
    async with session_scope() as session:
        targets = await activities_with_originals(session, user_id)
    counts = {"reprocessed": 0, "skipped": 0, "failed": 0}
    for activity_id, owner in targets:
        try:
            async with session_scope() as session:  # one transaction per activity: a failure keeps the rest
                result = await reprocess_activity(session, owner, activity_id)
        except CoachError as exc:
            result = ReprocessResult(activity_id=activity_id, status="failed", reason=exc.message)
        counts[result.status] += 1
        print(result.model_dump_json() if args.as_json else summary_line(result), flush=True)
    if not args.as_json:
        print(", ".join(f"{n} {status}" for status, n in counts.items()) + f" of {len(targets)} activities")
    return 1 if counts["failed"] else 0


def cmd_reprocess(args: argparse.Namespace, settings: Settings) -> int:
    if bool(args.user) == bool(args.all):
        print("runcoach reprocess: give either --user EMAIL or --all", file=sys.stderr)
        return 2
    services_ready(settings)
    return run(_reprocess(args))


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from agent.cli_chat import chat_repl

    services_ready(settings)
    return run(chat_repl(args.user, thread=args.thread))


def cmd_tool(args: argparse.Namespace, settings: Settings) -> int:
    from tools.registry import all_tools

    if args.list or not args.name:
        specs = all_tools()
        if args.as_json:
            print(json.dumps([spec.summary() for spec in specs], indent=2))
        else:
            for spec in specs:
                flag = " [needs approval]" if spec.side_effect else ""
                print(f"{spec.name:<24}{spec.description.splitlines()[0]}{flag}")
        return 0
    if not args.user:
        print("runcoach tool: --user EMAIL is required to call a tool", file=sys.stderr)
        return 2
    services_ready(settings)
    return run(_tool(args))


async def _strava(args: argparse.Namespace, settings: Settings) -> int:
    from tools.integrations.push import strava_subscription as subs

    if args.strava_command == "subscribe":
        created = await subs.create_subscription(settings)
        print(f"Subscribed: Strava sends events of subscription {created.id} to {created.callback_url}")
        return 0
    if args.strava_command == "subscriptions":
        found = await subs.list_subscriptions()
        for sub in found:
            since = f"  (since {sub.created_at:%Y-%m-%d %H:%M} UTC)" if sub.created_at else ""
            print(f"{sub.id}  {sub.callback_url}{since}")
        if not found:
            print("No Strava push subscription; create one with `runcoach strava subscribe`.")
        return 0
    ids = [args.id] if args.id is not None else [sub.id for sub in await subs.list_subscriptions()]
    for sub_id in ids:
        await subs.delete_subscription(sub_id)
        print(f"Deleted Strava push subscription {sub_id}.")
    if not ids:
        print("No Strava push subscription to delete.")
    return 0


def cmd_strava(args: argparse.Namespace, settings: Settings) -> int:
    """Strava's push subscription: talks to Strava only (the api must be up for `subscribe`)."""
    return asyncio.run(_strava(args, settings))
