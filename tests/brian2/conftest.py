"""Every test here runs on both targets (Brian2 semantics in lifdsl itself)."""

from tests.targets import target  # noqa: F401 - the autouse, parametrized fixture
