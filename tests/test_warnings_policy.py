"""The suite's warning policy (pyproject's `filterwarnings`): a deprecation attributed to our own code fails
the test, a dependency's own deprecation is only shown, and any other warning is an error."""

from __future__ import annotations

import warnings

import pytest


def _warn(category: type[Warning], module: str) -> None:
    # attributed to `module` as `warnings.warn(..., stacklevel=2)` attributes a deprecated call to its caller
    warnings.warn_explicit("old API", category, filename=f"{module}.py", lineno=1, module=module)


@pytest.mark.parametrize("module", ["tools.activities.importer", "agent", "api.routes.chat", "tests.x"])
def test_a_deprecation_in_our_code_is_an_error(module: str) -> None:
    with pytest.raises(DeprecationWarning):
        _warn(DeprecationWarning, module)


@pytest.mark.parametrize("module", ["langgraph.pregel", "pydantic_ai.models", "toolsmith", "agents_sdk"])
def test_a_dependencys_own_deprecation_is_shown_not_failed(module: str) -> None:
    with warnings.catch_warnings(record=True) as seen:
        # `record=True` keeps the filters; only the printing is captured
        _warn(DeprecationWarning, module)
    assert [w.category for w in seen] == [DeprecationWarning]


def test_any_other_warning_is_an_error() -> None:
    with pytest.raises(UserWarning):
        _warn(UserWarning, "langgraph.pregel")
