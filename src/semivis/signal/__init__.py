"""semivis.signal."""
