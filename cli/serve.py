"""The roles: `up` (everything), `api`, `worker`, `scheduler`, `bot`, `mcp`, and `migrate`."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from cli.admin import seed_demo
from cli.process import migrate, run, services_ready, until_signal
from core.metrics import serve_metrics
from core.runtime import ensure_services
from core.settings import Settings

# ---- roles -------------------------------------------------------------------------------------------


def cmd_up(args: argparse.Namespace, settings: Settings) -> int:
    from core.supervisor import Supervisor

    services = ensure_services(settings)
    migrate(services.database_url)
    if not args.no_demo:
        run(seed_demo(settings, quiet=True))
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
    return run(until_signal(run_worker))


def cmd_scheduler(args: argparse.Namespace, settings: Settings) -> int:
    from jobs.worker import run_scheduler

    ensure_services(settings)
    serve_metrics(settings.metrics_port, role="scheduler")
    return run(until_signal(run_scheduler))


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
    services_ready(settings)
    return run(until_signal(lambda stop: run_polling(settings, stop)))


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from core.migrate import downgrade

    services = ensure_services(settings)
    if args.downgrade:
        downgrade(services.database_url, args.downgrade)
    else:
        migrate(services.database_url, args.revision)
    print("migrations applied" if not args.downgrade else f"downgraded to {args.downgrade}")
    return 0


def cmd_mcp(args: argparse.Namespace, settings: Settings) -> int:
    """The tools over MCP: stdio (as the user of --token / RUNCOACH_MCP_TOKEN) or streamable HTTP."""
    services_ready(settings)
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
    return run(serve_stdio(token, settings))
