"""Configuration from LMS_* variables: known keys only, no default secret in production."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from lms.config import ROOT, SETTINGS, ConfigError, load


def env(tmp_path, **values: str) -> dict[str, str]:
    return {"LMS_INSTANCE_PATH": str(tmp_path / "instance"), **values}


def test_production_without_a_secret_key_refuses_to_start(tmp_path):
    with pytest.raises(ConfigError, match="LMS_SECRET_KEY"):
        load(environ=env(tmp_path, LMS_ENV="production"))
    assert not (tmp_path / "instance" / "secret_key").exists()


PRODUCTION_KEY = "a-long-random-production-key-of-40-bytes"
PUBLIC_URL = "https://lms.example.org"


def production(tmp_path, **values: str) -> dict[str, str]:
    return env(tmp_path, **{"LMS_ENV": "production", "LMS_SECRET_KEY": PRODUCTION_KEY,
                            "LMS_PUBLIC_URL": PUBLIC_URL, **values})


def test_production_with_a_secret_key_uses_it_and_secure_cookies(tmp_path):
    config = load(environ=production(tmp_path))
    assert config["SECRET_KEY"] == PRODUCTION_KEY
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


@pytest.mark.parametrize("key", ["k", "x" * 31, "é" * 15])
def test_production_refuses_a_secret_key_shorter_than_32_bytes(tmp_path, key):
    with pytest.raises(ConfigError, match="at least 32 bytes"):
        load(environ=production(tmp_path, LMS_SECRET_KEY=key))
    assert load(environ=production(tmp_path, LMS_SECRET_KEY="é" * 16))["SECRET_KEY"] == "é" * 16


def test_production_refuses_to_start_without_a_public_url(tmp_path):
    environ = production(tmp_path)
    del environ["LMS_PUBLIC_URL"]
    with pytest.raises(ConfigError, match="LMS_PUBLIC_URL must be set"):
        load(environ=environ)


def test_production_refuses_a_plain_http_public_url(tmp_path):
    with pytest.raises(ConfigError, match="https://"):
        load(environ=production(tmp_path, LMS_PUBLIC_URL="http://lms.example.org"))


@pytest.mark.parametrize("value", [
    "https://lms.example.org/lms", "https://lms.example.org/?next=x", "https://lms.example.org#x",
    "https://user:pw@lms.example.org", "ftp://lms.example.org", "lms.example.org",
    " https://lms.example.org", "https://lms.example.org:99999", "https://[::1]",
    "https://lms.example.org\n",
])
def test_a_public_url_with_more_than_scheme_and_host_is_refused(tmp_path, value):
    with pytest.raises(ConfigError, match="scheme://host"):
        load(environ=production(tmp_path, LMS_PUBLIC_URL=value))


def test_the_public_url_is_normalised_and_its_host_alone_is_trusted_in_production(tmp_path):
    config = load(environ=production(tmp_path, LMS_PUBLIC_URL="https://LMS.Example.org:8443/"))
    assert config["LMS_PUBLIC_URL"] == "https://lms.example.org:8443"
    assert config["TRUSTED_HOSTS"] == ["lms.example.org"]


@pytest.mark.parametrize("lms_env", ["development", "testing"])
def test_development_and_testing_default_to_loopback_and_trust_loopback_names(tmp_path, lms_env):
    config = load(environ=env(tmp_path, LMS_ENV=lms_env))
    assert config["LMS_PUBLIC_URL"] == "http://127.0.0.1:5000"
    assert set(config["TRUSTED_HOSTS"]) == {"127.0.0.1", "localhost"}


@pytest.mark.parametrize("value", ["-1", "11", "two"])
def test_trusted_proxies_is_a_small_number_of_hops(tmp_path, value):
    assert load(environ=env(tmp_path, LMS_ENV="testing"))["LMS_TRUSTED_PROXIES"] == 0
    assert load(environ=env(tmp_path, LMS_ENV="testing",
                            LMS_TRUSTED_PROXIES="2"))["LMS_TRUSTED_PROXIES"] == 2
    with pytest.raises(ConfigError, match="LMS_TRUSTED_PROXIES must be a number"):
        load(environ=env(tmp_path, LMS_ENV="testing", LMS_TRUSTED_PROXIES=value))


def test_the_wsgi_entry_defaults_to_production(tmp_path):
    """gunicorn wsgi:app without LMS_ENV refuses to run without production's settings."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    environ["LMS_INSTANCE_PATH"] = str(tmp_path / "instance")
    refused = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=environ,
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0
    assert "LMS_SECRET_KEY must be set in production" in refused.stderr

    environ.update(LMS_SECRET_KEY=PRODUCTION_KEY, LMS_PUBLIC_URL=PUBLIC_URL)
    started = subprocess.run(
        [sys.executable, "-c", "import gc, wsgi; print(wsgi.app.config['ENV_NAME'], "
                               "wsgi.app.config['SESSION_COOKIE_SECURE'], "
                               "gc.get_freeze_count() > 100_000)"],
        cwd=ROOT, env=environ, capture_output=True, text=True, timeout=60)
    # The app's own objects are frozen out of the collector's full passes (wsgi.py).
    assert started.stdout.split() == ["production", "True", "True"], started.stderr


def test_make_run_sets_development_explicitly():
    recipe = (ROOT / "Makefile").read_text(encoding="utf-8").split("\nrun:", 1)[1]
    recipe = recipe.split("\n\n", 1)[0]
    commands = [line.strip() for line in recipe.splitlines()[1:] if line.strip()]
    assert commands and all(line.startswith("LMS_ENV=development ") for line in commands)


def test_a_report_computes_in_three_threads_with_postgresql_and_two_with_sqlite(tmp_path):
    # PostgreSQL works in its own processes while this one counts; SQLite works here.
    postgres = "postgresql+psycopg://lms@127.0.0.1:5432/lms"
    assert load(environ=env(tmp_path, LMS_DATABASE_URL=postgres))["LMS_REPORT_WORKERS"] == 3
    assert load(environ=env(tmp_path))["LMS_REPORT_WORKERS"] == 2
    assert load(environ=env(tmp_path, LMS_DATABASE_URL=postgres,
                            LMS_REPORT_WORKERS="2"))["LMS_REPORT_WORKERS"] == 2
    assert load(environ=env(tmp_path, LMS_ENV="testing"))["LMS_REPORT_WORKERS"] == 1
