"""Settings: one frozen object built from the environment at start; nothing else reads it."""

from config.settings import ConfigError, Settings

__all__ = ["ConfigError", "Settings"]
