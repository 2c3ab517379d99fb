"""The deployment files, validated offline (no Docker engine here, DESIGN §11).

docker-compose.yml against the compose spec, deploy/k8s/ with `kubernetes-validate --strict`, and
the promises the files make to operators: supervised containers, ordered start-up, every topic of
shared/topics.py created, pinned images, probes and limits, configuration documented in one place.

`deployed_env_by_service()` is the seam for the settings test: it returns, per service, the
environment variable names that compose and the manifests set on it.
"""

from __future__ import annotations

import asyncio
import functools
import http.server
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from shared.topics import TOPICS, all_topic_names

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
COMPOSE_FILE = REPO / "docker-compose.yml"
ENV_EXAMPLE = REPO / ".env.example"
K8S = REPO / "deploy" / "k8s"
KUBERNETES_VERSION = "1.37.0"
"""The Kubernetes API version the manifests are validated against (kubernetes-validate -k)."""

SERVICE_PORTS = {
    "booking": 8001,
    "records": 8002,
    "formulary": 8003,
    "notifications": 8004,
    "gateway": 8080,
}
SERVICES = tuple(SERVICE_PORTS)

IMAGE_ENV = frozenset({"SERVICE"})
"""Read by deploy/entrypoint.sh to pick the service, not a setting of the service."""

ONE_SHOT_JOBS = frozenset({"kafka-topics", "db-setup"})
NO_HEALTHCHECK_POSSIBLE = {
    "otel-collector": "built FROM scratch: no shell, no HTTP client, no self-check command",
}
"""Long-running containers whose image cannot run any health check, and why."""
WATCHED_FROM_OUTSIDE = {"otel-collector": "otel-collector-probe"}
"""Each of those, and the container that asks its health endpoint from outside."""

ENV_LINE = re.compile(r"^(# )?([A-Z][A-Z0-9_]*)=(.*)$")
INTERPOLATION = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:[:?+-][^}]*)?\}")


# --- loading -------------------------------------------------------------------------------------


@functools.cache
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def compose_services() -> dict[str, dict[str, Any]]:
    return compose()["services"]


def mesocare_containers() -> dict[str, dict[str, Any]]:
    """Compose services that run a MesoCare service (those with SERVICE in their environment)."""
    return {
        name: svc
        for name, svc in compose_services().items()
        if "SERVICE" in (svc.get("environment") or {})
    }


def k8s_manifest_files() -> list[Path]:
    """Every Kubernetes resource file (kustomization.yaml is kustomize's, not the API's)."""
    return sorted(p for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")


@functools.cache
def k8s_objects() -> tuple[dict[str, Any], ...]:
    return tuple(
        doc for path in k8s_manifest_files() for doc in yaml.safe_load_all(path.read_text()) if doc
    )


def k8s_of_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in k8s_objects() if o["kind"] == kind}


def env_example() -> tuple[dict[str, str], set[str]]:
    """(.env.example's uncommented NAME=value lines, every name it documents incl. commented)."""
    active: dict[str, str] = {}
    documented: set[str] = set()
    for line in ENV_EXAMPLE.read_text().splitlines():
        if m := ENV_LINE.match(line):
            documented.add(m[2])
            if not m[1]:
                active[m[2]] = m[3]
    return active, documented


# --- the seam for the settings test --------------------------------------------------------------


def compose_env_by_service() -> dict[str, set[str]]:
    """{service: env var names docker-compose.yml sets on its container}, SERVICE excluded."""
    return {
        svc["environment"]["SERVICE"]: set(svc["environment"]) - IMAGE_ENV
        for svc in mesocare_containers().values()
    }


def k8s_env_by_service() -> dict[str, set[str]]:
    """{service: env var names deploy/k8s sets on its Deployment}, SERVICE excluded.

    Names from `envFrom` ConfigMaps are the ConfigMap's keys, as Kubernetes expands them.
    """
    config_maps = k8s_of_kind("ConfigMap")
    found: dict[str, set[str]] = {}
    for deployment in k8s_of_kind("Deployment").values():
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            env = {e["name"]: e for e in container.get("env", [])}
            names = set(env)
            for source in container.get("envFrom", []):
                assert "configMapRef" in source, "envFrom only from ConfigMaps, keys must be known"
                names |= set(config_maps[source["configMapRef"]["name"]]["data"])
            found[env["SERVICE"]["value"]] = names - IMAGE_ENV
    return found


