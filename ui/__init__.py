"""Thin adapters (browser chat, Slack) that render what `rag.Assistant` returns."""
