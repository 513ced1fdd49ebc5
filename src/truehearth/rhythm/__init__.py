"""Rhythm: the human's own patterns of use, and the boundary that can fade the companion out.

* :mod:`.usage` computes sessions, hours, streaks and weekly change from the
  journal on the spot; nothing is stored, nothing is sent, and while the
  human has switched it off (:mod:`.switch`) nothing is computed.
* :mod:`.boundary` is the opt-in rhythm boundary: the human's own words,
  accepted through the consent gate, applied by the router only when due.
"""
