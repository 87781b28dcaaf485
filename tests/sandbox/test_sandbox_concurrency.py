"""Concurrent requests meet one at a time inside moto, and a running function can still call back.

Terraform applies ten resources at a time; moto's models have no locks. The sandbox's logs held
moto's Secrets Manager store failing a request with "RuntimeError: dictionary changed size during
iteration" (an HTTP 500) while another request added a secret; a 500 after a create has stored its
resource makes the client resend, and the resend is refused as a duplicate (CI, stop 17: the AWS
provider's CreateFunction answered ResourceConflictException for five minutes).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from rotation_testing.moto_lock import MotoLock
from sandbox.app import control_app

StartResponse = Callable[..., Any]


def test_moto_requests_are_answered_one_at_a_time() -> None:
    inside, most_inside = 0, 0
    counting = threading.Lock()

    def moto(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        nonlocal inside, most_inside
        del environ
        with counting:
            inside += 1
            most_inside = max(most_inside, inside)
        time.sleep(0.2)  # a request that takes a while inside the model
        with counting:
            inside -= 1
        start_response("200 OK", [])
        return [b"{}"]

    app = control_app(moto, runner=None)

    def request() -> None:
        app({"PATH_INFO": "/", "REQUEST_METHOD": "POST"}, lambda *_: None)

    threads = [threading.Thread(target=request) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert most_inside == 1


def test_control_requests_do_not_wait_for_moto() -> None:
    """The control endpoints (health, clock, waits) answer while a request is inside moto."""
    in_moto, leave_moto = threading.Event(), threading.Event()

    def moto(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        del environ
        in_moto.set()
        leave_moto.wait(timeout=10)
        start_response("200 OK", [])
        return [b"{}"]

    app = control_app(moto, runner=None)
    slow = threading.Thread(
        target=app, args=({"PATH_INFO": "/", "REQUEST_METHOD": "POST"}, lambda *_: None)
    )
    slow.start()
    try:
        assert in_moto.wait(timeout=10)
        statuses: list[str] = []
        body = app(
            {"PATH_INFO": "/_sandbox/health", "REQUEST_METHOD": "GET"},
            lambda status, _headers: statuses.append(status),
        )
        assert statuses == ["200 OK"]
        assert b"true" in b"".join(body)
    finally:
        leave_moto.set()
        slow.join(timeout=10)


def test_a_holder_lets_go_while_a_function_runs_and_takes_the_lock_back() -> None:
    lock = MotoLock()
    callback_answered = threading.Event()

    def callback() -> None:  # the function's request back to the sandbox
        with lock.held():
            callback_answered.set()

    with lock.held():
        with lock.released():
            caller = threading.Thread(target=callback)
            caller.start()
            caller.join(timeout=10)
            assert callback_answered.is_set()
        # Held again: another thread waits.
        other = threading.Thread(target=callback)
        callback_answered.clear()
        other.start()
        other.join(timeout=0.3)
        assert not callback_answered.is_set()
    other.join(timeout=10)
    assert callback_answered.is_set()


def test_a_thread_that_holds_the_lock_may_take_it_again() -> None:
    """A request already holds it when CreateSecret's resend check takes it (no deadlock)."""
    lock = MotoLock()
    done = threading.Event()

    def nested() -> None:
        with lock.held(), lock.held():
            done.set()

    thread = threading.Thread(target=nested, daemon=True)
    thread.start()
    thread.join(timeout=5)
    assert done.is_set()
