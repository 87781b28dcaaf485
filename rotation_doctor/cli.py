"""``rotation-doctor``: per secret, whether rotation works and the one thing to change.

    rotation-doctor arn:aws:secretsmanager:...:secret:app/api-key-AbCdEf
    rotation-doctor --prefix team-payments/prod/ --json
    rotation-doctor --tag rotation-function=example-api-keys-rotation

Exit status: 0 every check passes, 1 a check fails, 2 the command could not run (bad arguments,
no secret chosen, no credentials).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TextIO

from botocore.exceptions import BotoCoreError, ClientError

from rotation_doctor import output
from rotation_doctor.account import Account, DoctorError
from rotation_doctor.doctor import Doctor, Options, Selection, select

PROGRESS_FROM = 20  # secrets; fewer finish before a bar would be seen


def _tag(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(
            f"--tag takes KEY=VALUE, for example rotation-function=orders-rotation (got {text!r})"
        )
    return key, value


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="rotation-doctor",
        description=(
            "Check, per secret, that Secrets Manager rotation works: rotation enabled, its "
            "function, schedule, unfinished rotations and why, the invoke permission, the role "
            "(IAM policy simulation), the KMS key, the route from a VPC. Read-only; never "
            "prints a secret value."
        ),
    )
    p.add_argument("secrets", nargs="*", metavar="SECRET", help="secret names or ARNs")
    p.add_argument("--prefix", help="every secret whose name starts with PREFIX")
    p.add_argument(
        "--tag",
        action="append",
        type=_tag,
        default=[],
        metavar="KEY=VALUE",
        help="every secret with this tag (repeat: all of them)",
    )
    p.add_argument("--function", help="the rotation function every secret should use (name or ARN)")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    p.add_argument("--verbose", "-v", action="store_true", help="details of passing checks too")
    p.add_argument(
        "--connect",
        action="store_true",
        help="database strategies: read AWSCURRENT and log in from here (the only GetSecretValue)",
    )
    p.add_argument("--region", help="AWS region (default: the SDK's)")
    p.add_argument("--profile", help="AWS profile (default: the SDK's)")
    p.add_argument(
        "--concurrency", type=int, default=8, help="requests in flight at once (default 8)"
    )
    p.add_argument(
        "--in-progress-grace",
        type=float,
        default=900.0,
        metavar="SECONDS",
        help="an AWSPENDING version younger than this, with no failure logged, is a rotation "
        "still running (default 900)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def main(
    argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    args = parser().parse_args(argv)
    if not args.secrets and args.prefix is None and not args.tag:
        err.write("rotation-doctor: name secrets, or choose them with --prefix or --tag\n")
        return 2
    if args.concurrency < 1:
        err.write("rotation-doctor: --concurrency must be at least 1\n")
        return 2
    try:
        account = Account(region=args.region, profile=args.profile, concurrency=args.concurrency)
        chosen = select(
            account,
            Selection(tuple(args.secrets), args.prefix, tuple(args.tag)),
        )
        if not chosen:
            err.write("rotation-doctor: no secret matches; check --prefix, --tag and the region\n")
            return 2
        show_progress = not args.no_progress and len(chosen) >= PROGRESS_FROM and err.isatty()
        doctor = Doctor(
            account,
            Options(
                expected_function=args.function,
                in_progress_grace_s=args.in_progress_grace,
                connect=args.connect,
            ),
        )
        reports = doctor.run(chosen, output.ProgressBar(err) if show_progress else None)
    except (DoctorError, ClientError, BotoCoreError) as error:
        err.write(f"rotation-doctor: {error}\n")
        return 2
    out.write(
        (output.as_json(reports) if args.json else output.table(reports, verbose=args.verbose))
        + "\n"
    )
    return 0 if all(r.ok for r in reports) else 1
