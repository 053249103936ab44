"""Electronics and computers: the departments with the richest accessory structure."""

from __future__ import annotations

from shelfwise.demo.items import ItemBuilder

PHONE_MODELS = [  # brand, model, base price, colours
    ("Nimbus", "X12", 699, ["Midnight Blue", "Silver"]),
    ("Nimbus", "X12 Pro", 999, ["Graphite", "Sierra Green"]),
    ("Nimbus", "A5", 299, ["Black", "Coral"]),
    ("Orbita", "One", 799, ["Obsidian", "Pearl White"]),
    ("Orbita", "One Lite", 449, ["Mint", "Black"]),
    ("Kestrel", "K9", 649, ["Storm Grey", "Ocean Blue"]),
    ("Kestrel", "K7", 379, ["Black", "Lavender"]),
    ("Vela", "S3", 549, ["Sunset Orange", "Charcoal"]),
]
CASE_STYLES = [
    ("Shockproof", "Clear", "TPU"),
    ("Slim", "Black", "polycarbonate"),
    ("Leather", "Brown", "leather"),
]
LAPTOP_MODELS = [  # brand, model, screen inches, base price
    ("Ardent", "Air 13", 13, 899),
    ("Ardent", "Pro 15", 15, 1499),
    ("Lumio", "Book 14", 14, 749),
    ("Lumio", "Book 16", 16, 1099),
    ("Corvid", "Aero 13", 13, 999),
    ("Corvid", "Titan 15", 15, 1799),
]


