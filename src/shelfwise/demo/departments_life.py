"""Home, beauty, sports, toys, grocery and garden: consumables and everyday goods."""

from __future__ import annotations

from shelfwise.demo.items import ItemBuilder


def add_home(b: ItemBuilder) -> None:
    for brand, line, style in [
        ("Brewline", "Classic 12-Cup", "drip"),
        ("Brewline", "Thermal 10-Cup", "drip"),
        ("Brewline", "Solo", "pod"),
        ("Cafeza", "Barista Espresso Machine", "espresso"),
        ("Cafeza", "Mini Espresso", "espresso"),
        ("Cafeza", "Smart Drip", "drip"),
        ("Morrow", "Pour-Over Set", "pour-over"),
        ("Morrow", "Glass French Press 34 oz", "french press"),
        ("Morrow", "Cold Brew Maker", "cold brew"),
        ("Brewline", "Grind & Brew", "drip"),
    ]:
        b.add(
            "coffee_maker",
            f"{brand} {line} Coffee Maker",
            brand,
            "Home & Kitchen > Coffee > Coffee Makers",
            b.price(25, 399) if style != "espresso" else b.price(199, 699),
            f"A {style} coffee maker from {brand}. Easy to clean, brews a full carafe in minutes.",
            {"brew_style": style},
            ["coffee maker", "coffee machine", f"{style} coffee maker", f"{brand.lower()} coffee"],
        )
    for roaster in ("Highland Roast", "Copper Kettle", "Blue Mesa"):
        for origin, roast in [
            ("Ethiopia Yirgacheffe", "Light"),
            ("Colombia Supremo", "Medium"),
            ("Sumatra Mandheling", "Dark"),
            ("Espresso Blend", "Dark"),
            ("Decaf House Blend", "Medium"),
        ]:
            b.add(
                "beans",
                f"{roaster} Whole Bean Coffee, {origin}, 12 oz",
                roaster,
                "Home & Kitchen > Coffee > Beans",
                b.price(11, 22),
                f"{roast} roast {origin} whole beans, roasted to order.",
                {"roast": roast, "origin": origin, "weight": "12 oz"},
                [
                    "coffee beans",
                    "coffee",
                    "whole bean coffee",
                    f"{roast.lower()} roast coffee",
                    origin.lower(),
                ],
            )
    for title, fits in [
        ("#4 Cone Paper Coffee Filters, 100 ct", ["drip", "pour-over"]),
        ("Basket Paper Coffee Filters, 200 ct", ["drip"]),
        ("Unbleached Pour-Over Filters, 100 ct", ["pour-over"]),
        ("Reusable Stainless Mesh Filter", ["drip", "pour-over"]),
    ]:
        b.add(
            "filters",
            title,
            "Brewline",
            "Home & Kitchen > Coffee > Filters",
            b.price(4, 15),
            f"{title}. Fits most {' and '.join(fits)} coffee makers.",
            {"compatible_with": fits},
            ["coffee filters", "filters", "paper filters"],
        )
    for brand, line in [
        ("Morrow", "Burr Grinder"),
        ("Cafeza", "Precision Grinder"),
        ("Brewline", "Blade Grinder"),
    ]:
        b.add(
            "grinder",
            f"{brand} {line}",
            brand,
            "Home & Kitchen > Coffee > Grinders",
            b.price(19, 199),
            "Adjustable grinder for espresso through French press.",
            {"settings": 18},
            ["coffee grinder", "grinder", "burr grinder"],
        )
    for colour in ("White", "Sage", "Terracotta", "Black", "Speckled Blue", "Mustard"):
        b.add(
            "mug",
            f"Stoneware Coffee Mug, 12 oz, {colour}",
            "Hearthware",
            "Home & Kitchen > Drinkware > Mugs",
            b.price(9, 18),
            "Hand-glazed stoneware mug, dishwasher and microwave safe.",
            {"colour": colour, "material": "stoneware", "capacity": "12 oz"},
            ["mug", "coffee mug", f"{colour.lower()} mug"],
        )
    for brand, kind, titles in [
        (
            "Ironleaf",
            "pan",
            ['10" Cast Iron Skillet', '12" Nonstick Frying Pan', "3-Quart Saucepan", "Stainless Sauté Pan"],
        ),
        ("Hearthware", "pan", ["Enameled Dutch Oven 5.5 qt", "Ceramic Nonstick Pan Set, 3-Piece"]),
        ("Keenedge", "knife", ["8\" Chef's Knife", 'Santoku Knife 7"', "Paring Knife Set", 'Bread Knife 9"']),
        ("Keenedge", "knife", ["Knife Block Set, 12-Piece", 'Honing Steel 10"']),
    ]:
        for title in titles:
            b.add(
                kind,
                f"{brand} {title}",
                brand,
                "Home & Kitchen > Cookware > Pans" if kind == "pan" else "Home & Kitchen > Cutlery > Knives",
                b.price(19, 149),
                f"{brand} {title}: built for everyday cooking.",
                {"material": "cast iron" if "Cast" in title else "stainless steel"},
                ["pan", "frying pan", "skillet", "cookware"]
                if kind == "pan"
                else ["knife", "chef knife", "kitchen knife"],
            )


