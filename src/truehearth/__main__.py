"""``python -m truehearth`` runs the command line."""

from truehearth.cli import entry

entry()
