"""ibwire benchmark suite (run by hand: ``python -m bench.run``; never collected by pytest)."""