def add_beauty(b: ItemBuilder) -> None:
    for brand in ("Lumeria", "Verdance", "Solstice"):
        for line in ("Hydrating", "Volumizing", "Repair", "Clarifying")[: 4 if brand != "Solstice" else 3]:
            for kind, leaf in (("shampoo", "Shampoo"), ("conditioner", "Conditioner")):
                b.add(
                    kind,
                    f"{brand} {line} {leaf}, 12 fl oz",
                    brand,
                    f"Beauty > Hair > {leaf}",
                    b.price(7, 26),
                    f"{line} {leaf.lower()} with botanical oils; sulfate-free, colour-safe.",
                    {"size": "12 fl oz", "hair_type": line.lower()},
                    [
                        leaf.lower(),
                        f"{line.lower()} {leaf.lower()}",
                        f"{brand.lower()} {leaf.lower()}",
                        "hair care",
                    ],
                    model=f"{brand} {line}",
                )
    for brand in ("Dermaloe", "Petalskin"):
        for kind, leaf, lines in [
            (
                "moisturizer",
                "Moisturizers",
                ["Daily Moisturizer SPF 30", "Night Cream", "Gel Moisturizer", "Rich Repair Cream"],
            ),
            ("cleanser", "Cleansers", ["Foaming Cleanser", "Gentle Milk Cleanser", "Exfoliating Face Wash"]),
        ]:
            for line in lines:
                b.add(
                    kind,
                    f"{brand} {line}, 1.7 oz",
                    brand,
                    f"Beauty > Skincare > {leaf}",
                    b.price(9, 48),
                    f"{brand} {line.lower()} for all skin types, dermatologist tested.",
                    {"size": "1.7 oz"},
                    [kind, "face " + kind, f"{brand.lower()} {kind}", "skincare"],
                )
    for shade in ("Rosewood", "Classic Red", "Nude Beige", "Berry", "Coral", "Plum", "Mauve", "Cherry"):
        b.add(
            "lipstick",
            f"Velvetine Matte Lipstick, {shade}",
            "Velvetine",
            "Beauty > Makeup > Lipstick",
            b.price(8, 24),
            f"Long-wear matte lipstick in {shade.lower()}.",
            {"colour": shade, "finish": "matte"},
            ["lipstick", "matte lipstick", f"{shade.lower()} lipstick"],
        )


