"""Readings into SQLite (always on), retained state, history queries."""
