"""whoa_analysis: evidence workbench for people who help victims of online harassment.

The public surface is small: load a case, read its sources into one message frame, resolve who
is who, analyse contact after the stop request, write the evidence pack.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("whoa_analysis")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
