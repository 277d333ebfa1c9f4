"""The `runcoach` command: roles (up, api, worker, scheduler, bot) and the same tools, from a terminal."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import secrets
import signal
import sys
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from core.errors import CoachError
from core.logs import configure_logging
from core.metrics import serve_metrics
from core.runtime import ensure_services
from core.settings import Settings, get_settings


def _services_ready(settings: Settings) -> None:
    """Start/attach the servers and make sure the schema is current before a command touches the database.

    The embedded database is migrated automatically (it is ours); an external one is not touched: the user
    is told to run `runcoach migrate`."""
    from core.migrate import current_revision, head_revision

    services = ensure_services(settings)
    current = asyncio.run(current_revision(services.database_url))
    if current == head_revision():
        return
    if services.embedded_postgres:
        _migrate(services.database_url)
        return
    raise CoachError(
        f"The database is at migration {current or 'none'}, this RunCoach needs {head_revision()}: "
        "run `runcoach migrate` first."
    )


def _migrate(database_url: str, revision: str = "head") -> None:
    """Schema migrations, then LangGraph's checkpoint tables (its first setup creates an index
    CONCURRENTLY, which must not happen inside a chat turn's open transaction)."""
    from agent.checkpoint import setup_checkpointer_blocking
    from core.migrate import upgrade

    upgrade(database_url, revision)
    setup_checkpointer_blocking(database_url)


def _run(coro: Coroutine[Any, Any, int]) -> int:
    """Run one async command and dispose of the engine and Redis client inside the same loop."""
    from core.database import dispose_engine
    from core.redis import close_redis

    async def wrapped() -> int:
        try:
            return await coro
        finally:
            await close_redis()
            await dispose_engine()

    return asyncio.run(wrapped())


async def _until_signal(main: Callable[[asyncio.Event], Awaitable[None]]) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await main(stop)
    return 0


# ---- roles -------------------------------------------------------------------------------------------


def cmd_up(args: argparse.Namespace, settings: Settings) -> int:
    from core.supervisor import Supervisor

    services = ensure_services(settings)
    _migrate(services.database_url)
    if not args.no_demo:
        _run(_seed_demo(settings, quiet=True))
    roles = ["api", "worker", "scheduler"]
    if settings.telegram_bot_token is not None:
        roles.append("bot")
    supervisor = Supervisor(settings, services, roles)

    def on_signal(signum: int, frame: object) -> None:
        supervisor.stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    supervisor.start()
    try:
        if supervisor.wait_ready():
            url = f"http://{settings.host}:{settings.port}"
            lines = [f"RunCoach is running at {url}  (roles: {', '.join(roles)})"]
            if not args.no_demo:
                lines.append(
                    f"Sign in as {settings.demo_email} / {settings.demo_password.get_secret_value()}"
                    "  (a demo athlete with generated training data)"
                )
            lines.append("Press Ctrl-C to stop.")
            print("\n".join(lines), flush=True)
        elif not supervisor.stopping:
            print("runcoach: the api did not become ready; see the log above", file=sys.stderr)
            supervisor.stopping = True
        supervisor.watch()
    finally:
        supervisor.stop()
        print("RunCoach stopped.", flush=True)
    return 0


def cmd_api(args: argparse.Namespace, settings: Settings) -> int:
    from api.server import serve

    ensure_services(settings)
    serve(settings, host=args.host or settings.host, port=args.port or settings.port)
    return 0


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    from jobs.worker import run_worker

    ensure_services(settings)
    serve_metrics(settings.metrics_port, role="worker")
    return _run(_until_signal(run_worker))


def cmd_scheduler(args: argparse.Namespace, settings: Settings) -> int:
    from jobs.worker import run_scheduler

    ensure_services(settings)
    serve_metrics(settings.metrics_port, role="scheduler")
    return _run(_until_signal(run_scheduler))


def cmd_bot(args: argparse.Namespace, settings: Settings) -> int:
    if settings.telegram_bot_token is None:
        print(
            "runcoach bot: set TELEGRAM_BOT_TOKEN (from @BotFather) to run the Telegram bot.", file=sys.stderr
        )
        return 2
    from bots.telegram.app import run_polling, set_webhook

    if args.set_webhook:
        try:
            url = asyncio.run(set_webhook(settings))
        except ValueError as exc:
            print(f"runcoach bot: {exc}", file=sys.stderr)
            return 2
        print(f"Telegram now sends updates to {url}; run the api role (no `runcoach bot` needed).")
        return 0
    _services_ready(settings)
    return _run(_until_signal(lambda stop: run_polling(settings, stop)))


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
    _services_ready(settings)
    return _run(_simulate(args, settings))


