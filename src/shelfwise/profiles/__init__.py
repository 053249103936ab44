"""Live customer profiles and session state, updated on every accepted event, read at request time."""

from shelfwise.profiles.live import DEFAULT_MAX_ITEMS, CustomerProfile, ProfileBook

__all__ = ["DEFAULT_MAX_ITEMS", "CustomerProfile", "ProfileBook"]
