"""Lint many files in worker processes that can be killed, so one hostile file can
neither stall nor sink the run.

``lint_all`` hands files one at a time to a small pool of worker processes and
returns one ``FileReport`` per target, in input order, whatever happens:

- a file that takes longer than ``timeout`` seconds: its worker is killed (SIGKILL),
  the file is reported ``E006``, a fresh worker takes the next file;
- a file that needs more memory than ``max_memory`` MB: each worker runs under
  ``RLIMIT_AS`` (its start-up footprint + ``max_memory``), so the allocation fails
  with ``MemoryError`` inside the worker (``E010``), or the worker dies and the
  parent reports ``E010`` (killed by the system) / ``E099`` (any other crash);
- a worker that ends a file above half its memory budget, or after an ``E010``, or
  after ``RECYCLE_AFTER`` files, is replaced, so fragmentation cannot add up.

Workers are forked where the platform allows (``fork`` start method): the standard,
the vocabulary and the word segmenter are loaded once in the parent and shared
copy-on-write, so a worker costs a few milliseconds. Elsewhere they are spawned and
load the standards themselves (file + parameter values).

A run over a single small text file (the usual pre-commit call) lints it in the
reporting process: a worker would cost more than the file. Its time limit then holds
through SIGALRM (the regex engine checks for signals too); text under
``IN_PROCESS_MAX_BYTES`` cannot exhaust memory.
PDFs always go to a worker: no PDF is ever parsed in the process that reports.
(``LOANLINT_START_METHOD=spawn`` forces the spawn path where fork exists, for tests.)

Workers talk to the parent only through their pipe; their stdout and stderr go to
/dev/null (``LOANLINT_DEBUG=1`` keeps stderr), so nothing a library prints about a bad
file can corrupt the report or reach the user as a traceback.
"""
from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional, Sequence, Union

from .errors import LoanlintError
from .models import FileError, FileReport
from .pipeline import Options, Target, display_path

DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_MEMORY = 1024  # MB
RECYCLE_AFTER = 200        # files per worker before it is replaced
IN_PROCESS_MAX_BYTES = 1 << 20

_PDF = (".pdf",)


def default_jobs() -> int:
    for get in (getattr(os, "process_cpu_count", None),
                lambda: len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
                os.cpu_count):
        try:
            n = get() if get else None
        except OSError:
            n = None
        if n:
            return n
    return 1


def error_report(path: str, err: LoanlintError, lang: str) -> FileReport:
    return FileReport(path=path, status="error", error=FileError(code=err.code, message=err.message(lang)))


def lint_all(targets: Sequence[Union[Target, str]], standard_ref: str = "cn-consumer-loan",
             overrides: Optional[dict[str, float]] = None, opts: Optional[Options] = None,
             jobs: Optional[int] = None, timeout: Optional[float] = DEFAULT_TIMEOUT,
             max_memory: Optional[int] = DEFAULT_MAX_MEMORY, *, std=None) -> list[FileReport]:
    """One report per target, in input order. ``timeout`` (seconds) and ``max_memory``
    (MB) are per file; 0 or None means no limit. ``std`` is the already-loaded standard
    (loaded from ``standard_ref``/``overrides`` when not given; a broken standard raises
    ``StandardError`` here, before any file is read)."""
    opts = opts or Options()
    if std is None:
        from .standard import load_standard
        std = load_standard(standard_ref, overrides)
    items = [t if isinstance(t, Target) else Target(t) for t in targets]
    return lint_jobs([(t, std, opts) for t in items], lang=opts.lang, jobs=jobs, timeout=timeout,
                     max_memory=max_memory)