# ---- administration ------------------------------------------------------------------------------------


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from core.migrate import downgrade

    services = ensure_services(settings)
    if args.downgrade:
        downgrade(services.database_url, args.downgrade)
    else:
        _migrate(services.database_url, args.revision)
    print("migrations applied" if not args.downgrade else f"downgraded to {args.downgrade}")
    return 0


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
    _services_ready(settings)
    return _run(_user_add(args))


async def _seed_demo(settings: Settings, *, quiet: bool = False) -> int:
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
    _services_ready(settings)
    return _run(_seed_demo(settings))


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


async def _import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from core.database import session_scope
    from tools.account.users import get_user_by_email
    from tools.activities.archive_import import is_zip
    from tools.activities.importer import ImportResult, import_file

    async with session_scope() as session:
        user = await get_user_by_email(session, args.user)
    rejected = 0
    for name in args.files:
        path = Path(name)
        try:
            if is_zip(await asyncio.to_thread(_head, path)):
                rejected += await _import_archive(path, user.id, args.as_json)
                continue
            data = await asyncio.to_thread(path.read_bytes)
            async with session_scope() as session:
                result = await import_file(session, user.id, data, filename=path.name, source="upload")
        except (CoachError, OSError) as exc:
            reason = exc.message if isinstance(exc, CoachError) else f"cannot read the file: {exc.strerror}"
            result = ImportResult(file=str(path), status="rejected", reason=reason)
            rejected += 1
        result.file = str(path)
        _print_result(result, args.as_json)
    return 1 if rejected else 0


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    _services_ready(settings)
    return _run(_import(args))


async def _reprocess(args: argparse.Namespace) -> int:
    from core.database import session_scope
    from tools.account.users import get_user_by_email
    from tools.activities.reprocess import (
        ReprocessResult,
        activities_with_originals,
        reprocess_activity,
        summary_line,
    )

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
    _services_ready(settings)
    return _run(_reprocess(args))


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from agent.cli_chat import chat_repl

    _services_ready(settings)
    return _run(chat_repl(args.user, thread=args.thread))


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
    _services_ready(settings)
    return _run(_tool(args))


def cmd_mcp(args: argparse.Namespace, settings: Settings) -> int:
    """The tools over MCP: stdio (as the user of --token / RUNCOACH_MCP_TOKEN) or streamable HTTP."""
    _services_ready(settings)
    if args.transport == "http":
        import uvicorn

        from api.mcp.http import create_mcp_app

        host = args.host or settings.host
        print(f"RunCoach MCP at http://{host}:{args.port or settings.mcp_port}/mcp", file=sys.stderr)
        uvicorn.run(
            create_mcp_app(settings, host=host),
            host=host,
            port=args.port or settings.mcp_port,
            log_config=None,
            access_log=False,
        )
        return 0
    from api.mcp.stdio import serve_stdio

    token = args.token or (settings.mcp_token.get_secret_value() if settings.mcp_token else None)
    if not token:
        print("runcoach mcp: give a personal API token (--token or RUNCOACH_MCP_TOKEN)", file=sys.stderr)
        return 2
    return _run(serve_stdio(token, settings))


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


