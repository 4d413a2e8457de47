"""The SQLite layer: the only code that opens the hub's file.

``connection`` (one connect() with the pragmas), ``owners`` (the one writer of each
table), ``schema`` and ``migrations`` (the layout, numbered in ``PRAGMA user_version``),
and the read-models through which every other service reads an owner's tables (see
docs/ARCHITECTURE.md, "Reads through SQLite").
"""
