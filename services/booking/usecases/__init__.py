"""What can be done in booking, one module per area: each use case checks the policy, applies
the domain's rules, reads and writes through the repository and emits the events, in the unit
of work it is given (the session's use cases open their own short units around formulary)."""
