"""How amounts of each currency are written: symbol and decimals (ISO 4217 minor units)."""

# Rupiah prices and tokens are whole rupiah; a currency not listed shows its code, 2 decimals.
SYMBOLS: dict[str, str] = {"EUR": "€", "IDR": "Rp", "USD": "$", "GBP": "£", "RUB": "₽"}
DECIMALS: dict[str, int] = {"IDR": 0, "JPY": 0}
DEFAULT_DECIMALS = 2


def decimals(currency: str) -> int:
    return DECIMALS.get(currency, DEFAULT_DECIMALS)


def symbol(currency: str) -> str:
    return SYMBOLS.get(currency, currency)
