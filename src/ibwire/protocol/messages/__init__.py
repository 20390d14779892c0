"""Message schemas, one module per domain. Importing this package registers them all."""

from . import system  # noqa: F401

__all__ = ["system"]
