"""whoa_analysis: evidence workbench for people who help victims of online harassment.

The public surface is small: load a case, read its sources into one message frame, resolve who
is who, analyse contact after the stop request, write the evidence pack.
"""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    # Looked up on first use: importlib.metadata takes about 30 ms to import, which a notebook
    # or a benchmark reading one file need not pay.
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("whoa_analysis")
    except PackageNotFoundError:  # running from a source tree without installation
        found = "0.0.0+unknown"
    globals()["__version__"] = found
    return found
