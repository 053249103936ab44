"""A fictional omnichannel shop for ``make demo`` and for tests: no external data needed.

The model of the shop
---------------------
* **Catalog** (~420 items; :mod:`.departments_tech`, :mod:`.departments_life`,
  :mod:`.departments_pets_textiles`): nine departments
  with category paths such as ``Electronics > Phones > Smartphones``, fictional brands, titles
  that read like real listings ("Nimbus X12 Smartphone 128GB Midnight Blue", "Case for Nimbus X12,
  Shockproof, Clear"), USD prices, attributes (colour, storage, material, ``compatible_with`` on
  accessories) and a handful of Chinese-titled audio listings for multilingual search.
* **Complements** (:mod:`.catalog`): a directional map. Phones → their own cases and screen
  protectors, chargers, earbuds; laptops → mice, sleeves and bags of the right size, hubs; coffee
  makers → beans, fitting filters, mugs, grinders; shampoo → the conditioner of the same line;
  running shoes → socks and apparel.
* **People** (:mod:`.people`): each person has favourite departments, a favourite brand per
  department, a price level and an activity level, and owns 1-3 accounts across web, app, store
  and social (more for family tablet users). Accounts carry messy identity keys: emails with odd
  case and spaces, phones in five formats, loyalty ids on store and app, guest accounts with no
  keys, the till default phone ``555-000-0000`` on ~10% of customers' walk-in store accounts, and
  a family tablet ``device_id`` shared by 2-4 family members' app accounts.
* **Behaviour** (:mod:`.behaviour`): people go on missions. Online missions are sessions (search
  with occasional typos → impressions → clicks with ``query`` → views of substitutes and the chosen
  item → add-to-cart → sometimes a purchase); store missions are baskets of purchases with a
  ``store_id``. A purchase leads to complements days later (usually online, even after a store
  purchase), ratings and reviews driven by a hidden item quality, and re-purchases of consumables.
  Substitutes are viewed together but rarely bought together. Second thoughts: an unclicked
  substitute is sometimes dismissed ("not interested"), a durable item rated 1–2 stars often returned.

``generate_shop`` writes the three ingestable files plus ``truth.json`` (the answer key, never
ingested) and returns :class:`ShopFiles`, whose ``truth`` holds the same answer key in memory.
"""

from shelfwise.demo.generator import ShopFiles, ShopTruth, generate_shop

__all__ = ["ShopFiles", "ShopTruth", "generate_shop"]
