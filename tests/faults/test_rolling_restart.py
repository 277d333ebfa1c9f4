"""A blue/green switch, then a replica stopped, behind a real nginx under load: nothing is dropped.

nginx (Debian's, as CI installs it) runs unprivileged from a temporary directory on a free port, with
deploy/nginx.conf and the real upstream files, their service names replaced by local ports. Blue (two
`runcoach api`) is live; three chat turns run on it with a fake OpenAI-compatible model held after its first
words, and two clients send a steady stream of GETs and POSTs through nginx. deploy/bluegreen.py then
switches to green, with local commands (tests/faults/replicas.py) in place of docker compose. Then one green
replica is stopped on its own (no nginx change): nginx must pass the connections it refuses to the other.

Promise (issue 10): every response is the expected 2xx; every chat stream, resumed through nginx with
Last-Event-ID when blue stops, gets each event of its turn exactly once, ending with the final one; each turn
is saved once.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from api.auth import CSRF_HEADER
from tests.agent.fake_llm import Reply, fake_llm
from tests.faults import replicas
from tests.faults.chat_client import FollowedTurn, assert_whole_turn, follow_turn
from tests.faults.conftest import REQUEST_TIMEOUT_S, Account, sign_up, until
from tests.faults.stack import REPO, Stack, free_port

pytestmark = pytest.mark.slow

ANSWER = "Easy runs build the base; keep most of them conversational and short."
QUESTION = "How should I train?"
STREAMS = 3
#: bounds on waiting (a hang fails the test), not timing figures
SWITCH_S = 120.0
#: the api's drain on SIGTERM: longer than the 4 s upstream keep-alive of deploy/nginx/ (api/server.py)
API_DRAIN_S = "5"


def _nginx() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if found is None:
        reason = "nginx is not installed (apt-get install nginx); .ci/run installs it"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return found


@dataclass
class Nginx:
    binary: str
    prefix: Path
    port: int
    proc: subprocess.Popen[bytes] | None = None

    @property
    def conf(self) -> Path:
        return self.prefix / "nginx.conf"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self, *args: str) -> list[str]:
        errors = str(self.prefix / "error.log")
        return [self.binary, "-p", f"{self.prefix}/", "-c", str(self.conf), "-e", errors, *args]

    def reload_command(self) -> str:
        test, reload = (" ".join(self.command(*extra)) for extra in (["-t", "-q"], ["-s", "reload"]))
        return f"{test} && {reload}"

    def write_config(self, ports: dict[str, int]) -> None:
        """deploy/nginx.conf and deploy/nginx/upstream-*.conf, pointed at local ports and this directory."""
        server = (REPO / "deploy" / "nginx.conf").read_text()
        assert "include /etc/nginx/runcoach/upstream-active.conf;" in server and "listen 80;" in server
        server = server.replace("/etc/nginx/runcoach/", f"{self.prefix}/")
        server = server.replace("listen 80;", f"listen 127.0.0.1:{self.port};")
        (self.prefix / "server.conf").write_text(server)
        for colour in ("blue", "green"):
            upstream = (REPO / "deploy" / "nginx" / f"upstream-{colour}.conf").read_text()
            for service, port in ports.items():
                upstream = upstream.replace(f"server {service}:8000", f"server 127.0.0.1:{port}")
            assert ":8000" not in upstream, upstream
            (self.prefix / f"upstream-{colour}.conf").write_text(upstream)
        shutil.copy(self.prefix / "upstream-blue.conf", self.prefix / "upstream-active.conf")
        temp = self.prefix / "temp"
        temp.mkdir()
        user = "user root;\n" if os.geteuid() == 0 else ""  # root's workers would run as nobody otherwise
        kinds = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        paths = "\n".join(f"    {kind}_temp_path {temp}/{kind};" for kind in kinds)
        self.conf.write_text(
            f"""{user}worker_processes 2;
