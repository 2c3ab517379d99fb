"""Pure rules of the gateway: credentials and roles of accounts, the sign-in throttle's
arithmetic, and the errors the token endpoint speaks in. No I/O."""
