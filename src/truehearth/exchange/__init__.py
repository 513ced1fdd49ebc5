"""Bring an archive in, take the home out: importers, the signed bundle, card export.

Each format has its own module and yields :mod:`~truehearth.exchange.parsed`
items; what they share has one module per concept: :mod:`~truehearth.exchange.pipeline`
(hash, stream, one transaction, idempotency), :mod:`~truehearth.exchange.effects`
(what an item becomes in the journal), :mod:`~truehearth.exchange.limits` and
:mod:`~truehearth.exchange.boundedjson` (bounds on what a file may cost),
:mod:`~truehearth.exchange.zipsafe` (hostile zips, for imports and bundles
alike), :mod:`~truehearth.exchange.values` (foreign values made storable) and
:mod:`~truehearth.exchange.guard` (bad bytes as one clear line).
"""
