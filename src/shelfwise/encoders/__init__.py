"""Text encoders: the TextEncoder protocol, the bundled language models, a fake for tests, a content
cache, item-text composition and language routing, and a behaviour-trained adapter.

Heavy models are imported inside the modules that need them, never here.
"""

from shelfwise.encoders.base import TextEncoder, encode, l2_normalise
from shelfwise.encoders.cache import EmbeddingCache, content_key
from shelfwise.encoders.fake import HashingEncoder
from shelfwise.encoders.registry import encoder_for_catalog, encoder_of_version, register
from shelfwise.encoders.text import choose_encoder, compose_text, detect_language, item_text
from shelfwise.settings.encoders import EncoderSettings

__all__ = [
    "EmbeddingCache",
    "EncoderSettings",
    "HashingEncoder",
    "TextEncoder",
    "choose_encoder",
    "compose_text",
    "content_key",
    "detect_language",
    "encode",
    "encoder_for_catalog",
    "encoder_of_version",
    "item_text",
    "l2_normalise",
    "register",
]
