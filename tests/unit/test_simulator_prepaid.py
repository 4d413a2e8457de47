"""The simulated prepaid meter shows what a real one would."""

from services.simulator.prepaid import PrepaidMeterModel


def test_display_truncates_and_saturates_instead_of_overflowing():
    meter = PrepaidMeterModel(balance_kwh=127.039, mean_load_w=0)
    assert meter.displayed(decimals=2, digits=6) == "127.03"
    meter.balance_kwh = 123456.789
    assert meter.displayed(decimals=2, digits=6) == "9999.99"
