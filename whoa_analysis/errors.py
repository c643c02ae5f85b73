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


class _SettingRequired(InputError):
    """A setting only the user can give is missing. ``reason`` says what is wrong without the
    fix, so a caller that knows where the setting lives (a key of the case file, an option of
    ``whoa read``) can name that place instead of one that does not apply there."""

    setting = ""
    example = ""

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason or message

    def __reduce__(self) -> tuple:
        # Raised in a worker process and handed back pickled: keep the reason.
        return (type(self), (str(self),), {"reason": self.reason})

    def in_case(self, case_name: str, index: int, relpath: str) -> str:
        """The one-line message for a source of a case file: names the key to set."""
        key = f"sources[{index}].{self.setting}"
        return (f"{case_name}: {key} ({relpath}): {self.reason}: add {self.setting} = "
                f"{self.example} to sources[{index}] in {case_name}")


class TimezoneRequired(_SettingRequired):
    """The format carries local times without a zone and none was declared."""

    setting = "timezone"
    example = '"Europe/London" (for example)'


class DateOrderRequired(_SettingRequired):
    """Nothing in the file decides between day-first and month-first dates."""

    setting = "date_order"
    example = '"dmy" or "mdy"'


class EvidenceError(WhoaError):
    """A source changed, vanished or appeared since intake, or the custody log was edited."""


class OutputError(WhoaError):
    """The output asked for cannot be used (a file, the case folder, inside the evidence, an
    existing pack without ``--force``, a folder that cannot be written)."""


class WorkerError(WhoaError):
    """A process doing part of the work beside this one stopped (out of memory, killed)."""
