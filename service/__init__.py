"""The Flask shell: webhooks, adapters, storage and case rules around the pure flows core."""
