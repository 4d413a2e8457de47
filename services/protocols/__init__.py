"""Meter protocols as libraries: codecs and serial links, no bus, no service."""
