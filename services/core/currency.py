"""How many decimals an amount of a currency is shown and stored with: ISO 4217 minor
units from Babel's CLDR data (rupiah 0, euro 2), the same data the page's browser and the
bot's formatting use, so no table of our own can disagree with them."""

from babel.numbers import get_currency_precision


def decimals(currency: str) -> int:
    return get_currency_precision(currency)
