"""The one place that turns an encoder name into a ``TextEncoder``.

Two questions, one table:
- *which encoder for this catalog?* ``encoder_for_catalog(choice, texts)``: "auto" (or None) follows
  the catalog's language, "minilm" is English MiniLM, "use" the multilingual USE;
- *which encoder made this model version?* ``encoder_of_version(name)`` maps the name a manifest
  recorded (``TextEncoder.name``) back to the same encoder, so serving encodes new items and queries
  exactly as training encoded the catalog.

Other encoders are plugged in, not configured: ``SHELFWISE_ENCODER_PLUGINS="key=module:factory,..."``
registers a zero-argument factory under ``key`` (the tests plug in the deterministic hashing encoder
this way; a shop can plug in its own model). Plugins are read when first needed.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Sequence

import numpy as np

from shelfwise.encoders.base import TextEncoder, encode
from shelfwise.encoders.text import choose_encoder, detect_language
from shelfwise.errors import ConfigError
from shelfwise.settings.encoders import EncoderSettings

BUILT_IN = ("auto", "minilm", "use")
PLUGIN_ENV = "SHELFWISE_ENCODER_PLUGINS"

Factory = Callable[[], TextEncoder]
_plugins: dict[str, Factory] = {}


def register(key: str, factory: Factory) -> None:
    """Make ``key`` a valid encoder choice (``--encoder key``, ``search.encoder=key``)."""
    if key in BUILT_IN:
        raise ConfigError(f"{key!r} is a built-in encoder name")
    _plugins[key] = factory


def _load_env_plugins() -> None:
    for entry in filter(None, (part.strip() for part in os.environ.get(PLUGIN_ENV, "").split(","))):
        key, _, target = entry.partition("=")
        module, _, attribute = target.partition(":")
        if not (key and module and attribute):
            raise ConfigError(f"{PLUGIN_ENV}: {entry!r} is not key=module:factory")
        if key not in _plugins:
            _plugins[key] = getattr(importlib.import_module(module), attribute)


def choices() -> tuple[str, ...]:
    _load_env_plugins()
    return (*BUILT_IN, *sorted(_plugins))


def encoder_for_catalog(
    choice: str | None, texts: Sequence[str], settings: EncoderSettings | None = None
) -> TextEncoder:
    """The encoder named by ``choice``; "auto"/None picks by the language of ``texts``."""
    settings = settings or EncoderSettings()
    choice = choice or "auto"
    _load_env_plugins()
    if choice in _plugins:
        return _plugins[choice]()
    if choice not in BUILT_IN:
        raise ConfigError(f"unknown encoder {choice!r}; choose one of {', '.join(choices())}")
    language = {"minilm": "en", "use": "multi"}.get(choice) or detect_language(list(texts)[:5000])
    return choose_encoder(language, settings)


def encoder_of_version(name: str, settings: EncoderSettings | None = None) -> TextEncoder:
    """The encoder whose ``.name`` a model version recorded."""
    settings = settings or EncoderSettings()
    if name.startswith("all-MiniLM"):
        # The torch build and the int8 ONNX build give slightly different vectors: keep the same one.
        backend = "torch" if name == "all-MiniLM-L6-v2" else settings.english_backend
        return choose_encoder("en", settings.model_copy(update={"english_backend": backend}))
    _load_env_plugins()
    for factory in _plugins.values():
        encoder = factory()
        if encoder.name == name:
            return encoder
    if "use" in name.lower() or "universal" in name.lower() or "multilingual" in name.lower():
        return choose_encoder("multi", settings)
    raise ConfigError(f"model version was encoded with {name!r}, which is not installed here")


def encode_shard(texts: Sequence[str], spec: tuple[str, EncoderSettings]) -> np.ndarray:
    """One shard of a catalog encoded by the encoder named ``spec[0]`` (loaded where this runs: a
    distributed engine's worker builds its own copy by name instead of receiving the model)."""
    name, settings = spec
    return encode(encoder_of_version(name, settings), list(texts), progress=False)
