"""Charts of the evidence pack: each takes frames and parameters and returns a matplotlib
``Figure`` (never shown, no global style touched); ``save_png`` writes deterministic bytes."""

from ._common import png_bytes, save_png
from .cumulative import cumulative
from .daily import daily
from .heatmap import heatmap
from .lanes import lanes

__all__ = ["cumulative", "daily", "heatmap", "lanes", "png_bytes", "save_png"]
