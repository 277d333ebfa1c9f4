"""The job queue as every layer sees it: job rows (`records`), the outbox that sends a job once its unit of
work commits (`outbox`), and the Taskiq broker over Redis streams (`broker`, `stream_broker`).

What runs a job (handlers, the worker, the schedules) is in `jobs/`, above the domain; the domain enqueues
through here without importing it.
"""
