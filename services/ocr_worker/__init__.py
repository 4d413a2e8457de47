"""Camera frames → digits → readings."""
