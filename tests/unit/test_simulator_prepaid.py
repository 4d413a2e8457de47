"""The simulated prepaid meter shows what a real one would."""

from datetime import datetime

from services.simulator.prepaid import JAKARTA, REGISTERS, PrepaidMeterModel


def test_display_truncates_and_saturates_instead_of_overflowing():
    meter = PrepaidMeterModel(balance_kwh=127.039, mean_load_w=0)
    assert meter.displayed(decimals=2, digits=6) == "127.03"
    meter.balance_kwh = 123456.789
    assert meter.displayed(decimals=2, digits=6) == "9999.99"


def test_a_cycling_lcd_shows_the_date_the_balance_and_the_tariff_code():
    meter = PrepaidMeterModel(127.456, 450.0)
    local = datetime(2026, 12, 4, 12, 0, tzinfo=JAKARTA)
    shown = [meter.register(name, 2, 6, local) for name in REGISTERS]
    assert shown == ["04.12.26", "127.45", "900"]
