"""A strategy written for protocol version 1 as rotator/STRATEGIES.md first published it.

Frozen: never edit it to make a test pass. If it stops working, the rotator broke version 1; give
the change a new protocol version instead (rotator/STRATEGIES.md, "Versions").
It uses every part of version 1's surface: the three methods, ctx.current/pending/previous,
ctx.other_secret, ctx.new_password, ctx.store.get_version, ctx.token, ctx.step, ctx.log and the
errors a strategy raises.
"""

import json

from rotator.errors import PendingValueInvalidError, UnsupportedSecretShapeError

ISSUED = {}


class LegacyKey:
    protocol_version = 1

    def create_pending_value(self, ctx, current):
        stored = ctx.store.get_version(ctx.secret_id, version_id=ctx.token, stage="AWSPENDING")
        if stored is not None and stored.value:
            return stored.value
        value = json.loads(current.value)
        if "issuer" not in value:
            raise UnsupportedSecretShapeError('AWSCURRENT has no "issuer"', remedy="Add it")
        issuer = json.loads(ctx.other_secret(value["issuer"]).value)
        return json.dumps({**value, "key": ctx.new_password(), "realm": issuer["realm"]})

    def set_secret(self, ctx):
        pending = json.loads(ctx.pending().value)
        ISSUED[ctx.token] = pending["key"]
        previous = ctx.previous()
        if previous is not None:
            ISSUED.pop(previous.version_id, None)
        ctx.log.info("key registered", step=ctx.step, keys=len(ISSUED))

    def test_secret(self, ctx):
        pending = json.loads(ctx.pending().value)
        if pending["key"] not in ISSUED.values() and ctx.current().value != ctx.pending().value:
            raise PendingValueInvalidError("the issuer does not know the new key")
