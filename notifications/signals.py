"""What this app tells whoever listens (the engine counts pages for /metrics and notes an
event's first page), without importing it."""

from django.dispatch import Signal

# A notification's state change was logged, in the transaction that made it. Arguments:
# `notification` (the instance, or its primary key when the caller had only that), `state`
# (what it became), `at`.
state_logged = Signal()
