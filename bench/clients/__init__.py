"""One module per benchmarked client; each runs in its own subprocess and prints one JSON line."""
