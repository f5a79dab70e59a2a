"""semivis.figures."""
