"""Token entry: a bought 20-digit token typed into the meter's keypad, confirmed by its balance."""
