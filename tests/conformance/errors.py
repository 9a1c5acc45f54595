"""Exceptions shared by the runner modules."""


class TestFailure(Exception):
    """The test fails; the message is the first mismatch."""

    __test__ = False  # not a unittest/pytest test class
