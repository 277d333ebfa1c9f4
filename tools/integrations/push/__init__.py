"""Push sync: new activities arrive from Strava's webhook and Garmin's push notifications, without polling.

The API routes (`api/routes/webhooks.py`) only translate HTTP; the logic lives here:

- `strava_events`: the subscription handshake and the event → action mapping (import job, stored title or
  type, a notice instead of a deletion, a revoked connection).
- `strava_subscription`: creating, listing and deleting the push subscription with stravalib, and telling
  whether an event's `subscription_id` is ours.
- `garmin_events`: Garmin's activity push/ping notifications → a `garmin.sync` job for the athlete.
- a provider's account id → our integrations (and so users): `tools.integrations.repository`.

Everything a push starts is idempotent with the polling sync: the same job machinery and the same
importer dedup (by provider id, and by start time across sources), so an activity that arrives by push and by
polling, or twice by push, is stored once. Requests are answered at once; imports run in the worker.
"""
