"""The reused AWS provider's trimmed schema (terraform_offline/schema_proxy.py): which entries of
the schema message stay, which types a directory is found to use, and what Terraform then sees
through the proxy from the real provider."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from tf.gen import tfplugin_pb2  # tfplugin6; GetProviderSchema.Response numbers its fields as 5

from terraform_offline.provider_reuse import AWS_PROVIDER, ProviderPool
from terraform_offline.runner import Terraform, TerraformError
from terraform_offline.schema_proxy import SchemaCache, trim_schema, types_in_use

QUEUE = 'resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n'
CALLER = 'data "aws_caller_identity" "me" {}\n'
ONE_CONFIGURATION = 'provider "aws" {\n  region = "us-east-1"\n}\n'
# A configuration the provider accepts with no AWS at all (the plan below reads nothing).
CONFIGURED_OFFLINE = """provider "aws" {
  region                      = "us-east-1"
  access_key                  = "not-a-key"
  secret_key                  = "not-a-key"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}
"""
# What `terraform providers schema -json` lists for hashicorp/aws 5.100 launched by Terraform.
FULL_SCHEMA_AT_LEAST = 1000


def _ephemeral_entry(name: str) -> bytes:
    """A map entry of field 8 (ephemeral_resource_schemas), which tf's older message lacks."""
    key = b"\x0a" + bytes([len(name)]) + name.encode()
    return b"\x42" + bytes([len(key)]) + key


def test_only_the_kept_types_stay_and_everything_else_passes_unchanged() -> None:
    response = tfplugin_pb2.GetProviderSchema.Response()
    response.provider.version = 7
    for name in ("aws_sqs_queue", "aws_iam_role", "aws_instance"):
        response.resource_schemas[name].version = 1
    for name in ("aws_caller_identity", "aws_ami"):
        response.data_source_schemas[name].version = 2
    response.functions["arn_parse"].summary = "kept whatever it is called"
    response.diagnostics.add(summary="a warning the provider sent")
    message = response.SerializeToString()
    message += _ephemeral_entry("aws_secretsmanager_secret_version")
    message += _ephemeral_entry("aws_kms_secrets")

    keep = {"aws_sqs_queue", "aws_caller_identity", "aws_secretsmanager_secret_version"}
    trimmed_bytes = trim_schema(message, keep)
    trimmed = tfplugin_pb2.GetProviderSchema.Response.FromString(trimmed_bytes)

    assert set(trimmed.resource_schemas) == {"aws_sqs_queue"}
    assert set(trimmed.data_source_schemas) == {"aws_caller_identity"}
    assert trimmed.resource_schemas["aws_sqs_queue"] == response.resource_schemas["aws_sqs_queue"]
    assert trimmed.provider == response.provider
    assert list(trimmed.functions) == ["arn_parse"]
    assert [d.summary for d in trimmed.diagnostics] == ["a warning the provider sent"]
    assert b"aws_secretsmanager_secret_version" in trimmed_bytes
    assert b"aws_kms_secrets" not in trimmed_bytes
    assert trim_schema(message, set()) != message


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_the_types_of_root_modules_and_state_are_found(tmp_path: Path) -> None:
    root = tmp_path / "root"
    _write(root / "main.tf", 'module "local" {\n  source = "../shared"\n}\n' + CALLER)
    # A local module is read in place; a downloaded one under .terraform/modules.
    _write(tmp_path / "shared" / "main.tf", QUEUE)
    downloaded = ".terraform/modules/remote/modules/x"
    _write(root / downloaded / "main.tf.json", '{"resource": {"aws_iam_role": {}}}')
    _write(
        root / ".terraform/modules/modules.json",
        json.dumps(
            {
                "Modules": [
                    {"Key": "", "Source": "", "Dir": "."},
                    {"Key": "local", "Source": "../shared", "Dir": "../shared"},
                    {"Key": "remote", "Source": "git::…", "Dir": downloaded},
                ]
            }
        ),
    )
    # State: the default file, and a local backend's path elsewhere.
    _write(root / "terraform.tfstate", '{"resources": [{"type": "aws_sns_topic"}]}')
    elsewhere = tmp_path / "states" / "shared.tfstate"
    _write(elsewhere, '{"resources": [{"type": "aws_kms_key"}]}')
    _write(
        root / ".terraform/terraform.tfstate",
        json.dumps({"backend": {"type": "local", "config": {"path": str(elsewhere)}}}),
    )
    # Files Terraform does not read as configuration: not counted.
    _write(root / "notes.md", "aws_instance")
    _write(root / "nested/main.tf", 'resource "aws_vpc" "v" {}\n')

    found = types_in_use(root, "aws_")

    assert {"aws_caller_identity", "aws_sqs_queue", "aws_iam_role"} <= found
    assert {"aws_sns_topic", "aws_kms_key"} <= found
    assert not {"aws_instance", "aws_vpc"} & found


