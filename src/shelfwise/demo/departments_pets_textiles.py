"""Bedding, bath, decor and pet supplies."""

from __future__ import annotations

from shelfwise.demo.items import ItemBuilder


def add_home_textiles_and_pets(b: ItemBuilder) -> None:
    for colour in ("White", "Sage", "Slate", "Blush"):
        for size in ("Twin", "Queen", "King"):
            b.add(
                "sheets",
                f"Loomhouse Percale Sheet Set, {size}, {colour}",
                "Loomhouse",
                "Home & Kitchen > Bedding > Sheets",
                b.price(39, 59) + (20 if size == "King" else 0),
                f"Crisp 300-thread-count cotton percale sheet set in {colour.lower()}, {size} size.",
                {"colour": colour, "size": size, "material": "cotton"},
                ["sheets", "bed sheets", f"{size.lower()} sheets", "bedding"],
            )
    for colour in ("White", "Charcoal", "Ocean", "Sand", "Olive", "Rust"):
        b.add(
            "towel",
            f"Loomhouse Turkish Cotton Bath Towel Set, {colour}",
            "Loomhouse",
            "Home & Kitchen > Bath > Towels",
            b.price(24, 49),
            f"Set of four plush Turkish cotton towels in {colour.lower()}.",
            {"colour": colour, "material": "cotton", "pack_size": 4},
            ["towels", "bath towels", f"{colour.lower()} towels"],
        )
    for scent in ("Cedar & Smoke", "Fig Leaf", "Sea Salt", "Vanilla Bean", "Lavender Fields", "Orange Grove"):
        b.add(
            "candle",
            f"Emberly Scented Candle, {scent}, 8 oz",
            "Emberly",
            "Home & Kitchen > Decor > Candles",
            b.price(14, 32),
            f"Soy-wax candle scented with {scent.lower()}; 45-hour burn.",
            {"scent": scent, "weight": "8 oz"},
            ["candle", "scented candle", scent.lower().split(" & ")[0] + " candle"],
        )
    for brand, kind, leaf, titles, terms in [
        (
            "Pawsome",
            "pet_food",
            "Food",
            [
                "Chicken & Rice Dog Food, 15 lb",
                "Salmon Dog Food, 15 lb",
                "Puppy Formula Dog Food, 8 lb",
                "Indoor Cat Food, 7 lb",
                "Tuna Cat Food, 7 lb",
                "Grain-Free Cat Food, 7 lb",
            ],
            ["dog food", "cat food", "pet food"],
        ),
        (
            "Pawsome",
            "pet_treats",
            "Treats",
            [
                "Peanut Butter Dog Biscuits",
                "Dental Chews, 30 ct",
                "Salmon Cat Treats",
                "Training Treats, Beef",
            ],
            ["dog treats", "cat treats", "treats"],
        ),
        (
            "Tailwag",
            "pet_toy",
            "Toys",
            [
                "Rope Tug Toy",
                "Squeaky Plush Duck",
                "Feather Wand Cat Toy",
                "Rubber Chew Ball",
                "Catnip Mice, 3-Pack",
                "Puzzle Treat Feeder",
            ],
            ["dog toy", "cat toy", "pet toy"],
        ),
        (
            "Tailwag",
            "pet_bed",
            "Beds",
            ["Orthopedic Dog Bed, Large", "Donut Pet Bed, Medium", "Cat Window Perch", "Elevated Dog Cot"],
            ["dog bed", "pet bed", "cat bed"],
        ),
    ]:
        for title in titles:
            b.add(
                kind,
                f"{brand} {title}",
                brand,
                f"Pets > {leaf}",
                b.price(6, 69),
                f"{brand} {title.lower()}.",
                {"pet": "cat" if "Cat" in title else "dog"},
                [*terms, title.split(",")[0].lower()],
            )
