"""Aggregator adapters: each owns one provider's wire format. CON/END lives here alone."""
