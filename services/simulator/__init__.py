"""Virtual devices for the demo and the tests: they speak the bus exactly as firmware does."""
