"""Account keys: ``platform:identifier``, normalised so that two spellings of one account meet.

Emails go through email-validator (syntax only, never DNS), phone numbers through phonenumbers to
E.164 with the case's default region, every other handle is compared case-insensitively.
``phone:`` covers SMS, calls and WhatsApp senders shown as numbers.
"""

from __future__ import annotations

from .errors import CaseError

#: Platforms an account key may name. ``sms``/``call`` are spellings of ``phone``.
ACCOUNT_PLATFORMS = frozenset({
    "email", "phone", "whatsapp", "telegram", "signal", "discord", "slack", "messenger",
    "instagram", "twitter", "imessage", "irc", "im", "googlechat", "skype", "snapchat", "web",
    "other",
})
_ALIASES = {"sms": "phone", "call": "phone", "tel": "phone", "mail": "email", "x": "twitter",
            "facebook": "messenger"}


def split_key(key: str) -> tuple[str, str]:
    """Split ``platform:identifier``; raise :class:`CaseError` when it is not of that form."""
    platform, sep, ident = key.partition(":")
    platform = _ALIASES.get(platform.strip().lower(), platform.strip().lower())
    if not sep or not ident.strip() or platform not in ACCOUNT_PLATFORMS:
        raise CaseError(
            f"account {key!r}: expected 'platform:identifier' with platform one of "
            f"{', '.join(sorted(ACCOUNT_PLATFORMS))}; fix the key, e.g. 'email:rob@example.net'")
    return platform, ident.strip()


def normalise(key: str, region: str | None = None) -> str:
    """The canonical form of an account key, or :class:`CaseError` when it is invalid."""
    platform, ident = split_key(key)
    if platform == "email":
        return "email:" + normalise_email(ident, strict=True)
    if platform == "phone":
        return "phone:" + normalise_phone(ident, region, strict=True)
    return f"{platform}:{ident.casefold()}"


def normalise_email(address: str, *, strict: bool = False) -> str:
    """Lower-cased, IDNA-normalised address; with ``strict``, invalid syntax raises CaseError.

    Not strict, an invalid address is returned lower-cased as found, so a reader never loses it.
    """
    # imported on first use, like phonenumbers: each takes about 20 ms to import
    import email_validator

    try:
        valid = email_validator.validate_email(address, check_deliverability=False,
                                               allow_smtputf8=True, allow_quoted_local=True)
    except email_validator.EmailNotValidError as exc:
        if strict:
            raise CaseError(f"email {address!r}: not a valid address ({exc}); "
                            "write it as name@domain") from None
        return address.strip().lower()
    return valid.normalized.lower()


def normalise_phone(number: str, region: str | None, *, strict: bool = False) -> str:
    """E.164 (``+447700900123``); a number without ``+CC`` needs ``region``.

    Not strict, an unparseable number is returned with only its digits (and a leading ``+``),
    so that short codes and alphanumeric SMS senders still compare equal to themselves.
    """
    import phonenumbers

    try:
        parsed = phonenumbers.parse(number, region)
        if not phonenumbers.is_possible_number(parsed):
            raise phonenumbers.NumberParseException(0, "not a possible number")
    except phonenumbers.NumberParseException as exc:
        if strict:
            hint = "" if region else " (no case region is set: add +CC or set case.region)"
            raise CaseError(f"phone {number!r}: cannot read it as a phone number{hint}: "
                            f"{exc}") from None
        kept = "".join(c for c in number if c.isalnum() or c == "+")
        return kept.lower() or number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def key_for(platform: str, identifier: str, region: str | None = None) -> str:
    """The account key a reader writes for an identifier seen in an export (never raises)."""
    ident = identifier.strip()
    if not ident:
        return ""
    platform = _ALIASES.get(platform, platform)
    if platform == "email":
        return "email:" + normalise_email(ident)
    if platform == "phone":
        return "phone:" + normalise_phone(ident, region)
    return f"{platform}:{ident.casefold()}"
