"""Outbound SMS gateways: one adapter per aggregator, and the embedded mode's local outbox log."""
