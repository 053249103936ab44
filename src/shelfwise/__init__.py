"""Shelfwise: omnichannel search and recommendations for any shop."""

__version__ = "0.1.0"
__all__ = ["__version__"]
