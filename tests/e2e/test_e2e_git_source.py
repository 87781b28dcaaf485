"""Used from outside: a root stack in its own directory takes modules/secret-rotation from a git
source at a tag, selects postgres-multi-user and applies on the sandbox, with no clone build.

The repository is a fresh git repository made from this checkout's files (tracked and
not ignored: no build/, no .venv), tagged. The stack lives in a temporary directory outside it and
holds nothing but its main.tf; `terraform init` clones the tag into .terraform/modules. The
driver layer is built by the module during apply with the ordinary pip (pip's configuration and
cache on this machine apply: the wheels are downloaded once). The first rotation, at apply, and
one more against the real PostgreSQL test server must succeed; a later plan has no changes. The
saved-plan variant plans in one fresh directory and applies the plan file in another. The
air-gapped variant publishes the layer once with modules/driver-layer (same tag) and gives its ARN
to a stack that has no Python to build with.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e_support import AppliedStack, fingerprint

from sandbox.server import Sandbox
from terraform_offline.stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "postgres"))

from pgserver import DbUser, PgServer, PostgresUnavailableError, start_server  # noqa: E402

TAG = "v0.0.0-test"
Database = tuple[PgServer, DbUser, dict[str, DbUser]]
APP_PASSWORD = "git-source-initial-pw-'\\\"x"
MASTER_PASSWORD = "git-source-master-pw"
# A user's root stack, as it would be written in the user's own repository. GIT_SOURCE is
# replaced by the git source address; nothing else of this repository is beside it.
MAIN_TF = """
terraform {
  required_version = ">= 1.11"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.88"
    }
  }
}

provider "aws" {
  region = "eu-west-1"
}

variable "name" {
  type = string
}
variable "db" {
  type = object({ host = string, port = number, user = string, master_user = string })
}
variable "ca_bundle" {
  type = string
}
variable "db_password" {
  type      = string
  ephemeral = true
  sensitive = true
}
variable "master_password" {
  type      = string
  ephemeral = true
  sensitive = true
}
variable "driver_layer_arn" {
  type    = string
  default = null
}
variable "driver_layer_python" {
  type    = string
  default = "python3"
}

# The administrator the multi-user strategy logs in with (on RDS, often its managed secret).
resource "aws_secretsmanager_secret" "master" {
  name                    = "${var.name}/master"
  recovery_window_in_days = 0
}

resource "aws_secretsmanager_secret_version" "master" {
  secret_id = aws_secretsmanager_secret.master.id
  secret_string_wo = jsonencode({
    engine = "postgres", host = var.db.host, port = var.db.port, dbname = "postgres"
    username = var.db.master_user, password = var.master_password
  })
  secret_string_wo_version = 1
}

module "orders_db" {
  source = "GIT_SOURCE"

  name                    = var.name
  rotation_strategy       = "postgres-multi-user"
  master_secret_arns      = [aws_secretsmanager_secret.master.arn]
  database_ca_bundle      = var.ca_bundle
  recovery_window_in_days = 0
  secret_string_wo = jsonencode({
    engine = "postgres", host = var.db.host, port = var.db.port, dbname = "postgres"
    username = var.db.user, password = var.db_password, ssl = true
    masterarn = aws_secretsmanager_secret.master.arn
  })
  secret_string_wo_version = 1
  rotation_rules           = { automatically_after_days = 30 }
  driver_layer_arn         = var.driver_layer_arn
  driver_layer_python      = var.driver_layer_python
}

output "secret_arn" {
  value = module.orders_db.secret_arn
}

output "rotation_function_name" {
  value = module.orders_db.rotation_function_name
}
"""
# How an air-gapped org publishes the layer once, from a machine that can reach an index.
LAYER_TF = """
provider "aws" {
  region = "eu-west-1"
}

module "pg8000" {
  source = "GIT_SOURCE"

  name   = "git-source-published-pg8000"
  driver = "postgres"
}

