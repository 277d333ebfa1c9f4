#!/usr/bin/env python3
"""Blue/green switch of the api replicas behind nginx, with no request or chat stream dropped.

    python3 deploy/bluegreen.py            # switch to the idle colour
    python3 deploy/bluegreen.py --to blue  # switch to blue (nothing to do if it is live already)
    python3 deploy/bluegreen.py --status   # print the live colour

A colour is an nginx upstream file, `deploy/nginx/upstream-<colour>.conf` (its first line says `# colour:
<name>`; its `server host:port` lines are the colour's replicas). The live one is a copy of it,
`upstream-active.conf`, which deploy/nginx.conf includes. A switch:

1. starts the idle colour's replicas (`START`),
2. waits until each answers `/readyz` (`READY`, once per replica, until it succeeds or `--ready-timeout`),
3. copies its upstream file over the active one (atomically) and reloads nginx (`RELOAD`): new connections
   go to the new colour; nginx's old workers finish the requests they hold,
4. waits `--drain` seconds, then stops the old colour (`STOP`): each replica stops taking connections, ends
   its chat streams cleanly (clients resume with Last-Event-ID — through nginx, on the new colour — and get
   the rest of the turn from Redis), lets its running chat turns finish, and exits (api/server.py).

If the new colour does not become ready, or nginx refuses the new configuration, the old colour keeps
serving: the active file is put back, the new colour stopped, and the script exits with status 1.

The four commands are shell commands, run with `COLOUR` (the colour acted on), `SERVERS` (its `host:port`s)
and `SERVICES` (its hosts: docker-compose service names) in the environment — and `SERVER` for `READY`.
Their defaults drive docker compose; each can be replaced (option or environment variable), which is how
the test runs the same script on local processes (tests/faults/test_rolling_restart.py).
Only the Python standard library is used: the script runs on the deploy host, outside the image.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
COLOURS = ("blue", "green")
DEFAULTS = {
    # migrations first: blue/green needs migrations the old colour can live with (add now, drop later)
    "START": "docker compose run --rm migrate && docker compose up -d --no-deps --force-recreate $SERVICES",
    "READY": "docker compose exec -T nginx wget -q -O /dev/null http://$SERVER/readyz",
    "RELOAD": "docker compose exec -T nginx sh -c 'nginx -t -q && nginx -s reload'",
    "STOP": "docker compose stop $SERVICES",  # waits up to each service's stop_grace_period
}
_COLOUR = re.compile(r"^#\s*colour:\s*(\w+)", re.MULTILINE)
_SERVER = re.compile(r"^\s*server\s+([^\s;]+)", re.MULTILINE)


class SwitchFailed(Exception):
    pass


@dataclass(frozen=True)
class Colour:
    name: str
    path: Path
    servers: tuple[str, ...]

    @classmethod
    def load(cls, directory: Path, name: str) -> Colour:
        path = directory / f"upstream-{name}.conf"
        if not path.is_file():
            raise SwitchFailed(f"no upstream file for {name}: {path}")
        text = path.read_text()
        declared = _COLOUR.search(text)
        if declared is None or declared.group(1) != name:
            raise SwitchFailed(f"{path} must start with '# colour: {name}'")
        servers = tuple(_SERVER.findall(text))
        if not servers:
            raise SwitchFailed(f"{path} lists no 'server host:port' line")
        return cls(name, path, servers)

    def env(self) -> dict[str, str]:
        hosts = dict.fromkeys(server.rsplit(":", 1)[0] for server in self.servers)
        return {"COLOUR": self.name, "SERVERS": " ".join(self.servers), "SERVICES": " ".join(hosts)}


def active_colour(active: Path) -> str | None:
    """The live colour, from the active file's `# colour:` line; None before the first switch."""
    if not active.is_file():
        return None
    found = _COLOUR.search(active.read_text())
    return found.group(1) if found else None


def say(message: str) -> None:
    print(f"bluegreen {time.strftime('%H:%M:%S')} {message}", flush=True)


def run(command: str, env: Mapping[str, str], *, what: str, quiet: bool = False) -> bool:
    """Run a shell command with `env` added; True on success (its output shown unless `quiet`)."""
    done = subprocess.run(
        command, shell=True, env={**os.environ, **env}, capture_output=True, text=True, check=False
    )
    if done.returncode != 0 and not quiet:
        say(f"{what} failed ({done.returncode}): {command}\n{done.stdout}{done.stderr}".rstrip())
    return done.returncode == 0


