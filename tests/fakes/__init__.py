"""Fakes at the edge of the world: local HTTP servers that speak a real protocol."""