def lint_jobs(items: Sequence[tuple[Target, Any, Optional[Options]]], *, lang: str = "zh",
              jobs: Optional[int] = None, timeout: Optional[float] = DEFAULT_TIMEOUT,
              max_memory: Optional[int] = DEFAULT_MAX_MEMORY, cache=None,
              keep_facts: bool = True) -> list[FileReport]:
    """``lint_all`` for files that each have their own standard and options (what the
    CLI resolves per file from the configuration): ``(target, standard, options)``;
    standard and options are ignored for a target that already carries its error.
    With a ``cache`` (``linter.cache.Cache``), files whose report is cached are not
    linted again, and new reports are stored. ``keep_facts=False`` drops each file's
    facts once it is cached: only the JSON report shows them, and over an archive of
    tens of thousands of files they are most of what the reporting process holds."""
    reports: list[Optional[FileReport]] = [None] * len(items)
    stds: list = []
    work: list[tuple[int, str, int, Options]] = []
    keys: dict[int, str] = {}
    for i, (t, std, opts) in enumerate(items):
        if t.error is not None:
            reports[i] = error_report(t.path, t.error, lang)
            continue
        opts = opts or Options(lang=lang)
        if cache is not None:
            key = cache.key(t.path, std, opts)
            hit = cache.get(key) if key else None
            if hit is not None:
                _refingerprint(hit, t.path, opts)
                if not keep_facts:
                    hit.facts = None
                reports[i] = hit
                continue
            if key:
                keys[i] = key
        k = next((n for n, s in enumerate(stds) if s is std), None)
        if k is None:
            stds.append(std)
            k = len(stds) - 1
        work.append((i, t.path, k, opts))

    if len(work) == 1 and _small_text(work[0][1]):
        # the pre-commit case: one small text file. A worker process would cost more
        # than linting it (~15 ms); text extraction is linear, and the time limit still
        # holds through SIGALRM where the platform has it.
        i, path, k, opts = work[0]
        reports[i] = _lint_in_process(path, stds[k], opts, timeout or None)
        if i in keys:
            cache.put(keys[i], reports[i])
        work = []
    if work:
        fork = _fork_available()  # imports multiprocessing: only runs with a pool pay for it
        pool = _Pool(stds, lang, fork, timeout or None, max_memory or None,
                     jobs=max(1, min(jobs or default_jobs(), len(work))))
        pool.warm(any(w[1].lower().endswith(_PDF) for w in work))
        results = pool.run(work)
        previous = _exit_on_sigterm()
        try:
            for i, report in results:
                reports[i] = report
                if i in keys:
                    cache.put(keys[i], report)
                if not keep_facts:
                    report.facts = None
        finally:
            results.close()  # on Ctrl-C and SIGTERM too: no worker, no temporary file outlives the run
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)

    out: list[FileReport] = []
    for (t, _, _), r in zip(items, reports):
        if r is None:  # cannot happen; never lose a file even if it does
            r = error_report(t.path, LoanlintError("E099", "no result from the worker"), lang)
        r.path = display_path(t.path)
        out.append(r)
    return out


# --------------------------------------------------------------------------- parent

_STATE: dict[str, Any] = {}  # what forked workers inherit: {"stds": [Standard, …]}


