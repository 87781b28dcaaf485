"""``python -m sandbox`` (``make sandbox``): start the sandbox and print how to use it.

Prints ``export`` lines for Terraform and the AWS CLI and waits; Ctrl-C stops the sandbox, and its
state (it lives in memory) is gone.
"""

from __future__ import annotations

import shlex
import signal
import sys
import time

from sandbox.server import Sandbox, SandboxError


def main() -> int:
    sandbox = Sandbox()
    try:
        sandbox.start()
    except SandboxError as error:
        print(f"sandbox: {error}", file=sys.stderr)
        return 1
    try:
        print(
            f"# Sandbox running at {sandbox.endpoint} (pid {sandbox.pid}); log {sandbox.log_path}"
        )
        print("# Paste these lines into another shell, then use terraform or aws as usual:")
        for name, value in sandbox.aws_env().items():
            print(f"export {name}={shlex.quote(value)}")
        print("# Ctrl-C stops the sandbox; everything in it is lost (state is in memory only).")
        sys.stdout.flush()
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        # A shell starts background jobs with SIGINT ignored, and Python then keeps it ignored;
        # Ctrl-C (or `kill -INT`) must stop the sandbox however it was started.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        while sandbox.running:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
        print("# Sandbox stopped.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
