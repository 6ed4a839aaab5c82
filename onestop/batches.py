"""Batches prepared ahead of their writing: here, or by forked children, handed back in order.

A batch job (the import) has a stage that only reads the ledger and computes (*prepare*) and one that writes
(*write*, in the write transaction, in order). On Linux the preparing can run in forked children while this
process writes the batches before, so the cores share the work; child k prepares the batches k, k + n, ... and
each hands them over through a pipe that holds one batch (memory stays flat). Their errors are raised here. If
this process stops, even by kill -9, each child ends at its next send: it keeps no copy of this process's pipe
ends or database connections.
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Generator, Iterable, Iterator
from multiprocessing.connection import Connection
from typing import TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session

from onestop.db import open_engine, session_scope, sqlite_path
from onestop.errors import OnestopError

B = TypeVar("B")  # a batch as read
P = TypeVar("P")  # a batch prepared (sent between processes: it must pickle)

JOIN_TIMEOUT_S = 30  # for a child to end once it has sent everything; then it is killed


def preparing_children() -> int:
    """How many children prepare: two on two cores (the import of 100k rows: 5.5 s against 5.9 s with one, 5.8 s
    with three; preparing is more work than writing), one fewer than the cores on more, at most four."""
    return min(4, max(2, (os.cpu_count() or 2) - 1))


def can_fork(url: str) -> bool:
    """fork: a child starts with this process's modules, calendar and catalogue (spawn would rebuild them); only
    Linux forks safely here. An in-memory SQLite ledger cannot be opened by a second process."""
    return sys.platform.startswith("linux") and (sqlite_path(url) is not None or not url.startswith("sqlite"))


def prepared_here(
    batches: Callable[[], Iterable[B]], prepare: Callable[[Session, B], P], *, engine: Engine
) -> Generator[P, None, None]:
    for batch in batches():
        with session_scope(engine) as session:
            prepared = prepare(session, batch)
        yield prepared  # its read transaction ended: the batch is written in a transaction of its own


def prepared_in_children(
    batches: Callable[[], Iterable[B]],
    prepare: Callable[[Session, B], P],
    *,
    engine: Engine,
    url: str,
    children: int,
) -> Generator[P, None, None]:
    context = multiprocessing.get_context("fork")
    pipes = [context.Pipe(duplex=False) for _ in range(children)]
    # No connection of ours may live on in a child: a PostgreSQL socket kept open there would keep this
    # process's transaction (and its locks) alive after a kill -9 until the child ended. The pool reconnects.
    engine.dispose()
    started = []
    for k, (_, sending) in enumerate(pipes):
        ends = [end for pair in pipes for end in pair if end is not sending]  # the child closes all but its own
        work = _Share(batches, prepare, url, k, children)
        child = context.Process(target=work.run, args=(sending, ends), name=f"onestop-prepare-{k}", daemon=True)
        child.start()
        started.append(child)
    for _, sending in pipes:
        sending.close()
    try:
        for i in itertools.count():
            child, (receiving, _) = started[i % children], pipes[i % children]
            try:
                kind, payload = receiving.recv()
            except EOFError:
                child.join()  # killed (the kernel's OOM killer, an operator): one clear line, then run it again
                raise OnestopError("import.helper_stopped", exit_code=child.exitcode) from None
            if kind == "done":
                break
            if kind == "error":
                raise payload
            yield payload
        for child in started:
            child.join(timeout=JOIN_TIMEOUT_S)
    finally:
        for receiving, _ in pipes:
            receiving.close()
        for child in started:
            if child.is_alive():
                child.kill()
                child.join()


class _Share:
    """One child's share of the batches, and how it prepares them."""

    def __init__(
        self, batches: Callable[[], Iterable[B]], prepare: Callable[[Session, B], P], url: str, k: int, n: int
    ) -> None:
        self.batches, self.prepare, self.url, self.k, self.n = batches, prepare, url, k, n

    def run(self, sending: Connection, others: list[Connection]) -> None:
        """In the child: its batches prepared and sent, through connections of its own to the ledger (a connection
        must not cross a fork); Ctrl-C is left to the parent, which stops it."""
        for end in others:
            end.close()
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        engine = None
        try:
            engine = open_engine(self.url, create_dir=False)
            for i, batch in enumerate(self.batches()):
                if i % self.n != self.k:
                    continue
                with session_scope(engine) as session:
                    prepared = self.prepare(session, batch)
                sending.send(("batch", prepared))
            sending.send(("done", None))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the parent has stopped
        except BaseException as error:  # raised again in the parent: an InputError is one line there
            _send_error(sending, error)
        finally:
            if engine is not None:
                engine.dispose()
            sending.close()


def _send_error(sending: Connection, error: BaseException) -> None:
    try:
        sending.send(("error", error))
    except OSError:
        pass  # the parent has stopped
    except Exception:  # an error that does not pickle: its text, which is what the parent would show
        with contextlib.suppress(OSError):
            sending.send(("error", RuntimeError(f"{type(error).__name__}: {error}")))


@contextlib.contextmanager
def ctrl_c_between_batches() -> Iterator[Callable[[], bool]]:
    """Whether Ctrl-C was pressed, asked between batches: a batch job stops after the batch being written, not
    inside it. Python raises KeyboardInterrupt wherever the signal lands, and inside a finalizer (a weak
    reference's callback, say) it is printed as "Exception ignored" and lost, and the job would go on. Outside
    the main thread, signals are not ours."""
    if threading.current_thread() is not threading.main_thread():
        yield lambda: False
        return
    pressed: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, _frame: pressed.append(signum))
    try:
        yield lambda: bool(pressed)
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)
