"""The flow of one question: condense -> retrieve (dense + lexical) -> answer -> cite.

`chain` wires the stages as LCEL runnables; `answerer` is the interface the
answerers in `rag.components.answerer` implement; `verify`, `prompt`,
`citations` and friends are what an answer is built and checked with.
"""
