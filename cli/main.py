"""The `runcoach` command: roles (up, api, worker, scheduler, bot) and the same tools, from a terminal."""

from __future__ import annotations

import argparse
import sys

from cli.admin import (
    cmd_chat,
    cmd_demo,
    cmd_import,
    cmd_proactive,
    cmd_reprocess,
    cmd_strava,
    cmd_tool,
    cmd_user,
)
from cli.serve import cmd_api, cmd_bot, cmd_mcp, cmd_migrate, cmd_scheduler, cmd_up, cmd_worker
from core.errors import CoachError
from core.logs import configure_logging
from core.settings import get_settings

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

    from cli.evaluate import add_parser as add_eval

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