output "layer_version_arn" {
  value = module.pg8000.layer_version_arn
}
"""


def _git(repo: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


@pytest.fixture(scope="module")
def git_repository(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This checkout's files (tracked, or new and not ignored) committed to a new repository."""
    listed = _git(ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    repo = tmp_path_factory.mktemp("secret-rotation-repo")
    for relative in filter(None, listed.split("\0")):
        source = ROOT / relative
        # A tracked file deleted in the working tree is not copied; a symlink is copied as one
        # (modules/rotation-function/package/rotator), as git stores it.
        if source.is_symlink() or source.is_file():
            (repo / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / relative, follow_symlinks=False)
    _git(repo, "init", "--quiet", "--initial-branch=main")
    _git(repo, "add", "--all")
    _git(repo, "commit", "--quiet", "-m", "snapshot for the git-source test")
    _git(repo, "tag", TAG)
    assert not (repo / "build").exists(), "no layer built beforehand"
    return repo


def _source(repo: Path, module: str = "secret-rotation") -> str:
    return f"git::file://{repo}//modules/{module}?ref={TAG}"


@pytest.fixture(scope="module")
def database() -> Iterator[tuple[PgServer, DbUser, dict[str, DbUser]]]:
    """The server, its administrator, and one application user per stack (they rotate apart)."""
    try:
        server, base = start_server()
    except PostgresUnavailableError as exc:
        pytest.fail(f"cannot start the test PostgreSQL server: {exc}", pytrace=False)
    master = DbUser("orders_admin", MASTER_PASSWORD)
    server.create_role(master.name, master.password, attributes="LOGIN CREATEROLE")
    users = {
        stack: DbUser(f"{stack}_app", APP_PASSWORD) for stack in ("direct", "pipeline", "published")
    }
    for user in users.values():
        server.create_role(user.name, user.password)
    yield server, master, users
    server.stop()
    shutil.rmtree(base, ignore_errors=True)


def _fresh_directory(sandbox: Sandbox, main_tf: str) -> Stack:
    """A directory outside the repository holding nothing but main.tf (not yet initialised)."""
    with tempfile.TemporaryDirectory(prefix="user-repo-") as source:
        stack_dir = Path(source) / "examples" / "orders"
        stack_dir.mkdir(parents=True)
        (stack_dir / "main.tf").write_text(main_tf)
        return Stack("orders", sandbox, source_root=Path(source), copied=(), reuse_providers=True)


def _job(
    sandbox: Sandbox,
    repo: Path,
    database: Database,
    stack: str,
    state: Path | None = None,
    **variables: str,
) -> Stack:
    """A fresh directory outside the repository holding only the user's main.tf (and, for the
    pipeline, a backend in a shared place), initialised: the module comes from the git tag."""
    server, master, users = database
    user = users[stack]
    job = _fresh_directory(sandbox, MAIN_TF.replace("GIT_SOURCE", _source(repo)))
    if state is not None:
        (job.dir / "backend.tf").write_text(
            f'terraform {{\n  backend "local" {{\n    path = "{state}"\n  }}\n}}\n'
        )
    job.write_vars(
        {
            "name": f"git-source/{stack}/orders-db",
            "db": {
                "host": server.host,
                "port": server.port,
                "user": user.name,
                "master_user": master.name,
            },
            "ca_bundle": str(server.ca_file),
            **variables,
        }
    )
    # Ephemeral inputs: given to every command, never stored in plan or state.
    job.env["TF_VAR_db_password"] = user.password
    job.env["TF_VAR_master_password"] = master.password
    job.init()
    assert not (job.root / "modules").exists(), "the modules come from the git source only"
    return job


def _layer_zips(job: Stack) -> list[Path]:
    return sorted((job.dir / "builds").glob("*-pg8000.zip"))


def _secret(stack: AppliedStack, stage: str = "AWSCURRENT") -> dict[str, Any]:
    value: dict[str, Any] = json.loads(stack.value(stack.outputs["secret_arn"], stage))
    return value


@pytest.fixture(scope="module")
def applied(
    e2e_sandbox: Sandbox,
    git_repository: Path,
    database: Database,
) -> Iterator[AppliedStack]:
    job = _job(e2e_sandbox, git_repository, database, "direct")
    try:
        module_copy = job.dir / ".terraform" / "modules" / "orders_db"
        assert (module_copy / "modules" / "secret-rotation").is_dir(), "cloned from the tag"
        assert not (module_copy / "build").exists()
        job.apply()
        stack = AppliedStack(job, e2e_sandbox)
        e2e_sandbox.wait_for_rotation(stack.outputs["secret_arn"])
        yield stack
    finally:
        job.cleanup()


def test_apply_builds_the_driver_layer_and_the_first_rotation_creates_the_clone(
    applied: AppliedStack, database: Database
) -> None:
    server, _, users = database
    user = users["direct"]
    [layer_zip] = _layer_zips(applied.stack)
    layers = applied.client("lambda").get_function(
        FunctionName=applied.outputs["rotation_function_name"]
    )["Configuration"]["Layers"]
    assert [layer["Arn"].split(":")[-2] for layer in layers] == [layer_zip.stem]
    current = _secret(applied)
    assert current["username"] == f"{user.name}_clone"
    assert fingerprint(current["password"]) != fingerprint(user.password)
    assert server.can_login(current["username"], current["password"], tls=True)
    assert server.can_login(user.name, user.password, tls=True), "the old user keeps working"


def test_second_rotation_alternates_back_to_the_original_user(
    applied: AppliedStack, database: Database
) -> None:
    server, _, users = database
    user = users["direct"]
    before = _secret(applied)

    rotation = applied.rotate(applied.outputs["secret_arn"])

    assert rotation["outcome"] == "succeeded", rotation.get("error")
    after = _secret(applied)
    assert after["username"] == user.name
    assert fingerprint(after["password"]) != fingerprint(user.password)
    assert server.can_login(user.name, after["password"], tls=True)
    assert _secret(applied, "AWSPREVIOUS")["username"] == before["username"]


def test_plan_after_apply_and_rotations_has_no_changes(applied: AppliedStack) -> None:
    code, text = applied.stack.plan_exit_code()
    assert code == 0, f"terraform plan wants changes after apply:\n{text}"


@pytest.fixture(scope="module")
def pipeline(
    e2e_sandbox: Sandbox,
    git_repository: Path,
    database: Database,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, Any]]:
    """Plan job and apply job in fresh directories; only the plan file and the state shared."""
    shared = tmp_path_factory.mktemp("git-source-pipeline")
    state, plan_file = shared / "terraform.tfstate", shared / "orders.tfplan"
    plan_job = _job(e2e_sandbox, git_repository, database, "pipeline", state)
    try:
        plan_job.terraform("plan", "-input=false", "-no-color", f"-out={plan_file}")
        plan_job_zips = _layer_zips(plan_job)
    finally:
        plan_job.cleanup()
    apply_job = _job(e2e_sandbox, git_repository, database, "pipeline", state)
    try:
        apply_job.terraform("apply", "-input=false", "-no-color", str(plan_file))
        stack = AppliedStack(apply_job, e2e_sandbox)
        rotation = e2e_sandbox.wait_for_rotation(stack.outputs["secret_arn"])
        yield {
            "plan_job_zips": plan_job_zips,
            "applied": stack,
            "rotation": rotation,
            "state": state,
        }
    finally:
        apply_job.cleanup()


