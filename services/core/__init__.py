"""Shared by every service: config, topics, messages, quantities, service runtime."""