def test_a_binary_s_schema_is_asked_once_whatever_path_names_it(tmp_path: Path) -> None:
    binary = tmp_path / "mirror" / "terraform-provider-aws"
    _write(binary, "a provider")
    installed = tmp_path / "stack" / "terraform-provider-aws"
    installed.parent.mkdir()
    installed.symlink_to(binary)  # what `terraform init` leaves for an unpacked mirror
    other = tmp_path / "other-provider"
    _write(other, "another provider")
    asked: list[str] = []
    cache = SchemaCache()

    def ask(answer: str) -> bytes:
        asked.append(answer)
        return answer.encode()

    assert cache.get(binary, lambda: ask("aws")) == b"aws"
    assert cache.get(installed, lambda: ask("again")) == b"aws"
    assert cache.get(other, lambda: ask("other")) == b"other"
    assert asked == ["aws", "other"]


@pytest.fixture
def pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[ProviderPool]:
    """A pool of its own, so the test's providers are not the session's."""
    own = ProviderPool()
    monkeypatch.setattr("terraform_offline.runner.POOL", own)
    yield own
    own.stop_all()


def _schema_types(runner: Terraform, directory: Path) -> tuple[set[str], set[str]]:
    shown = json.loads(runner.run(directory, "providers", "schema", "-json").stdout)
    aws = shown["provider_schemas"][AWS_PROVIDER]
    return set(aws.get("resource_schemas", {})), set(aws.get("data_source_schemas", {}))


def test_terraform_sees_the_directory_s_types_through_the_real_provider(
    tmp_path: Path, offline_terraform_env: dict[str, str], pool: ProviderPool
) -> None:
    stack = tmp_path / "stack"
    _write(stack / "main.tf", ONE_CONFIGURATION + QUEUE)
    env = {k: v for k, v in offline_terraform_env.items() if k != "AWS_CA_BUNDLE"}
    reused = Terraform(env, reuse_providers=True)
    reused.init(stack)

    # A name counts in each map that has it: hashicorp/aws has a data source aws_sqs_queue too.
    assert _schema_types(reused, stack) == ({"aws_sqs_queue"}, {"aws_sqs_queue"})
    reused.run(stack, "validate")
    (running,) = pool._running.values()

    # The same running provider, a configuration that grew: the next command sees the new type.
    _write(stack / "caller.tf", CALLER)
    grown = ({"aws_sqs_queue"}, {"aws_sqs_queue", "aws_caller_identity"})
    assert _schema_types(reused, stack) == grown
    assert running.alive()

    # A second directory's commands that only read reach the same running provider through a
    # proxy of their own, which serves that directory's types.
    second = tmp_path / "second"
    _write(second / "main.tf", ONE_CONFIGURATION + CALLER)
    reused.init(second)
    assert _schema_types(reused, second) == (set(), {"aws_caller_identity"})
    reused.run(second, "validate")
    assert list(pool._running.values()) == [running]
    proxied = {directory for directory, _ in pool._proxies}
    assert proxied == {str(stack.resolve()), str(second.resolve())}

    # A directory's own provider (a command that writes starts one) is never asked for its
    # schema either (the first answer is kept); it serves its own types all the same.
    pool.reattach_env(second, env)
    assert _schema_types(reused, second) == (set(), {"aws_caller_identity"})
    assert len({p.process.pid for p in pool._running.values()}) == 2

    # Without the proxy Terraform gets everything: the trimming is the proxy's.
    resources, _ = _schema_types(Terraform(env), stack)
    assert len(resources) > FULL_SCHEMA_AT_LEAST


def test_a_type_only_in_a_state_elsewhere_fails_with_a_hint(
    tmp_path: Path, offline_terraform_env: dict[str, str], pool: ProviderPool
) -> None:
    """The limit the proxy has: it reads the directory's own state, not a ``-state=`` file."""
    stack = tmp_path / "stack"
    _write(stack / "main.tf", CONFIGURED_OFFLINE)
    topic = {"id": "arn:aws:sns:us-east-1:123456789012:t", "name": "t"}
    state = {
        "version": 4,
        "serial": 1,
        "lineage": "test",
        "outputs": {},
        "resources": [
            {
                "mode": "managed",
                "type": "aws_sns_topic",
                "name": "t",
                "provider": f'provider["{AWS_PROVIDER}"]',
                "instances": [{"schema_version": 0, "attributes": topic}],
            }
        ],
    }
    elsewhere = tmp_path / "elsewhere.tfstate"
    _write(elsewhere, json.dumps(state))
    env = {k: v for k, v in offline_terraform_env.items() if k != "AWS_CA_BUNDLE"}
    reused = Terraform(env, reuse_providers=True)
    reused.init(stack)

    with pytest.raises(TerraformError, match="Hint: with reuse_providers") as failure:
        reused.run(stack, "plan", "-refresh=false", "-input=false", f"-state={elsewhere}")
    assert "aws_sns_topic" in str(failure.value)
