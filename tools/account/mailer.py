"""Sending RunCoach's e-mail (verification links, "you already have an account") over SMTP.

With `RUNCOACH_SMTP_HOST` set, a message goes to that server (STARTTLS, implicit TLS or plain for a local
relay; login when a user name is set), from `RUNCOACH_SMTP_FROM`. Without it (the embedded default,
`make run`), nothing is sent: the message, link included, is written to the server log at WARNING so the
admin of a small install can pass it on — `delivery` says which of the two happened, and the API and web
app tell the person so.

`smtplib` is blocking: `send` runs it in a worker thread. Callers send after their unit of work commits
(FastAPI background tasks do), so a message never points at a row that was rolled back.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Literal

from core.errors import ServiceUnavailable
from core.settings import Settings

log = logging.getLogger(__name__)

Delivery = Literal["email", "server_log"]


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


def delivery(settings: Settings) -> Delivery:
    """How mail reaches people on this server: by e-mail, or via the admin reading the server log."""
    return "email" if settings.smtp_host else "server_log"


def _message(settings: Settings, mail: Mail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Message-ID"] = make_msgid(domain="runcoach")
    message.set_content(mail.body)
    return message


def _send_smtp(settings: Settings, message: EmailMessage) -> None:
    assert settings.smtp_host is not None
    timeout = settings.smtp_timeout_s
    smtp: smtplib.SMTP
    if settings.smtp_security == "tls":
        smtp = smtplib.SMTP_SSL(
            settings.smtp_host, settings.smtp_port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
    with smtp:
        if settings.smtp_security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_username:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            smtp.login(settings.smtp_username, password)
        smtp.send_message(message)


async def send(settings: Settings, mail: Mail) -> Delivery:
    """Send one message (or log it when no SMTP server is configured). ServiceUnavailable when the SMTP
    server refuses or cannot be reached."""
    if not settings.smtp_host:
        log.warning(
            "e-mail is not configured (RUNCOACH_SMTP_HOST): not sent; pass it on to %s — subject %r:\n%s",
            mail.to,
            mail.subject,
            mail.body,
        )
        return "server_log"
    try:
        await asyncio.to_thread(_send_smtp, settings, _message(settings, mail))
    except (OSError, smtplib.SMTPException) as exc:
        raise ServiceUnavailable(
            f"The e-mail to {mail.to} could not be sent ({type(exc).__name__}); try again later, and "
            "check RUNCOACH_SMTP_* if it keeps failing.",
            details={"service": "smtp"},
        ) from exc
    return "email"


async def send_quietly(settings: Settings, mail: Mail) -> None:
    """For background sends after the response: a failure is logged, never raised."""
    try:
        await send(settings, mail)
    except ServiceUnavailable as exc:
        log.error("%s", exc.message)
