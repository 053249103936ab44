"""The list sources of the request pipeline: one per kind of list (see ``service.pipeline``)."""
