"""The one exception family of the flows core."""


class FlowError(Exception):
    """Flow data or saved state is not usable; the message says which part and why."""
