"""Physical constants as quantities, with the CODATA 2018 recommended values (NIST,
https://physics.nist.gov/cuu/Constants/; the 2019 SI redefinition made several exact).

``from lifdsl.units.constants import faraday_constant as F`` then ``F*1*mole`` is a charge.
"""

from __future__ import annotations

from lifdsl.units.dimensions import dimension
from lifdsl.units.quantity import Quantity

#: Avogadro constant N_A (exact): 6.02214076e23 / mol
avogadro_constant = Quantity(6.02214076e23, dimension(mol=-1))
#: Boltzmann constant k (exact): 1.380649e-23 J/K
boltzmann_constant = Quantity(1.380649e-23, dimension(m=2, kg=1, s=-2, K=-1))
#: elementary charge e (exact): 1.602176634e-19 C
elementary_charge = Quantity(1.602176634e-19, dimension(s=1, A=1))
#: Faraday constant F = N_A e (exact): 96485.33212... C/mol
faraday_constant = Quantity(6.02214076e23 * 1.602176634e-19, dimension(s=1, A=1, mol=-1))
#: molar gas constant R = N_A k (exact): 8.314462618... J/(mol K)
gas_constant = Quantity(6.02214076e23 * 1.380649e-23,
                        dimension(m=2, kg=1, s=-2, K=-1, mol=-1))
#: vacuum electric permittivity epsilon_0: 8.8541878128e-12 F/m
electric_constant = Quantity(8.8541878128e-12, dimension(m=-3, kg=-1, s=4, A=2))
#: vacuum magnetic permeability mu_0: 1.25663706212e-6 N/A^2
magnetic_constant = Quantity(1.25663706212e-6, dimension(m=1, kg=1, s=-2, A=-2))
#: electron mass m_e: 9.1093837015e-31 kg
electron_mass = Quantity(9.1093837015e-31, dimension(kg=1))
#: molar mass constant M_u: 0.99999999965e-3 kg/mol
molar_mass_constant = Quantity(0.99999999965e-3, dimension(kg=1, mol=-1))
#: speed of light in vacuum c (exact): 299792458 m/s
speed_of_light = Quantity(299792458.0, dimension(m=1, s=-1))
#: 0 degrees Celsius in kelvin (exact): 273.15 K
zero_celsius = Quantity(273.15, dimension(K=1))

__all__ = ["avogadro_constant", "boltzmann_constant", "electric_constant", "electron_mass",
           "elementary_charge", "faraday_constant", "gas_constant", "magnetic_constant",
           "molar_mass_constant", "speed_of_light", "zero_celsius"]
