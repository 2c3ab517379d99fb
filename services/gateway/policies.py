"""Who may do what in the gateway, in one place: its own API's rules, and the services' rules
the console must know before it asks (so it shows a form only to whom the service will accept
it from, and never asks a read that records would audit as a denied access)."""

from __future__ import annotations

from shared import vocabulary

ADMINS = frozenset({"network_admin"})
"""Manage the network's staff accounts and integration clients."""

# The services' rules the console must know before it asks, from the shared vocabulary the
# services themselves use (never copied here).
SESSION_PRACTITIONERS = vocabulary.SESSION_ROLES
PROFILE_WRITERS = vocabulary.SAFETY_PROFILE_WRITERS
ADVERSE_EVENT_REPORTERS = vocabulary.SAFETY_PROFILE_WRITERS
AUDIT_READERS = vocabulary.AUDIT_READERS
RECALLERS = vocabulary.FORMULARY_ADMINS
CALENDAR_FEED_MAKERS = vocabulary.CALENDAR_FEED_ROLES
WEBHOOK_MANAGERS = vocabulary.WEBHOOK_MANAGERS
SETUP_EDITORS = vocabulary.SETUP_EDITORS
