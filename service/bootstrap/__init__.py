"""Composition roots: one function builds each process's parts from Settings, once. Importing
never connects to anything; the CLI, the WSGI entry point and the tests all build through here."""
