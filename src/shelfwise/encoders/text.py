"""What text represents an item, which language a catalog is in, and which encoder fits it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

from shelfwise.domain import Item
from shelfwise.encoders.base import TextEncoder
from shelfwise.settings.encoders import EncoderSettings

Language = Literal["en", "zh", "multi"]
AttributeValue = str | int | float | bool | list[str] | list[int] | list[float] | None

# Description characters kept: titles and attributes carry most of the signal, and the models
# truncate long inputs anyway (MiniLM at 256 word pieces).
DESCRIPTION_CHARS = 300


def _attribute_text(value: AttributeValue) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(part) for part in value)
    return "" if value is None else str(value)


def item_text(item: Item) -> str:
    """The text that represents ``item`` to every encoder: training, serving and search all call
    this one function, so an item is never encoded from two different strings."""
    return compose_text(item.title, item.brand, list(item.category), item.attributes, item.description)


def compose_text(
    title: str,
    brand: str | None = None,
    category: Sequence[str] | None = None,
    attributes: Mapping[str, AttributeValue] | None = None,
    description: str | None = None,
) -> str:
    """One line per item: title first (encoders weight early tokens and truncate late ones), then
    brand, category path "A > B", attributes "k: v" in key order, and a truncated description."""
    parts = [title.strip()]
    if brand and brand.strip():
        parts.append(f"brand: {brand.strip()}")
    if category:
        path = " > ".join(level.strip() for level in category if level and level.strip())
        if path:
            parts.append(path)
    for key in sorted(attributes or {}):
        value = _attribute_text((attributes or {})[key]).strip()
        if value:
            parts.append(f"{key}: {value}")
    if description and description.strip():
        text = " ".join(description.split())
        if len(text) > DESCRIPTION_CHARS:
            text = text[:DESCRIPTION_CHARS].rsplit(" ", 1)[0] + "…"
        parts.append(text)
    return ". ".join(parts)


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return (
        0x4E00 <= code <= 0x9FFF  # CJK unified ideographs
        or 0x3400 <= code <= 0x4DBF  # extension A
        or 0x3040 <= code <= 0x30FF  # kana (Japanese catalogs also go to the multilingual model)
        or 0xAC00 <= code <= 0xD7AF  # hangul
        or 0xF900 <= code <= 0xFAFF  # compatibility ideographs
    )


def detect_language(texts: Iterable[str], zh_share: float = 0.3, multi_share: float = 0.02) -> Language:
    """Guess a catalog's language from its share of CJK letters.

    "zh" when CJK characters are at least ``zh_share`` of the letters; "multi" when CJK or other
    non-Latin letters are a noticeable share (≥ ``multi_share``); otherwise "en"."""
    letters = cjk = other_non_latin = 0
    for text in texts:
        for char in text:
            if not char.isalpha():
                continue
            letters += 1
            if _is_cjk(char):
                cjk += 1
            elif ord(char) > 0x024F:  # beyond Latin Extended-B: Cyrillic, Arabic, Thai, ...
                other_non_latin += 1
    if letters == 0:
        return "en"
    if cjk / letters >= zh_share:
        return "zh"
    if (cjk + other_non_latin) / letters >= multi_share:
        return "multi"
    return "en"


def choose_encoder(language: Language, settings: EncoderSettings | None = None) -> TextEncoder:
    """MiniLM for English (far stronger on English titles), USE multilingual for zh / mixed."""
    settings = settings or EncoderSettings()
    if language == "en":
        from shelfwise.encoders.minilm import MiniLMEncoder

        return MiniLMEncoder(
            backend=settings.english_backend,
            onnx_cache_dir=settings.resolved_onnx_cache_dir(),
            threads=settings.threads,
        )
    from shelfwise.encoders.multilingual import MultilingualUSEEncoder

    return MultilingualUSEEncoder(threads=settings.threads)
