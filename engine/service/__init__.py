"""`callguide serve`: the interpreter behind an HTTP API, with a durable store."""
