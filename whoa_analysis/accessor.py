"""``df.whoa``: a thin, stateless accessor over the library's plain functions.

Registered only when :func:`register` is called (no registration on import), e.g. by the
notebooks: ``from whoa_analysis.accessor import register; register()``.
"""

from __future__ import annotations

import pandas as pd

from . import identities
from .analysis import conduct, contact, contact_rows, duplicates, seen
from .case import Case


class WhoaAccessor:
    def __init__(self, df: pd.DataFrame) -> None:
        self._df = df

    def resolve(self, case: Case) -> pd.DataFrame:
        return identities.resolve(self._df, case)

    def mark_duplicates(self) -> pd.DataFrame:
        return duplicates.mark(self._df)

    def unique(self) -> pd.DataFrame:
        return duplicates.unique(self._df)

    def classify(self) -> pd.DataFrame:
        return contact.classify(self._df)

    def place(self, earliest: pd.Timestamp | None, latest: pd.Timestamp | None = None,
              notice_id: str | None = None) -> pd.DataFrame:
        return contact.place(self._df, earliest, latest, notice_id)

    def accounts(self) -> pd.DataFrame:
        return seen.accounts_table(self._df)

    def suggestions(self, notice_latest: pd.Timestamp | None = None,
                    region: str | None = None) -> pd.DataFrame:
        return seen.suggestions(self._df, notice_latest, region)

    def by_period(self, tz: str, freq: str = "D") -> pd.DataFrame:
        return conduct.by_period(self._df, tz, freq)

    def contacts(self, tz: str) -> pd.DataFrame:
        return contact_rows(self._df, tz)

    def between(self, start: str, end: str) -> pd.DataFrame:
        """Rows whose instant lies in [start, end) (ISO strings, UTC unless an offset is given)."""
        lo, hi = _instant(start), _instant(end)
        return self._df[(self._df["sent_at"] >= lo) & (self._df["sent_at"] < hi)]

    def by(self, **equals: object) -> pd.DataFrame:
        """Rows where every named column equals the value, e.g. ``by(platform="email")``."""
        mask = pd.Series(True, index=self._df.index)
        for column, value in equals.items():
            mask &= self._df[column].astype(str) == str(value)
        return self._df[mask]


def _instant(text: str) -> pd.Timestamp:
    """An ISO time as an instant: with its own offset, else read as UTC."""
    stamp = pd.Timestamp(text)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def register() -> None:
    """Make ``DataFrame.whoa`` available (idempotent)."""
    if not hasattr(pd.DataFrame, "whoa"):
        pd.api.extensions.register_dataframe_accessor("whoa")(WhoaAccessor)
