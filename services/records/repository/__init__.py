"""SQL of the records service, over the unit of work's transaction: every query is scoped by
network id, and rows come back as typed records."""