def add_electronics(b: ItemBuilder) -> None:
    rng = b.rng
    for brand, model, base, colours in PHONE_MODELS:
        name = f"{brand} {model}"
        for storage in (128, 256):
            for colour in colours:
                b.add(
                    "phone",
                    f"{name} Smartphone {storage}GB {colour}",
                    brand,
                    "Electronics > Phones > Smartphones",
                    base + (100 if storage == 256 else 0) - 0.01,
                    f"The {name} with a 6.{rng.randrange(1, 8)}-inch OLED display, all-day battery and a "
                    f"{rng.choice(['dual', 'triple'])}-lens camera. {storage}GB storage, 5G, unlocked.",
                    {"colour": colour, "storage": f"{storage}GB", "model": name, "network": "5G"},
                    [
                        "smartphone",
                        "phone",
                        brand.lower(),
                        name.lower(),
                        f"{name.lower()} {storage}gb",
                        "5g phone",
                    ],
                    model=name,
                )
        for style, colour, material in CASE_STYLES:
            case_brand = rng.choice(["Armorly", "Shellcraft"])
            b.add(
                "case",
                f"Case for {name}, {style}, {colour}",
                case_brand,
                "Electronics > Phone Accessories > Cases",
                b.price(12, 39),
                f"{style} {material} case made for the {name}. Raised edges protect the screen and camera.",
                {"colour": colour, "material": material, "compatible_with": [name]},
                ["phone case", f"{name.lower()} case", f"{style.lower()} case", "case"],
                model=name,
            )
        b.add(
            "protector",
            f"Tempered Glass Screen Protector for {name}, 2-Pack",
            "Armorly",
            "Electronics > Phone Accessories > Screen Protectors",
            b.price(8, 19),
            f"9H tempered glass cut for the {name}; bubble-free install frame included.",
            {"material": "tempered glass", "pack_size": 2, "compatible_with": [name]},
            ["screen protector", f"{name.lower()} screen protector", "glass protector"],
            model=name,
        )
    all_phones = [f"{brand} {model}" for brand, model, _, _ in PHONE_MODELS]
    for title, brand, low, high in [
        ("Voltix 20W USB-C Fast Charger", "Voltix", 15, 25),
        ("Voltix 15W Wireless Charging Pad", "Voltix", 20, 35),
        ("Voltix 30W Dual-Port Charger", "Voltix", 25, 39),
        ("Zapp 20W USB-C Charger, Compact", "Zapp", 12, 20),
        ("Zapp Braided USB-C Cable, 2 m", "Zapp", 8, 16),
        ("Zapp Magnetic Car Mount Charger", "Zapp", 25, 45),
    ]:
        b.add(
            "charger",
            title,
            brand,
            "Electronics > Phone Accessories > Chargers",
            b.price(low, high),
            f"{title}. Works with every USB-C smartphone; over-heat and surge protection.",
            {"compatible_with": all_phones, "connector": "USB-C"},
            ["charger", "phone charger", "usb-c charger", brand.lower() + " charger", "fast charger"],
        )
    for line, feature, colour in [
        ("Buds 3", "Noise Cancelling", "Black"),
        ("Buds 3", "Noise Cancelling", "White"),
        ("Buds Lite", "Compact", "Blue"),
        ("Pulse", "Sport, Waterproof", "Red"),
        ("Pulse", "Sport, Waterproof", "Black"),
        ("Air Mini", "Lightweight", "White"),
        ("Studio Buds", "Hi-Fi, Noise Cancelling", "Graphite"),
        ("Echo Pods", "Long Battery", "Black"),
        ("Echo Pods", "Long Battery", "Pink"),
        ("Hush One", "Active Noise Cancelling", "Silver"),
    ]:
        brand = (
            "Echoline" if line.startswith("Echo") else ("Hushwave" if line.startswith("Hush") else "Sonara")
        )
        b.add(
            "earbuds",
            f"{brand} {line} Wireless Earbuds, {feature}, {colour}",
            brand,
            "Electronics > Audio > Earbuds",
            b.price(29, 199),
            f"True wireless earbuds with Bluetooth 5.3, {feature.lower()} design and a charging case.",
            {"colour": colour, "connectivity": "Bluetooth 5.3", "wireless": True},
            [
                "earbuds",
                "wireless earbuds",
                "bluetooth earbuds",
                f"{brand.lower()} earbuds",
                "headphones",
                "蓝牙耳机",
            ],
        )
    # A few listings imported from a Chinese-language supplier, for multilingual search.
    for title, colour, kind, desc in [
        ("无线蓝牙耳机 Pro 黑色", "Black", "earbuds", "主动降噪真无线蓝牙耳机，续航30小时，附充电盒。"),
        ("真无线耳机 Lite 白色", "White", "earbuds", "轻巧入耳式蓝牙耳机，通话清晰，适合通勤。"),
        ("运动蓝牙耳机 防水 红色", "Red", "earbuds", "运动防水蓝牙耳机，耳挂设计，跑步不掉。"),
        ("降噪头戴式耳机 白色", "White", "headphones", "头戴式主动降噪耳机，蓝牙5.3，舒适耳罩。"),
        ("便携蓝牙音箱 蓝色", "Blue", "speaker", "便携式防水蓝牙音箱，低音强劲，续航12小时。"),
    ]:
        leaf = {"earbuds": "Earbuds", "headphones": "Headphones", "speaker": "Speakers"}[kind]
        b.add(
            kind,
            title,
            "声悦 Shengyue",
            f"Electronics > Audio > {leaf}",
            b.price(25, 129),
            desc,
            {"colour": colour, "connectivity": "Bluetooth 5.3", "wireless": True},
            ["蓝牙耳机", "无线耳机", "耳机", "降噪耳机", "bluetooth earbuds"]
            if kind != "speaker"
            else ["蓝牙音箱", "音箱", "bluetooth speaker"],
        )
    for brand, line in [
        ("Sonara", "Arc"),
        ("Hushwave", "Quiet 700"),
        ("Echoline", "Studio"),
        ("Sonara", "Arc Lite"),
    ]:
        for colour in ("Black", "Sand"):
            b.add(
                "headphones",
                f"{brand} {line} Over-Ear Headphones, {colour}",
                brand,
                "Electronics > Audio > Headphones",
                b.price(59, 349),
                "Over-ear wireless headphones with memory-foam cushions and 40-hour battery.",
                {"colour": colour, "wireless": True},
                [
                    "headphones",
                    "over ear headphones",
                    "noise cancelling headphones",
                    f"{brand.lower()} headphones",
                    "头戴式耳机",
                ],
            )
    for brand, line in [("Boomra", "Go"), ("Boomra", "Max"), ("Echoline", "Cube"), ("Sonara", "Roam")]:
        for colour in ("Blue", "Black"):
            b.add(
                "speaker",
                f"{brand} {line} Bluetooth Speaker, Waterproof, {colour}",
                brand,
                "Electronics > Audio > Speakers",
                b.price(29, 179),
                "Portable speaker with deep bass, IP67 waterproofing and 12-hour battery.",
                {"colour": colour, "waterproof": "IP67"},
                ["bluetooth speaker", "speaker", "portable speaker", f"{brand.lower()} speaker", "蓝牙音箱"],
            )
    for brand, model, base in [
        ("Nimbus", "Tab 11", 499),
        ("Orbita", "Pad", 399),
        ("Kestrel", "Slate 10", 279),
    ]:
        name = f"{brand} {model}"
        for storage in (64, 256):
            b.add(
                "tablet",
                f"{name} Tablet {storage}GB Silver",
                brand,
                "Electronics > Tablets",
                base + (150 if storage == 256 else 0) - 0.01,
                f"The {name}: a bright 10-inch display for streaming, drawing and homework. {storage}GB.",
                {"colour": "Silver", "storage": f"{storage}GB", "model": name},
                ["tablet", f"{name.lower()}", f"{brand.lower()} tablet"],
                model=name,
            )
        b.add(
            "tablet_case",
            f"Folio Case for {name}, Navy",
            "Shellcraft",
            "Electronics > Tablet Accessories > Cases",
            b.price(19, 45),
            f"Folding folio case with stand for the {name}.",
            {"colour": "Navy", "compatible_with": [name]},
            ["tablet case", f"{name.lower()} case"],
            model=name,
        )