def _exit_on_sigterm():
    """While workers run, SIGTERM (a CI job cancelled) exits through ``finally`` blocks
    instead of dying on the spot. Returns the handler to restore, or None."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None
    try:
        if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
            return None

        def stop(signum, frame):
            raise SystemExit(128 + signum)

        return signal.signal(signal.SIGTERM, stop)
    except (ValueError, OSError, AttributeError):
        return None


def _fork_available() -> bool:
    import multiprocessing

    if os.environ.get("LOANLINT_START_METHOD") == "spawn":
        return False
    return "fork" in multiprocessing.get_all_start_methods()


def _small_text(path: str) -> bool:
    """A regular file under ``IN_PROCESS_MAX_BYTES`` that is not a PDF (by name or by its
    first bytes). Only regular files are opened: a FIFO would block the parent."""
    import stat

    if path.lower().endswith(_PDF):
        return False
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            return True  # load() reports it (E001) without opening it
        if st.st_size > IN_PROCESS_MAX_BYTES:
            return False
        with open(path, "rb") as fh:
            return not fh.read(1024).lstrip().startswith(b"%PDF-")
    except OSError:
        return True  # load() reports it (E001)


@dataclass
class _Worker:
    proc: Any
    conn: Any
    task: Optional[tuple] = None  # (index, path, standard index, options)
    started: float = 0.0
    killed: bool = False


@dataclass
class _Pool:
    stds: list
    lang: str
    fork: bool
    timeout: Optional[float]
    max_memory: Optional[int]
    jobs: int
    workers: list = field(default_factory=list)
    linkdir: Optional[str] = None

    def warm(self, pdf: bool) -> None:
        """Load in the parent what every worker needs, once (fork shares it)."""
        if not self.fork:
            return
        _STATE["stds"] = self.stds
        try:
            for std in self.stds:
                _ = std.validator
            from .extract import extract
            from .extract.clauses import segmenter
            from .load.document import Document
            from . import derive  # noqa: F401
            from .standard import validate  # noqa: F401

            segmenter()
            extract(Document.from_text("<warm-up>", "txt", "借款金额：人民币1,000.00元，年化利率12%，期限12个月。", "utf-8"),
                    None)
            if pdf:
                _warm_pdf()
        except Exception:  # a worker will meet the same problem and report it per file
            pass

    def run(self, work: list[tuple[int, str, int, Options]]) -> Iterable[tuple[int, FileReport]]:
        from multiprocessing.connection import wait

        pending = deque(work)
        try:
            while pending or any(w.task for w in self.workers):
                while pending and len(self.workers) < self.jobs:
                    self.workers.append(self._start())
                for w in self.workers:
                    if w.task is None and pending:
                        self._assign(w, pending.popleft())
                busy = [w for w in self.workers if w.task is not None]
                if not busy:
                    continue
                now = time.monotonic()
                wait_for = None
                if self.timeout:
                    wait_for = max(0.0, min(w.started + self.timeout for w in busy) - now)
                ready = set(wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], wait_for))
                for w in busy:
                    result = None
                    if w.conn in ready or w.proc.sentinel in ready:
                        result = self._collect(w)
                    elif self.timeout and time.monotonic() - w.started >= self.timeout:
                        result = self._timed_out(w)
                    if result is not None:
                        yield result
                self.workers = [w for w in self.workers if w.proc.is_alive() or w.task is not None]
        finally:
            self._shutdown()

    def _start(self) -> _Worker:
        import multiprocessing

        ctx = multiprocessing.get_context("fork" if self.fork else "spawn")
        parent, child = ctx.Pipe(duplex=True)
        # spawned workers load the standards themselves: (file, parameter values) each
        spec = None if self.fork else [(std.path, dict(std.parameters)) for std in self.stds]
        # a forked child inherits every pipe end of the parent: it closes the parent's
        # ends so that, should the parent die, its recv() ends instead of waiting forever
        inherited = [parent.fileno()] + [w.conn.fileno() for w in self.workers if not w.conn.closed] \
            if self.fork else []
        proc = ctx.Process(target=_worker_main, args=(child, spec, self.lang, self.max_memory,
                                                      bool(os.environ.get("LOANLINT_DEBUG")), inherited,
                                                      os.getpid()),
                           daemon=True, name="loanlint-worker")
        proc.start()
        child.close()
        return _Worker(proc, parent)

    def _assign(self, w: _Worker, task: tuple[int, str, int, Options]) -> None:
        i, path, k, opts = task
        try:
            path.encode("utf-8")
        except UnicodeEncodeError:
            path = self._alias(i, path)
        w.task = task
        w.started = time.monotonic()
        try:
            w.conn.send((i, path, k, opts))
        except (OSError, ValueError):
            pass  # the worker is gone: its sentinel is ready, _collect reports the file

    def _alias(self, i: int, path: str) -> str:
        """A UTF-8 name (symbolic link) for a file whose name is not: the pipeline hashes
        paths into fingerprints as UTF-8. The report shows the real name."""
        try:
            if self.linkdir is None:
                self.linkdir = tempfile.mkdtemp(prefix="loanlint-")
            alias = os.path.join(self.linkdir, f"{i}{os.path.splitext(display_path(path))[1]}")
            os.symlink(os.path.abspath(path), alias)
            return alias
        except OSError:
            return path

    def _collect(self, w: _Worker) -> Optional[tuple[int, FileReport]]:
        i, path, _, opts = w.task
        message = None
        eof = False
        try:
            if w.conn.poll():
                message = w.conn.recv()
        except (EOFError, OSError):
            eof = True
        except Exception:  # a result that cannot be unpickled: treated as a crash
            eof = True
        if isinstance(message, tuple) and len(message) >= 2 and message[0] == i \
                and isinstance(message[1], FileReport):
            w.task = None
            report = message[1]
            if len(message) > 2:
                self._retire(w)
            if report.path != path:  # linted under a UTF-8 alias
                _refingerprint(report, path, opts)
                try:
                    os.unlink(report.path)
                except OSError:
                    pass
            return i, report
        if not eof and w.proc.is_alive():
            return None  # nothing for us yet
        # the worker died (or closed its pipe) with the file in hand
        w.proc.join(2)
        if w.proc.is_alive():
            self._kill(w)
        code = w.proc.exitcode
        w.task = None
        self._retire(w)
        return i, error_report(path, _death(code, self.max_memory), self.lang)

    def _timed_out(self, w: _Worker) -> tuple[int, FileReport]:
        i, path = w.task[:2]
        self._kill(w)
        w.task = None
        return i, error_report(path, _timeout_error(self.timeout), self.lang)

    def _kill(self, w: _Worker) -> None:
        w.killed = True
        try:
            w.proc.kill()
        except Exception:
            pass
        w.proc.join(5)
        w.conn.close()

    def _retire(self, w: _Worker) -> None:
        try:
            w.conn.send(None)
        except (OSError, ValueError):
            pass
        w.proc.join(2)
        if w.proc.is_alive():
            self._kill(w)
        else:
            w.conn.close()

    def _shutdown(self) -> None:
        for w in self.workers:
            if w.proc.is_alive():
                if w.task is None:
                    try:
                        w.conn.send(None)
                    except (OSError, ValueError):
                        pass
                else:
                    w.proc.kill()
        deadline = time.monotonic() + 2
        for w in self.workers:
            w.proc.join(max(0.0, deadline - time.monotonic()))
            if w.proc.is_alive():
                w.proc.kill()
                w.proc.join(1)
            try:
                w.conn.close()
            except OSError:
                pass
        self.workers = []
        if self.linkdir:
            shutil.rmtree(self.linkdir, ignore_errors=True)


def _refingerprint(report: FileReport, path: str, opts: Options) -> None:
    """Fingerprints for the file's real (displayed) name, when it was linted under an
    alias or its report comes from the cache (where it may have had another name)."""
    from .pipeline import fingerprint, fingerprint_path

    key = fingerprint_path(display_path(path), opts.root)
    for f in report.findings:
        f.fingerprint = fingerprint(key, f)


def _timeout_error(timeout: float) -> LoanlintError:
    return LoanlintError("E006", f"no result after {timeout:g} s; processing was stopped. A very large "
                                 f"file may need a longer --timeout; a small one that hangs is damaged or hostile",
                         f"{timeout:g} 秒内没有结果，已终止处理。文件很大时可加大 --timeout；"
                         f"小文件卡住说明文件损坏或带有恶意构造")


def _death(code: Optional[int], max_memory: Optional[int]) -> LoanlintError:
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        if -code == signal.SIGKILL:
            return LoanlintError("E010", f"the worker was killed by the system ({name}) while reading the file, "
                                         f"most likely for lack of memory",
                                 f"处理该文件的进程被系统终止（{name}），很可能是内存不足")
        if max_memory and -code in (signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT):
            return LoanlintError("E010", f"the worker crashed ({name}) under its {max_memory} MB memory limit; "
                                         f"raise --max-memory if the file is legitimate",
                                 f"处理进程在 {max_memory} MB 内存上限下崩溃（{name}）；如文件正常可加大 --max-memory")
        return LoanlintError("E099", f"the worker crashed ({name})", f"处理进程崩溃（{name}）")
    return LoanlintError("E099", f"the worker exited unexpectedly (exit code {code})",
                         f"处理进程意外退出（退出码 {code}）")


def _warm_pdf() -> None:
    """The PDF engine the workers will use: PDFium (pdfplumber only if it is forced or
    PDFium is missing; the fallback path imports it when a file needs it)."""
    if os.environ.get("LOANLINT_PDF_ENGINE") != "pdfplumber":
        try:
            from .load import pdfium
            pdfium.warm()
            return
        except ImportError:
            pass
    import pdfminer.layout  # noqa: F401
    import pdfplumber  # noqa: F401


# --------------------------------------------------------------------------- worker

def _worker_main(conn, spec, lang: str, max_memory: Optional[int], debug: bool,
                 inherited: Sequence[int] = (), parent_pid: Optional[int] = None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _die_with_parent(parent_pid)
    for fd in inherited:
        try:
            os.close(fd)
        except OSError:
            pass
    _silence(debug)
    budget = _limit_memory(max_memory)
    stds: dict[int, Any] = dict(enumerate(_STATE.get("stds", []))) if spec is None else {}
    done = 0
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if task is None:
            return
        i, path, k, opts = task
        std = stds.get(k)
        problem = None
        if std is None and spec is not None:
            try:
                from .standard import load_standard
                std = stds[k] = load_standard(*spec[k])
            except Exception as exc:
                problem = f"the standard could not be loaded in the worker: {exc}"
        if std is None:
            report = error_report(path, LoanlintError("E099", problem or "no standard in the worker"), lang)
        else:
            report = _lint_one(path, std, opts, max_memory)
        done += 1
        retire = (done >= RECYCLE_AFTER or (report.error is not None and report.error.code == "E010")
                  or (budget is not None and _rss() > budget))
        try:
            conn.send((i, report, "retire") if retire else (i, report))
        except MemoryError:
            return
        except Exception as exc:  # e.g. a report that cannot be pickled: still a report
            try:
                conn.send((i, error_report(path, LoanlintError("E099", f"{type(exc).__name__}: {exc}"), lang)))
            except Exception:
                return
        if retire:
            return


def _silence(debug: bool) -> None:
    """Nothing a worker or a library in it prints may reach the user: stdout carries the
    report (a stray line would corrupt the JSON), stderr only the parent's summary. With
    LOANLINT_DEBUG set, stderr is kept for tracebacks."""
    if not debug:
        import faulthandler  # PYTHONFAULTHANDLER, or a test runner, would dump a traceback on a crash
        faulthandler.disable()
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        return
    for fd, name in ((1, "stdout"), (2, "stderr")):
        if debug and fd == 2:
            continue
        try:
            os.dup2(devnull, fd)
        except OSError:
            pass
        setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))
    os.close(devnull)


def _die_with_parent(parent_pid: Optional[int]) -> None:
    """Linux: a worker stuck in a hostile file must not outlive a parent that was killed
    (CI cancelling the job): ask the kernel to SIGKILL it when the parent goes."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        if parent_pid is not None and os.getppid() != parent_pid:  # the parent died before we got here
            os._exit(0)
    except Exception:
        pass


