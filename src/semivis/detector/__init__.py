"""semivis.detector."""
