"""Mutated Mango notifications for fuzzing, with hypothesis.

Every notification the emulator plays for a call, with fields replaced by the values
that once made the webhook answer 500: integers beyond PostgreSQL's int4, infinities,
times out of range, NUL characters and lone surrogates, ids of several KB, wrong types.

hypothesis is a test requirement (scripts/lib.sh installs it), not the addon's: without it
the test package still imports and the property-based tests (``@fuzz``) are skipped.
"""
import functools
import unittest

from .emulators.mango import incoming_call, outgoing_call

try:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
except ImportError:
    st = None

SAMPLES = (incoming_call("F1", "79161234567", extension="101", recording_ref="FR1")
           + outgoing_call("F2", "101", "79161234567")
           + [("events/dtmf", {"seq": 2, "dtmf": "12", "timestamp": 1488272662, "call_id": "c",
                               "entry_id": "F1", "location": "ivr.1", "initiator": "7916"}),
              ("events/sms", {"command_id": "s1", "timestamp": "1399906980", "reason": "1000"}),
              ("result/route", {"command_id": "route-1", "result": 1000}),
              ("result/callback", {"command_id": "cb-1", "result": "4101"})])


def fuzz(max_examples):
    """The test runs on ``max_examples`` examples its ``data`` argument draws (hypothesis's
    ``st.data()``); skipped when hypothesis is not installed."""
    if st is None:
        return unittest.skip("hypothesis is not installed")

    def decorate(test):
        return settings(max_examples=max_examples, deadline=None, database=None,
                        suppress_health_check=list(HealthCheck))(given(data=st.data())(test))
    return decorate


@functools.cache
def nasty():
    """The values that once made the webhook answer 500."""
    return st.one_of(
        st.integers(min_value=-2 ** 70, max_value=2 ** 70),
        st.sampled_from([2 ** 31, 2 ** 63, -1, 0, 10 ** 13, 1893456000000000, float("inf"),
                         float("-inf"), float("nan"), 1e308, True, None, "", [], {}]),
        st.text(max_size=20),
        st.sampled_from(["\x00", "7916\x00", "\ud800", "a\udfff", "x" * 5000, "я" * 200,
                         "Transferred", "ivr.9", "1" * 30]),
        st.lists(st.integers(), max_size=3),
        st.dictionaries(st.sampled_from(["number", "extension", "type"]),
                        st.one_of(st.integers(), st.text(max_size=5)), max_size=2),
    )


def mutate(data, payload):
    """``payload`` with one to three of its fields (or nested fields) replaced or dropped,
    drawn from ``data`` (a ``@fuzz`` test's)."""
    draw = data.draw
    mutated = {key: dict(value) if isinstance(value, dict) else value
               for key, value in payload.items()}
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        if not mutated:
            break
        key = draw(st.sampled_from(sorted(mutated)))
        target = mutated
        if isinstance(mutated[key], dict) and mutated[key] and draw(st.booleans()):
            target, key = mutated[key], draw(st.sampled_from(sorted(mutated[key])))
        if draw(st.integers(min_value=0, max_value=9)) == 0:
            del target[key]
        else:
            target[key] = draw(nasty())
    return mutated


def sample(data):
    """A notification of ``SAMPLES``, drawn from ``data``."""
    return data.draw(st.sampled_from(SAMPLES))
