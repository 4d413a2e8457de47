"""The InfluxDB measurements the sinks write and the dashboards read: names and tags.

Every point is tagged ``device`` and one more tag, kept in the outbox's ``source``
column: where a reading came from, or the currency of a cost.
"""

READING = "meter_reading"  # one field per quantity
COST = "meter_cost"  # fields today, this_month, last_month (services/database/costs.py)
SECOND_TAG: dict[str, str] = {READING: "source", COST: "currency"}
