"""The ground floor: what every domain may use and what imports none of them.

``clock`` (the one source of the current time), ``events`` (the signals lower
floors announce and higher floors subscribe to) and ``mail`` (the outbox).
"""
