"""Where training's heavy stages run: one narrow interface, map a function over shards, combine.

The training code calls :class:`Engine` only; :class:`LocalEngine` runs in this process and
:class:`~shelfwise.engine.ray_engine.RayEngine` (the ``ray`` extra) runs the shards as Ray tasks.
"""

from shelfwise.engine.base import Engine, LocalEngine, map_combine, split
from shelfwise.engine.factory import ENGINES, open_engine

__all__ = ["ENGINES", "Engine", "LocalEngine", "map_combine", "open_engine", "split"]
