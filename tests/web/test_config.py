"""Configuration from LMS_* variables: known keys only, no default secret in production."""

from __future__ import annotations

import stat

import pytest

from lms.config import ROOT, SETTINGS, ConfigError, load


def env(tmp_path, **values: str) -> dict[str, str]:
    return {"LMS_INSTANCE_PATH": str(tmp_path / "instance"), **values}


def test_production_without_a_secret_key_refuses_to_start(tmp_path):
    with pytest.raises(ConfigError, match="LMS_SECRET_KEY"):
        load(environ=env(tmp_path, LMS_ENV="production"))
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_production_with_a_secret_key_uses_it_and_secure_cookies(tmp_path):
    config = load(environ=env(tmp_path, LMS_ENV="production",
                              LMS_SECRET_KEY="a-long-random-production-key"))
    assert config["SECRET_KEY"] == "a-long-random-production-key"
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_an_unknown_setting_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="LMS_FOO"):
        load(environ=env(tmp_path, LMS_FOO="1"))


def test_a_misspelt_setting_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="LMS_DATABASE_URI"):
        load(environ=env(tmp_path, LMS_DATABASE_URI="sqlite://"))


def test_variables_outside_the_lms_prefix_and_test_variables_are_ignored(tmp_path):
    config = load(environ=env(tmp_path, LMS_ENV="testing", HOME="/root",
                              LMS_TEST_POSTGRES_URL="postgresql://x"))
    assert config["ENV_NAME"] == "testing"


@pytest.mark.parametrize(("name", "value"), [
    ("LMS_ALLOW_REGISTRATION", "perhaps"),
    ("LMS_SMTP_PORT", "twenty-five"),
    ("LMS_ENV", "staging"),
])
def test_a_value_that_does_not_parse_is_an_error(tmp_path, name, value):
    with pytest.raises(ConfigError):
        load(environ=env(tmp_path, **{"LMS_ENV": "testing", name: value}))


def test_development_creates_a_private_secret_key_once_and_reuses_it(tmp_path):
    first = load(environ=env(tmp_path, LMS_ENV="development"))
    key_file = tmp_path / "instance" / "secret_key"
    assert key_file.is_file()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first["SECRET_KEY"]) >= 32
    assert key_file.read_text().strip() == first["SECRET_KEY"]
    written = key_file.stat().st_mtime_ns

    second = load(environ=env(tmp_path, LMS_ENV="development"))
    assert second["SECRET_KEY"] == first["SECRET_KEY"]
    assert key_file.stat().st_mtime_ns == written
    # No temporary files left behind by the atomic write.
    assert sorted(p.name for p in (tmp_path / "instance").iterdir()) == ["secret_key"]


def test_development_keys_differ_between_instances(tmp_path):
    one = load(environ={"LMS_INSTANCE_PATH": str(tmp_path / "a")})
    two = load(environ={"LMS_INSTANCE_PATH": str(tmp_path / "b")})
    assert one["SECRET_KEY"] != two["SECRET_KEY"]


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path):
    config = load(environ=env(tmp_path, LMS_ENV="testing"))
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'instance' / 'lms.db'}"
    assert config["SESSION_COOKIE_SECURE"] is False


def test_every_setting_is_documented_in_the_readme():
    rows = {line.split("|")[1].strip(" `"): line
            for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
            if line.startswith("| `LMS_")}
    assert set(rows) == set(SETTINGS)
    for name, (_parse, _default, meaning) in SETTINGS.items():
        assert meaning.strip() and meaning in rows[name], name
