# syntax=docker/dockerfile:1
# Multi-stage: build the web app, install the Python package, run as a non-root user.

FROM node:20-bookworm-slim AS web
WORKDIR /src/frontend
COPY frontend/ ./
RUN if [ -f package.json ]; then npm ci --no-audit --no-fund && npm run build; else mkdir -p dist; fi

FROM python:3.12-slim-bookworm AS app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    RUNCOACH_ENV=production RUNCOACH_HOST=0.0.0.0 RUNCOACH_HOME=/var/lib/runcoach
RUN useradd --create-home --uid 10001 runcoach && mkdir -p /var/lib/runcoach && chown runcoach /var/lib/runcoach
WORKDIR /app
COPY pyproject.toml README.md ./
COPY core/ core/
COPY agent/ agent/
COPY tools/ tools/
COPY api/ api/
COPY bots/ bots/
COPY jobs/ jobs/
COPY knowledge/ knowledge/
COPY migrations/ migrations/
RUN pip install --no-cache-dir -e .
COPY --from=web /src/frontend/dist frontend/dist
USER runcoach
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --retries=5 CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"
CMD ["runcoach", "api"]
