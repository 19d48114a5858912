"""LINE rich menus: drawn in each language's script, created through the LINE API, linked on language choice."""

from __future__ import annotations

import io

import pytest
import requests
from click.testing import CliRunner
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select

from bot.cli import cli
from bot.conversation.texts import BotTexts
from bot.richmenu import AREAS, HEIGHT, WIDTH, LineRichMenu, _family, _font, menu_definition, render_image
from bot.settings import SANDBOX_SECRETS
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
def test_each_languages_menu_is_drawn_in_its_own_script(language):
    for area in AREAS:
        label = TEXTS(language, f"label.{area}")
        font = _font(_family(language, label), 60)
        assert draws_every_character(font, label), f"{language} {label!r} has characters the font lacks"
    png = render_image(language, TEXTS)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (WIDTH, HEIGHT)
    assert len(png) < 1024 * 1024  # LINE's limit for a rich menu image
    definition = menu_definition(language, TEXTS)
    assert [a["action"]["data"] for a in definition["areas"]] == [f"action={area}" for area in AREAS]
    assert all(len(a["action"]["label"]) <= 20 for a in definition["areas"])
    assert len(definition["chatBarText"]) <= 14


def test_the_command_creates_twelve_menus_and_residents_get_the_one_of_their_language(stack, tmp_path):
    result = CliRunner().invoke(cli, ["--config", str(tmp_path / "config.yaml"), "line", "richmenu"])
    assert result.exit_code == 0, result.output
    overview = requests.get(f"{stack.sandbox_url}/sandbox/line/richmenus", timeout=5).json()
    assert len(overview["menus"]) == 12 and all(menu["image"] == "image/png" for menu in overview["menus"])
    with stack.services.session_factory() as session:
        stored = {row.language: row.rich_menu_id for row in session.scalars(select(LineRichMenu))}
    assert set(stored) == set(LANGUAGES)
    assert overview["default"] == stored["zh-Hant"]  # followers without a menu of their own see the city's language
    assert f"{stored['zh-Hant']}  (default)" in result.output

    user = users(1)[0]
    messages = stack.converse(user, type="follow")
    thai = next(item["action"]["data"] for item in messages[-1]["quickReply"]["items"]
                if item["action"]["label"] == "ภาษาไทย")
    stack.converse(user, type="postback", data=thai)
    linked = requests.get(f"{stack.sandbox_url}/v2/bot/user/{user}/richmenu", timeout=5,
                          headers={"Authorization": f"Bearer {SANDBOX_SECRETS['line.channel_access_token']}"})
    assert linked.json()["richMenuId"] == stored["th"]
    default = requests.get(f"{stack.sandbox_url}/v2/bot/user/all/richmenu", timeout=5,
                           headers={"Authorization": f"Bearer {SANDBOX_SECRETS['line.channel_access_token']}"})
    assert default.json()["richMenuId"] == stored["zh-Hant"]
