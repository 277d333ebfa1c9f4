"""The `runcoach` command line, the top layer: it starts every role and calls into every other layer."""