def add_computers(b: ItemBuilder) -> None:
    for brand, model, inches, base in LAPTOP_MODELS:
        name = f"{brand} {model}"
        for ram, disk, extra in ((8, 256, 0), (16, 512, 300)):
            b.add(
                "laptop",
                f"{name} Laptop, {inches}-inch, {ram}GB RAM, {disk}GB SSD",
                brand,
                "Computers > Laptops",
                base + extra - 0.01,
                f"{name}: a {inches}-inch laptop with {ram}GB memory, {disk}GB SSD and a backlit keyboard.",
                {"screen_size": f"{inches} in", "ram": f"{ram}GB", "storage": f"{disk}GB", "model": name},
                ["laptop", "notebook", name.lower(), f"{brand.lower()} laptop", f"{inches} inch laptop"],
                model=name,
            )
    rng = b.rng
    for brand, line in [
        ("Clikk", "M2"),
        ("Clikk", "M5 Pro"),
        ("Glidepoint", "Travel"),
        ("Glidepoint", "Ergo"),
    ]:
        for colour in ("Graphite", "White", "Rose")[: rng.choice([2, 3])]:
            b.add(
                "mouse",
                f"{brand} {line} Wireless Mouse, Silent, {colour}",
                brand,
                "Computers > Accessories > Mice",
                b.price(15, 79),
                "Quiet-click wireless mouse with USB-C receiver and 18-month battery.",
                {"colour": colour, "wireless": True},
                ["mouse", "wireless mouse", "computer mouse", f"{brand.lower()} mouse"],
            )
    for brand, line in [
        ("Clikk", "K3"),
        ("Clikk", "K7 Mechanical"),
        ("Glidepoint", "Slim"),
        ("Keystone", "Pro"),
    ]:
        for layout in ("US", "Compact"):
            b.add(
                "keyboard",
                f"{brand} {line} Wireless Keyboard, {layout} Layout",
                brand,
                "Computers > Accessories > Keyboards",
                b.price(29, 129),
                "Low-profile wireless keyboard pairing with three devices.",
                {"layout": layout, "wireless": True},
                ["keyboard", "wireless keyboard", f"{brand.lower()} keyboard"],
            )
    for size in (13, 14, 15, 16):
        for colour in ("Charcoal", "Camel"):
            b.add(
                "sleeve",
                f'Felted {size}" Laptop Sleeve, {colour}',
                "Felted",
                "Computers > Accessories > Sleeves",
                b.price(19, 39),
                f"Wool-felt sleeve with a magnetic flap for {size}-inch laptops.",
                {"colour": colour, "material": "wool felt", "compatible_with": [f"{size} in"]},
                ["laptop sleeve", f"{size} inch sleeve", "sleeve"],
            )
    for brand, line, sizes in [
        ("Trekpack", "Commuter", (13, 14, 15)),
        ("Trekpack", "Voyager", (15, 16)),
        ("Urbana", "Tote", (13, 14)),
        ("Urbana", "Messenger", (14, 15, 16)),
    ]:
        for colour in ("Grey", "Black"):
            b.add(
                "laptop_bag",
                f'{brand} {line} Laptop Bag, fits up to {max(sizes)}", Water-Resistant, {colour}',
                brand,
                "Computers > Accessories > Bags",
                b.price(35, 99),
                f"Padded laptop compartment for {min(sizes)}–{max(sizes)} inch laptops.",
                {"colour": colour, "compatible_with": [f"{s} in" for s in sizes]},
                ["laptop bag", "laptop backpack", f"{brand.lower()} bag", "bag"],
            )
    for brand, ports in [("Voltix", 4), ("Voltix", 7), ("Zapp", 6)]:
        b.add(
            "hub",
            f"{brand} {ports}-in-1 USB-C Hub with HDMI",
            brand,
            "Computers > Accessories > Hubs",
            b.price(25, 69),
            f"{ports}-port USB-C hub: HDMI 4K, USB-A, SD card reader, pass-through charging.",
            {"ports": ports, "connector": "USB-C"},
            ["usb c hub", "hub", "dongle", "hdmi adapter"],
        )
    for brand, size in [
        ("Lumio", 24),
        ("Lumio", 27),
        ("Corvid", 27),
        ("Corvid", 32),
        ("Vista", 24),
        ("Vista", 27),
    ]:
        b.add(
            "monitor",
            f'{brand} {size}" 4K Monitor, IPS, USB-C',
            brand,
            "Computers > Monitors",
            b.price(179, 599),
            f"{size}-inch 4K IPS monitor with USB-C power delivery and height-adjustable stand.",
            {"screen_size": f"{size} in", "resolution": "3840x2160"},
            ["monitor", "4k monitor", f"{size} inch monitor"],
        )
