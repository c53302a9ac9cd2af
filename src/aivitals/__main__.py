"""``python -m aivitals`` is the ``vitals`` command."""

from aivitals.cli import main

main()
