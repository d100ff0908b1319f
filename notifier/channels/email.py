"""E-mail through aiosmtplib: plain, STARTTLS or implicit TLS, optional authentication."""

from __future__ import annotations

import email.utils
import ssl
from email.message import EmailMessage

import aiosmtplib

from notifier.channels import PermanentFailure, TemporaryFailure
from probe.config import SmtpConfig


def build_message(
    config: SmtpConfig,
    *,
    to_name: str,
    to_address: str,
    subject: str,
    text: str,
    html: str | None,
    message_id: str,
) -> EmailMessage:
    """One message per recipient; the Message-ID is derived from the outbox row so that a resend
    after an ambiguous failure is recognisable as the same message by mail clients."""
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = email.utils.formataddr((to_name, to_address))
    message["Subject"] = subject
    message["Date"] = email.utils.formatdate(localtime=False)
    message["Message-ID"] = message_id
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    return message


def tls_context(config: SmtpConfig) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(config.ca_file) if config.ca_file else None)
    if not config.verify_certificate:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


async def send_email(config: SmtpConfig, message: EmailMessage) -> str:
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
