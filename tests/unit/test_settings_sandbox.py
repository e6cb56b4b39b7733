"""The sandbox lets anyone act as any provider: on by default only without a public URL."""

from __future__ import annotations

from core.settings import Settings


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_the_sandbox_is_on_locally_and_off_facing_the_world() -> None:
    assert settings().sandbox_on is True
    assert settings(public_url="https://mounasabet.ma").sandbox_on is False
    assert settings(public_url="https://x.ma", sandbox_enabled=True).sandbox_on is True
    assert settings(sandbox_enabled=False).sandbox_on is False
