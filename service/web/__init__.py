"""The internet-facing web shell: the app factory and the aggregator's callbacks. It parses,
authenticates, calls one handler and replies; it holds no private key."""
