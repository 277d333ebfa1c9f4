"""Typed questions over the per-second samples: `spec` (what may be asked, validated and bounded),
`repository` (every statement on the samples and their rollups; the aggregate is one SQLAlchemy Core
statement, the same on a hypertable and a partitioned table), `series` (chosen activities' samples as lists),
`samples` (the `query_samples` tool)."""
