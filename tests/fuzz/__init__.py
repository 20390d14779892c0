"""Fuzzing of the decode paths (client and gateway): property tests and mutation of real frames.

The CI budget is fixed and small (the whole folder runs in well under two minutes); a longer run is
``python -m tests.fuzz.long`` (or set ``IBWIRE_FUZZ_EXAMPLES``).
"""
