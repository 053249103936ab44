"""The ``shelfwise`` command line: one module per command group, all calling ``shelfwise.service``."""