def deployed_env_by_service() -> dict[str, set[str]]:
    """{service: every env var name compose or the Kubernetes manifests set on that service}."""
    merged: dict[str, set[str]] = {s: set() for s in SERVICES}
    for source in (compose_env_by_service(), k8s_env_by_service()):
        for service, names in source.items():
            merged[service] |= names
    return merged


def run_tool(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=60, cwd=REPO
    )


# --- validity ------------------------------------------------------------------------------------


class TestFilesAreValid:
    def test_compose_file_matches_the_compose_spec(self) -> None:
        done = run_tool(
            BIN / "check-jsonschema", "--builtin-schema", "vendor.compose-spec", COMPOSE_FILE
        )
        assert done.returncode == 0, done.stdout + done.stderr

    def test_every_kubernetes_manifest_passes_strict_validation(self) -> None:
        done = run_tool(
            BIN / "kubernetes-validate",
            "--strict",
            "--quiet",
            "--kubernetes-version",
            KUBERNETES_VERSION,
            *k8s_manifest_files(),
        )
        assert done.returncode == 0, done.stdout + done.stderr

    def test_kustomization_lists_exactly_the_manifests(self) -> None:
        kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
        assert sorted(kustomization["resources"]) == sorted(p.name for p in k8s_manifest_files())

    def test_the_otel_collector_config_parses(self) -> None:
        config = yaml.safe_load((REPO / "deploy" / "otel-collector.yaml").read_text())
        assert set(config["service"]["pipelines"]) == {"traces", "metrics"}


# --- compose: supervision and start-up order -----------------------------------------------------


class TestComposeSupervisesEveryContainer:
    def long_running(self) -> dict[str, dict[str, Any]]:
        return {n: s for n, s in compose_services().items() if n not in ONE_SHOT_JOBS}

    def test_every_long_running_container_has_a_healthcheck(self) -> None:
        missing = [
            name
            for name, svc in self.long_running().items()
            if name not in NO_HEALTHCHECK_POSSIBLE
            and (not svc.get("healthcheck", {}).get("test") or svc["healthcheck"].get("disable"))
        ]
        assert missing == []

    def test_containers_without_a_healthcheck_are_only_the_documented_exceptions(self) -> None:
        for name in NO_HEALTHCHECK_POSSIBLE:
            assert "healthcheck" not in compose_services()[name]

    def test_the_collector_is_watched_through_its_health_check_extension(self) -> None:
        assert set(WATCHED_FROM_OUTSIDE) == set(NO_HEALTHCHECK_POSSIBLE)
        config = yaml.safe_load((REPO / "deploy" / "otel-collector.yaml").read_text())
        assert "health_check" in config["service"]["extensions"]
        port = config["extensions"]["health_check"]["endpoint"].rsplit(":", 1)[1]
        probe = compose_services()[WATCHED_FROM_OUTSIDE["otel-collector"]]
        assert probe["healthcheck"]["test"] == [
            "CMD",
            "python",
            "/app/deploy/healthcheck.py",
            f"http://otel-collector:{port}/",
        ]
        assert probe["image"] == compose_services()["kafka-topics"]["image"]  # has Python
        assert probe["depends_on"]["otel-collector"]["condition"] == "service_started"

    def test_every_long_running_container_restarts(self) -> None:
        policies = {n: s.get("restart") for n, s in self.long_running().items()}
        assert {n: p for n, p in policies.items() if p not in ("always", "unless-stopped")} == {}

    def test_one_shot_jobs_are_not_restarted(self) -> None:
        for name in ONE_SHOT_JOBS:
            assert compose_services()[name]["restart"] == "no"

    def test_every_depends_on_names_a_condition(self) -> None:
        for name, svc in compose_services().items():
            depends_on = svc.get("depends_on", {})
            assert isinstance(depends_on, dict), f"{name}: depends_on must be a map with conditions"
            for target, how in depends_on.items():
                assert target in compose_services(), f"{name} depends on unknown {target}"
                assert how.get("condition") in {
                    "service_started",
                    "service_healthy",
                    "service_completed_successfully",
                }, f"{name} -> {target}"

    def test_healthy_conditions_only_name_containers_with_a_healthcheck(self) -> None:
        for svc in compose_services().values():
            for target, how in svc.get("depends_on", {}).items():
                if how["condition"] == "service_healthy":
                    assert "test" in compose_services()[target].get("healthcheck", {}), target

    def test_services_wait_for_database_broker_and_topics(self) -> None:
        for name, svc in mesocare_containers().items():
            conditions = {t: h["condition"] for t, h in svc["depends_on"].items()}
            assert conditions["postgres"] == "service_healthy", name
            assert conditions["kafka"] == "service_healthy", name
            assert conditions["kafka-topics"] == "service_completed_successfully", name

    def test_gateway_waits_for_the_four_services(self) -> None:
        depends_on = compose_services()["gateway"]["depends_on"]
        for service in ("booking", "records", "formulary", "notifications"):
            assert depends_on[service]["condition"] == "service_healthy"

    def test_notifications_waits_for_the_mail_catcher(self) -> None:
        depends_on = compose_services()["notifications"]["depends_on"]
        assert depends_on["mailpit"]["condition"] == "service_healthy"

    def test_data_lives_in_named_volumes(self) -> None:
        volumes = set(compose()["volumes"])
        for name in ("postgres", "kafka", "mailpit"):
            mounts = compose_services()[name]["volumes"]
            named = {m.split(":")[0] for m in mounts if not m.startswith(".")}
            assert named and named <= volumes, name


