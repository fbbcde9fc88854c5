"""Typed models of every input file, one module each."""

from .art import Art
from .brand import Brand, Colour, Physician
from .layout import Layout, Panel, TextStyle
from .publication import Block, Publication

__all__ = ["Art", "Block", "Brand", "Colour", "Layout", "Panel", "Physician", "Publication",
           "TextStyle"]
