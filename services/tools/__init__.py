"""Helpers no service runs: the Grafana generator, a broker for the demo and tests."""
