"""``python -m ibwire.cli``: the ``ibwire`` command."""

from .app import main

main()
