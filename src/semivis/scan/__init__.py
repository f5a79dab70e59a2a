"""semivis.scan."""
