"""Senders, one per channel, each bounded by a timeout: webhook (JSON + HMAC), SMTP e-mail, Telegram."""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
from email.header import Header
from email.mime.text import MIMEText
from typing import Any

import httpx

from qarauyl.maintenance.config import Channels

SIGNATURE_HEADER = "X-Qarauyl-Signature"
TIMESTAMP_HEADER = "X-Qarauyl-Timestamp"
DELIVERY_HEADER = "X-Qarauyl-Delivery"


class DeliveryError(Exception):
    """A destination did not take a message; the outbox retries it later."""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=<hex>` of HMAC-SHA256 over `timestamp.body`: the timestamp is signed too, so a receiver
    can refuse replays of old deliveries."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver does (and our tests): constant-time comparison."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def send_webhook(
    channels: Channels, url: str, message_id: int, payload: dict[str, Any], sent_at: str
) -> None:
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: sent_at,
        DELIVERY_HEADER: str(message_id),  # the same id on every retry: receivers can drop duplicates
        SIGNATURE_HEADER: sign(channels.webhook_secret.get_secret_value(), sent_at, body),
    }
    try:
        response = httpx.post(url, content=body, headers=headers, timeout=channels.timeout_seconds)
    except httpx.HTTPError as exc:
        raise DeliveryError(f"webhook {url}: {exc.__class__.__name__}: {exc}") from None
    if response.status_code >= 300:
        raise DeliveryError(f"webhook {url} answered HTTP {response.status_code}")


def email_message(sender: str, address: str, subject: str, text: str) -> MIMEText:
    """A plain UTF-8 message. The subject is encoded by `Header`, which keeps every space inside its
    encoded words: the modern `EmailMessage` folds a long Cyrillic subject between encoded words and
    loses the space there ("до срока" arrives as "досрока"), since readers drop whitespace between them."""
    message = MIMEText(text, "plain", "utf-8")
    message["From"] = sender
    message["To"] = address
    # The stubs type headers as str; the compat32 policy of MIMEText takes a Header, as documented.
    message["Subject"] = Header(subject, "utf-8", header_name="Subject")  # type: ignore[assignment]
    return message


def send_email(channels: Channels, address: str, subject: str, text: str) -> None:
    message = email_message(channels.smtp_sender, address, subject, text)
    try:
        with smtplib.SMTP(channels.smtp_host, channels.smtp_port, timeout=channels.timeout_seconds) as smtp:
            if channels.smtp_starttls:
                smtp.starttls()
            if channels.smtp_username and channels.smtp_password:
                smtp.login(channels.smtp_username, channels.smtp_password.get_secret_value())
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"e-mail to {address}: {exc.__class__.__name__}: {exc}") from None


def send_telegram(channels: Channels, chat_id: str, text: str) -> None:
    token = channels.telegram_token.get_secret_value()
    url = f"{channels.telegram_base_url.rstrip('/')}/bot{token}/sendMessage"
    try:
        response = httpx.post(
            url,
            json={"chat_id": chat_id, "text": text[:4096], "disable_web_page_preview": True},
            timeout=channels.timeout_seconds,
        )
    except httpx.HTTPError as exc:
        # The URL holds the bot token: never put it in the error that lands in the outbox row.
        raise DeliveryError(f"telegram chat {chat_id}: {exc.__class__.__name__}") from None
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    # The Bot API says why in `description` ("Unauthorized": a wrong token; "Bad Request: chat not found").
    why = str(answer.get("description", ""))[:200] if isinstance(answer, dict) else ""
    if response.status_code == 429 or response.status_code >= 300:
        said = f": {why}" if why else ""
        raise DeliveryError(f"telegram chat {chat_id}: HTTP {response.status_code}{said}")
    if not (isinstance(answer, dict) and answer.get("ok")):
        raise DeliveryError(f"telegram chat {chat_id}: the Bot API did not answer ok")
