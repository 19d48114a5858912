"""Settings: the documented config file, environment interpolation, errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import settings as settings_module
from bot.settings import PROJECT_ROOT, ConfigError, default_config_path, load_settings
from messages.translate import FailurePolicy


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_config_is_valid_and_embedded_by_default():
    settings = load_settings(PROJECT_ROOT / "config.yaml", environ={})
    assert settings.database.url == f"sqlite:///{PROJECT_ROOT / 'var' / 'civicast.db'}"
    assert settings.translation.api_key is None
    assert len(settings.languages) == 12 and settings.default_language == "zh-Hant"


def test_every_line_of_the_shipped_config_is_documented():
    lines = (PROJECT_ROOT / "config.yaml").read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and not stripped.endswith(":"):
            assert lines[index - 1].strip().startswith("#"), f"config.yaml line {index + 1} has no comment: {line}"


def test_environment_interpolation(tmp_path):
    path = write(tmp_path, "translation:\n  engine: deepl\n  api_key: ${DEEPL_KEY}\n  timeout_s: ${MT_TIMEOUT:-3}\n")
    settings = load_settings(path, environ={"DEEPL_KEY": "secret"})
    assert settings.translation.api_key == "secret" and settings.translation.timeout_s == 3


def test_missing_environment_variable_names_key_and_variable(tmp_path):
    path = write(tmp_path, "translation:\n  api_key: ${DEEPL_KEY}\n")
    with pytest.raises(ConfigError, match=r"translation\.api_key: environment variable DEEPL_KEY is not set"):
        load_settings(path, environ={})


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("translation:\n  timeout_s: -1\n", "translation.timeout_s"),
        ("translation:\n  policy: maybe\n", "translation.policy"),
        ("translation:\n  engine: babelfish\n", "translation.engine"),
        ("languages: [en, xx]\n", "languages"),
        ("public_base_url: notices\n", "public_base_url"),
        ("databse:\n  url: sqlite://\n", "databse"),
        ("channels:\n  sandbox:\n    line:\n      error_rate: 0.6\n      drop_rate: 0.6\n", "channels.sandbox.line"),
    ],
)
def test_bad_values_name_the_key(tmp_path, text, named):
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, text), environ={})
    assert named in str(caught.value) and "\n" not in str(caught.value)


def test_database_url_and_config_file_from_environment(tmp_path):
    path = write(tmp_path, "translation:\n  policy: hold\n")
    settings = load_settings(environ={"CIVICAST_CONFIG": str(path), "DATABASE_URL": "postgresql+psycopg://db/x"})
    assert settings.translation.policy is FailurePolicy.HOLD
    assert settings.database.url == "postgresql+psycopg://db/x"


def test_relative_sqlite_path_is_next_to_the_config_file(tmp_path):
    settings = load_settings(write(tmp_path, "database:\n  url: sqlite:///data/c.db\n"), environ={})
    assert settings.database.url == f"sqlite:///{tmp_path / 'data' / 'c.db'}"
    assert (tmp_path / "data").is_dir()


def test_a_checkout_falls_back_on_its_own_config_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert default_config_path({}) == PROJECT_ROOT / "config.yaml"
    write(tmp_path, "default_language: en\n")
    assert default_config_path({}) == tmp_path / "config.yaml"


def test_an_installed_copy_keeps_the_database_under_the_current_directory(tmp_path, monkeypatch):
    """An installed wheel carries config.yaml inside the package: it is the fallback, and its relative paths lead
    under the directory civicast runs in, not into the installed package."""
    packaged = tmp_path / "site-packages" / "bot" / "data" / "config.yaml"
    packaged.parent.mkdir(parents=True)
    packaged.write_text((PROJECT_ROOT / "config.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(settings_module, "PACKAGED_CONFIG", packaged)
    workdir = tmp_path / "work"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    assert default_config_path({}) == packaged
    settings = load_settings(environ={})
    assert settings.database.url == f"sqlite:///{workdir / 'var' / 'civicast.db'}"
    assert settings.base_dir == workdir and settings.config_file == packaged
    assert load_settings(write(workdir, "default_language: en\n"), environ={}).base_dir == workdir


def test_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.yaml", environ={})
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_settings(write(tmp_path, "a: [1, 2\n"), environ={})


def test_keyed_engines_need_a_key(tmp_path):
    with pytest.raises(ConfigError, match="translation: .*deepl engine needs api_key"):
        load_settings(write(tmp_path, "translation:\n  engine: deepl\n"), environ={})


def test_every_registered_channel_has_its_section_under_channels():
    from bot.channel_settings import ChannelsSettings
    from channels.registry import default_registry

    fields = ChannelsSettings.model_fields
    for channel_type in default_registry():
        section = fields[channel_type.section_name].annotation
        expected = tuple[channel_type.settings, ...] if channel_type.many else channel_type.settings
        assert section == expected, channel_type.name


def test_web_push_in_live_mode_needs_the_city_s_key_and_an_unset_key_file_is_no_key(tmp_path):
    live = (
        "channels:\n  mode: live\n  line:\n    channel_access_token: real\n    channel_secret: real\n"
        "  facebook:\n    page_access_token: real\n    app_secret: real\n"
        "  webpush:\n    enabled: true\n    vapid_private_key_file: ${CIVICAST_VAPID_KEY_FILE:-}\n"
        f"console:\n  secret_key: {'k' * 40}\n"
    )
    with pytest.raises(ConfigError, match="channels.webpush.vapid_private_key"):
        load_settings(write(tmp_path, live), environ={})
    key_file = tmp_path / "vapid.pem"
    settings = load_settings(write(tmp_path, live), environ={"CIVICAST_VAPID_KEY_FILE": str(key_file)})
    assert settings.channels.webpush.vapid_private_key_file == key_file
    sandbox = load_settings(write(tmp_path, "channels:\n  webpush:\n    vapid_private_key_file: ''\n"), environ={})
    assert sandbox.channels.webpush.vapid_private_key_file is None