pid {self.prefix}/nginx.pid;
error_log {self.prefix}/error.log info;
events {{ worker_connections 1024; }}
http {{
    log_format upstreams '$request_method $uri $status upstream=$upstream_addr statuses=$upstream_status';
    access_log {self.prefix}/access.log upstreams;
{paths}
    include {self.prefix}/server.conf;
}}
"""
        )

    def start(self) -> None:
        self.proc = subprocess.Popen(self.command("-g", "daemon off;"), stdin=subprocess.DEVNULL)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def access_log(self) -> list[str]:
        path = self.prefix / "access.log"
        return path.read_text().splitlines() if path.exists() else []


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[Nginx]:
    server = Nginx(_nginx(), tmp_path, free_port())
    yield server
    server.stop()
    for name in ("error.log",):
        if (tmp_path / name).exists():
            print(f"===== nginx {name} =====\n{(tmp_path / name).read_text()[-20_000:]}")
    for log in sorted(tmp_path.glob("api-*.log")):
        print(f"===== {log.name} =====\n{log.read_text(errors='replace')[-20_000:]}")


@dataclass
class Outcome:
    method: str
    path: str
    status: int | None
    error: str | None = None


async def _traffic(client: httpx.AsyncClient, method: str, stop: asyncio.Event, into: list[Outcome]) -> None:
    """One request after another until `stop`: GET the thread list, or POST a new thread."""
    path = "/api/v1/chat/threads"
    while not stop.is_set():
        try:
            if method == "GET":
                response = await client.get(path)
            else:
                response = await client.post(path, json={"title": "traffic"})
            into.append(Outcome(method, path, response.status_code))
        except httpx.HTTPError as exc:
            into.append(Outcome(method, path, None, f"{type(exc).__name__}: {exc}"))
        await asyncio.sleep(0.02)


def _client(base_url: str, account: Account) -> httpx.AsyncClient:
    """A client of `account` that opens a connection per request.

    nginx's reload closes its old workers' idle client connections; a request racing that close fails in
    httpx, which (unlike browsers) does not retry it. That is about the client, not about our servers, so
    these clients keep no idle connection."""
    return httpx.AsyncClient(
        base_url=base_url,
        cookies=account.client.cookies,
        headers={CSRF_HEADER: account.client.headers[CSRF_HEADER]},
        timeout=REQUEST_TIMEOUT_S,
        limits=httpx.Limits(max_keepalive_connections=0),
    )


async def _run_replicas(command: str, env: dict[str, str]) -> None:
    args = [sys.executable, "-m", "tests.faults.replicas", command]
    done = await asyncio.to_thread(subprocess.run, args, cwd=REPO, env=env, check=False)
    assert done.returncode == 0, f"replicas {command} failed"


async def test_blue_green_switch_and_a_replica_restart_drop_no_request_and_no_chat_stream(
    stack: Stack, accounts: list[Account], nginx: Nginx
) -> None:
    ports = {service: free_port() for service in ("api1", "api2", "api3", "api4")}
    nginx.write_config(ports)
    gate = threading.Event()
    traffic: list[Outcome] = []
    stop_traffic = asyncio.Event()
    # the model holds each turn for the whole switch: longer than the usual client and model time limits
    with fake_llm(Reply(text=ANSWER, hold=gate, hold_max_s=SWITCH_S)) as model:
        env = stack.env(
            {
                "RUNCOACH_MODEL_TIMEOUT_S": str(SWITCH_S),
                "RUNCOACH_LLM_PROVIDER": "openai_compatible",
                "OPENAI_BASE_URL": f"{model.url}/v1",
                "RUNCOACH_OPENAI_COMPATIBLE_MODEL": "fake-model",
                "RUNCOACH_API_DRAIN_S": API_DRAIN_S,
                "REPLICAS_DIR": str(nginx.prefix),
            }
        )
        blue = {"COLOUR": "blue", "SERVERS": f"127.0.0.1:{ports['api1']} 127.0.0.1:{ports['api2']}"}
        try:
            # blue is live: its replicas (started the way the script starts a colour), then nginx
            await _run_replicas("start", {**env, **blue})
            await until(
                lambda: all(replicas.ready(server) for server in blue["SERVERS"].split()),
                within_s=60,
                what="blue's replicas",
            )
            nginx.start()
            await until(lambda: replicas.ready(f"127.0.0.1:{nginx.port}"), within_s=20, what="nginx")

            account = await sign_up(nginx.url)
            accounts.append(account)
            streams = _client(nginx.url, account)
            steady = [_client(nginx.url, account) for _ in range(2)]
            threads = [
                (await streams.post("/api/v1/chat/threads", json={})).json()["id"] for _ in range(STREAMS)
            ]
            turns = [FollowedTurn() for _ in threads]
            following = [
                asyncio.create_task(follow_turn(streams, thread, QUESTION, turn, within_s=SWITCH_S))
                for thread, turn in zip(threads, turns, strict=True)
            ]
            await until(
                lambda: len(model.requests) == STREAMS and all(t.started() for t in turns),
                within_s=REQUEST_TIMEOUT_S,
                what="every turn's first words",
            )
            senders = [
                asyncio.create_task(_traffic(client, method, stop_traffic, traffic))
                for client, method in zip(steady, ("GET", "POST"), strict=True)
            ]
            await until(lambda: len(traffic) >= 20, within_s=REQUEST_TIMEOUT_S, what="traffic")

            # the switch, with the script operators run (local commands instead of docker compose)
            python = sys.executable
            script = await asyncio.create_subprocess_exec(
                python,
                str(REPO / "deploy" / "bluegreen.py"),
                "--dir",
                str(nginx.prefix),
                "--start",
                f"{python} -m tests.faults.replicas start",
                "--ready",
                f"{python} -m tests.faults.replicas ready",
                "--reload",
                nginx.reload_command(),
                "--stop",
                f"{python} -m tests.faults.replicas stop",
                "--drain",
                "1",
                "--ready-timeout",
                "60",
                cwd=REPO,
                env=env,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            # blue stops: its chat streams end and resume through nginx (on green); then the model finishes
            await until(
                lambda: all(len(t.responses) >= 2 for t in turns) or script.returncode is not None,
                within_s=SWITCH_S,
                what="every chat stream to resume",
            )
            gate.set()
            output = (await asyncio.wait_for(script.communicate(), SWITCH_S))[0].decode()
            assert script.returncode == 0, output
            assert "green is live" in output, output
            await asyncio.wait_for(asyncio.gather(*following), REQUEST_TIMEOUT_S)
            switched_at = len(traffic)

            # a green replica stopped on its own: nginx still lists it, and passes what it refuses to api4
            green1 = {"COLOUR": "green", "SERVERS": f"127.0.0.1:{ports['api3']}"}
            await _run_replicas("stop", {**env, **green1})
            await until(
                lambda: any(re.search(r"statuses=\d{3}, ", line) for line in nginx.access_log()),
                within_s=REQUEST_TIMEOUT_S,
                what="a request refused by the stopped replica and passed on",
            )
            restarted_at = len(traffic)
            await until(lambda: len(traffic) >= restarted_at + 20, within_s=REQUEST_TIMEOUT_S, what="traffic")
            stop_traffic.set()
            await asyncio.wait_for(asyncio.gather(*senders), REQUEST_TIMEOUT_S)

            details = [(await streams.get(f"/api/v1/chat/threads/{thread}")).json() for thread in threads]
            for client in (streams, *steady):
                await client.aclose()
        finally:
            gate.set()
            stop_traffic.set()
            replicas.kill_all(nginx.prefix)

    failed = [o for o in traffic if o.status not in {200, 201}]
    log = nginx.access_log()
    retried = [line for line in log if re.search(r"statuses=\d{3}, ", line)]
    print(
        f"{len(traffic)} requests through nginx ({switched_at} up to the end of the switch, "
        f"{len(traffic) - restarted_at} after a green replica stopped); {len(retried)} passed to the other "
        f"replica by nginx; {len(failed)} failed"
    )
    assert not failed, failed[:10]
    assert all(o.status == (200 if o.method == "GET" else 201) for o in traffic)
    assert (nginx.prefix / "upstream-active.conf").read_text().startswith("# colour: green")
    green = (f"127.0.0.1:{ports['api3']}", f"127.0.0.1:{ports['api4']}")
    assert any(f"upstream={green[1]}" in line for line in log), "green served after the switch"
    assert retried, "the stopped replica's refused connections went to the other one"

    for turn, detail in zip(turns, details, strict=True):
        assert turn.responses == ["POST", "GET"], turn.responses  # one resume: when blue stopped
        assert_whole_turn(turn, ANSWER)
        assert detail["running"] is False
        assert [(m["role"], m["content"]) for m in detail["messages"]] == [
            ("user", QUESTION),
            ("assistant", ANSWER),
        ]
    assert len(model.requests) == STREAMS, "no turn was repeated or restarted"
