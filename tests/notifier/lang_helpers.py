"""Expected wording computed independently of the bot's own formatter."""


def indonesian_kwh(value: float) -> str:
    whole, fraction = f"{value:.2f}".split(".")
    groups = []
    while len(whole) > 3:
        whole, groups = whole[:-3], [whole[-3:], *groups]
    return ".".join([whole, *groups]) + f",{fraction} kWh"