class TestComposeRunsTheFiveServicesFromOneImage:
    def test_all_five_services_run(self) -> None:
        assert sorted(compose_env_by_service()) == sorted(SERVICES)

    def test_they_share_one_image_built_from_the_dockerfile(self) -> None:
        containers = [*mesocare_containers().values(), compose_services()["kafka-topics"]]
        assert {c["image"] for c in containers} == {"${MESOCARE_IMAGE:-mesocare:dev}"}
        assert all(c["build"]["context"] == "." for c in containers)

    @pytest.mark.parametrize("service", SERVICES)
    def test_each_listens_on_its_port_and_is_checked_there(self, service: str) -> None:
        svc = compose_services()[service]
        prefix, port = service.upper(), SERVICE_PORTS[service]
        assert svc["environment"][f"{prefix}_HOST"] == "0.0.0.0"
        assert svc["environment"][f"{prefix}_PORT"] == str(port)
        assert svc["healthcheck"]["test"][-1] == f"http://127.0.0.1:{port}/readyz"
        assert svc["ports"] == [f"127.0.0.1:{port}:{port}"]

    def test_urls_between_services_point_at_their_ports(self) -> None:
        for service, names in compose_env_by_service().items():
            env = compose_services()[service]["environment"]
            for name in names:
                for target, port in SERVICE_PORTS.items():
                    if name == f"{service.upper()}_{target.upper()}_URL":
                        assert env[name] == f"http://{target}:{port}"

    def test_apache_kafka_gets_the_idempotent_producer(self) -> None:
        # By default; another broker is configured through the environment, not by an edit.
        for svc in mesocare_containers().values():
            assert svc["environment"]["KAFKA_IDEMPOTENCE"] == "${KAFKA_IDEMPOTENCE:-true}"

    def test_every_platform_setting_comes_from_the_environment_with_a_default(self) -> None:
        from shared.settings import PlatformSettings

        wired_by_compose = {"DATABASE_URL"}  # not given: each service has its own logins
        left_out = {"MESOCARE_DEMO_NETWORK_ID"}  # demo data: make run only
        # No default: from .env.
        secrets = {"MESOCARE_JWT_SECRET", "MESOCARE_JWT_JWKS_URL", "MESOCARE_CURSOR_SECRET"}
        names = {str(f.validation_alias) for f in PlatformSettings.model_fields.values()}
        for svc in mesocare_containers().values():
            env = svc["environment"]
            assert names - left_out - wired_by_compose <= set(env)
            for name in names - left_out - wired_by_compose - secrets:
                assert str(env[name]).startswith(f"${{{name}:-"), name

    def test_kafka_runs_in_kraft_mode(self) -> None:
        env = compose_services()["kafka"]["environment"]
        assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
        assert "ZOOKEEPER" not in " ".join(env)

    def test_traces_go_to_the_collector_which_sends_them_to_jaeger(self) -> None:
        config = yaml.safe_load((REPO / "deploy" / "otel-collector.yaml").read_text())
        http_endpoint = config["receivers"]["otlp"]["protocols"]["http"]["endpoint"]
        for svc in mesocare_containers().values():
            url = svc["environment"]["OTEL_EXPORTER_OTLP_ENDPOINT"]
            port = http_endpoint.rsplit(":", 1)[1]
            assert url == f"${{OTEL_EXPORTER_OTLP_ENDPOINT:-http://otel-collector:{port}}}"
        (exporter,) = config["service"]["pipelines"]["traces"]["exporters"]
        assert config["exporters"][exporter]["endpoint"] == "jaeger:4317"

    def test_metrics_are_scraped_from_every_service_and_exposed_for_prometheus(self) -> None:
        config = yaml.safe_load((REPO / "deploy" / "otel-collector.yaml").read_text())
        (scrape,) = config["receivers"]["prometheus"]["config"]["scrape_configs"]
        targets = {t for group in scrape["static_configs"] for t in group["targets"]}
        assert targets == {f"{s}:{p}" for s, p in SERVICE_PORTS.items()}
        assert config["service"]["pipelines"]["metrics"]["exporters"] == ["prometheus"]
        port = config["exporters"]["prometheus"]["endpoint"].rsplit(":", 1)[1]
        assert f"127.0.0.1:{port}:{port}" in compose_services()["otel-collector"]["ports"]

    def test_db_setup_provisions_every_service_before_any_starts(self) -> None:
        job = compose_services()["db-setup"]
        assert job["command"] == ["python", "-m", "shared.provision"]
        assert job["depends_on"]["postgres"]["condition"] == "service_healthy"
        for service in SERVICES:
            for suffix in ("DB_PASSWORD", "DB_OWNER_PASSWORD"):
                assert f"{service.upper()}_{suffix}" in job["environment"]
        for svc in mesocare_containers().values():
            assert svc["depends_on"]["db-setup"]["condition"] == "service_completed_successfully"

    def test_no_service_gets_the_superusers_login(self) -> None:
        for name, svc in mesocare_containers().items():
            env = svc["environment"]
            assert "DATABASE_URL" not in env, name
            prefix = name.upper()
            runtime = env[f"{prefix}_DATABASE_URL"]
            owner = env[f"{prefix}_MIGRATION_DATABASE_URL"]
            assert runtime.startswith(f"postgresql://mesocare_{name}:"), runtime
            assert owner.startswith(f"postgresql://mesocare_{name}_owner:"), owner
            assert runtime.endswith(f"@postgres:5432/mesocare_{name}")
            assert owner.endswith(f"@postgres:5432/mesocare_{name}")


