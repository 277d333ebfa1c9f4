"""Conditional GET tests: the real app in-process, real Redis versions, real imports through the upload job.

Reuses the resource tests' helpers: `import_files` (upload FIT files and run the import job as a worker
would) and their clean-up of what users leave outside ON DELETE CASCADE (per-second samples, staged uploads).
"""

from __future__ import annotations

from tests.api.resources.conftest import _delete_leftovers, fit_file, import_files

__all__ = ["_delete_leftovers", "fit_file", "import_files"]
