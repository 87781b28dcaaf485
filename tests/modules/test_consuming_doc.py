"""The snippets of docs/consuming-rotated-secrets.md: HCL validated, Python run, YAML parsed.

The two application snippets (plain-cache, retry-on-refused-login) run against a real PostgreSQL
in tests/postgres/test_postgres_consumers.py; every other named block is checked here.
"""

from __future__ import annotations

import json
import re
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.parse import parse_qs, urlparse

import pytest
import tfharness
import yaml
from docsnippets import REPO_ROOT, snippets

DOC = REPO_ROOT / "docs" / "consuming-rotated-secrets.md"
RUN_ELSEWHERE = {"plain-cache", "retry-on-refused-login"}  # tests/postgres
HCL = ("events-sqs", "ecs-redeploy", "rds-proxy")
SOURCE = re.compile(
    r'source = "git::https://github\.com/<org>/secret-rotation\.git//modules/([a-z-]+)\?ref=<tag>"'
)
# Secrets Manager rotates at most every four hours (rotation schedules).
SHORTEST_INTERVAL_S = 4 * 3600
# What the snippets leave to the reader (var.*).
READER_INPUTS = """
variable "ecs_cluster_arn" { type = string }
variable "ecs_service_name" { type = string }
variable "ecs_service_arn" { type = string }
variable "execution_role_arn" { type = string }
variable "image" { type = string }
variable "master_secret_arn" { type = string }
variable "proxy_role_arn" { type = string }
variable "subnet_ids" { type = list(string) }
"""
ROOT = """
terraform {
  required_providers {
    aws     = { source = "hashicorp/aws", version = "~> 5.100" }
    archive = { source = "hashicorp/archive", version = "~> 2.7" }
  }
}

provider "aws" {
  region = "eu-west-1"
}
"""


def test_every_snippet_is_checked() -> None:
    assert set(snippets(DOC)) == RUN_ELSEWHERE | set(HCL) | {
        "lambda-extension",
        "eks-csi-driver",
        "eks-external-secrets",
    }


def test_hcl_snippets_validate_together(tmp_path: Path, tf: tfharness.TerraformHarness) -> None:
    """One root module holding every HCL snippet, the module sources pointed at this checkout."""
    found = snippets(DOC)
    parts = [ROOT, READER_INPUTS]
    for name in HCL:
        assert found[name].language == "hcl", name
        code, calls = SOURCE.subn(lambda m: f'source = "./modules/{m[1]}"', found[name].code)
        assert calls == found[name].code.count('module "'), f"{name}: a module source not rewritten"
        parts.append(f"# snippet: {name}\n{code}")
    # Local paths (an absolute one would be a package of its own, outside which ../ may not go).
    for folder in ("modules", "rotator"):
        (tmp_path / folder).symlink_to(REPO_ROOT / folder)
    (tmp_path / "main.tf").write_text("\n".join(parts))
    try:
        validated = tf.run(tmp_path, "validate", "-no-color")
    finally:
        tf.terraform.close(tmp_path)
        shutil.rmtree(tmp_path / ".terraform", ignore_errors=True)
    assert validated.returncode == 0, validated.stdout + validated.stderr


