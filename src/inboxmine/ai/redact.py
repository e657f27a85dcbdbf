"""Masking personal data before a prompt leaves the machine (cloud providers only)."""

from __future__ import annotations

import re

# Bounded quantifiers only: prompts carry hostile email text.
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63}){1,8}")
# A phone number: optional +, then 9-20 digits and separators, ending on a digit.
_PHONE = re.compile(r"(?<![\w.])\+?\(?\d[\d ().\-]{7,18}\d(?![\w.])")

EMAIL_MASK = "[email]"
PHONE_MASK = "[phone]"


def redact(text: str, emails: bool = True, phones: bool = True) -> str:
    """``text`` with email addresses and phone numbers replaced by placeholders."""
    if not text:
        return text
    if emails:
        text = _EMAIL.sub(EMAIL_MASK, text)
    if phones:
        text = _PHONE.sub(_mask_phone, text)
    return text


def _mask_phone(match: re.Match) -> str:
    # Dates (2026-01-15) and long numeric ids look like phones; keep values
    # with fewer than 9 digits, and ISO dates, untouched.
    value = match.group(0)
    digits = sum(ch.isdigit() for ch in value)
    if digits < 9 or re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        return value
    return PHONE_MASK


def scrub_secrets(text: str | None, secrets: list[str]) -> str | None:
    """``text`` with every secret value (API keys) replaced by ``********``."""
    if not text:
        return text
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "********")
    return text
