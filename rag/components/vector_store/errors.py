"""The one error the store raises to its callers, wherever its client runs."""


class StoreError(RuntimeError):
    """The store cannot be opened or used; the message says how to fix it."""
