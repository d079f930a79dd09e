"""Thin adapters (terminal, browser chat, Slack, MCP, the OpenAI-compatible API) that render what
`rag.Assistant` returns. Each registers its `rag` command under the `rag.commands` entry-point group
(pyproject.toml); the library's CLI names none of them."""
