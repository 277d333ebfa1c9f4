"""Typed questions over the per-second samples: `spec` (what may be asked, validated and bounded), `sql`
(the one SQLAlchemy Core statement, the same on a hypertable and a partitioned table), `samples` (the
`query_samples` tool)."""