def add_sports(b: ItemBuilder) -> None:
    sizes = ["7", "8", "9", "10", "11", "12"]
    for brand, model in [
        ("Stride", "Tempo 4"),
        ("Stride", "Glide 2"),
        ("Fleetfoot", "Racer"),
        ("Fleetfoot", "Trail X"),
        ("Apex", "Cloudrun"),
    ]:
        for colour in ("Black/White", "Volt Green", "Navy"):
            b.add(
                "running_shoes",
                f"{brand} {model} Running Shoes, {colour}",
                brand,
                "Sports > Running > Shoes",
                b.price(79, 179),
                f"Cushioned {'trail' if 'Trail' in model else 'road'} running shoe with breathable mesh upper.",
                {"colour": colour, "sizes": sizes, "model": f"{brand} {model}"},
                [
                    "running shoes",
                    "trainers",
                    "sneakers",
                    f"{brand.lower()} shoes",
                    f"{brand.lower()} {model.lower()}",
                ],
                model=f"{brand} {model}",
            )
    for brand, line in [
        ("Stride", "Cushion Crew"),
        ("Stride", "No-Show"),
        ("Fleetfoot", "Merino Trail"),
        ("Apex", "Compression"),
    ]:
        for pack in (3, 6):
            b.add(
                "socks",
                f"{brand} {line} Running Socks, {pack}-Pack",
                brand,
                "Sports > Running > Socks",
                b.price(12, 34),
                "Moisture-wicking running socks with arch support.",
                {"pack_size": pack, "material": "merino" if "Merino" in line else "nylon blend"},
                ["running socks", "socks", "athletic socks"],
            )
    for title in (
        'Running Shorts 5"',
        "Lightweight Running Jacket",
        "Long-Sleeve Running Top",
        "Running Tights",
        "Reflective Running Vest",
        "Running Cap",
    ):
        b.add(
            "running_apparel",
            f"Apex {title}",
            "Apex",
            "Sports > Running > Apparel",
            b.price(19, 89),
            f"Apex {title.lower()} in quick-dry fabric.",
            {"material": "polyester"},
            ["running clothes", title.lower(), "running gear"],
        )
    for colour in ("Purple", "Teal", "Black", "Sand"):
        b.add(
            "yoga_mat",
            f"Zenflow Yoga Mat 6 mm, {colour}",
            "Zenflow",
            "Sports > Yoga > Mats",
            b.price(25, 69),
            "Non-slip 6 mm yoga mat with carrying strap.",
            {"colour": colour, "thickness": "6 mm"},
            ["yoga mat", "exercise mat", "mat"],
        )
    for weight in (5, 10, 15, 20, 25):
        b.add(
            "dumbbell",
            f"Ironcore Hex Dumbbell Pair, {weight} lb",
            "Ironcore",
            "Sports > Fitness > Dumbbells",
            b.price(15 + weight, 30 + 2 * weight),
            f"Rubber-coated hex dumbbells, sold as a pair, {weight} lb each.",
            {"weight": f"{weight} lb"},
            ["dumbbells", "weights", f"{weight} lb dumbbells"],
        )
    for colour in ("Steel", "Black", "Teal", "Coral"):
        b.add(
            "bottle",
            f"Hydro Trek Insulated Water Bottle, 24 oz, {colour}",
            "Hydro Trek",
            "Sports > Outdoor > Water Bottles",
            b.price(18, 39),
            "Double-wall vacuum insulated bottle: cold 24 hours, hot 12.",
            {"colour": colour, "capacity": "24 oz"},
            ["water bottle", "bottle", "insulated bottle"],
        )


