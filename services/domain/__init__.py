"""Domain rules shared by services: tariffs, tokens, time buckets, forecasts."""
