"""The highlight effects the overlay renderer draws and its constants, without
torch, so the web process can publish them (videoeditor/vocabulary.py) without
importing the renderer."""

from __future__ import annotations

EFFECTS = ("yellow", "brightness", "dim")
BRIGHTEN = 0.35  # brightness: inside moves this share of the way towards white
DIM = 0.45  # dim: outside is multiplied by this
ELLIPSE_FIELDS = ("x", "y", "radius_x", "radius_y", "opacity")