class _Extension(BaseHTTPRequestHandler):
    """What the Lambda extension answers: the secret for the function's own session token."""

    token = "session-token-of-this-function"
    secrets: dict[tuple[str, str], str] = {}  # noqa: RUF012  set by the fixture
    seen: list[dict[str, Any]] = []  # noqa: RUF012

    def do_GET(self) -> None:
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.seen.append({"path": url.path, "query": query})
        if self.headers.get("X-Aws-Parameters-Secrets-Token") != self.token:
            self.send_response(401)
            self.end_headers()
            return
        key = (query.get("secretId", ""), query.get("versionStage", "AWSCURRENT"))
        if url.path != "/secretsmanager/get" or key not in self.secrets:
            self.send_response(400)
            self.end_headers()
            return
        body = json.dumps({"Name": key[0], "SecretString": self.secrets[key]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def extension(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[_Extension]]:
    _Extension.secrets = {
        ("prod/orders/db", "AWSCURRENT"): json.dumps({"username": "orders", "password": "c"}),
        ("prod/orders/db", "AWSPENDING"): json.dumps({"username": "orders", "password": "p"}),
    }
    _Extension.seen = []
    server = HTTPServer(("127.0.0.1", 0), _Extension)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", str(server.server_port))
    monkeypatch.setenv("AWS_SESSION_TOKEN", _Extension.token)
    try:
        yield _Extension
    finally:
        server.shutdown()


def test_lambda_snippet_reads_through_the_extension(
    extension: type[_Extension], monkeypatch: pytest.MonkeyPatch
) -> None:
    found = snippets(DOC)["lambda-extension"]
    assert found.language == "python"
    namespace: dict[str, Any] = {"__name__": "handler"}
    exec(found.code, namespace)  # noqa: S102  the documented code, run as documented
    read = namespace["from_extension"]

    assert read("prod/orders/db") == {"username": "orders", "password": "c"}
    assert read("prod/orders/db", "AWSPENDING")["password"] == "p"
    assert extension.seen[0] == {
        "path": "/secretsmanager/get",
        "query": {"secretId": "prod/orders/db", "versionStage": "AWSCURRENT"},
    }
    # Another token (not this function's) is refused: the snippet sends the session's own.
    monkeypatch.setenv("AWS_SESSION_TOKEN", "someone-else")
    with pytest.raises(HTTPError, match="401"):
        read("prod/orders/db")


def _seconds(duration: str) -> int:
    """A Go duration as the CSI driver and External Secrets take it ("2m", "15m", "1h")."""
    units = {"s": 1, "m": 60, "h": 3600}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)([smh])", duration))


def test_csi_driver_snippet_rotates_and_names_the_secret() -> None:
    found = snippets(DOC)["eks-csi-driver"]
    assert found.language == "yaml"
    values, provider_class = yaml.safe_load_all(found.code)
    assert values["enableSecretRotation"] is True  # off by default: mounts never change
    assert 0 < _seconds(values["rotationPollInterval"]) < SHORTEST_INTERVAL_S
    assert provider_class["apiVersion"] == "secrets-store.csi.x-k8s.io/v1"
    assert provider_class["kind"] == "SecretProviderClass"
    assert provider_class["spec"]["provider"] == "aws"
    (secret,) = yaml.safe_load(provider_class["spec"]["parameters"]["objects"])
    assert (secret["objectName"], secret["objectType"]) == ("prod/orders/db", "secretsmanager")
    assert {p["path"] for p in secret["jmesPath"]} == {"username", "password"}


def test_external_secrets_snippet_refreshes_below_the_shortest_interval() -> None:
    found = snippets(DOC)["eks-external-secrets"]
    document = yaml.safe_load(found.code)
    assert document["apiVersion"] == "external-secrets.io/v1"
    assert document["kind"] == "ExternalSecret"
    refresh = _seconds(document["spec"]["refreshInterval"])
    assert 0 < refresh < SHORTEST_INTERVAL_S  # "0" would never refresh
    (source,) = document["spec"]["dataFrom"]
    assert source["extract"]["key"] == "prod/orders/db"


def test_shared_function_snippet_validates_with_the_many_secrets_example(
    tmp_path: Path, tf: tfharness.TerraformHarness
) -> None:
    """examples/many-secrets/README.md's rule for every secret under the prefix, in a copy of the
    example with the queue it names."""
    found = snippets(REPO_ROOT / "examples" / "many-secrets" / "README.md")["many-secrets-events"]
    example = tmp_path / "examples" / "many-secrets"
    shutil.copytree(
        REPO_ROOT / "examples" / "many-secrets",
        example,
        ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*", "builds"),
    )
    for folder in ("modules", "rotator"):
        (tmp_path / folder).symlink_to(REPO_ROOT / folder)
    queue = 'resource "aws_sqs_queue" "reload" {\n  name = "orders-reload"\n}\n'
    (example / "events.tf").write_text(queue + found.code)
    try:
        validated = tf.run(example, "validate", "-no-color")
    finally:
        tf.terraform.close(example)
    assert validated.returncode == 0, validated.stdout + validated.stderr
