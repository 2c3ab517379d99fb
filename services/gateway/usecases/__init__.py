"""What the gateway does, called by its API, its console and its operator commands: signing in,
managing staff and integration clients, and the console's sessions."""
