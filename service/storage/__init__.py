"""Storage: SQL engines, models and migrations, and the expiring key-value store for sessions and
counters. Nothing here knows a phone number in clear."""
