"""Every test here runs on both targets."""

from tests.targets import target  # noqa: F401 - the autouse, parametrized fixture
