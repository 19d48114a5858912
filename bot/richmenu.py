"""LINE rich menus, one per kind and language: the image is drawn with Pillow in the language's own script.

A menu is a layout (data): its six areas' labels and postbacks and its colours. The normal menu's areas send
the same postbacks as the chat menu; the disaster menu's (``scheduler.menus`` decides who sees it) lead to the
active alert, the nearest shelters, "I'm safe" / "I need help", the hotlines and the resident's district status,
drawn in warning colours. ``civicast line richmenu`` creates both kinds (and their images) through the LINE API
and records their ids in ``line_rich_menus``; a resident is linked to the menu of the language they choose, of
the kind their districts call for.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.conversation.texts import BotTexts
from channels.fonts import family_for, font_file
from channels.line import LineChannel
from messages.i18n import LANGUAGES
from scheduler.menus import LineRichMenu, MenuKind

WIDTH, HEIGHT = 2500, 843  # LINE's compact rich menu
COLUMNS, ROWS = 3, 2
AREAS = ("latest", "ask", "petition", "cases", "settings", "help")
COLOURS = ("#0B5394", "#1C4587", "#0B5394", "#1C4587", "#0B5394", "#1C4587")


@dataclass(frozen=True)
class MenuArea:
    label: str  # the msgid of its label (locales/bot.yaml)
    data: str  # the postback it sends


@dataclass(frozen=True)
class MenuLayout:
    kind: MenuKind
    areas: tuple[MenuArea, ...]  # left to right, top row first
    colours: tuple[str, ...]  # each area's background
    chat_bar: str  # the msgid of the text on the bar that opens the menu
    text_colour: str = "#FFFFFF"
    background: str = "#FFFFFF"


NORMAL_MENU = MenuLayout(
    MenuKind.NORMAL, tuple(MenuArea(f"label.{area}", f"action={area}") for area in AREAS), COLOURS, "label.menu"
)
# Warning colours: deep red and amber, white text on both (contrast above 4.5:1), on a black frame.
DISASTER_MENU = MenuLayout(
    MenuKind.DISASTER,
    (
        MenuArea("label.alert", "action=alert"),
        MenuArea("label.shelters", "action=shelters"),
        MenuArea("label.safe", "action=checkin&a=safe"),
        MenuArea("label.need_help", "action=checkin&a=help"),
        MenuArea("label.hotlines", "action=hotlines"),
        MenuArea("label.status", "action=status"),
    ),
    ("#B71C1C", "#A84300", "#1B5E20", "#B71C1C", "#A84300", "#37474F"),
    "label.disaster_menu",
    background="#000000",
)
LAYOUTS = {layout.kind: layout for layout in (NORMAL_MENU, DISASTER_MENU)}


def _family(language: str, text: str) -> str:
    return family_for(language, text)


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


def render_image(language: str, texts: BotTexts, layout: MenuLayout = NORMAL_MENU) -> bytes:
    """The menu's PNG: six labelled cells in the language's script, in the layout's colours."""
    image = Image.new("RGB", (WIDTH, HEIGHT), layout.background)
    draw = ImageDraw.Draw(image)
    cell_w, cell_h = WIDTH // COLUMNS, HEIGHT // ROWS
    for index, (area, colour) in enumerate(zip(layout.areas, layout.colours, strict=True)):
        x, y = (index % COLUMNS) * cell_w, (index // COLUMNS) * cell_h
        draw.rectangle((x + 6, y + 6, x + cell_w - 6, y + cell_h - 6), fill=colour)
        label = texts(language, area.label)
        font = _fit(draw, label, language, cell_w - 80)
        draw.text((x + cell_w / 2, y + cell_h / 2), label, font=font, fill=layout.text_colour, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def menu_definition(language: str, texts: BotTexts, layout: MenuLayout = NORMAL_MENU) -> dict[str, object]:
    cell_w, cell_h = WIDTH // COLUMNS, HEIGHT // ROWS
    areas = []
    for index, area in enumerate(layout.areas):
        label = texts(language, area.label)
        areas.append(
            {
                "bounds": {
                    "x": (index % COLUMNS) * cell_w,
                    "y": (index // COLUMNS) * cell_h,
                    "width": cell_w,
                    "height": cell_h,
                },
                "action": {"type": "postback", "label": label[:20], "data": area.data, "displayText": label},
            }
        )
    name = f"civicast {language}" if layout.kind is MenuKind.NORMAL else f"civicast {layout.kind} {language}"
    return {
        "size": {"width": WIDTH, "height": HEIGHT},
        "selected": True,
        "name": name,
        "chatBarText": texts(language, layout.chat_bar)[:14],
        "areas": areas,
    }


Created = dict[tuple[str, str], str]  # (kind, language) -> rich menu id


@dataclass
class RichMenus:
    """Creates the menus and links residents to theirs."""

    line: LineChannel
    texts: BotTexts

    def create_all(
        self, languages: tuple[str, ...] = tuple(LANGUAGES), kinds: tuple[MenuKind, ...] = tuple(MenuKind)
    ) -> Created:
        """Create each kind's menu in each language, with its image, on LINE; returns (kind, language) → id."""
        created: Created = {}
        for kind in kinds:
            layout = LAYOUTS[kind]
            for language in languages:
                menu_id = self.line.create_rich_menu(menu_definition(language, self.texts, layout))
                self.line.upload_rich_menu_image(menu_id, render_image(language, self.texts, layout))
                created[(kind.value, language)] = menu_id
        return created

    def make_default(self, created: Created, language: str) -> str | None:
        """Show the language's normal menu to followers who have none of their own yet (those whose LINE language
        is not one of ours, and those who followed before the menus existed); the menu id, if created."""
        menu_id = created.get((MenuKind.NORMAL.value, language))
        if menu_id is not None:
            self.line.set_default_rich_menu(menu_id)
        return menu_id

    @staticmethod
    def remember(session: Session, created: Created) -> None:
        for (kind, language), menu_id in created.items():
            existing = session.get(LineRichMenu, (kind, language))
            if existing is None:
                session.add(LineRichMenu(kind=kind, language=language, rich_menu_id=menu_id))
            else:
                existing.rich_menu_id = menu_id

    @staticmethod
    def menu_ids(session: Session) -> dict[tuple[str, MenuKind], str]:
        """Every menu created, by language and kind (a couple of dozen rows)."""
        rows = session.execute(select(LineRichMenu.language, LineRichMenu.kind, LineRichMenu.rich_menu_id))
        return {(language, MenuKind(kind)): menu_id for language, kind, menu_id in rows}
