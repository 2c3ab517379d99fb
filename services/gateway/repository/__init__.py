"""SQL of the gateway over a unit's transaction: staff accounts, integration clients, the sign-in
throttle and console sessions. Each function returns typed records, never rows."""
