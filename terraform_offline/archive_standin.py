"""OFFLINE STAND-IN for the `hashicorp/archive` Terraform provider (`archive_file`).

Why it exists: the modules package `rotator/` with `resource "archive_file"`, and this machine
(like many CI runners and air-gapped hosts) cannot download `hashicorp/archive` from the registry.
The tests and `make demo` therefore install this stand-in into a filesystem mirror that only they
use (see `cli_config.py`). Anyone who can reach the registry gets the real provider: nothing in
the modules or examples refers to the stand-in, and it is only selected through a CLI
configuration file that the offline tooling writes for its own subprocesses. It is never forced on
anyone.

What it reproduces of the real provider v2.7 (internal/provider/resource_archive_file.go,
data_source_archive_file.go and zip_archiver.go in hashicorp/terraform-provider-archive):

- the schema of the `archive_file` resource and data source, argument for argument and attribute
  for attribute, including the `source` set block and the conflict/at-least-one validators;
- when the zip is built: the data source while it is read, i.e. during `terraform plan`; the
  resource when it is created (during `terraform apply`) and again each time it is read (every
  refresh, so every later `terraform plan` writes the file anew from the attributes in state);
  its update and delete do nothing (the real provider leaves the file where it is);
- which changes replace the resource: every argument except `exclude_symlink_directories`,
  including the `content` and `filename` of each `source` block (RequiresReplace in the real
  schema). The PyPI package `tf` only honours `requires_replace` on top-level attributes, so
  `_StandInServicer` adds the `source` block to the replace paths itself;
- `source_dir` is walked like Go's `filepath.Walk` (each directory in lexical order, symlinks to
  directories followed unless `exclude_symlink_directories`), `excludes` are doublestar globs on
  the path relative to `source_dir`, and a matching directory is skipped with all it contains;
- file entries get the timestamp Go writes for `SetModTime(time.Time{})` (DOS date 2049-01-01
  00:00, see `_GO_ZERO_TIME_AS_DOS`) and their mode from disk unless `output_file_mode` is set;
  entries from `source_content` / `source` blocks get a zero DOS timestamp and no mode;
- `id` is the hex SHA1 of the zip, plus the `output_*` sizes and digests;
- an empty `source_dir` is an error, as are unsupported archive types.

What differs: Go's and zlib's deflate produce different bytes, so hashes never equal the real
provider's (they are stable from run to run, which is what plans need); `tar.gz` is not
implemented (an error says so); an `output_path` inside `source_dir` is left out of the archive
with a warning, where the real provider would pack a half-written copy of the zip into itself.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import os
import re
import stat
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tf import schema, types
from tf.blocks import SetNestedBlock
from tf.iface import (
    CreateContext,
    DeleteContext,
    PlanContext,
    ReadContext,
    ReadDataContext,
    UpdateContext,
)
from tf.types import Unknown
from tf.utils import Diagnostics

# Stdlib-only module: importing it does not import this one (`-m` would warn about a double import).
from terraform_offline.cli_config import ARCHIVE_ADDRESS

PROVIDER_ADDRESS = ARCHIVE_ADDRESS

# Go's zero time (year 1) does not fit a DOS date; archive/zip truncates (year - 1980) << 9 to 16
# bits, which reads back as 2049-01-01 00:00:00. That is what the real provider writes for every
# file taken from disk; Python's zipfile encodes the same two bytes from this tuple.
_GO_ZERO_TIME_AS_DOS = (2049, 1, 1, 0, 0, 0)
# `writer.Create(name)` in Go leaves the DOS date and time at zero (used for content entries).
_DOS_ZERO = (1980, 0, 0, 0, 0, 0)
_MSDOS_READONLY = 0x01
_CREATOR_UNIX = 3
_CREATOR_FAT = 0

Config = dict[str, Any]


class ArchiveError(Exception):
    """An archive could not be built; the message follows the real provider's wording."""


@dataclass(frozen=True)
class _Entry:
    name: str
    content: bytes
    # Unix mode including the file type bits, or None for entries without a mode (content).
    unix_mode: int | None
    date_time: tuple[int, int, int, int, int, int]


# --------------------------------------------------------------------------------------------
# Globs: a small implementation of github.com/bmatcuk/doublestar/v4 PathMatch, which the real
# provider uses for `excludes` since v2.5.0.
# --------------------------------------------------------------------------------------------


