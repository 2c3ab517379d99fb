"""The use cases of notifications, one module per area; the only place where policy, domain
rules, repository calls and the providers meet.

- messages.py, templates.py, preferences.py, branding.py: what the API reads and changes;
- replicas.py, scheduling.py: what the event handlers do with each event;
- admin_alerts.py: alerts to a network's admins, for other use cases to call;
- dispatching.py: what the worker's loop does with each due message.
"""
