"""A clinic's brand kit: name, colours (CMYK for print, RGB for screen), fonts, contact, roster.

The colour roles the engine draws with (:data:`COLOUR_ROLES`) are declared here, each either
required of every kit or derived from the kit's own colours by a stated rule when the kit
leaves it out; blocks (:mod:`brochure.render.blocks`), layouts and checks name no other colour.
A kit may add colours of its own for its drawings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypeVar

from pydantic import Field, HttpUrl, field_validator, model_validator

from .art import Art
from .base import Localized, Strict, localize

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


CMYK = tuple[float, float, float, float]
MaybeCMYK = TypeVar("MaybeCMYK", bound=CMYK | None)


def is_solid(cmyk: CMYK) -> bool:
    """True when ``cmyk`` prints without a screen or a second plate: paper white (no ink),
    100 % black, or one process ink at 100 % (what small text must be, so it prints sharp)."""
    inks = [v for v in cmyk if v]
    return not inks or (len(inks) == 1 and inks[0] == 100)


def _check_percentages(cmyk: CMYK) -> CMYK:
    if any(not 0 <= v <= 100 for v in cmyk):
        raise ValueError("each CMYK value is a percentage from 0 to 100")
    return cmyk


def _check_solid(cmyk: MaybeCMYK) -> MaybeCMYK:
    if cmyk is not None and not is_solid(_check_percentages(cmyk)):
        raise ValueError("small text prints in paper white [0, 0, 0, 0], 100 % black "
                         "[0, 0, 0, 100] or one process ink at 100 % (e.g. [100, 0, 0, 0])")
    return cmyk


class Colour(Strict):
    """One brand colour: CMYK percentages (0–100) for print and a hex RGB equivalent for screen.

    ``print_text`` is what text smaller than the print rule's size (14 pt) in this colour prints
    in when the colour is a mix of inks: screened or four-colour small text prints ragged."""

    cmyk: CMYK
    rgb: str
    print_text: CMYK | None = Field(
        None, description="CMYK for small text in this colour in print files: paper white, "
                          "100 % K or one process ink at 100 %; default: the kit's print_text")

    @field_validator("cmyk")
    @classmethod
    def _percentages(cls, cmyk: CMYK) -> CMYK:
        return _check_percentages(cmyk)

    @field_validator("print_text")
    @classmethod
    def _print_text(cls, cmyk: CMYK | None) -> CMYK | None:
        return _check_solid(cmyk)

    @field_validator("rgb")
    @classmethod
    def _hex(cls, rgb: str) -> str:
        if not _HEX.match(rgb):
            raise ValueError("expected a hex colour such as '#1a5e8c'")
        return rgb.lower()


@dataclass(frozen=True)
class Role:
    """A colour role: what the engine draws in it, and how a kit that leaves it out gets it:
    ``derived`` is (base, toward, share), the kit's colour ``base`` mixed ``share`` of the way
    to its colour ``toward``, channel by channel in CMYK and in RGB alike (no such rule: the
    kit must give the role)."""

    use: str
    derived: tuple[str, str, float] | None = None

    def rule(self) -> str:
        """The derivation rule in words."""
        if self.derived is None:
            return "required"
        base, toward, share = self.derived
        return f"derived: '{base}' mixed {share:.0%} of the way to '{toward}'"


COLOUR_ROLES: dict[str, Role] = {
    "primary": Role("covers, the summary's header band, headings, a scale's chosen mark"),
    "ink": Role("body text"),
    "paper": Role("the page, and text on primary"),
    "accent": Role("bullets, box bars, a cover's rule, the summary header's rule"),
    "deep": Role("headings on pale panels", ("primary", "ink", 0.5)),
    "accent-dark": Role("the accent where it must read as text or a dark shape",
                        ("accent", "ink", 0.4)),
    "muted": Role("captions, footers, secondary text", ("ink", "paper", 0.35)),
    "tint": Role("pale panels, boxes and table rows", ("primary", "paper", 0.9)),
    "sand": Role("the evidence and note boxes", ("accent", "paper", 0.9)),
    "rule": Role("rules, table heads and summary dividers", ("primary", "paper", 0.75)),
    "scale-track": Role("a scale's marks not chosen", ("primary", "paper", 0.94)),
    "scale-edge": Role("a scale mark's border (3:1 on paper, WCAG 1.4.11)",
                       ("primary", "paper", 0.35)),
}
"""Every colour role a block, layout or check may use, by name."""

REQUIRED_ROLES = [name for name, role in COLOUR_ROLES.items() if role.derived is None]


def _mixed(base: Colour, toward: Colour, share: float) -> Colour:
    """``base`` mixed ``share`` of the way to ``toward`` (CMYK and RGB alike)."""
    cmyk = tuple(round(a + (b - a) * share, 1) for a, b in zip(base.cmyk, toward.cmyk,
                                                               strict=True))
    rgb = [int(base.rgb[i:i + 2], 16) + (int(toward.rgb[i:i + 2], 16) -
                                         int(base.rgb[i:i + 2], 16)) * share for i in (1, 3, 5)]
    return Colour(cmyk=cmyk, rgb="#" + "".join(f"{round(v):02x}" for v in rgb))  # type: ignore[arg-type]


def with_roles(colors: dict[str, Colour]) -> dict[str, Colour]:
    """``colors`` with every role it leaves out derived (:data:`COLOUR_ROLES`); a ValueError
    naming each required role missing."""
    missing = [name for name in REQUIRED_ROLES if name not in colors]
    if missing:
        raise ValueError(f"colour role{'s' * (len(missing) > 1)} missing: "
                         f"{', '.join(repr(m) for m in missing)} (every kit gives "
                         f"{', '.join(REQUIRED_ROLES)}; the others are derived from them when "
                         "left out)")
    full = dict(colors)
    for name, role in COLOUR_ROLES.items():
        if name not in full and role.derived is not None:
            base, toward, share = role.derived
            full[name] = _mixed(full[base], full[toward], share)
    return full


class FontChoice(Strict):
    """A font family from an installed ``fontpkg-*`` package, with the weights to use."""

    family: str
    regular: int = Field(400, ge=100, le=900)
    bold: int = Field(700, ge=100, le=900)


class Fonts(Strict):
    body: FontChoice
    heading: FontChoice
    fallback: list[FontChoice] = Field(
        default_factory=lambda: [FontChoice(family="Noto Sans")],
        description="families tried, in order, for characters the body or heading font lacks")


class Contact(Strict):
    phone: str
    email: str
    web: str
    booking_url: HttpUrl
    address: list[str] = Field(min_length=1)
    hours: Localized | None = None


class Physician(Strict):
    key: str = Field(pattern=r"^[a-z0-9-]+$")
    name: str
    credentials: str
    honorific: Localized = "Dr."
    title: Localized
    bio: Localized
    direct_phone: str

    def display_name(self, language: str) -> str:
        """How the patient addresses the physician: "Dr. Inés Marlow", "Dra. Inés Marlow"."""
        return f"{localize(self.honorific, language)} {self.name}"


class BoxStyle(Strict):
    """One look of a box, by brand colour names: its fill, a bar on its left edge and/or an
    outline, and its text. A document keeps to few of them (an honest-claims statement's,
    an invitation to ask)."""

    fill: str = Field(description="colour filled behind the text")
    bar: str | None = Field(None, description="colour of the bar on the box's left edge")
    border: str | None = Field(None, description="colour of an outline around the box")
    text: str | None = Field(None, description="colour of the text; default the panel's")

    def colours(self) -> list[str]:
        return [c for c in (self.fill, self.bar, self.border, self.text) if c]


NO_BOX = "none"
"""A statement's ``box:`` that sets it as emphasized text, without a box."""


