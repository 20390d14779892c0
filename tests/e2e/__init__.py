"""End-to-end tests of issue 4: every front end against the paper gateway."""
