"""The console's pages as data: each module gathers from the services (through the typed
clients) what one page shows, and shapes it into that page's view; the routes only render it.
The console's own use cases: a rule of the clinic is never written here, it is read from the
services' answers or the shared vocabulary."""
