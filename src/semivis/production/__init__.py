"""semivis.production."""
