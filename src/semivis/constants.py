"""Physical constants: the one place semivis takes them from.

Natural units (hbar = c = 1): energies and masses in GeV, lengths in metres where a length is
meant, cross sections in GeV^-2 unless a name says otherwise (``_pb``, ``_cm2``).

Sources
-------
* CODATA 2018 (Tiesinga et al., Rev. Mod. Phys. 93 (2021) 025010) for alpha, hbar*c, m_e, m_p, m_u, mu_p, c.
* PDG 2022 (Workman et al., PTEP 2022 083C01) for m_mu, m_pi, the Planck mass and cosmological numbers
  (s_0, rho_c).
* Planck 2018 VI (A&A 641 (2020) A6), Table 2, for Omega_c h^2 = 0.120.

Examples
--------
>>> from semivis import constants as c
>>> round(1 / c.alpha, 3)
137.036
>>> round(c.hbar_c_GeV_m * 1e15, 4)  # GeV fm
0.1973
"""

from __future__ import annotations

__all__ = [
    "GeV2_to_cm2",
    "GeV2_to_pb",
    "M_Planck_GeV",
    "N_avogadro",
    "Omega_c_h2_planck2018",
    "alpha",
    "c_light_cm_s",
    "hbar_GeV_s",
    "hbar_c_GeV_m",
    "m_e",
    "m_mu",
    "m_p",
    "m_pi_charged",
    "mb_to_cm2",
    "mu_p",
]

#: Fine-structure constant at q^2 = 0 (CODATA 2018: 1/alpha = 137.035999084).
alpha: float = 1.0 / 137.035999084

#: Electron mass in GeV (CODATA 2018: 0.51099895000 MeV).
m_e: float = 0.51099895000e-3

#: Muon mass in GeV (PDG 2022: 105.6583755 MeV).
m_mu: float = 0.1056583755

#: Charged-pion mass in GeV (PDG 2022: 139.57039 MeV); threshold of e+e- -> hadrons.
m_pi_charged: float = 0.13957039

#: Proton mass in GeV (CODATA 2018: 938.27208816 MeV).
m_p: float = 0.93827208816

#: Atomic mass unit in GeV (CODATA 2018: 931.49410242 MeV; used to 10 digits, 2e-11 relative, as in the validated
#: results): the nucleus mass M = A u of the exact-tree-level dark bremsstrahlung (binding and electrons neglected).
m_u: float = 0.9314941024

#: Proton magnetic moment in nuclear magnetons (CODATA 2018: 2.79284734463).
mu_p: float = 2.79284734463

#: hbar * c in GeV * m (CODATA 2018: 197.3269804 MeV fm).
hbar_c_GeV_m: float = 197.3269804e-3 * 1e-15

#: hbar in GeV * s (CODATA 2018: 6.582119569e-25 GeV s).
hbar_GeV_s: float = 6.582119569e-25

#: Speed of light in vacuum [cm/s] (exact by the SI definition of the metre; PDG 2022, Table 1.1).
c_light_cm_s: float = 2.99792458e10

#: 1 GeV^-2 in cm^2: (hbar c)^2 = 0.3893793721 mb GeV^2 (PDG 2022, Table 1.1).
GeV2_to_cm2: float = 0.3893793721e-27

#: 1 millibarn in cm^2 (definition of the barn, 1 b = 1e-24 cm^2).
mb_to_cm2: float = 1e-27

#: 1 GeV^-2 in picobarn.
GeV2_to_pb: float = 0.3893793721e9

#: Avogadro constant in 1/mol (SI exact since 2019).
N_avogadro: float = 6.02214076e23

#: Planck mass (not reduced) in GeV (PDG 2022: 1.220890e19 GeV).
M_Planck_GeV: float = 1.220890e19

#: Cold dark matter density Omega_c h^2 (Planck 2018 TT,TE,EE+lowE+lensing: 0.120 +- 0.001).
Omega_c_h2_planck2018: float = 0.120

#: Entropy density of the Universe today, s_0 in cm^-3 (PDG 2022 "Astrophysical constants": 2891.2 cm^-3).
s0_entropy_cm3: float = 2891.2

#: Critical density over h^2, rho_c/h^2 in GeV cm^-3 (PDG 2022 "Astrophysical constants": 1.05371e-5).
rho_crit_over_h2_GeV_cm3: float = 1.05371e-5
