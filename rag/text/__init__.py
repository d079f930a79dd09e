"""Text helpers both flows share: sentence spans, content terms, content hashes."""