# --- topics --------------------------------------------------------------------------------------


class TestTopicJobCreatesEveryTopic:
    def test_compose_job_runs_the_shared_topic_script(self) -> None:
        job = compose_services()["kafka-topics"]
        assert job["command"][:2] == ["python", "/app/deploy/create_topics.py"]
        assert job["depends_on"]["kafka"]["condition"] == "service_healthy"

    def test_kubernetes_job_runs_the_same_script(self) -> None:
        (container,) = k8s_of_kind("Job")["mesocare-topics"]["spec"]["template"]["spec"][
            "containers"
        ]
        assert container["command"][:2] == ["python", "/app/deploy/create_topics.py"]

    def test_the_image_carries_the_script(self) -> None:
        assert "deploy/create_topics.py" in (REPO / "Dockerfile").read_text()
        assert "!deploy/create_topics.py" in (REPO / ".dockerignore").read_text().splitlines()

    def test_every_topic_and_dead_letter_topic_exists_after_the_job(
        self, broker_bootstrap: str
    ) -> None:
        for _ in range(2):  # the second run finds everything there and still succeeds
            done = run_tool(
                sys.executable,
                REPO / "deploy" / "create_topics.py",
                "--bootstrap-servers",
                broker_bootstrap,
                "--attempts",
                "5",
                "--retry-seconds",
                "0.5",
            )
            assert done.returncode == 0, done.stderr
        partitions = asyncio.run(topic_partitions(broker_bootstrap))
        assert set(all_topic_names()) <= set(partitions)
        for topic in TOPICS:
            assert partitions[topic.name] == partitions[topic.dlq] == topic.partitions

    def test_the_job_fails_when_no_broker_answers(self) -> None:
        from devstack.ports import free_port

        done = run_tool(
            sys.executable,
            REPO / "deploy" / "create_topics.py",
            "--bootstrap-servers",
            f"127.0.0.1:{free_port()}",
            "--attempts",
            "1",
            "--retry-seconds",
            "0",
        )
        assert done.returncode == 1


