"""Every environment variable the deployment sets is a real setting of the service it is set on,
and every setting a service requires is set (a typo in compose would otherwise be ignored);
.env.example lists every setting of every service and nothing else."""

from __future__ import annotations

import importlib

import pytest
from pydantic_settings import BaseSettings

from shared.settings import PlatformSettings, ServiceSettings
from tests.unit.test_deploy_files import (
    COMPOSE_FILE,
    IMAGE_ENV,
    INTERPOLATION,
    SERVICES,
    compose_env_by_service,
    env_example,
    k8s_env_by_service,
)

NOT_CONFIGURATION = frozenset({"platform", "service"})
"""Fields that are not settings: `platform` is the nested block (its own names are listed), and
`service` is the service's identity (its database, consumer group and metric labels)."""


def env_names(settings: type[BaseSettings]) -> dict[str, bool]:
    """{env var name: required} for a settings class (aliases, or prefix + field name)."""
    prefix = settings.model_config.get("env_prefix", "")
    names = {}
    for name, field in settings.model_fields.items():
        if name in NOT_CONFIGURATION:
            continue
        alias = field.validation_alias
        env = alias if isinstance(alias, str) else f"{prefix}{name}".upper()
        names[env] = field.is_required()
    return names


def settings_of(service: str) -> dict[str, bool]:
    module = importlib.import_module(f"services.{service}.settings")
    cls: type[ServiceSettings] = module.Settings
    return {**env_names(PlatformSettings), **env_names(cls)}


@pytest.mark.parametrize("service", SERVICES)
def test_compose_sets_only_real_settings_of_each_service(service: str) -> None:
    known = settings_of(service)
    unknown = sorted(compose_env_by_service()[service] - set(known))
    assert unknown == [], f"docker-compose.yml sets {unknown} on {service}: not its settings"


@pytest.mark.parametrize("service", SERVICES)
def test_kubernetes_sets_only_real_settings_of_each_service(service: str) -> None:
    known = settings_of(service)
    unknown = sorted(k8s_env_by_service()[service] - set(known))
    assert unknown == [], f"deploy/k8s sets {unknown} on {service}: not its settings"


@pytest.mark.parametrize("service", SERVICES)
def test_every_required_setting_is_set(service: str) -> None:
    required = {name for name, needed in settings_of(service).items() if needed}
    for source in (compose_env_by_service(), k8s_env_by_service()):
        assert required <= source[service]


def test_the_secret_production_needs_is_set_everywhere() -> None:
    for source in (compose_env_by_service(), k8s_env_by_service()):
        for service in SERVICES:
            assert "MESOCARE_JWT_SECRET" in source[service], service


def every_setting() -> set[str]:
    """The env name of every setting of every service, platform block included."""
    return set().union(*(settings_of(service) for service in SERVICES))


class TestEnvExampleListsEverySetting:
    def test_every_setting_of_every_service_is_documented(self) -> None:
        _, documented = env_example()
        assert sorted(every_setting() - documented) == []

    def test_it_names_nothing_but_settings_and_what_compose_or_the_image_read(self) -> None:
        _, documented = env_example()
        compose_only = set(INTERPOLATION.findall(COMPOSE_FILE.read_text())) - every_setting()
        assert sorted(documented - every_setting() - compose_only - IMAGE_ENV) == []
