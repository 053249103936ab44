"""Which model an item is, or is made for: brand + model names read from text and attributes.

A *mention* is one model name found in an item's title, description or compatibility attributes:
``[brand] [line words] code [variants]``, e.g. "Vexo Q9", "Samsung Galaxy S24 FE",
"iPhone 15 Pro Max", "Pixel 8a", "小米14", "华为 Mate 60". It is read around the *code*, the token
that carries the model number:

* a letters+digits word ("Q9", "X15", "S24") is a code on its own;
* a plain number ("15", "60", "14") is a code only beside a line word or a brand ("iPhone 15",
  "Mate 60", "小米14"), never before a unit ("128 GB", "13 in", "20W" are sizes, not models);
* to its left: up to two line words ("Galaxy", "iPhone", "Redmi Note"), then a brand; to its right:
  variant words ("Pro", "Max", "Plus", "Ultra", "FE", "Lite", "+", "至尊版") and variant letters
  glued to the number ("8a" → 8 + a).

Two mentions name the *same model* when code and variants are equal ("15 Pro" is not "15 Pro Max")
and their line words agree (both the same word, or one side has none: then the brands must not
disagree, and a plain number needs the brand on both sides). A brand named without a model
("Vexo 20W Charger") is a *brand-level* mention. Everything is plain rules on tokens: no training,
so an item is understood the moment it arrives.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

COMPAT_KEYS = ("compatible_with", "compatible", "fits", "model")
# Chinese and other common spellings of phone brands, to one name.
BRAND_ALIASES = {
    "小米": "xiaomi", "华为": "huawei", "苹果": "apple", "三星": "samsung", "谷歌": "google",
    "荣耀": "honor", "一加": "oneplus", "红米": "redmi", "魅族": "meizu", "索尼": "sony",
    "摩托罗拉": "motorola", "诺基亚": "nokia", "联想": "lenovo", "中兴": "zte", "真我": "realme",
    "华硕": "asus", "vivo": "vivo", "oppo": "oppo",
}  # fmt: skip
VARIANT_WORDS = {
    "pro": "pro", "max": "max", "plus": "plus", "+": "plus", "ultra": "ultra", "fe": "fe",
    "lite": "lite", "mini": "mini", "neo": "neo", "edge": "edge", "至尊版": "ultra", "青春版": "lite",
    "增强版": "plus",
}  # fmt: skip
# Letters glued to a model number that make a variant ("8a", "6s", "14t"); others make a unit ("5g").
VARIANT_SUFFIXES = frozenset({"a", "e", "s", "t", *VARIANT_WORDS})
_UNIT_WORDS = (
    "gb tb mb kb mah w kw v mm cm m in inch inches ft oz ml l g kg lb lbs pack packs count ct pcs pc "
    "pieces piece x hz k p mp fps sheets 片 个 只 寸 英寸 毫安"
)
UNITS = frozenset(_UNIT_WORDS.split())
# Words that never belong to a model name (left of the code); markers like "for" end it.
_STOP_WORDS = (
    "for fits fit with and or the a an of to in on by compatible new case cover charger protector "
    "screen phone smartphone mobile cell series model edition made designed 适用于 适用 适配 兼容 专用 的 "
    "size sizes length width height depth weight waist age ages year years month months vol volume spf "
    "level step no number up over under about approx than only per each"
)
STOP_WORDS = frozenset(_STOP_WORDS.split())
CJK_LEXICON = tuple(sorted({*BRAND_ALIASES, *(w for w in VARIANT_WORDS if not w.isascii()),
                            "适用于", "适用", "适配", "兼容", "专用"}, key=len, reverse=True))  # fmt: skip
_RUN = re.compile(r"[A-Za-z0-9]+(?:\.[0-9]+)?|\+|[\u3400-\u9fff]+|[,;:()\[\]|/。，；：（）、.!?]")
_PIECE = re.compile(r"[a-z]+|[0-9]+(?:\.[0-9]+)?")
_BREAK = frozenset(",;:()[]|/。，；：（）、.!?")


@dataclass(frozen=True, slots=True)
class Token:
    text: str  # lower case
    start: int  # span in the original string, for showing the name as the shop wrote it
    end: int
    kind: str  # word | cjk | code | num | dec | unit | plus | break


@dataclass(frozen=True, slots=True)
class Mention:
    code: str  # "q9", "15", "s24"
    variants: tuple[str, ...]  # ("pro", "max"); () for the plain model
    line: str  # the line word next to the code ("iphone", "galaxy", "mate"), or ""
    brand: str  # normalised brand ("xiaomi"), or "" when none is named
    text: str  # as written: "iPhone 15 Pro Max", "小米14"
    source: str  # title | description | attribute

    @property
    def mixed(self) -> bool:
        return any(ch.isalpha() for ch in self.code)

    def same_model(self, other: Mention) -> bool:
        if self.code != other.code or self.variants != other.variants:
            return False
        if self.line and other.line:
            return self.line == other.line
        if self.brand and other.brand and self.brand != other.brand:
            return False
        # A bare number ("14") says nothing without its brand on both sides ("小米 14", "Xiaomi 14").
        return self.mixed or bool(self.brand and other.brand)


@dataclass(frozen=True, slots=True)
class ItemModels:
    """The models an item names, and the brands it names without a model."""

    mentions: tuple[Mention, ...] = ()
    brand_only: frozenset[str] = frozenset()

    @property
    def brands(self) -> frozenset[str]:
        return frozenset(m.brand for m in self.mentions if m.brand)

    def to_json(self) -> list[Any]:
        return [[list(_mention_fields(m)) for m in self.mentions], sorted(self.brand_only)]

    @classmethod
    def from_json(cls, data: Sequence[Any]) -> ItemModels:
        mentions = tuple(
            Mention(code, tuple(variants), line, brand, text, source)
            for code, variants, line, brand, text, source in data[0]
        )
        return cls(mentions, frozenset(data[1]))


def _mention_fields(m: Mention) -> tuple[Any, ...]:
    return (m.code, list(m.variants), m.line, m.brand, m.text, m.source)


def normalise_brand(name: str) -> str:
    name = name.strip().lower()
    return BRAND_ALIASES.get(name, name)


def _split_cjk(run: str, start: int, lexicon: Sequence[str]) -> list[Token]:
    """A Chinese run cut at known words (brands, variants, markers); the rest stays in one piece."""
    out: list[Token] = []
    rest = 0
    i = 0
    while i < len(run):
        word = next((w for w in lexicon if run.startswith(w, i)), None)
        if word is None:
            i += 1
            continue
        if rest < i:
            out.append(Token(run[rest:i], start + rest, start + i, "cjk"))
        out.append(Token(word, start + i, start + i + len(word), "cjk"))
        i += len(word)
        rest = i
    if rest < len(run):
        out.append(Token(run[rest:], start + rest, start + len(run), "cjk"))
    return out


def _split_latin(run: str, start: int) -> list[Token]:
    """ "X15" → code; "mate60pro" → mate, 60, pro; "8a" → 8, a; "128GB" → unit; "5.3" → decimal."""
    pieces = [(m.group(), m.start()) for m in _PIECE.finditer(run.lower())]
    out: list[Token] = []
    i = 0
    while i < len(pieces):
        text, offset = pieces[i]
        nxt = pieces[i + 1] if i + 1 < len(pieces) else None
        if text.isalpha():
            if len(text) <= 2 and nxt and nxt[0][0].isdigit() and "." not in nxt[0]:
                out.append(Token(text + nxt[0], start + offset, start + nxt[1] + len(nxt[0]), "code"))
                i += 2
                continue
            out.append(Token(text, start + offset, start + offset + len(text), "word"))
        elif "." in text:
            out.append(Token(text, start + offset, start + offset + len(text), "dec"))
        elif nxt and nxt[0].isalpha() and nxt[0] not in VARIANT_SUFFIXES:
            out.append(Token(text + nxt[0], start + offset, start + nxt[1] + len(nxt[0]), "unit"))
            i += 2
            continue
        else:
            out.append(Token(text, start + offset, start + offset + len(text), "num"))
        i += 1
    return out


def tokenize(text: str, lexicon: Sequence[str] = CJK_LEXICON) -> list[Token]:
    tokens: list[Token] = []
    for match in _RUN.finditer(text):
        run, start = match.group(), match.start()
        if run in _BREAK:
            tokens.append(Token(run, start, match.end(), "break"))
        elif run == "+":
            tokens.append(Token("+", start, match.end(), "plus"))
        elif "\u3400" <= run[0] <= "\u9fff":
            tokens.extend(_split_cjk(run, start, lexicon))
        else:
            tokens.extend(_split_latin(run, start))
    return tokens


@dataclass
class ModelNames:
    """Reads mentions with the shop's brands (every ``brand`` of the catalog plus common aliases)."""

    brands: set[str] = field(default_factory=set)

    @classmethod
    def from_brands(cls, names: Iterable[str | None]) -> ModelNames:
        found = {normalise_brand(n) for n in names if n and n.strip()}
        return cls({*found, *BRAND_ALIASES.values(), *(b.split()[0] for b in found if " " in b)})

    def brand_of(self, token: Token) -> str:
        name = normalise_brand(token.text)
        return name if name in self.brands and token.kind in ("word", "cjk") else ""

    def read(self, text: str, source: str) -> tuple[list[Mention], set[str]]:
        tokens = tokenize(text)
        mentions: list[Mention] = []
        used: set[int] = set()
        for i, token in enumerate(tokens):
            if token.kind not in ("code", "num") or i in used:
                continue
            found = self._mention_at(text, tokens, i, source)
            if found is not None:
                mention, span = found
                mentions.append(mention)
                used.update(span)
        brand_only = {b for i, t in enumerate(tokens) if i not in used and (b := self.brand_of(t))}
        return mentions, brand_only

    def _mention_at(
        self, text: str, tokens: list[Token], i: int, source: str
    ) -> tuple[Mention, range] | None:
        code = tokens[i]
        if code.kind == "num" and (len(code.text) > 3 or code.text.startswith("0")):
            return None  # years, part numbers, "007"
        # Right: variants, glued letters ("8a") arrive as a following word token of the same run.
        variants: list[str] = []
        j = i + 1
        while j < len(tokens):
            t = tokens[j]
            glued = t.start == tokens[j - 1].end and t.kind == "word" and t.text in VARIANT_SUFFIXES
            if t.text in VARIANT_WORDS and t.kind in ("word", "cjk", "plus"):
                variants.append(VARIANT_WORDS[t.text])
            elif glued and j == i + 1 and code.kind == "num":
                variants.append(t.text)
            else:
                break
            j += 1
        if j < len(tokens) and tokens[j].kind == "word" and tokens[j].text in UNITS and not variants:
            return None  # "13 in", "6 pack"
        # Left: up to two line words, then a brand.
        line = brand = ""
        left = i
        k = i - 1
        words = 0
        while k >= 0 and words < 3:
            t = tokens[k]
            name = self.brand_of(t)
            if name:
                brand, left = name, k
                break
            if t.kind != "word" or t.text in STOP_WORDS or t.text in VARIANT_WORDS or words == 2:
                break
            line = line or t.text
            left = k
            words += 1
            k -= 1
        if code.kind == "num" and not (line or brand):
            return None
        if code.kind == "num" and not brand and source == "description":
            # Prose is full of "neck 3", "length 40": there a plain number needs a capitalised line word.
            written = text[tokens[i - 1].start : tokens[i - 1].end] if i > 0 else ""
            if written.islower():
                return None
        shown = text[tokens[left].start : tokens[j - 1].end]
        return Mention(code.text, tuple(variants), line, brand, shown, source), range(left, j)

    def of_item(
        self, title: str, description: str | None, attributes: Mapping[str, Any], brand: str | None
    ) -> ItemModels:
        mentions: list[Mention] = []
        brand_only: set[str] = set()
        texts = [(title, "title"), (description or "", "description")]
        texts += [(value, "attribute") for key in COMPAT_KEYS for value in _strings(attributes.get(key))]
        own = normalise_brand(brand) if brand else ""
        for text, source in texts:
            found, brands = self.read(text, source)
            if source == "title" and own in self.brands:
                # "iPhone 15 Pro" from brand Apple: a model at the start of the title is the item's own.
                found = [m if m.brand or not _starts(m, text) else _with_brand(m, own) for m in found]
            mentions += [m for m in found if m not in mentions]
            brand_only |= brands
        return ItemModels(tuple(_dedupe(mentions)), frozenset(brand_only))


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value if isinstance(v, str | int | float)]
    return []