def add_toys_grocery_garden(b: ItemBuilder) -> None:
    for theme, pieces in [
        ("City Fire Station", 512),
        ("Space Shuttle Explorer", 748),
        ("Pirate Ship", 1024),
        ("Dinosaur Park", 389),
        ("Race Car Garage", 256),
        ("Castle Siege", 930),
        ("Farm Stable", 210),
        ("Robot Workshop", 455),
        ("Underwater Base", 610),
        ("Train Station", 820),
        ("Treehouse", 377),
        ("Mars Rover", 298),
    ]:
        b.add(
            "building_set",
            f"Brickton {theme}, {pieces} Pieces",
            "Brickton",
            "Toys > Building Sets",
            b.price(19, 149),
            f"Build the {theme.lower()} with {pieces} compatible bricks and 4 minifigures.",
            {"pieces": pieces, "age": "8+"},
            ["building set", "building blocks", "bricks", theme.lower(), "toy"],
        )
    for theme in (
        "World Map",
        "Mountain Lake",
        "Cats in Paris",
        "Starry Night",
        "Jungle",
        "Vintage Cars",
        "Hot Air Balloons",
        "Ocean Reef",
    ):
        b.add(
            "puzzle",
            f"Puzzlewood {theme} Jigsaw Puzzle, 1000 Pieces",
            "Puzzlewood",
            "Toys > Puzzles",
            b.price(14, 29),
            f"1000-piece jigsaw: {theme.lower()}, with poster.",
            {"pieces": 1000},
            ["puzzle", "jigsaw puzzle", "1000 piece puzzle", theme.lower()],
        )
    for animal in ("Bear", "Bunny", "Fox", "Elephant", "Penguin", "Dragon"):
        b.add(
            "plush",
            f"Cuddlekin {animal} Plush, 12 in",
            "Cuddlekin",
            "Toys > Plush",
            b.price(12, 29),
            f"Super-soft {animal.lower()} plush toy.",
            {"height": "12 in"},
            ["plush", "stuffed animal", f"{animal.lower()} plush", "soft toy"],
        )
    for kind, leaf, brand, titles, terms in [
        (
            "snacks",
            "Snacks",
            "Crunchwell",
            [
                "Sea Salt Kettle Chips",
                "Honey Almonds",
                "Dark Chocolate Pretzels",
                "Trail Mix",
                "Veggie Straws",
                "Cheddar Crackers",
                "Rice Cakes, Lightly Salted",
                "Protein Bar Variety Pack",
                "Dried Mango",
                "Popcorn, Butter",
                "Sea Salt Cashews",
                "Granola Clusters, Maple",
                "Seaweed Snacks",
                "Fruit Leather, Strawberry",
                "Oat Cookies",
                "Spicy Peanuts",
            ],
            ["snacks", "chips", "healthy snacks"],
        ),
        (
            "tea",
            "Tea",
            "Leaf & Kettle",
            [
                "Earl Grey, 20 Bags",
                "Green Tea Sencha, 20 Bags",
                "Chamomile, 20 Bags",
                "English Breakfast, 40 Bags",
                "Jasmine Green, Loose Leaf",
                "Peppermint, 20 Bags",
            ],
            ["tea", "tea bags", "green tea"],
        ),
        (
            "pantry",
            "Pantry",
            "Golden Field",
            [
                "Extra Virgin Olive Oil, 500 ml",
                "Basmati Rice, 2 lb",
                "Penne Pasta, 1 lb",
                "Tomato Passata",
                "Maple Syrup, 12 oz",
                "Rolled Oats, 2 lb",
            ],
            ["pantry", "olive oil", "pasta", "rice"],
        ),
    ]:
        for title in titles:
            b.add(
                kind,
                f"{brand} {title}",
                brand,
                f"Grocery > {leaf}",
                b.price(2, 14),
                f"{brand} {title.lower()}.",
                {},
                [*terms, title.split(",")[0].lower()],
            )
    for title in (
        "Hand Trowel",
        "Pruning Shears",
        "Garden Hoe",
        "Leaf Rake",
        "Watering Can 2 gal",
        "Garden Gloves, Pair",
        "Hose Nozzle",
        "Kneeling Pad",
    ):
        b.add(
            "garden_tool",
            f"Greenthumb {title}",
            "Greenthumb",
            "Garden > Tools",
            b.price(8, 49),
            f"Greenthumb {title.lower()} with ergonomic grip.",
            {"material": "steel"},
            ["garden tools", title.lower().split(",")[0], "gardening"],
        )
    for size, colour in (
        ("8 in", "Terracotta"),
        ("12 in", "White"),
        ("6 in", "Sage"),
        ("Raised Bed 4x2 ft", "Cedar"),
    ):
        b.add(
            "planter",
            f"Greenthumb Planter {size}, {colour}",
            "Greenthumb",
            "Garden > Planters",
            b.price(12, 89),
            f"{colour} planter with drainage hole, {size}.",
            {"size": size, "colour": colour},
            ["planter", "pot", "plant pot"],
        )
    for plant in ("Basil", "Cherry Tomato", "Sunflower", "Lavender", "Mixed Lettuce", "Wildflower Mix"):
        b.add(
            "seeds",
            f"Greenthumb {plant} Seeds",
            "Greenthumb",
            "Garden > Seeds",
            b.price(2, 6),
            f"Non-GMO {plant.lower()} seeds, 200+ seeds per packet.",
            {"plant": plant},
            ["seeds", f"{plant.lower()} seeds", "garden seeds"],
        )
