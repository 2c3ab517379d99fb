"""The formulary's use cases, one module per area: the only place where the role and scope
rules, the domain's rules, the repository and the events meet. The API and the event handlers
call these; so does every later entry point."""
