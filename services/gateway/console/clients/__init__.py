"""The console's typed clients of the services: one module per service, each a set of functions
returning what a page reads of the service's answers (never raw JSON), through one caller
(`calls.Caller`) that carries the staff member's token and says why an answer is missing."""
