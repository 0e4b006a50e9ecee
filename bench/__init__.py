"""Benchmarks of the USSD service against a minimal Flask+Redis floor (see bench/README.md)."""