def _translate_component(component: str, pattern: str) -> str:
    """Translate one path component of a doublestar glob into a regular expression."""
    out: list[str] = []
    i = 0
    while i < len(component):
        char = component[i]
        if char == "\\" and i + 1 < len(component):
            out.append(re.escape(component[i + 1]))
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = component.find("]", i + 2)
            if end == -1:
                raise ArchiveError(f"syntax error in pattern: {pattern}")
            body = component[i + 1 : end]
            negate = body[:1] in {"!", "^"}
            if negate:
                body = body[1:]
            out.append("[" + ("^" if negate else "") + body.replace("\\", "\\\\") + "]")
            i = end + 1
            continue
        elif char == "{":
            end = component.find("}", i)
            if end == -1:
                raise ArchiveError(f"syntax error in pattern: {pattern}")
            options = component[i + 1 : end].split(",")
            alternatives = "|".join(_translate_component(opt, pattern) for opt in options)
            out.append(f"(?:{alternatives})")
            i = end + 1
            continue
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


@functools.lru_cache(maxsize=256)
def glob_to_regex(pattern: str) -> re.Pattern[str]:
    """Compile a doublestar glob (`*`, `?`, `[...]`, `{a,b}`, `**` as a whole path component)."""
    components = pattern.split("/")
    parts: list[str] = []
    for index, component in enumerate(components):
        last = index == len(components) - 1
        if component == "**":
            # Zero or more directories; at the end, the directory itself and everything below.
            parts.append(".*" if last else "(?:[^/]+/)*")
            continue
        parts.append(_translate_component(component, pattern) + ("" if last else "/"))
    regex = "".join(parts)
    # "a/**" must also match "a" itself (doublestar does), so drop the separator before it.
    if len(components) > 1 and components[-1] == "**":
        regex = regex[: -len("/.*")] + "(?:/.*)?"
    return re.compile(regex, re.DOTALL)


def matches_any(relative_path: str, excludes: Iterable[str]) -> bool:
    """Whether a path relative to `source_dir` (with `/` separators) matches an exclude glob."""
    return any(glob_to_regex(pattern).fullmatch(relative_path) for pattern in excludes if pattern)


# --------------------------------------------------------------------------------------------
# Building the archive
# --------------------------------------------------------------------------------------------


def parse_output_file_mode(value: str) -> int:
    """Parse `output_file_mode` like Go's strconv.ParseUint(value, 0, 32) does.

    A leading `0` means octal ("0644"), `0x` hex, `0o` octal, `0b` binary; anything else is
    decimal, so "644" is 644 decimal, exactly as surprising as with the real provider.
    """
    text = value.replace("_", "") if value[:2].lower() in {"0x", "0o", "0b"} else value
    try:
        lowered = text.lower()
        if lowered.startswith(("0x", "0o", "0b")):
            number = int(text, 0)
        elif len(text) > 1 and text.startswith("0"):
            number = int(text[1:], 8)
        else:
            number = int(text, 10)
    except ValueError:
        raise ArchiveError(f"error parsing output_file_mode value: {value}") from None
    if number < 0 or number >= 2**32 or not text.isascii() or text.strip() != text:
        raise ArchiveError(f"error parsing output_file_mode value: {value}")
    return number


def _mode_for_file(disk_mode: int, output_file_mode: int | None) -> int:
    """The unix mode stored for a file from disk (Go's FileInfoHeader + SetMode)."""
    perm = (output_file_mode if output_file_mode is not None else disk_mode) & 0o777
    extra = 0 if output_file_mode is not None else disk_mode & 0o7000
    return stat.S_IFREG | extra | perm


def _walk(
    root: Path,
    base: str,
    excludes: list[str],
    exclude_symlink_directories: bool,
    skip: Callable[[Path], bool],
) -> Iterator[tuple[str, Path, os.stat_result]]:
    """Yield (archive name, path, stat of the target) like the real provider's filepath.Walk."""
    for name in sorted(os.listdir(root)):
        path = root / name
        archive_name = f"{base}/{name}" if base else name
        info = path.lstat()
        is_match = matches_any(archive_name, excludes)
        if stat.S_ISDIR(info.st_mode):
            if not is_match:
                yield from _walk(path, archive_name, excludes, exclude_symlink_directories, skip)
            continue
        if is_match or skip(path):
            continue
        if stat.S_ISLNK(info.st_mode):
            real = path.resolve(strict=True)
            real_info = real.stat()
            if stat.S_ISDIR(real_info.st_mode):
                if not exclude_symlink_directories:
                    yield from _walk(
                        real, archive_name, excludes, exclude_symlink_directories, skip
                    )
                continue
            info = real_info
        yield archive_name, path, info