# ---- parser ------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="runcoach", description="RunCoach: a self-hosted AI running coach")
    sub = parser.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="start everything (embedded servers when no URLs are set)")
    up.add_argument("--no-demo", action="store_true", help="do not seed the demo athlete")
    up.set_defaults(func=cmd_up)

    api = sub.add_parser("api", help="serve the HTTP API and the web app")
    api.add_argument("--host")
    api.add_argument("--port", type=int)
    api.set_defaults(func=cmd_api)

    sub.add_parser("worker", help="run background jobs").set_defaults(func=cmd_worker)
    sub.add_parser("scheduler", help="run periodic jobs").set_defaults(func=cmd_scheduler)
    bot = sub.add_parser("bot", help="run the Telegram bot (long polling)")
    bot.add_argument(
        "--set-webhook",
        action="store_true",
        help="instead: register {public_url}/api/v1/telegram/webhook with Telegram (webhook mode) and exit",
    )
    bot.set_defaults(func=cmd_bot)

    proactive = sub.add_parser("proactive", help="proactive coaching")
    proactive_sub = proactive.add_subparsers(dest="proactive_command", required=True)
    simulate = proactive_sub.add_parser(
        "simulate", help="a week of simulated days for a fresh demo athlete (rolled back): the messages"
    )
    simulate.add_argument("--days", type=int, default=7)
    simulate.add_argument("--start", help="first day, YYYY-MM-DD (default: this week's Monday)")
    simulate.set_defaults(func=cmd_proactive)

    migrate = sub.add_parser("migrate", help="apply database migrations")
    migrate.add_argument("--revision", default="head")
    migrate.add_argument("--downgrade", metavar="REV")
    migrate.set_defaults(func=cmd_migrate)

    user = sub.add_parser("user", help="manage accounts")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    add = user_sub.add_parser("add", help="create an account")
    add.add_argument("email")
    add.add_argument("--password", help="default: prompt (or generate and print, when not a terminal)")
    add.add_argument("--name")
    add.add_argument("--timezone", default="UTC")
    add.set_defaults(func=cmd_user)

    sub.add_parser("demo", help="create the demo athlete (once)").set_defaults(func=cmd_demo)

    chat = sub.add_parser("chat", help="talk to the coach in this terminal")
    chat.add_argument("--user", required=True)
    chat.add_argument("--thread", help="continue a conversation by its id")
    chat.set_defaults(func=cmd_chat)

    imp = sub.add_parser(
        "import",
        help="import activity files (FIT, GPX, TCX, .gz) and Strava export zips: "
        "runcoach import FILE… --user EMAIL",
    )
    imp.add_argument("files", nargs="+", metavar="FILE")
    imp.add_argument("--user", required=True)
    imp.add_argument("--json", dest="as_json", action="store_true", help="one JSON object per file")
    imp.set_defaults(func=cmd_import)

    reprocess = sub.add_parser(
        "reprocess", help="re-decode kept original files with the current parser (ids, gear and notes kept)"
    )
    reprocess.add_argument("--user", help="only this account's activities")
    reprocess.add_argument("--all", action="store_true", help="every account's activities")
    reprocess.add_argument("--json", dest="as_json", action="store_true", help="one JSON object per activity")
    reprocess.set_defaults(func=cmd_reprocess)

    tool = sub.add_parser("tool", help="call a registered tool: runcoach tool NAME JSON --user EMAIL")
    tool.add_argument("name", nargs="?")
    tool.add_argument("json_args", nargs="?", metavar="JSON")
    tool.add_argument("--user")
    tool.add_argument("--list", action="store_true")
    tool.add_argument("--json", dest="as_json", action="store_true", help="with --list: JSON output")
    tool.set_defaults(func=cmd_tool)

    strava = sub.add_parser("strava", help="Strava push sync: the webhook subscription of this server")
    strava_sub = strava.add_subparsers(dest="strava_command", required=True)
    strava_sub.add_parser(
        "subscribe", help="subscribe to Strava's events (Strava first calls the api's webhook handshake)"
    ).set_defaults(func=cmd_strava)
    strava_sub.add_parser("subscriptions", help="list this Strava app's push subscription").set_defaults(
        func=cmd_strava
    )
    unsubscribe = strava_sub.add_parser("unsubscribe", help="delete the push subscription (default: all)")
    unsubscribe.add_argument("id", nargs="?", type=int, help="the subscription id")
    unsubscribe.set_defaults(func=cmd_strava)

    mcp = sub.add_parser("mcp", help="serve the tools over the Model Context Protocol (stdio or http)")
    mcp.add_argument("--transport", choices=["stdio", "http"], default="stdio")
    mcp.add_argument("--token", help="stdio: the personal API token to act as (or RUNCOACH_MCP_TOKEN)")
    mcp.add_argument("--host")
    mcp.add_argument("--port", type=int)
    mcp.set_defaults(func=cmd_mcp)

    from evals.cli import add_parser as add_eval

    add_eval(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = get_settings()
    configure_logging(settings.log_level, json_lines=settings.log_json, role=args.command)
    try:
        return int(args.func(args, settings))
    except CoachError as exc:
        print(f"runcoach: {exc.message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