def wait_ready(colour: Colour, ready: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    for server in colour.servers:
        while not run(ready, {**colour.env(), "SERVER": server}, what="ready", quiet=True):
            if time.monotonic() > deadline:
                raise SwitchFailed(f"{colour.name}: {server} did not answer /readyz within {timeout_s:.0f} s")
            time.sleep(0.5)
        say(f"{colour.name}: {server} is ready")


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` in one rename (nginx, reading the directory through a bind mount, sees old or new)."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


@contextlib.contextmanager
def exclusive(directory: Path) -> Iterator[None]:
    """One switch at a time on this host."""
    with (directory / ".bluegreen.lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SwitchFailed("another switch is running") from None
        yield


def switch(
    directory: Path, to: str | None, commands: Mapping[str, str], ready_s: float, drain_s: float
) -> str:
    """Switch to `to` (default: the idle colour); the live colour afterwards. SwitchFailed leaves the old
    colour serving."""
    active = directory / "upstream-active.conf"
    live = active_colour(active)
    target_name = to or next(c for c in COLOURS if c != live)
    if target_name == live:
        say(f"{live} is live already: nothing to do")
        return live
    target = Colour.load(directory, target_name)
    old = Colour.load(directory, live) if live is not None else None
    started = time.monotonic()

    say(f"starting {target.name} ({target.env()['SERVERS']})")
    if not run(commands["START"], target.env(), what="start"):
        raise SwitchFailed(f"could not start {target.name}; {live or 'nothing'} still serves")
    try:
        wait_ready(target, commands["READY"], ready_s)
    except SwitchFailed:
        run(commands["STOP"], target.env(), what="stop")
        raise

    previous = active.read_text() if active.is_file() else None
    write_atomically(active, target.path.read_text())
    if not run(commands["RELOAD"], target.env(), what="reload"):
        if previous is not None:
            write_atomically(active, previous)
        else:
            active.unlink()
        run(commands["STOP"], target.env(), what="stop")
        raise SwitchFailed(f"nginx did not take {target.name}; {live or 'nothing'} still serves")
    say(f"nginx sends new requests to {target.name}")

    if old is not None:
        time.sleep(drain_s)  # nginx's old workers hand their last requests to the old colour
        say(f"stopping {old.name}: its chat streams resume on {target.name}, its running turns finish")
        if not run(commands["STOP"], old.env(), what="stop"):
            raise SwitchFailed(f"{target.name} is live, but stopping {old.name} failed: stop it by hand")
    say(f"{target.name} is live ({time.monotonic() - started:.1f} s)")
    return target.name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0] if __doc__ else None)
    parser.add_argument("--to", choices=COLOURS, help="the colour to make live (default: the idle one)")
    parser.add_argument("--status", action="store_true", help="print the live colour and exit")
    parser.add_argument(
        "--dir",
        type=Path,
        default=Path(os.environ.get("RUNCOACH_DEPLOY_DIR", HERE / "nginx")),
        help="where the upstream-<colour>.conf files are (RUNCOACH_DEPLOY_DIR)",
    )
    for name, default in DEFAULTS.items():
        parser.add_argument(
            f"--{name.lower()}",
            default=os.environ.get(f"RUNCOACH_DEPLOY_{name}", default),
            help=f"shell command (RUNCOACH_DEPLOY_{name}); default: {default}",
        )
    parser.add_argument(
        "--ready-timeout",
        type=float,
        default=float(os.environ.get("RUNCOACH_DEPLOY_READY_TIMEOUT_S", "180")),
        help="seconds for the new colour to become ready (RUNCOACH_DEPLOY_READY_TIMEOUT_S)",
    )
    parser.add_argument(
        "--drain",
        type=float,
        default=float(os.environ.get("RUNCOACH_DEPLOY_DRAIN_S", "5")),
        help="seconds between the nginx reload and stopping the old colour (RUNCOACH_DEPLOY_DRAIN_S)",
    )
    args = parser.parse_args(argv)
    directory: Path = args.dir.resolve()
    if args.status:
        print(active_colour(directory / "upstream-active.conf") or "none")
        return 0
    commands = {name: getattr(args, name.lower()) for name in DEFAULTS}
    try:
        with exclusive(directory):
            switch(directory, args.to, commands, args.ready_timeout, args.drain)
    except SwitchFailed as exc:
        say(f"failed: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
