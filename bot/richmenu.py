"""LINE rich menus, one per language: the image is drawn with Pillow in the language's own script.

``civicast line richmenu`` creates them (and their images) through the LINE API
and records their ids; a resident is linked to the menu of the language they
choose. The menu's six areas send the same postbacks as the chat menu.
"""

from __future__ import annotations

import io
import subprocess
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.conversation.texts import BotTexts
from channels.line import LineChannel
from messages.db import Base, utcnow
from messages.i18n import LANGUAGES

WIDTH, HEIGHT = 2500, 843  # LINE's compact rich menu
COLUMNS, ROWS = 3, 2
AREAS = ("latest", "ask", "petition", "cases", "settings", "help")
COLOURS = ("#0B5394", "#1C4587", "#0B5394", "#1C4587", "#0B5394", "#1C4587")
# The font family that writes each script (fonts-noto-cjk and fonts-noto-core, installed by the Makefile).
FAMILIES = {
    "zh-Hant": "Noto Sans CJK TC", "zh-Hans": "Noto Sans CJK SC", "ja": "Noto Sans CJK JP",
    "ko": "Noto Sans CJK KR", "th": "Noto Sans Thai", "km": "Noto Sans Khmer", "my": "Noto Sans Myanmar",
}
LATIN_FAMILY = "Noto Sans"


class LineRichMenu(Base):
    __tablename__ = "line_rich_menus"

    language: Mapped[str] = mapped_column(String(16), primary_key=True)
    rich_menu_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FontMissing(RuntimeError):
    pass


@lru_cache(maxsize=32)
def font_file(family: str, bold: bool = True) -> tuple[str, int]:
    """(path, face index) of an installed font of this family, as fontconfig finds it."""
    pattern = f"{family}:style={'Bold' if bold else 'Regular'}"
    result = subprocess.run(["fc-match", "-f", "%{file}\n%{index}\n%{family}", pattern], capture_output=True,
                            text=True, check=False)
    lines = result.stdout.splitlines()
    if result.returncode != 0 or len(lines) < 3 or family.split()[-1] not in lines[2]:
        raise FontMissing(f"font {family!r} is not installed (run `make install`: it installs the Noto fonts)")
    return lines[0], int(lines[1] or 0)


# The Thai, Khmer and Burmese Noto fonts carry only their own script: a label without it (English
# while a catalog is incomplete, say) is drawn in the Latin face instead of as empty boxes.
SCRIPT_RANGES = {"th": (0x0E00, 0x0E7F), "km": (0x1780, 0x17FF), "my": (0x1000, 0x109F)}


def _family(language: str, text: str) -> str:
    span = SCRIPT_RANGES.get(language)
    if span and not any(span[0] <= ord(ch) <= span[1] for ch in text):
        return LATIN_FAMILY
    return FAMILIES.get(language, LATIN_FAMILY)


def _font(family: str, size: int) -> ImageFont.FreeTypeFont:
    path, index = font_file(family)
    return ImageFont.truetype(path, size=size, index=index, layout_engine=ImageFont.Layout.RAQM)


def _fit(draw: ImageDraw.ImageDraw, text: str, language: str, width: int) -> ImageFont.FreeTypeFont:
    family = _family(language, text)
    for size in range(120, 30, -6):
        font = _font(family, size)
        left, _, right, _ = draw.textbbox((0, 0), text, font=font)
        if right - left <= width:
            return font
    return _font(family, 30)


def render_image(language: str, texts: BotTexts) -> bytes:
    """The menu's PNG: six labelled cells in the language's script."""
    image = Image.new("RGB", (WIDTH, HEIGHT), "#FFFFFF")
    draw = ImageDraw.Draw(image)
    cell_w, cell_h = WIDTH // COLUMNS, HEIGHT // ROWS
    for index, (area, colour) in enumerate(zip(AREAS, COLOURS, strict=True)):
        x, y = (index % COLUMNS) * cell_w, (index // COLUMNS) * cell_h
        draw.rectangle((x + 6, y + 6, x + cell_w - 6, y + cell_h - 6), fill=colour)
        label = texts(language, f"label.{area}")
        font = _fit(draw, label, language, cell_w - 80)
        draw.text((x + cell_w / 2, y + cell_h / 2), label, font=font, fill="#FFFFFF", anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def menu_definition(language: str, texts: BotTexts) -> dict[str, object]:
    cell_w, cell_h = WIDTH // COLUMNS, HEIGHT // ROWS
    areas = []
    for index, area in enumerate(AREAS):
        label = texts(language, f"label.{area}")
        areas.append({
            "bounds": {"x": (index % COLUMNS) * cell_w, "y": (index // COLUMNS) * cell_h, "width": cell_w,
                       "height": cell_h},
            "action": {"type": "postback", "label": label[:20], "data": f"action={area}", "displayText": label},
        })
    return {"size": {"width": WIDTH, "height": HEIGHT}, "selected": True, "name": f"civicast {language}",
            "chatBarText": texts(language, "label.menu")[:14], "areas": areas}


@dataclass
class RichMenus:
    """Creates the menus and links residents to theirs."""

    line: LineChannel
    texts: BotTexts

    def create_all(self, languages: tuple[str, ...] = tuple(LANGUAGES)) -> dict[str, str]:
        """Create each language's menu and its image on LINE; returns language → rich menu id."""
        created = {}
        for language in languages:
            menu_id = self.line.create_rich_menu(menu_definition(language, self.texts))
            self.line.upload_rich_menu_image(menu_id, render_image(language, self.texts))
            created[language] = menu_id
        return created

    def make_default(self, created: dict[str, str], language: str) -> str | None:
        """Show the language's menu to followers who have none of their own yet (those whose LINE language
        is not one of ours, and those who followed before the menus existed); the menu id, if created."""
        menu_id = created.get(language)
        if menu_id is not None:
            self.line.set_default_rich_menu(menu_id)
        return menu_id

    @staticmethod
    def remember(session: Session, created: dict[str, str]) -> None:
        for language, menu_id in created.items():
            existing = session.get(LineRichMenu, language)
            if existing is None:
                session.add(LineRichMenu(language=language, rich_menu_id=menu_id))
            else:
                existing.rich_menu_id = menu_id

    @staticmethod
    def menu_for(session: Session, language: str) -> str | None:
        return session.scalar(select(LineRichMenu.rich_menu_id).where(LineRichMenu.language == language))
