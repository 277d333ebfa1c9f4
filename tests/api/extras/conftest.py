"""Fixtures for the issue-10 routes (fitness, originals, strength, notes): the resource fixtures reused —
`athlete` (the demo athlete signed in), file upload helpers, and cleanup of samples left behind."""

from __future__ import annotations

from tests.api.resources.conftest import _delete_leftovers, athlete, fit_file, import_files

__all__ = ["_delete_leftovers", "athlete", "fit_file", "import_files"]
