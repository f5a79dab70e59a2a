"""semivis.cosmo."""
