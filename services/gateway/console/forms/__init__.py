"""The console's forms read into what the services are sent: pure functions from a posted form
(a flat mapping of field names to text) and what the page offered, to a typed request body and
messages keyed by the form field they belong to."""

from collections.abc import Mapping

Form = Mapping[str, str]
"""A posted form: field name to the text sent."""
