"""Test support: real services on loopback, a phone that talks like the aggregator."""
