"""Every Prometheus metric RunCoach exports, in one place (the Grafana dashboard in deploy/grafana reads these
names). The api serves them at `/metrics/`; a worker, scheduler or bot serves its own on
`RUNCOACH_METRICS_PORT` when that is set (`serve_metrics`): how Prometheus scrapes them in production.

Labels are bounded: tool names, job kinds, providers, triggers, channels and outcomes — never user ids.
"""

from __future__ import annotations

import logging

from prometheus_client import Counter, Gauge, Histogram, start_http_server

log = logging.getLogger(__name__)

TOOL_CALLS = Counter(
    "runcoach_tool_calls_total", "Tool calls, by tool and outcome (ok, error, failed)", ["tool", "outcome"]
)
TOOL_SECONDS = Histogram(
    "runcoach_tool_seconds",
    "Tool call duration",
    ["tool"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
MODEL_TOKENS = Counter(
    "runcoach_model_tokens_total", "Model tokens by model and direction", ["model", "direction"]
)
MODEL_ERRORS = Counter("runcoach_model_errors_total", "Turns that ended in a model error, by kind", ["kind"])
JOB_RUNS = Counter("runcoach_job_runs_total", "Job attempts by kind and outcome", ["kind", "outcome"])
JOB_SECONDS = Histogram(
    "runcoach_job_seconds",
    "Job attempt duration",
    ["kind"],
    buckets=(0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800),
)
JOB_QUEUE = Gauge("runcoach_jobs", "Jobs by state, as of the last sweep", ["state"])
SYNC_RUNS = Counter(
    "runcoach_sync_runs_total",
    "Finished sync runs, by provider and status (succeeded, partial, failed)",
    ["provider", "status"],
)
SYNC_ITEMS = Counter(
    "runcoach_sync_items_total",
    "Items seen by syncs, by provider and outcome (imported, skipped, failed…)",
    ["provider", "outcome"],
)
PROACTIVE_SENT = Counter(
    "runcoach_proactive_messages_total", "Proactive messages delivered", ["trigger", "channel"]
)

CHAT_FIRST_EVENT = Histogram(
    "runcoach_chat_first_event_seconds",
    "Chat turns: from the request to the turn's first event",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
CHAT_TURN = Histogram(
    "runcoach_chat_turn_seconds",
    "Chat turns: from the request to the final event, by how the turn ended",
    ["outcome"],
    buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
)


def serve_metrics(port: int | None, *, role: str) -> None:
    """Expose this process's metrics on `port` (no-op when unset; a port in use is logged, not fatal)."""
    if not port:
        return
    try:
        start_http_server(port)
        log.info("%s metrics on :%s/metrics", role, port)
    except OSError as exc:
        log.warning("%s metrics not served on port %s: %s", role, port, exc)