def test_saved_plan_applies_in_another_fresh_directory_and_rotates(
    pipeline: dict[str, Any], database: Database
) -> None:
    server, _, users = database
    assert pipeline["plan_job_zips"] == [], "the plan builds nothing"
    assert pipeline["rotation"]["outcome"] == "succeeded", pipeline["rotation"].get("error")
    assert len(_layer_zips(pipeline["applied"].stack)) == 1, "the apply job built the layer"
    current = _secret(pipeline["applied"])
    assert current["username"] == f"{users['pipeline'].name}_clone"
    assert server.can_login(current["username"], current["password"], tls=True)


def test_later_plan_from_a_third_fresh_directory_has_no_changes(
    e2e_sandbox: Sandbox,
    git_repository: Path,
    database: Database,
    pipeline: dict[str, Any],
) -> None:
    later = _job(e2e_sandbox, git_repository, database, "pipeline", pipeline["state"])
    try:
        code, text = later.plan_exit_code()
        assert code == 0, f"a plan from a fresh directory wants changes:\n{text}"
        assert _layer_zips(later) == [], "nothing is built when nothing changes"
    finally:
        later.cleanup()


@pytest.fixture(scope="module")
def published_layer_arn(e2e_sandbox: Sandbox, git_repository: Path) -> Iterator[str]:
    """modules/driver-layer from the same tag, applied once: the layer an org publishes."""
    job = _fresh_directory(
        e2e_sandbox, LAYER_TF.replace("GIT_SOURCE", _source(git_repository, "driver-layer"))
    )
    try:
        job.init()
        job.apply()
        yield str(job.outputs()["layer_version_arn"])
    finally:
        job.cleanup()


def test_published_layer_arn_rotates_with_nothing_built(
    e2e_sandbox: Sandbox,
    git_repository: Path,
    database: Database,
    published_layer_arn: str,
) -> None:
    server, _, users = database
    # No interpreter at all: had the module tried to build, the apply would fail.
    job = _job(
        e2e_sandbox,
        git_repository,
        database,
        "published",
        driver_layer_arn=published_layer_arn,
        driver_layer_python="/nonexistent/python3",
    )
    try:
        job.apply()
        applied = AppliedStack(job, e2e_sandbox)
        rotation = e2e_sandbox.wait_for_rotation(applied.outputs["secret_arn"])
        assert rotation["outcome"] == "succeeded", rotation.get("error")
        assert _layer_zips(job) == []
        layers = applied.client("lambda").get_function(
            FunctionName=applied.outputs["rotation_function_name"]
        )["Configuration"]["Layers"]
        assert [layer["Arn"] for layer in layers] == [published_layer_arn]
        current = _secret(applied)
        assert current["username"] == f"{users['published'].name}_clone"
        assert server.can_login(current["username"], current["password"], tls=True)
        code, text = job.plan_exit_code()
        assert code == 0, f"terraform plan wants changes after apply:\n{text}"
    finally:
        job.cleanup()