def _default_boxes() -> dict[str, BoxStyle]:
    return {"evidence": BoxStyle(fill="sand", bar="accent"),
            "ask": BoxStyle(fill="tint", bar="primary")}


class Brand(Strict):
    """Everything that makes documents look like one clinic's."""

    name: str
    tagline: Localized
    logo: str = Field(description="the key in `art` of the clinic's logo")
    colors: dict[str, Colour]
    fonts: Fonts
    contact: Contact
    physicians: list[Physician] = Field(min_length=1)
    art: dict[str, Art] = Field(default_factory=dict)
    boxes: dict[str, BoxStyle] = Field(
        default_factory=_default_boxes, description="box styles by name, which statements "
        "(default 'evidence') and callouts (default 'ask') name in their `box:`")
    qr_code_name: Localized = Field(
        "QR code", description="what a QR code is called in its alternative text, which reads "
                               "'<name>: <caption> (<address>)'")
    summary_layout: str = Field("summary-letter", description="layout of patient summaries")
    print_text: CMYK = Field(
        (0, 0, 0, 100), description="CMYK for small text whose colour is a mix of inks and "
                                    "declares no print_text of its own (default 100 % K)")

    @field_validator("print_text")
    @classmethod
    def _print_text(cls, cmyk: CMYK) -> CMYK:
        return _check_solid(cmyk)

    @field_validator("colors")
    @classmethod
    def _roles(cls, colors: dict[str, Colour]) -> dict[str, Colour]:
        """Every colour role the engine draws with: given, or derived by its rule."""
        return with_roles(colors)

    @model_validator(mode="after")
    def _references(self) -> Brand:
        if self.logo not in self.art:
            raise ValueError(f"logo '{self.logo}' is not a key of art")
        if NO_BOX in self.boxes:
            raise ValueError(f"boxes: '{NO_BOX}' is reserved (a statement without a box)")
        return self

    def physician(self, key: str | None) -> Physician:
        """The roster entry for ``key``; the first physician when no key is given, or when
        ``key`` is another kit's (a publication shown in a brand other than its own names its
        own brand's physician)."""
        return next((p for p in self.physicians if p.key == key), self.physicians[0])

    def with_colours(self, colours: dict[str, Colour]) -> Brand:
        """This kit with a publication's own colours (for its drawings) beside its own."""
        if not colours:
            return self
        return self.model_copy(update={"colors": {**self.colors, **colours}})
