import pytest
from pydantic import SecretStr

from interplat.config import ConfigError, Settings

STRONG = "k" * 40


def test_development_accepts_the_built_in_defaults():
    Settings(env="development").check_deployable()


@pytest.mark.parametrize(
    "secret,reason",
    [
        ("", "INTERPLAT_SECRET_KEY is missing"),
        ("changeme", "INTERPLAT_SECRET_KEY is a placeholder"),
        ("dev-only-secret-key-change-me", "INTERPLAT_SECRET_KEY is a placeholder"),
        ("short-but-real", "INTERPLAT_SECRET_KEY is shorter than 32 characters"),
    ],
)
def test_production_refuses_weak_secrets_and_names_the_variable(secret, reason):
    with pytest.raises(ConfigError, match=reason):
        Settings(env="production", secret_key=SecretStr(secret)).check_deployable()


def test_production_with_twilio_needs_its_credentials():
    settings = Settings(env="production", secret_key=SecretStr(STRONG), telephony_backend="twilio")
    with pytest.raises(ConfigError) as err:
        settings.check_deployable()
    assert "INTERPLAT_TWILIO_AUTH_TOKEN is missing" in str(err.value)
    assert "INTERPLAT_TWILIO_ACCOUNT_SID is missing" in str(err.value)
    Settings(
        env="production",
        secret_key=SecretStr(STRONG),
        telephony_backend="twilio",
        twilio_account_sid="AC123",
        twilio_auth_token=SecretStr("t" * 32),
    ).check_deployable()


def test_production_with_stripe_needs_its_keys():
    with pytest.raises(ConfigError, match="INTERPLAT_STRIPE_SECRET_KEY is missing"):
        Settings(
            env="production", secret_key=SecretStr(STRONG), payment_provider="stripe"
        ).check_deployable()


def test_settings_come_from_env_vars_and_a_dotenv_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(
        "INTERPLAT_PUBLIC_BASE_URL=https://chat.example.com\nINTERPLAT_SMTP_PORT=2525\n"
    )
    monkeypatch.setenv("INTERPLAT_SMTP_PORT", "2626")  # the environment wins over .env
    settings = Settings()
    assert settings.public_base_url == "https://chat.example.com"
    assert settings.smtp_port == 2626


def test_secrets_do_not_show_in_the_settings_repr():
    settings = Settings(secret_key=SecretStr(STRONG), twilio_auth_token=SecretStr("tok-123456"))
    assert STRONG not in repr(settings) and "tok-123456" not in repr(settings)


def test_invalid_values_are_refused_with_the_field_name(monkeypatch):
    monkeypatch.setenv("INTERPLAT_STT_BACKEND", "carrier-pigeon")
    with pytest.raises(ValueError, match="stt_backend"):
        Settings()
