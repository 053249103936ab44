"""Every setting is documented in docs/settings.example.env (a test that fails when one is not)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from shelfwise.settings import Settings

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "settings.example.env"


def _env_names(model: type[BaseModel], prefix: str) -> list[str]:
    names = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names += _env_names(annotation, f"{prefix}{name.upper()}__")
        else:
            names.append(f"{prefix}{name.upper()}")
    return names


def test_every_setting_is_in_the_example_file() -> None:
    text = EXAMPLE.read_text()
    missing = [name for name in _env_names(Settings, "SHELFWISE_") if name not in text]
    assert not missing, f"undocumented settings: {missing}"


def test_nested_settings_come_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("SHELFWISE_IDENTITY__MAX_ACCOUNTS_PER_KEY", "25")
    monkeypatch.setenv("SHELFWISE_HOME", "/tmp/x")
    settings = Settings()
    assert settings.identity.max_accounts_per_key == 25
    assert settings.resolved_store_url() == "sqlite:////tmp/x/shelfwise.db"
