"""Text encoders: the TextEncoder protocol, the bundled language models, a fake for tests, a content
cache, item-text composition and language routing, and a behaviour-trained adapter.

Heavy models are imported inside the modules that need them, never here.
"""

from shelfwise.encoders.base import TextEncoder, encode, l2_normalise
from shelfwise.encoders.cache import EmbeddingCache, content_key
from shelfwise.encoders.fake import HashingEncoder
from shelfwise.encoders.settings import EncoderSettings
from shelfwise.encoders.text import choose_encoder, detect_language, item_text

__all__ = [
    "EmbeddingCache",
    "EncoderSettings",
    "HashingEncoder",
    "TextEncoder",
    "choose_encoder",
    "content_key",
    "detect_language",
    "encode",
    "item_text",
    "l2_normalise",
]
