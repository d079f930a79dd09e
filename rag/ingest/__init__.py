"""The flow of one article: load -> clean -> sentences -> chunks -> embed -> store.

`pipeline.Ingestor` runs it incrementally under a lock; `loaders`, `cleaning`,
`chunking` and `uploads` are its steps and its one way in from the browser.
"""
