"""A serving process's Chroma client, in a child process of its own (large embedded stores).

An embedded client never sees another process's vectors, so a serving
process that follows the store replaces its client after each ingest. In
this process, stopping the replaced client frees its vector index inside
Chroma's binding with the GIL held, then the heap is trimmed: at a million
chunks 643 ms and 455 ms during which every question of the process waits.
A client in a child process is replaced by starting a fresh child and killing
the old one: the kernel frees the old index, and this process never waits
(at 1M chunks: the asking thread's worst gap 39 ms while a child was killed;
a query costs 0.2 ms more through the socket). `ChromaStore.follow` moves a
store of `index_process_min_chunks` or more here.

The child serves every call the store makes (searches, reads and writes) on
a Unix socket only this process can connect to (a random key), one thread
per connection, and exits when this process's end of its stdin closes,
however this process ends.
"""

from __future__ import annotations

import importlib
import os
import select
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client, Connection, Listener
from pathlib import Path
from typing import Any

from rag.components.vector_store.errors import StoreError

# The child's program (`-m` would run this module a second time: the package imports it first).
CHILD = (
    "import sys; from rag.components.vector_store.index_process import serve; sys.exit(serve(sys.argv[1:]))"
)
# How long a child may take to open a store and load its vector index (about 15 s at a million chunks).
START_SECONDS = 300.0


class IndexProcessError(StoreError):
    """The child could not open the store, or stopped."""


class IndexProcess:
    """One child process holding a Chroma client on `path`, ready once constructed (its index loaded)."""

    def __init__(self, path: Path, collection: str, timeout: float = START_SECONDS) -> None:
        self.path = path
        self._folder = Path(tempfile.mkdtemp(prefix="rag-index-"))
        self._address = str(self._folder / "index.sock")
        self._key = os.urandom(32)
        self._local = threading.local()
        self._connections: list[Connection] = []
        self._lock = threading.Lock()
        self._child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(path), collection, self._address],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._child.stdin is not None and self._child.stdout is not None
        self._child.stdin.write(self._key.hex() + "\n")
        self._child.stdin.flush()  # stays open: its end tells the child to exit
        ready, _, _ = select.select([self._child.stdout], [], [], timeout)
        first = self._child.stdout.readline().strip() if ready else f"error: not ready after {timeout:.0f} s"
        if first != "ready":
            self.stop()
            raise IndexProcessError(first.removeprefix("error: ") or "the index process exited")

    @property
    def pid(self) -> int:
        return self._child.pid

    def alive(self) -> bool:
        return self._child.poll() is None

    def call(self, *request: Any) -> Any:
        """Send one request to the child and return its answer (its exception, raised here)."""
        connection = self._connection()
        try:
            connection.send(request)
            status, value = connection.recv()
        except (EOFError, OSError) as error:
            reason = str(error) or "closed"
            raise IndexProcessError(f"the index process of {self.path} stopped ({reason})") from None
        if status == "error":
            raise _rebuilt(*value)
        return value

    def stop(self) -> None:
        """Kill the child (the kernel frees its index) and wait for it; calls in flight fail."""
        with self._lock:
            connections, self._connections = self._connections, []
        for connection in connections:
            connection.close()
        self._child.kill()
        self._child.wait()
        for stream in (self._child.stdin, self._child.stdout):
            if stream is not None:
                stream.close()
        shutil.rmtree(self._folder, ignore_errors=True)

    def _connection(self) -> Connection:
        """This thread's connection (a thread waits on its own answers only)."""
        connection = getattr(self._local, "connection", None)
        if connection is None or connection.closed:
            try:
                connection = Client(self._address, family="AF_UNIX", authkey=self._key)
            except OSError as error:
                raise IndexProcessError(f"the index process of {self.path} stopped ({error})") from None
            self._local.connection = connection
            with self._lock:
                self._connections.append(connection)
        return connection


class RemoteCollection:
    """The calls `ChromaStore` makes on a Chroma collection, made in the child."""

    def __init__(self, process: IndexProcess, name: str) -> None:
        self.process = process
        self.name = name

    @property
    def metadata(self) -> dict[str, Any] | None:
        """Read afresh each time (an in-process collection's is as of its last read)."""
        return self.process.call("metadata")

    def query(self, **kwargs: Any) -> Any:
        return self.process.call("collection", "query", kwargs)

    def get(self, **kwargs: Any) -> Any:
        return self.process.call("collection", "get", kwargs)

    def upsert(self, **kwargs: Any) -> None:
        self.process.call("collection", "upsert", kwargs)

    def delete(self, **kwargs: Any) -> None:
        self.process.call("collection", "delete", kwargs)

    def modify(self, **kwargs: Any) -> None:
        self.process.call("collection", "modify", kwargs)

    def count(self) -> int:
        return int(self.process.call("collection", "count", {}))


def _rebuilt(module: str, name: str, message: str) -> Exception:
    """The child's exception as the same class here, so callers catch Chroma's errors as they would."""
    try:
        kind = getattr(importlib.import_module(module), name)
        if isinstance(kind, type) and issubclass(kind, Exception):
            return kind(message)
    except Exception:  # not importable or not built from a message: keep the message
        pass
    return IndexProcessError(message)


# The child


def serve(argv: Sequence[str]) -> int:
    """The child: open the store, load its index, say `ready`, then answer calls until the parent ends."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    from rag.components.vector_store.chroma import _first_line, _write_ahead, load_index

    path, name, address = argv
    key = bytes.fromhex(sys.stdin.readline().strip())
    threading.Thread(
        target=_exit_with_parent, args=(Path(address).parent,), name="parent-watch", daemon=True
    ).start()
    try:
        _write_ahead(Path(path))
        client = chromadb.PersistentClient(path=path, settings=ChromaSettings(anonymized_telemetry=False))
        collection = client.get_collection(name)
        load_index(collection)
        listener = Listener(address, family="AF_UNIX", authkey=key)
    except Exception as error:
        print(f"error: cannot open the Chroma store at {path}: {_first_line(error)}", flush=True)
        return 1
    print("ready", flush=True)

    def answer(request: tuple[Any, ...]) -> Any:
        if request[0] == "metadata":
            return client.get_collection(name).metadata
        _, method, kwargs = request
        return getattr(collection, method)(**kwargs)

    def converse(connection: Connection) -> None:
        while True:
            try:
                request = connection.recv()
            except (EOFError, OSError):
                return
            try:
                reply: tuple[str, Any] = ("ok", answer(request))
            except Exception as error:
                reply = ("error", (type(error).__module__, type(error).__qualname__, str(error)))
            connection.send(reply)

    while True:
        try:
            connection = listener.accept()
        except (OSError, AuthenticationError):  # a connection that failed the key
            continue
        threading.Thread(target=converse, args=(connection,), daemon=True).start()


def _exit_with_parent(folder: Path) -> None:
    """Exit when the parent's end of stdin closes: it stopped us, or it ended (even by kill -9, when
    only we are left to remove the socket's folder)."""
    sys.stdin.read()
    shutil.rmtree(folder, ignore_errors=True)
    os._exit(0)
