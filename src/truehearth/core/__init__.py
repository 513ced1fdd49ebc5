"""The pure domain of truehearth: records, events, hashing, policy and the fold.

Nothing in this package performs I/O. It can be read, tested and reasoned about
without a database, a model or a network; every other layer builds on it.
"""
