"""The HTTP API: ``create_app(settings)`` builds it; ``shelfwise serve`` runs it."""

from shelfwise.api.app import create_app

__all__ = ["create_app"]
