"""Dark-sector models (iDM, i2DM, invisible A'): widths, branching ratios, lifetimes, chi2 decays.

Knows nothing of beams, detectors or cosmology.
"""
