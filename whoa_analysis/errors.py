"""The library's exceptions: one tree, each message says what was expected, what arrived, the fix.

Everything a user can cause derives from :class:`WhoaError`; the CLI turns those into one line
and exit code 2 (1 for :class:`EvidenceError`, a finding rather than a mistake).
"""

from __future__ import annotations


class WhoaError(Exception):
    """Base of every error the library raises on purpose."""


class CaseError(WhoaError):
    """The case file is invalid (unknown key, bad zone, bad account key, ...)."""


class InputError(WhoaError):
    """An input file cannot be read as asked (no reader matches, zone or date order needed, ...)."""


class FormatError(InputError):
    """No reader, or more than one, recognises a file; or the named format does not exist."""


class TimezoneRequired(InputError):
    """The format carries local times without a zone and none was declared."""


class DateOrderRequired(InputError):
    """Nothing in the file decides between day-first and month-first dates."""


class EvidenceError(WhoaError):
    """A source changed, vanished or appeared since intake, or the custody log was edited."""


class WorkerError(WhoaError):
    """A process doing part of the work beside this one stopped (out of memory, killed)."""
