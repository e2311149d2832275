"""Settings come from the environment; production refuses the development key."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROD_KEY = "p7S-kq2Vx_9mWc4LrT8bN1zYe6Hj3Ua0Fd5Gs-QwEoPiRtYuLkJhGf"
PROBE = (
    "import json; from noteinvest import settings as s; print(json.dumps({"
    "'debug': s.DEBUG, 'hosts': s.ALLOWED_HOSTS, 'db': s.DATABASES['default']['ENGINE'],"
    "'name': str(s.DATABASES['default']['NAME']), 'ssl': s.SECURE_SSL_REDIRECT,"
    "'hsts': s.SECURE_HSTS_SECONDS, 'tz': s.USE_TZ, 'csp': sorted(s.SECURE_CSP)}))"
)


def run_python(code, **env):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    base.update(env)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=base, capture_output=True, text=True, timeout=60
    )


def load_settings(**env):
    result = run_python(PROBE, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_development_defaults():
    s = load_settings()
    assert s["debug"] is True
    assert s["db"] == "django.db.backends.sqlite3"
    assert s["name"] == str(ROOT / "db.sqlite3")
    assert s["tz"] is True
    assert s["ssl"] is False
    assert "script-src" in s["csp"]


def test_production_refuses_to_start_without_a_secret_key():
    result = run_python(PROBE, DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_the_development_key():
    from noteinvest.settings import DEVELOPMENT_SECRET_KEY

    result = run_python(PROBE, DJANGO_DEBUG="0", DJANGO_SECRET_KEY=DEVELOPMENT_SECRET_KEY)
    assert result.returncode != 0
    assert "real secret key" in result.stderr


@pytest.mark.parametrize(
    "key",
    [
        "short-but-random-Qx7",
        "a" * 60,
        "a" * 55 + "bcde",  # 59 characters, 5 different
        ("abcdefghijk" * 6)[:60],  # 11 different
    ],
)
def test_production_refuses_a_short_or_repetitive_key(key):
    result = run_python(PROBE, DJANGO_DEBUG="0", DJANGO_SECRET_KEY=key)
    assert result.returncode != 0
    assert "at least 50" in result.stderr
    assert "12 of them different" in result.stderr


def test_production_accepts_a_long_key_of_twelve_different_characters():
    key = ("abcdefghijkl" * 5)[:60]
    assert len(set(key)) == 12
    s = load_settings(DJANGO_DEBUG="0", DJANGO_SECRET_KEY=key)
    assert s["debug"] is False


def test_production_settings_from_environment():
    s = load_settings(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=PROD_KEY,
        DJANGO_ALLOWED_HOSTS="notes.example.com, www.notes.example.com",
        DATABASE_URL="postgres://app:pw@db.internal:5432/noteinvest",
    )
    assert s["debug"] is False
    assert s["hosts"] == ["notes.example.com", "www.notes.example.com"]
    assert s["db"] == "django.db.backends.postgresql"
    assert s["name"] == "noteinvest"
    assert s["ssl"] is True
    assert s["hsts"] == 31536000


def test_debug_must_be_one_or_zero():
    result = run_python(PROBE, DJANGO_DEBUG="maybe")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be 1 or 0" in result.stderr


@pytest.mark.django_db
def test_check_deploy_reports_nothing_under_production_variables():
    env = {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": PROD_KEY,
        "DJANGO_ALLOWED_HOSTS": "notes.example.com",
        "DJANGO_EMAIL_HOST": "smtp.example.com",
    }
    if os.environ.get("DATABASE_URL"):
        env["DATABASE_URL"] = os.environ["DATABASE_URL"]
    result = run_python(
        "import sys; from django.core.management import execute_from_command_line;"
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        DJANGO_SETTINGS_MODULE="noteinvest.settings",
        **env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_static_root_comes_from_the_environment(tmp_path):
    probe = "from noteinvest import settings as s; print(s.STATIC_ROOT)"
    default = run_python(probe)
    assert default.stdout.strip() == str(ROOT / "staticfiles")
    moved = run_python(probe, DJANGO_STATIC_ROOT=str(tmp_path / "static"))
    assert moved.stdout.strip() == str(tmp_path / "static")
