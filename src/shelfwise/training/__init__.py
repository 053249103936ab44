"""Offline jobs that fit models from stored data."""
