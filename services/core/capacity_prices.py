"""Default capacity prices of the Flemish grid operator's regions, for the user to confirm.

Approximate 2024 distribution tariffs for a household with a digital meter, in EUR per kW
of billed average per year, VAT excluded (as VREG publishes them). They change every year
and are only a starting point: the web page and the bot mark a figure taken from here as
unconfirmed until a price is set in the config (``prices.history[].capacity_per_kw_year``).
"""

from typing import Literal

FluviusRegion = Literal[
    "antwerpen",
    "halle_vilvoorde",
    "imewo",
    "kempen",
    "limburg",
    "midden_vlaanderen",
    "west",
    "zenne_dijle",
]

DEFAULT_CAPACITY_EUR_PER_KW_YEAR: dict[str, float] = {
    "antwerpen": 44.4,
    "halle_vilvoorde": 47.1,
    "imewo": 46.7,
    "kempen": 44.1,
    "limburg": 44.4,
    "midden_vlaanderen": 45.2,
    "west": 48.5,
    "zenne_dijle": 50.0,
}
