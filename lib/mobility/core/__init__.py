"""Machinery with no knowledge of the economics or the book: paths, manifest, atomic I/O, errors, figure style,
dependency fingerprints."""
