"""The InfluxDB measurements the sinks write and the dashboards read: names and tags.

Every point is tagged ``device`` and one more tag, kept in the outbox's ``source``
column: where a reading came from, or the currency of a cost.

``RETRACTION`` is no measurement of its own: an outbox row that tells every sink to take
out the ``meter_reading`` point (device, source, time) a correction replaced; the fields
of that point that were not corrected follow it as a normal row and are written again.
"""

READING = "meter_reading"  # one field per quantity
COST = "meter_cost"  # fields today, this_month, last_month (services/database/costs.py)
RETRACTION = "meter_reading_retraction"  # fields: the corrected quantities' old values
SECOND_TAG: dict[str, str] = {READING: "source", COST: "currency", RETRACTION: "source"}
