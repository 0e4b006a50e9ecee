"""The `handsoff` command line: serve, init, simulate, officers, messages, worker."""
