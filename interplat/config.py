"""One settings object for the whole platform, read from ``INTERPLAT_*`` variables and ``.env``."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]

# Values a careless deployment might leave in place; refused outside development.
PLACEHOLDER_SECRETS = frozenset(
    {"", "changeme", "change-me", "change_me", "secret", "placeholder", "xxx", "todo", "test"}
)
DEV_SECRET_KEY = "dev-only-secret-key-change-me"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class TelephonyBackend(StrEnum):
    DEV = "dev"
    TWILIO = "twilio"


class SpeechBackend(StrEnum):
    FASTER_WHISPER = "faster-whisper"
    OPENAI_WHISPER = "openai-whisper"


class PaymentProvider(StrEnum):
    SANDBOX = "sandbox"
    STRIPE = "stripe"


class EmailBackend(StrEnum):
    DEV = "dev"
    SMTP = "smtp"


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message names the variable to fix."""


class Settings(BaseSettings):
    """Every knob of a deployment. Each field is ``INTERPLAT_<NAME>`` in the environment."""

    model_config = SettingsConfigDict(
        env_prefix="INTERPLAT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    env: Environment = Field(Environment.DEVELOPMENT, description="development, test or production")
    secret_key: SecretStr = Field(
        SecretStr(DEV_SECRET_KEY), description="Signs links and webhooks; 32+ chars in production"
    )
    database_url: str = Field(
        f"sqlite:///{PROJECT_ROOT / 'interplat.db'}",
        description="SQLAlchemy URL; SQLite file by default, postgresql+psycopg://… to scale",
    )
    db_pool_size: int = Field(10, description="PostgreSQL connection pool size per worker")
    redis_url: str | None = Field(
        None, description="Redis URL: shared Reflex state and event bus across workers"
    )
    public_base_url: str = Field(
        "http://localhost:3000", description="Public URL of this deployment (links, webhooks)"
    )
    session_ttl_hours: int = Field(12, description="How long a CSR login lasts")
    scheduler_interval_seconds: int = Field(
        15, description="How often automated messages and abandonment run (0 turns it off)"
    )
    upload_dir: Path = Field(PROJECT_ROOT / "uploaded_files", description="Where media is stored")
    upload_max_bytes: int = Field(25 * 1024 * 1024, description="Largest accepted upload")

    telephony_backend: TelephonyBackend = Field(
        TelephonyBackend.DEV, description="dev (outbox + dev phone) or twilio"
    )
    twilio_account_sid: str | None = Field(None, description="Twilio account SID (AC…)")
    twilio_auth_token: SecretStr | None = Field(None, description="Twilio auth token")
    twilio_from_number: str | None = Field(None, description="Default SMS sender, E.164")

    stt_backend: SpeechBackend = Field(
        SpeechBackend.FASTER_WHISPER, description="faster-whisper or openai-whisper"
    )
    stt_model: str = Field("base", description="Whisper model: base, tiny.en, or a local path")
    stt_language: str = Field(
        "",
        description="Language of voice messages (e.g. en); empty detects it per message (slower)",
    )
    stt_cache_dir: Path = Field(
        PROJECT_ROOT / ".cache" / "whisper",
        description="Where Whisper weights assembled or converted from packages are kept",
    )
    stt_worker_threads: int = Field(
        0, description="Voice messages transcribed at once per worker (0: one per CPU core)"
    )
    voice_max_bytes: int = Field(
        20 * 1024 * 1024, description="Largest voice message file accepted"
    )
    voice_max_seconds: int = Field(300, description="Longest voice message accepted, in seconds")
    voice_silence_seconds: float = Field(
        2.0,
        description="Pause after speech that ends and sends a recording (0 turns auto-stop off)",
    )

    payment_provider: PaymentProvider = Field(
        PaymentProvider.SANDBOX, description="sandbox (built-in test processor) or stripe"
    )
    stripe_secret_key: SecretStr | None = Field(None, description="Stripe secret key (sk_…)")
    stripe_webhook_secret: SecretStr | None = Field(None, description="Stripe signing secret")
    stripe_api_base: str = Field(
        "https://api.stripe.com", description="Stripe API origin (tests point it at a local server)"
    )
    sandbox_webhook_secret: SecretStr | None = Field(
        None, description="Signs the sandbox processor's webhooks; empty: derived from SECRET_KEY"
    )
    api_base_url: str = Field(
        "",
        description="Public URL serving /api (sandbox pages, webhooks); empty: PUBLIC_BASE_URL",
    )

    email_backend: EmailBackend = Field(EmailBackend.DEV, description="dev (outbox) or smtp")
    smtp_host: str = Field("127.0.0.1", description="SMTP server host")
    smtp_port: int = Field(1025, description="SMTP server port")
    smtp_user: str | None = Field(None, description="SMTP user name")
    smtp_password: SecretStr | None = Field(None, description="SMTP password")
    smtp_from: str = Field("Interplat <no-reply@localhost>", description="Sender address")

    @property
    def is_production(self) -> bool:
        return self.env == Environment.PRODUCTION

    def check_deployable(self) -> None:
        """Refuse missing or placeholder secrets outside development; name the variable."""
        if not self.is_production:
            return
        problems: list[str] = []
        _require_secret(problems, "INTERPLAT_SECRET_KEY", self.secret_key, min_length=32)
        if self.telephony_backend == TelephonyBackend.TWILIO:
            _require_secret(problems, "INTERPLAT_TWILIO_AUTH_TOKEN", self.twilio_auth_token)
            if not self.twilio_account_sid:
                problems.append("INTERPLAT_TWILIO_ACCOUNT_SID is missing")
        if self.payment_provider == PaymentProvider.STRIPE:
            _require_secret(problems, "INTERPLAT_STRIPE_SECRET_KEY", self.stripe_secret_key)
            _require_secret(problems, "INTERPLAT_STRIPE_WEBHOOK_SECRET", self.stripe_webhook_secret)
        if self.email_backend == EmailBackend.SMTP and self.smtp_user:
            _require_secret(problems, "INTERPLAT_SMTP_PASSWORD", self.smtp_password)
        if problems:
            raise ConfigError("Refusing to start in production: " + "; ".join(problems))


def _require_secret(
    problems: list[str], name: str, value: SecretStr | None, min_length: int = 1
) -> None:
    raw = value.get_secret_value() if value is not None else ""
    if not raw:
        problems.append(f"{name} is missing")
    elif raw.strip().lower() in PLACEHOLDER_SECRETS or raw == DEV_SECRET_KEY:
        problems.append(f"{name} is a placeholder")
    elif len(raw) < min_length:
        problems.append(f"{name} is shorter than {min_length} characters")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cached; tests call ``get_settings.cache_clear()``)."""
    return Settings()