@pytest.fixture(scope="module")
def broker_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Kafka-protocol broker (tansu, as the local stack runs it)."""
    from devstack.broker import Tansu
    from devstack.ports import free_port

    broker = Tansu(port=free_port(), log_path=tmp_path_factory.mktemp("tansu") / "tansu.log")
    broker.start()
    try:
        yield broker.bootstrap
    finally:
        broker.stop()


async def topic_partitions(bootstrap: str) -> dict[str, int]:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5_000)
    await admin.start()
    try:
        return {t["topic"]: len(t["partitions"]) for t in await admin.describe_topics()}
    finally:
        await admin.close()


# --- images --------------------------------------------------------------------------------------


def assert_pinned(image: str) -> None:
    name, _, tag = image.rpartition(":")
    assert name and "/" not in tag, f"{image}: no tag"
    assert tag != "latest", f"{image}: latest is not a pin"


class TestEveryImageIsPinned:
    def test_compose_images(self) -> None:
        for svc in compose_services().values():
            if "build" not in svc:
                assert_pinned(svc["image"])

    def test_kubernetes_images(self) -> None:
        for kind in ("Deployment", "Job"):
            for obj in k8s_of_kind(kind).values():
                for container in obj["spec"]["template"]["spec"]["containers"]:
                    assert_pinned(container["image"])
        kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
        for image in kustomization["images"]:
            assert image["newTag"] not in ("", "latest")

    def test_dockerfile_base_image(self) -> None:
        text = (REPO / "Dockerfile").read_text()
        (default,) = re.findall(r"^ARG PYTHON_IMAGE=(\S+)$", text, re.MULTILINE)
        assert_pinned(default)
        assert default.startswith("python:3.11.") and "-slim" in default


# --- the image -----------------------------------------------------------------------------------


class TestTheImage:
    dockerfile = (REPO / "Dockerfile").read_text()

    def test_is_multi_stage(self) -> None:
        stages = re.findall(r"^FROM \S+ AS (\w+)$", self.dockerfile, re.MULTILINE)
        assert stages == ["build", "runtime"]
        assert "COPY --from=build /opt/venv /opt/venv" in self.dockerfile

    def test_installs_the_runtime_dependencies_at_the_locked_versions(self) -> None:
        import tomllib

        project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]

        def normal(name: str) -> str:
            return re.sub(r"[-_.]+", "-", name.split("[")[0]).lower()

        locked = {
            normal(name): version
            for name, _, version in (
                line.partition("==")
                for line in (REPO / "requirements.lock").read_text().splitlines()
            )
        }
        for requirement in project["dependencies"]:
            name, _, version = requirement.partition("==")
            assert locked.get(normal(name)) == version, f"{requirement} is not what the lock pins"
        # Runtime dependencies only, constrained by the lock; no local-stack or dev extras.
        assert "pip install -c requirements.lock -r runtime.txt" in self.dockerfile
        assert ".[" not in self.dockerfile

    def test_runs_as_a_non_root_numeric_user(self) -> None:
        (user,) = re.findall(r"^USER (\S+)$", self.dockerfile, re.MULTILINE)
        uid = user.split(":")[0]
        assert uid.isdigit() and int(uid) != 0
        for kind in ("Deployment", "Job"):
            for obj in k8s_of_kind(kind).values():
                assert obj["spec"]["template"]["spec"]["securityContext"]["runAsUser"] == int(uid)

    def test_bakes_in_no_secret(self) -> None:
        for line in self.dockerfile.splitlines():
            if line.startswith(("ENV", "ARG")):
                assert not re.search(r"SECRET|PASSWORD|TOKEN|DATABASE_URL", line), line

    def test_build_context_is_an_allowlist(self) -> None:
        lines = [
            line
            for line in (REPO / ".dockerignore").read_text().splitlines()
            if line and not line.startswith("#")
        ]
        assert lines[0] == "*"
        allowed = [line[1:] for line in lines if line.startswith("!")]
        for never in (".env", ".venv", ".git", "tests"):
            assert not any(a.startswith(never) for a in allowed), never
        for needed in ("requirements.lock", "pyproject.toml", "shared/", "services/"):
            assert needed in allowed

    def test_entrypoint_runs_the_service_that_service_names(self) -> None:
        script = (REPO / "deploy" / "entrypoint.sh").read_text()
        assert 'exec python -m "services.${SERVICE}"' in script
        for service in SERVICES:
            assert (REPO / "services" / service).is_dir()
            assert service in script

    def test_entrypoint_refuses_an_unknown_service(self) -> None:
        done = subprocess.run(
            ["sh", str(REPO / "deploy" / "entrypoint.sh")],
            env={"PATH": "/usr/bin:/bin", "SERVICE": "pharmacy"},
            capture_output=True,
            text=True,
            timeout=10,
        )
        assert done.returncode == 64
        assert "SERVICE must be one of" in done.stderr

    def test_entrypoint_runs_a_given_command_instead(self) -> None:
        done = subprocess.run(
            ["sh", str(REPO / "deploy" / "entrypoint.sh"), "echo", "one-shot"],
            env={"PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            timeout=10,
        )
        assert (done.returncode, done.stdout) == (0, "one-shot\n")


class _AliveNotReady(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/healthz" else 503)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """An HTTP server whose /healthz is 200 and /readyz 503."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _AliveNotReady)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class TestHealthcheckScript:
    def check(self, *args: str) -> int:
        return run_tool(sys.executable, REPO / "deploy" / "healthcheck.py", *args).returncode

    def test_healthy_on_200(self, server: str) -> None:
        assert self.check(f"{server}/healthz") == 0

    def test_unhealthy_on_503(self, server: str) -> None:
        assert self.check(f"{server}/readyz") == 1

    def test_unhealthy_when_nothing_listens(self) -> None:
        from devstack.ports import free_port

        assert self.check(f"http://127.0.0.1:{free_port()}/healthz") == 1


