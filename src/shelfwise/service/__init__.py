"""Use cases: the only door from the faces (CLI, API) to everything below."""