def _dir_entries(
    source_dir: str,
    excludes: list[str],
    exclude_symlink_directories: bool,
    output_file_mode: int | None,
    output_path: Path,
) -> list[_Entry]:
    root = Path(source_dir)
    if not root.exists():
        raise ArchiveError(f"could not archive missing directory: {source_dir}")
    if not root.is_dir():
        raise ArchiveError(f"could not archive directory that is a file: {source_dir}")
    output_real = output_path.resolve()
    entries = [
        _Entry(
            name=name,
            content=path.read_bytes(),
            unix_mode=_mode_for_file(info.st_mode, output_file_mode),
            date_time=_GO_ZERO_TIME_AS_DOS,
        )
        for name, path, info in _walk(
            root.resolve(),
            "",
            excludes,
            exclude_symlink_directories,
            skip=lambda p: p.resolve() == output_real,
        )
    ]
    if not entries:
        raise ArchiveError("archive has not been created as it would be empty")
    return entries


def _file_entry(source_file: str, output_file_mode: int | None) -> _Entry:
    path = Path(source_file)
    if not path.exists():
        raise ArchiveError(f"could not archive missing file: {source_file}")
    if path.is_dir():
        raise ArchiveError(f"could not archive directory as file: {source_file}")
    info = path.stat()
    return _Entry(
        name=path.name,
        content=path.read_bytes(),
        unix_mode=_mode_for_file(info.st_mode, output_file_mode),
        date_time=_GO_ZERO_TIME_AS_DOS,
    )


def _content_entry(name: str, content: str) -> _Entry:
    return _Entry(name=name, content=content.encode(), unix_mode=None, date_time=_DOS_ZERO)