def _starts(mention: Mention, text: str) -> bool:
    return text.lstrip().lower().startswith(mention.text.lower())


def _with_brand(mention: Mention, brand: str) -> Mention:
    return Mention(mention.code, mention.variants, mention.line, brand, mention.text, mention.source)


def _dedupe(mentions: list[Mention]) -> list[Mention]:
    """One mention per model, the title's spelling first (it is what reasons show)."""
    order = {"title": 0, "attribute": 1, "description": 2}
    kept: list[Mention] = []
    for m in sorted(mentions, key=lambda m: order[m.source]):
        if not any(k.same_model(m) and (k.brand or not m.brand) for k in kept):
            kept.append(m)
    return kept


@dataclass(frozen=True, slots=True)
class ModelTie:
    """Why an item is tied to an anchor's model: the anchor's mention and the item's."""

    anchor: Mention
    item: Mention


class CompatIndex:
    """The mentions of a list of items, looked up by model (code and variants) and by brand."""

    def __init__(self, models: Sequence[ItemModels]) -> None:
        self.models = list(models)
        self._by_model: dict[tuple[str, tuple[str, ...]], list[tuple[int, Mention]]] = {}
        self._by_brand: dict[str, list[int]] = {}
        for item, found in enumerate(self.models):
            for mention in found.mentions:
                self._by_model.setdefault((mention.code, mention.variants), []).append((item, mention))
            for brand in found.brand_only:
                self._by_brand.setdefault(brand, []).append(item)

    def __len__(self) -> int:
        return len(self.models)

    def same_model(self, anchor: ItemModels) -> dict[int, ModelTie]:
        """Items naming one of the anchor's models, with the pair of mentions that tie them."""
        found: dict[int, ModelTie] = {}
        for mine in anchor.mentions:
            for item, theirs in self._by_model.get((mine.code, mine.variants), ()):
                if item not in found and mine.same_model(theirs):
                    found[item] = ModelTie(mine, theirs)
        return found

    def mention_groups(self) -> dict[tuple[str, tuple[str, ...]], list[tuple[Mention, list[int]]]]:
        """Per model (code, variants): one mention per (line, brand) and the items behind each.
        Whether two mentions of one model tie depends on their line and brand only, so a caller can
        match an anchor against these few groups instead of against every item naming the code."""
        out: dict[tuple[str, tuple[str, ...]], list[tuple[Mention, list[int]]]] = {}
        for key, entries in self._by_model.items():
            groups: dict[tuple[str, str], tuple[Mention, list[int]]] = {}
            for item, mention in entries:
                groups.setdefault((mention.line, mention.brand), (mention, []))[1].append(item)
            out[key] = list(groups.values())
        return out

    def same_brand(self, anchor: ItemModels) -> dict[int, str]:
        """Items naming one of the anchor's brands without a model ("Vexo 20W Charger")."""
        found: dict[int, str] = {}
        for brand in sorted(anchor.brands):
            for item in self._by_brand.get(brand, ()):
                found.setdefault(item, brand)
        return found
