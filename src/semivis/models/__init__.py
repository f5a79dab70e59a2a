"""Dark-sector models (iDM, i2DM, invisible A'): widths, branching ratios, lifetimes, chi2 decays.

Knows nothing of beams, detectors or cosmology. Units: GeV, metres, radians. Arrays in, arrays out.

>>> from semivis.models import IDM, make_model
>>> m = make_model("idm", m_Ap=0.3, eps=1e-3, alpha_D=0.1, ratio=3.0, delta=0.4)
>>> isinstance(m, IDM), m.kind
(True, 'idm')
"""

from semivis.models.dark_sector import (
    CHANNELS,
    CHI2_CHANNELS,
    DARK_CHANNELS,
    I2DM,
    IDM,
    INELASTIC_KINDS,
    MODEL_CHANNELS,
    MODEL_KINDS,
    VISIBLE_CHANNELS,
    DarkSectorModel,
    Gamma_chi2_point,
    InelasticKind,
    InvisibleDarkPhoton,
    ModelKind,
    chi1_chi2_open,
    ctau_chi2_m_point,
    inelastic_kind,
    make_model,
)
from semivis.models.decay import chi2_decay_msq, dGamma_chi2_ds1_ds2, sample_chi2_decay

__all__ = [
    "CHANNELS",
    "CHI2_CHANNELS",
    "DARK_CHANNELS",
    "I2DM",
    "IDM",
    "INELASTIC_KINDS",
    "MODEL_CHANNELS",
    "MODEL_KINDS",
    "VISIBLE_CHANNELS",
    "DarkSectorModel",
    "Gamma_chi2_point",
    "InelasticKind",
    "InvisibleDarkPhoton",
    "ModelKind",
    "chi1_chi2_open",
    "chi2_decay_msq",
    "ctau_chi2_m_point",
    "dGamma_chi2_ds1_ds2",
    "inelastic_kind",
    "make_model",
    "sample_chi2_decay",
]