# --- Kubernetes ----------------------------------------------------------------------------------


class TestKubernetesDeployments:
    def containers(self, service: str) -> list[dict[str, Any]]:
        return k8s_of_kind("Deployment")[service]["spec"]["template"]["spec"]["containers"]

    def test_every_service_has_a_deployment(self) -> None:
        assert sorted(k8s_of_kind("Deployment")) == sorted(SERVICES)

    @pytest.mark.parametrize("service", SERVICES)
    def test_runs_at_least_two_replicas(self, service: str) -> None:
        assert k8s_of_kind("Deployment")[service]["spec"]["replicas"] >= 2
        assert k8s_of_kind("HorizontalPodAutoscaler")[service]["spec"]["minReplicas"] >= 2

    @pytest.mark.parametrize("service", SERVICES)
    def test_probes_liveness_on_healthz_and_readiness_on_readyz(self, service: str) -> None:
        for container in self.containers(service):
            assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
            # Database only: with Kafka down, writes still land in the outbox (DESIGN §8).
            assert container["readinessProbe"]["httpGet"]["path"] == "/readyz?checks=database"
            (port,) = container["ports"]
            assert port["containerPort"] == SERVICE_PORTS[service]
            assert container["livenessProbe"]["httpGet"]["port"] == port["name"]

    @pytest.mark.parametrize("service", SERVICES)
    def test_has_requests_and_limits_within_the_memory_budget(self, service: str) -> None:
        for container in self.containers(service):
            resources = container["resources"]
            assert set(resources["requests"]) >= {"cpu", "memory"}
            assert set(resources["limits"]) >= {"cpu", "memory"}
            limit = resources["limits"]["memory"]
            assert limit.endswith("Mi") and 256 <= int(limit[:-2]) <= 512

    @pytest.mark.parametrize("service", SERVICES)
    def test_runs_non_root_on_a_read_only_root_filesystem(self, service: str) -> None:
        pod = k8s_of_kind("Deployment")[service]["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        for container in pod["containers"]:
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True
            assert security["allowPrivilegeEscalation"] is False
            assert security["capabilities"]["drop"] == ["ALL"]

    @pytest.mark.parametrize("service", SERVICES)
    def test_has_a_service_a_disruption_budget_and_an_autoscaler(self, service: str) -> None:
        labels = k8s_of_kind("Deployment")[service]["spec"]["selector"]["matchLabels"]
        svc = k8s_of_kind("Service")[service]
        assert svc["spec"]["selector"] == labels
        assert svc["spec"]["ports"][0]["port"] == SERVICE_PORTS[service]
        assert k8s_of_kind("PodDisruptionBudget")[service]["spec"]["selector"]["matchLabels"] == (
            labels
        )
        hpa = k8s_of_kind("HorizontalPodAutoscaler")[service]
        assert hpa["apiVersion"] == "autoscaling/v2"
        assert hpa["spec"]["scaleTargetRef"] == {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": service,
        }

    def test_urls_between_services_point_at_their_services(self) -> None:
        for service in SERVICES:
            for container in self.containers(service):
                for env in container["env"]:
                    for target, port in SERVICE_PORTS.items():
                        if env["name"] == f"{service.upper()}_{target.upper()}_URL":
                            assert env["value"] == f"http://{target}:{port}"


class TestKubernetesReferencesSecretsAndInfrastructure:
    def test_no_secret_is_embedded(self) -> None:
        assert k8s_of_kind("Secret") == {}

    def test_secrets_come_from_mesocare_secrets(self) -> None:
        for name, deployment in k8s_of_kind("Deployment").items():
            service = name.removeprefix("mesocare-")
            wanted = {
                f"{service.upper()}_DATABASE_URL": f"{service}-database-url",
                f"{service.upper()}_MIGRATION_DATABASE_URL": f"{service}-migration-database-url",
                "MESOCARE_JWT_SECRET": "jwt-secret",
            }
            for container in deployment["spec"]["template"]["spec"]["containers"]:
                refs = {
                    e["name"]: e["valueFrom"]["secretKeyRef"]
                    for e in container["env"]
                    if "secretKeyRef" in e.get("valueFrom", {})
                }
                assert {n: r["key"] for n, r in refs.items()} == wanted
                assert {r["name"] for r in refs.values()} == {"mesocare-secrets"}

    def test_only_the_db_setup_job_gets_the_superusers_url(self) -> None:
        jobs = {
            name: {
                e["name"] for c in job["spec"]["template"]["spec"]["containers"] for e in c["env"]
            }
            for name, job in k8s_of_kind("Job").items()
        }
        assert [name for name, env in jobs.items() if "DATABASE_URL" in env] == [
            "mesocare-db-setup"
        ]
        for service in SERVICES:
            assert f"{service.upper()}_DB_PASSWORD" in jobs["mesocare-db-setup"]

    def test_configmap_holds_no_secret(self) -> None:
        data = k8s_of_kind("ConfigMap")["mesocare-config"]["data"]
        assert not {"DATABASE_URL", "MESOCARE_JWT_SECRET"} & set(data)

    def test_kafka_and_postgres_are_external(self) -> None:
        kinds = {o["kind"] for o in k8s_objects()}
        assert "StatefulSet" not in kinds
        for kind in ("Deployment", "Job"):
            for obj in k8s_of_kind(kind).values():
                for container in obj["spec"]["template"]["spec"]["containers"]:
                    assert not re.search(r"kafka|postgres|redpanda", container["image"])
        data = k8s_of_kind("ConfigMap")["mesocare-config"]["data"]
        assert data["KAFKA_IDEMPOTENCE"] == "true"
        assert data["KAFKA_BOOTSTRAP_SERVERS"]


# --- configuration is documented in one place ----------------------------------------------------


class TestConfigurationIsDocumentedInEnvExample:
    def test_every_variable_set_on_a_mesocare_container_is_documented(self) -> None:
        _, documented = env_example()
        set_somewhere = set().union(*deployed_env_by_service().values()) | IMAGE_ENV
        for name in ONE_SHOT_JOBS:
            set_somewhere |= set(compose_services()[name]["environment"])
        for job in k8s_of_kind("Job").values():
            for container in job["spec"]["template"]["spec"]["containers"]:
                set_somewhere |= {e["name"] for e in container.get("env", [])}
        assert sorted(set_somewhere - documented) == []

    def test_every_variable_compose_reads_from_env_is_an_uncommented_line(self) -> None:
        active, _ = env_example()
        interpolated = set(INTERPOLATION.findall(COMPOSE_FILE.read_text()))
        assert sorted(interpolated - set(active)) == []

    def test_every_uncommented_line_is_read_by_compose(self) -> None:
        active, _ = env_example()
        text = COMPOSE_FILE.read_text()
        interpolated = set(INTERPOLATION.findall(text))
        passed_through = {
            name
            for svc in compose_services().values()
            for name, value in (svc.get("environment") or {}).items()
            if value is None
        }
        assert sorted(set(active) - interpolated - passed_through) == []

    def test_compose_defaults_match_the_documented_values(self) -> None:
        active, _ = env_example()
        text = COMPOSE_FILE.read_text()
        for name, default in re.findall(r"\$\{([A-Z_][A-Z0-9_]*):-([^}]*)\}", text):
            assert active[name] == default, name

    def test_every_documented_variable_has_a_comment_above_it(self) -> None:
        lines = ENV_EXAMPLE.read_text().splitlines()
        for i, line in enumerate(lines):
            if ENV_LINE.match(line):
                above = lines[i - 1]
                assert above.startswith("# ") and not ENV_LINE.match(above), line

    def test_every_service_block_is_documented(self) -> None:
        _, documented = env_example()
        for service in SERVICES:
            prefix = service.upper()
            assert {f"{prefix}_HOST", f"{prefix}_PORT", f"{prefix}_DATABASE_URL"} <= documented

    def test_the_jwt_secret_has_no_usable_value_in_the_example(self) -> None:
        active, _ = env_example()
        assert "MESOCARE_JWT_SECRET" not in active
        assert compose_services()["booking"]["environment"]["MESOCARE_JWT_SECRET"] is None

    def test_the_helper_covers_every_service_from_both_sources(self) -> None:
        by_service = deployed_env_by_service()
        assert sorted(by_service) == sorted(SERVICES)
        for service, names in by_service.items():
            assert {f"{service.upper()}_HOST", f"{service.upper()}_PORT"} <= names
            database = {
                f"{service.upper()}_DATABASE_URL",
                f"{service.upper()}_MIGRATION_DATABASE_URL",
            }
            assert database | {"KAFKA_BOOTSTRAP_SERVERS", "MESOCARE_JWT_SECRET"} <= names
            assert "DATABASE_URL" not in names  # the superuser's: db-setup only
            assert not names & IMAGE_ENV
