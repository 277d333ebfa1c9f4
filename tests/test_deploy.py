"""The production shape: docker-compose.yml is accepted by docker-compose (no engine needed)."""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]


def test_compose_file_is_valid_and_has_the_production_roles() -> None:
    compose = shutil.which("docker-compose")
    if compose is None:
        reason = "docker-compose is not installed (apt-get install docker-compose); .ci/run installs it"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    env = {**os.environ, "POSTGRES_PASSWORD": "test-only", "RUNCOACH_FERNET_KEY": "test-only"}
    result = subprocess.run(
        [compose, "-f", str(REPO / "docker-compose.yml"), "config"], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    assert {
        "db",
        "redis",
        "api1",
        "api2",
        "nginx",
        "worker",
        "scheduler",
        "bot",
        "prometheus",
        "grafana",
    } <= set(services)
    for name in ("db", "redis", "api1", "api2", "nginx", "worker", "scheduler", "prometheus", "grafana"):
        assert "healthcheck" in services[name], f"{name} has no healthcheck"


def test_the_api_believes_x_forwarded_for_from_nginx_only_and_the_readme_says_how() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    services = compose["services"]
    nginx_address = services["nginx"]["networks"]["default"]["ipv4_address"]
    for name in ("api1", "api2", "api3", "api4"):
        assert services[name]["environment"]["RUNCOACH_FORWARDED_ALLOW_IPS"] == nginx_address, name
    readme = (REPO / "README.md").read_text()
    assert re.search(r"^\| `RUNCOACH_FORWARDED_ALLOW_IPS` \|", readme, re.MULTILINE)


def test_nginx_does_not_buffer_chat_streams() -> None:
    conf = (REPO / "deploy" / "nginx.conf").read_text()
    chat = conf.split("location /api/v1/chat/", 1)[1].split("}", 1)[0]
    assert "proxy_buffering off" in chat and "proxy_read_timeout 1h" in chat


def test_grafana_dashboard_reads_only_metrics_we_export() -> None:
    from prometheus_client import REGISTRY

    for module in ("core.metrics", "api.middleware"):  # where the metrics are defined
        importlib.import_module(module)

    families = {family.name for family in REGISTRY.collect()}  # counters without "_total"
    dashboard = json.loads((REPO / "deploy" / "grafana" / "dashboards" / "runcoach.json").read_text())
    used = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"\bruncoach_[a-z_]+", target["expr"])
    }
    assert len(used) >= 10
    missing = {name for name in used if re.sub(r"_(total|count|sum|bucket)$", "", name) not in families}
    assert not missing, f"the dashboard queries metrics nobody exports: {sorted(missing)}"
    datasource = yaml.safe_load((REPO / "deploy" / "grafana" / "datasources" / "prometheus.yml").read_text())
    assert {panel["datasource"]["uid"] for panel in dashboard["panels"]} == {
        datasource["datasources"][0]["uid"]
    }