def write_zip(entries: list[_Entry], output_path: Path) -> bytes:
    """Write the entries in order to `output_path` atomically and return the archive's bytes.

    Atomic (temporary file + rename) because several Terraform runs may plan configurations that
    share an output path at the same time; a reader must never see half an archive.
    """
    output_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{output_path.name}.", dir=output_path.parent)
    try:
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w") as archive:
            for entry in entries:
                info = zipfile.ZipInfo(entry.name.replace(os.sep, "/"), date_time=entry.date_time)
                info.compress_type = zipfile.ZIP_DEFLATED
                if entry.unix_mode is None:
                    info.create_system = _CREATOR_FAT
                    info.external_attr = 0
                else:
                    info.create_system = _CREATOR_UNIX
                    info.external_attr = entry.unix_mode << 16
                    if not entry.unix_mode & stat.S_IWUSR:
                        info.external_attr |= _MSDOS_READONLY
                archive.writestr(info, entry.content)
                if entry.unix_mode is None:
                    # zipfile forces 0600 into a zero external_attr while writing the entry; Go
                    # leaves it 0. Only the central directory (written at close) carries it.
                    info.external_attr = 0
        os.chmod(tmp_name, 0o644)  # mkstemp creates 0600; the real provider leaves 0644-ish
        os.replace(tmp_name, output_path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return output_path.read_bytes()


def checksums(data: bytes) -> dict[str, Any]:
    """The computed attributes the real provider derives from the archive's bytes."""
    sha256 = hashlib.sha256(data).digest()
    sha512 = hashlib.sha512(data).digest()
    sha1 = hashlib.sha1(data).hexdigest()  # noqa: S324  the provider's documented `id`/`output_sha`
    return {
        "id": sha1,
        "output_size": len(data),
        "output_md5": hashlib.md5(data).hexdigest(),  # noqa: S324  documented `output_md5`
        "output_sha": sha1,
        "output_sha256": sha256.hex(),
        "output_base64sha256": base64.b64encode(sha256).decode(),
        "output_sha512": sha512.hex(),
        "output_base64sha512": base64.b64encode(sha512).decode(),
    }


def build_archive(config: Config) -> tuple[dict[str, Any], list[str]]:
    """Build the archive a data source configuration describes.

    Returns the computed attributes and warnings; raises ArchiveError with the real provider's
    wording ("error creating archive: ...") when the archive cannot be built.
    """
    archive_type = config.get("type")
    output_path = Path(str(config["output_path"]))
    warnings: list[str] = []
    if archive_type != "zip":
        hint = " (tar.gz is not implemented by the offline stand-in)" if archive_type else ""
        raise ArchiveError(f"archive type not supported: {archive_type}{hint}")
    mode_text = config.get("output_file_mode")
    output_file_mode = parse_output_file_mode(mode_text) if mode_text else None

    if config.get("source_dir") is not None:
        source_dir = str(config["source_dir"])
        excludes = [str(e).replace(os.sep, "/") for e in (config.get("excludes") or [])]
        try:
            resolved_out = output_path.resolve()
            if resolved_out.is_relative_to(Path(source_dir).resolve()):
                warnings.append(
                    f"output_path {output_path} is inside source_dir {source_dir}: the offline "
                    "stand-in leaves it out, the real hashicorp/archive packs a partial copy of "
                    "the archive into itself. Put output_path outside source_dir."
                )
            entries = _dir_entries(
                source_dir,
                excludes,
                bool(config.get("exclude_symlink_directories")),
                output_file_mode,
                output_path,
            )
        except ArchiveError as exc:
            raise ArchiveError(f"error archiving directory: {exc}") from None
    elif config.get("source_file") is not None:
        try:
            entries = [_file_entry(str(config["source_file"]), output_file_mode)]
        except ArchiveError as exc:
            raise ArchiveError(f"error archiving file: {exc}") from None
    elif config.get("source_content_filename") is not None:
        entries = [
            _content_entry(
                str(config["source_content_filename"]), str(config.get("source_content") or "")
            )
        ]
    elif config.get("source"):
        # Like the real provider: a map by file name (the last block wins), then sorted by name.
        by_name = {str(s["filename"]): str(s["content"]) for s in config["source"]}
        entries = [_content_entry(name, by_name[name]) for name in sorted(by_name)]
    else:
        raise ArchiveError(
            "nothing to archive: no source, source_content_filename, source_file or source_dir"
        )

    data = write_zip(entries, output_path)
    return checksums(data), warnings


# --------------------------------------------------------------------------------------------
# The data source, the resource and the provider, in the shape the PyPI package `tf` expects.
# --------------------------------------------------------------------------------------------

_SOURCES = ("source", "source_content_filename", "source_file", "source_dir")
# attribute -> attributes it conflicts with (the real provider's ConflictsWith validators)
_CONFLICTS: dict[str, tuple[str, ...]] = {
    "source": ("source_file", "source_dir", "source_content", "source_content_filename"),
    "source_content": ("source_file", "source_dir"),
    "source_content_filename": ("source_file", "source_dir"),
    "source_file": ("source_dir", "source_content", "source_content_filename"),
    "source_dir": ("source_file", "source_content", "source_content_filename"),
    "excludes": ("source_file", "source_content", "source_content_filename"),
}
_COMPUTED = (
    "id",
    "output_size",
    "output_md5",
    "output_sha",
    "output_sha256",
    "output_base64sha256",
    "output_sha512",
    "output_base64sha512",
)
_ONE_OF = (
    "One and only one of `source`, `source_content_filename` (with `source_content`), "
    "`source_file`, or `source_dir` must be specified."
)
# The resource's arguments without RequiresReplace in the real schema (its Update does nothing).
_UPDATABLE_IN_PLACE = frozenset({"exclude_symlink_directories"})


def _is_set(value: Any) -> bool:
    """Configured (known or unknown), as the framework's path validators see it."""
    if value is None:
        return False
    return not (isinstance(value, list) and not value)


def _archive_schema(description: str, *, resource: bool) -> schema.Schema:
    """The schema shared by the data source and the resource, as in the real provider.

    For the resource every argument but `exclude_symlink_directories` requires replacement.
    """

    def argument(name: str, kind: Any, text: str, **flags: bool) -> schema.Attribute:
        replace = resource and name not in _UPDATABLE_IN_PLACE
        return schema.Attribute(name, kind, description=text, requires_replace=replace, **flags)

    string = types.String()
    source_block = schema.Block(
        attributes=[
            schema.Attribute("content", string, required=True, description="Content of the file."),
            schema.Attribute("filename", string, required=True, description="Name in the archive."),
        ],
        description=f"One file of the archive, given by its content. {_ONE_OF}",
    )
    return schema.Schema(
        description=description,
        block_types=[SetNestedBlock("source", source_block)],
        attributes=[
            schema.Attribute(
                "id", string, computed=True, description="SHA1 checksum of the archive."
            ),
            argument("type", string, "Archive type; `zip` is supported.", required=True),
            argument("source_content", string, f"Content. {_ONE_OF}", optional=True),
            argument(
                "source_content_filename",
                string,
                f"File name for `source_content`. {_ONE_OF}",
                optional=True,
            ),
            argument("source_file", string, f"File to pack. {_ONE_OF}", optional=True),
            argument("source_dir", string, f"Directory. {_ONE_OF}", optional=True),
            argument(
                "excludes",
                types.Set(string),
                "Globs (doublestar) relative to `source_dir` to leave out.",
                optional=True,
            ),
            argument(
                "exclude_symlink_directories",
                types.Bool(),
                "Leave out symbolic links to directories. Defaults to `false`.",
                optional=True,
            ),
            argument("output_path", string, "Where to write the archive.", required=True),
            schema.Attribute(
                "output_size",
                types.Number(),
                computed=True,
                description="Size of the archive in bytes.",
            ),
            argument(
                "output_file_mode",
                string,
                'Octal mode for every file from disk, e.g. `"0644"`.',
                optional=True,
            ),
            schema.Attribute("output_md5", string, computed=True, description="MD5 (hex)."),
            schema.Attribute("output_sha", string, computed=True, description="SHA1 (hex)."),
            schema.Attribute("output_sha256", string, computed=True, description="SHA256 (hex)."),
            schema.Attribute(
                "output_base64sha256", string, computed=True, description="SHA256 (base64)."
            ),
            schema.Attribute("output_sha512", string, computed=True, description="SHA512 (hex)."),
            schema.Attribute(
                "output_base64sha512", string, computed=True, description="SHA512 (base64)."
            ),
        ],
    )


def _validate(diags: Diagnostics, config: Config, attribute_names: set[str]) -> None:
    """The real provider's config validators: ConflictsWith per attribute and AtLeastOneOf."""
    for key in sorted(set(config) - attribute_names - {"source"}):
        diags.add_error("Unsupported argument", f'An argument named "{key}" is not expected here.')
    for attribute, others in _CONFLICTS.items():
        # The framework's ConflictsWith waits for known values: an unknown attribute is not
        # checked, and an unknown other ends the check (terraform validate, and the validate
        # walk of every plan, see a module's variables as unknown).
        if not _is_set(config.get(attribute)) or config.get(attribute) is Unknown:
            continue
        for other in others:
            if config.get(other) is Unknown:
                break
            if _is_set(config.get(other)):
                diags.add_error(
                    "Invalid Attribute Combination",
                    f'Attribute "{other}" cannot be specified when "{attribute}" is specified',
                    path=[attribute],
                )
    if not any(_is_set(config.get(name)) for name in _SOURCES):
        diags.add_error(
            "Invalid Attribute Combination",
            "No attribute specified when one (and only one) of "
            "[source,source_content_filename,source_file,source_dir] is required. " + _ONE_OF,
        )


def _built_state(diags: Diagnostics, attributes: Config, names: Iterable[str]) -> Config | None:
    """Build the archive the attributes describe; the attributes plus the computed digests.

    The real provider's `updateModel` (resource) and `Read` (data source) do the same: write the
    archive, then set `id`, `output_size` and the digests from the file just written.
    """
    try:
        computed, warnings = build_archive(attributes)
    except (ArchiveError, OSError) as exc:
        diags.add_error("Archive creation error", f"error creating archive: {exc}")
        return None
    for warning in warnings:
        diags.add_warning("Offline stand-in: archive differs", warning)
    state = {name: attributes.get(name) for name in names}
    state["source"] = attributes.get("source") or []
    state.update(computed)
    return state


class ArchiveFileDataSource:
    """`data "archive_file"`: builds a zip while Terraform plans."""

    def __init__(self, provider: Any = None) -> None:
        self.provider = provider

    @classmethod
    def get_name(cls) -> str:
        return "file"

    @classmethod
    def get_schema(cls) -> schema.Schema:
        return _archive_schema(
            "OFFLINE STAND-IN for hashicorp/archive: builds an archive during plan.",
            resource=False,
        )

    def validate(self, diags: Diagnostics, type_name: str, config: Config) -> None:
        _validate(diags, config, {a.name for a in self.get_schema().attributes})

    def read(self, ctx: ReadDataContext, config: Config) -> Config | None:
        names = [a.name for a in self.get_schema().attributes]
        return _built_state(ctx.diagnostics, config, names)


class ArchiveFileResource:
    """`resource "archive_file"`: builds a zip when created (apply) and when read (refresh)."""

    def __init__(self, provider: Any = None) -> None:
        self.provider = provider

    @classmethod
    def get_name(cls) -> str:
        return "file"

    @classmethod
    def get_schema(cls) -> schema.Schema:
        return _archive_schema(
            "OFFLINE STAND-IN for hashicorp/archive: builds an archive during apply and refresh.",
            resource=True,
        )

    def _names(self) -> list[str]:
        return [a.name for a in self.get_schema().attributes]

    def validate(self, diags: Diagnostics, type_name: str, config: Config) -> None:
        _validate(diags, config, set(self._names()))

    def plan(self, ctx: PlanContext, current: Config | None, planned: Config) -> Config:
        return planned

    def create(self, ctx: CreateContext, planned: Config) -> Config | None:
        return _built_state(ctx.diagnostics, planned, self._names())

    def read(self, ctx: ReadContext, current: Config) -> Config | None:
        # Like the real Read: the archive is written again from the attributes in state, so a new
        # checkout gets the file back at its next refresh, with the same digests when the inputs
        # in state still produce the same bytes.
        return _built_state(ctx.diagnostics, current, self._names())

    def update(self, ctx: UpdateContext, current: Config, planned: Config) -> Config:
        # The real Update is empty: only `exclude_symlink_directories` can change in place, and
        # the planned state (with the digests from state) is what Terraform records.
        return planned

    def delete(self, ctx: DeleteContext, current: Config) -> None:
        """The real provider leaves the archive file on disk."""

    def upgrade(self, ctx: Any, version: int, old: Config) -> Config:
        """Schema version 0 only, as in the real provider: nothing to upgrade."""
        return old


class ArchiveStandInProvider:
    """The provider object `tf.runner.run_provider` serves over Terraform's plugin protocol 6."""

    def full_name(self) -> str:
        return PROVIDER_ADDRESS

    def get_model_prefix(self) -> str:
        return "archive_"

    def get_provider_schema(self, diags: Diagnostics) -> schema.Schema:
        return schema.Schema(attributes=[])

    def validate_config(self, diags: Diagnostics, config: Config) -> None:
        """The real provider has no configuration either."""

    def configure_provider(self, diags: Diagnostics, config: Config) -> None:
        """Nothing to configure."""

    def get_data_sources(self) -> list[type[ArchiveFileDataSource]]:
        return [ArchiveFileDataSource]

    def get_resources(self) -> list[type[ArchiveFileResource]]:
        return [ArchiveFileResource]

    def get_functions(self) -> list[type[Any]]:
        return []

    def new_data_source(self, klass: type[ArchiveFileDataSource]) -> ArchiveFileDataSource:
        return klass(self)

    def new_resource(self, klass: type[ArchiveFileResource]) -> ArchiveFileResource:
        return klass(self)

    def new_function(self, klass: type[Any]) -> Any:
        return klass(self)


def source_blocks_changed(prior: Config | None, proposed: Config | None) -> bool:
    """Whether an update changes the `source` blocks (as sets of content and filename)."""
    if prior is None or proposed is None:
        return False

    def as_set(state: Config) -> set[tuple[Any, Any]]:
        return {(b.get("filename"), b.get("content")) for b in state.get("source") or []}

    return as_set(prior) != as_set(proposed)


def _servicer_class() -> type[Any]:
    """tf's servicer, plus the real schema's RequiresReplace on the `source` blocks' attributes."""
    from tf.gen import tfplugin_pb2 as pb  # noqa: PLC0415  grpc import is slow; only when serving
    from tf.provider import ProviderServicer  # noqa: PLC0415
    from tf.utils import read_dynamic_value  # noqa: PLC0415

    class _StandInServicer(ProviderServicer):  # type: ignore[misc]  # untyped library base
        def PlanResourceChange(self, request: Any, context: Any) -> Any:
            response = super().PlanResourceChange(request, context)
            if request.type_name != "archive_file" or response.diagnostics:
                return response
            prior = read_dynamic_value(request.prior_state)
            proposed = read_dynamic_value(request.proposed_new_state)
            if source_blocks_changed(prior, proposed):
                step = pb.AttributePath.Step(attribute_name="source")
                response.requires_replace.append(pb.AttributePath(steps=[step]))
            return response

    return _StandInServicer


def main() -> None:
    """Entry point of the provider executable Terraform starts (see cli_config.py)."""
    import tf.provider  # noqa: PLC0415  grpc import is slow; only when serving
    from tf.runner import run_provider  # noqa: PLC0415

    # run_provider builds its servicer from the name tf.provider.ProviderServicer when called.
    tf.provider.ProviderServicer = _servicer_class()
    run_provider(ArchiveStandInProvider(), sys.argv)


if __name__ == "__main__":
    main()