def _lint_in_process(path: str, std, opts: Options, timeout: Optional[float]) -> FileReport:
    import threading

    if not timeout or not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        return _lint_one(path, std, opts, None)

    class _TimedOut(BaseException):  # not an Exception: nothing in the pipeline may swallow it
        pass

    def expire(signum, frame):
        raise _TimedOut

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return _lint_one(path, std, opts, None)
    except _TimedOut:
        return error_report(path, _timeout_error(timeout), opts.lang)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _lint_one(path: str, std, opts: Options, max_memory: Optional[int]) -> FileReport:
    from .pipeline import lint_file

    try:
        return lint_file(path, std, opts)
    except MemoryError:
        limit = f" ({max_memory} MB)" if max_memory else ""
        return error_report(path, LoanlintError("E010", f"more memory needed than allowed{limit}; "
                                                         f"raise --max-memory if the file is legitimate",
                                                f"所需内存超过上限{limit}；如文件正常可加大 --max-memory"), opts.lang)
    except RecursionError:
        return error_report(path, LoanlintError("E099", "RecursionError"), opts.lang)
    except Exception as exc:  # lint_file already turns input problems into reports; this is a bug
        if os.environ.get("LOANLINT_DEBUG"):
            raise
        return error_report(path, LoanlintError("E099", f"{type(exc).__name__}: {exc}"), opts.lang)


def _limit_memory(max_memory: Optional[int]) -> Optional[int]:
    """RLIMIT_AS = what the worker maps at start + ``max_memory`` MB. Returns the RSS
    above which the worker retires after its current file (None: no limit)."""
    try:
        import resource
    except ImportError:  # Windows: the time limit still applies
        return None
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError):
        pass
    if not max_memory:
        return None
    base = _vm_size()
    limit = base + (max_memory << 20)
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError):
        pass
    return _rss() + (max_memory << 20) // 2


def _vm_size() -> int:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _rss() -> int:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0
