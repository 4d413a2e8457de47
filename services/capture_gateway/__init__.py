"""Device edge: telegrams and frames from wherever devices deliver them, onto the bus."""
