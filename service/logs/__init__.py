"""Logging that can be trusted with a shared log server: every handler masks numbers and tokens."""
