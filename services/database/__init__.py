"""The SQLite layer: one connect(), the schema, and the read-models more than one service uses.

Storage is the one writer of readings; the web page and the bot read these tables
through the read-models here (see docs/ARCHITECTURE.md, "Reads through SQLite").
"""
