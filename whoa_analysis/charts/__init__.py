"""Charts: each function takes frames and returns a matplotlib Figure; none calls show()."""
