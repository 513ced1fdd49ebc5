"""Bring an archive in, take the home out: importers, the signed bundle, card export.

Each format has its own module; :mod:`truehearth.exchange.importing` holds what
they share (limits, streaming, one transaction, idempotency).
"""
