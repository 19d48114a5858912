"""LINE rich menus: drawn in each language's script, created through the LINE API, linked on language choice."""

from __future__ import annotations

import io

import pytest
import requests
from click.testing import CliRunner
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select

from bot.channel_settings import SANDBOX_SECRETS
from bot.cli.main import cli
from bot.conversation.texts import BotTexts
from bot.richmenu import (
    DISASTER_MENU,
    HEIGHT,
    LAYOUTS,
    WIDTH,
    LineRichMenu,
    _family,
    _font,
    menu_definition,
    render_image,
)
from messages.i18n import LANGUAGES, Catalogs
from tests.support.sandbox import users

TEXTS = BotTexts(Catalogs())


def drawn(font: ImageFont.FreeTypeFont, text: str) -> bytes:
    image = Image.new("L", (200, 200))
    ImageDraw.Draw(image).text((20, 20), text, font=font, fill=255)
    return image.tobytes()


def draws_every_character(font: ImageFont.FreeTypeFont, text: str) -> bool:
    """False when any character would come out as the font's empty box (.notdef)."""
    missing = drawn(font, "\U0010fffd")
    return all(drawn(font, ch) != missing for ch in text if not ch.isspace())


@pytest.mark.parametrize("language", list(LANGUAGES))
@pytest.mark.parametrize("kind", list(LAYOUTS))
def test_each_languages_menus_are_drawn_in_its_own_script(language, kind):
    layout = LAYOUTS[kind]
    for area in layout.areas:
        label = TEXTS(language, area.label)
        assert len(label) <= 20, f"{language} {label!r} is longer than LINE's 20 characters"
        font = _font(_family(language, label), 60)
        assert draws_every_character(font, label), f"{language} {label!r} has characters the font lacks"
    png = render_image(language, TEXTS, layout)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (WIDTH, HEIGHT)
    assert len(png) < 1024 * 1024  # LINE's limit for a rich menu image
    definition = menu_definition(language, TEXTS, layout)
    assert [a["action"]["data"] for a in definition["areas"]] == [area.data for area in layout.areas]
    assert all(len(a["action"]["label"]) <= 20 for a in definition["areas"])
    assert len(definition["chatBarText"]) <= 14 and TEXTS(language, layout.chat_bar) == definition["chatBarText"]


def test_the_disaster_menu_is_drawn_in_warning_colours_with_its_own_postbacks():
    assert [area.data for area in DISASTER_MENU.areas] == [
        "action=alert",
        "action=shelters",
        "action=checkin&a=safe",
        "action=checkin&a=help",
        "action=hotlines",
        "action=status",
    ]
    image = Image.open(io.BytesIO(render_image("en", TEXTS, DISASTER_MENU))).convert("RGB")
    assert image.getpixel((20, 20)) == (0xB7, 0x1C, 0x1C)  # the first cell: deep red
    assert image.getpixel((2, 2)) == (0, 0, 0)  # on a black frame


def test_the_command_creates_twelve_menus_and_residents_get_the_one_of_their_language(stack, tmp_path):
    result = CliRunner().invoke(cli, ["--config", str(tmp_path / "config.yaml"), "line", "richmenu"])
    assert result.exit_code == 0, result.output
    overview = requests.get(f"{stack.sandbox_url}/sandbox/line/richmenus", timeout=5).json()
    assert len(overview["menus"]) == 24 and all(menu["image"] == "image/png" for menu in overview["menus"])
    with stack.services.session_factory() as session:
        rows = session.scalars(select(LineRichMenu)).all()
    stored = {row.language: row.rich_menu_id for row in rows if row.kind == "normal"}
    assert set(stored) == set(LANGUAGES) and {row.language for row in rows if row.kind == "disaster"} == set(LANGUAGES)
    assert overview["default"] == stored["zh-Hant"]  # followers without a menu of their own see the city's language
    assert f"{stored['zh-Hant']}  (default)" in result.output

    user = users(1)[0]
    messages = stack.converse(user, type="follow")
    thai = next(
        item["action"]["data"] for item in messages[-1]["quickReply"]["items"] if item["action"]["label"] == "ภาษาไทย"
    )
    stack.converse(user, type="postback", data=thai)
    linked = requests.get(
        f"{stack.sandbox_url}/v2/bot/user/{user}/richmenu",
        timeout=5,
        headers={"Authorization": f"Bearer {SANDBOX_SECRETS['line.channel_access_token']}"},
    )
    assert linked.json()["richMenuId"] == stored["th"]
    default = requests.get(
        f"{stack.sandbox_url}/v2/bot/user/all/richmenu",
        timeout=5,
        headers={"Authorization": f"Bearer {SANDBOX_SECRETS['line.channel_access_token']}"},
    )
    assert default.json()["richMenuId"] == stored["zh-Hant"]
