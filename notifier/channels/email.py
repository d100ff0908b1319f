"""E-mail through aiosmtplib: plain, STARTTLS or implicit TLS, optional authentication."""

from __future__ import annotations

import email.utils
import ssl
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import aiosmtplib

from notifier.channels import PermanentFailure, TemporaryFailure
from notifier.config import SmtpConfig


def build_message(
    config: SmtpConfig,
    *,
    to_name: str,
    to_address: str,
    subject: str,
    text: str,
    html: str | None,
    message_id: str,
) -> Message:
    """One message per recipient; the Message-ID is derived from the outbox row so that a resend
    after an ambiguous failure is recognisable as the same message by mail clients.

    Built with the compat32 API on purpose: the modern policy's header folding drops the space
    between two RFC 2047 encoded words (a long Cyrillic subject loses a space), `Header` does not."""
    body: Message
    if html:
        body = MIMEMultipart("alternative")
        body.attach(MIMEText(text, "plain", "utf-8"))
        body.attach(MIMEText(html, "html", "utf-8"))
    else:
        body = MIMEText(text, "plain", "utf-8")
    body["From"] = config.sender
    body["To"] = email.utils.formataddr((to_name, to_address), charset="utf-8")
    body["Subject"] = Header(subject, "utf-8")  # type: ignore[assignment]  # compat32 takes a Header
    body["Date"] = email.utils.formatdate(localtime=False)
    body["Message-ID"] = message_id
    return body


def tls_context(config: SmtpConfig) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(config.ca_file) if config.ca_file else None)
    if not config.verify_certificate:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


async def send_email(config: SmtpConfig, message: Message) -> str:
    """Send; returns the server's answer. 5xx answers for the recipient are permanent, the rest
    (connection refused, timeouts, 4xx, authentication) are temporary: fixing the server or the
    password later must still deliver what is queued."""
    where = f"SMTP {config.host}:{config.port}"
    try:
        _refused, answer = await aiosmtplib.send(
            message,
            hostname=config.host,
            port=config.port,
            username=config.user,
            password=config.resolved_password() if config.user else None,
            use_tls=config.tls,
            start_tls=bool(config.starttls),
            tls_context=tls_context(config) if (config.tls or config.starttls) else None,
            timeout=config.timeout_seconds,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        codes = [r.code for r in exc.recipients]
        text = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in exc.recipients)
        if all(500 <= code < 600 for code in codes):
            raise PermanentFailure(f"{where}: recipient refused: {text}") from None
        raise TemporaryFailure(f"{where}: recipient deferred: {text}") from None
    except aiosmtplib.SMTPAuthenticationError as exc:
        raise TemporaryFailure(
            f"{where}: authentication failed ({exc.code} {exc.message}); check user/password"
        ) from None
    except aiosmtplib.SMTPResponseException as exc:
        if 500 <= exc.code < 600 and exc.code not in (502, 503, 504):
            raise PermanentFailure(f"{where}: refused: {exc.code} {exc.message}") from None
        raise TemporaryFailure(f"{where}: {exc.code} {exc.message}") from None
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        raise TemporaryFailure(f"{where}: {exc.__class__.__name__}: {exc}") from None
    return answer
