"""semivis.constraints."""
