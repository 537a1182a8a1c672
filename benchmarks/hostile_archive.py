"""A compliance archive with hostile files in it: does ``loanlint check`` finish, report
every file, and stay within bounded memory?

    python benchmarks/hostile_archive.py [--files 1000] [--hostile-share 0.3] [--jobs N]
                                         [--timeout 60] [--max-memory 1024] [--keep DIR]

Builds a directory of ``--files`` files: copies of the contracts in fixtures/contracts
(the good ones) and of the hostile corpus of fixtures/hostile (bombs, cycles, encrypted,
truncated, binary, 50 MB text, a 500-page PDF, symbolic-link loops, FIFOs …), spread
over sub-directories. Then runs ``python -m linter check --format json`` over it once
and reports:

- wall time and files per second;
- peak RSS of the loanlint parent process, of the largest worker, and of the whole
  process tree at any instant (sampling /proc every 20 ms, Linux), and
  ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` (the largest single process, from the kernel);
- that every file is in the report exactly once, and every hostile copy with the code
  its manifest entry expects.

Exit status 0 when every check passes. Nothing is downloaded.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "fixtures" / "hostile"))
sys.path.insert(0, str(ROOT))

import build as hostile  # noqa: E402


def make_archive(out: Path, n_files: int, hostile_share: float, corpus: Path, built: list[dict]) -> dict[str, str]:
    """The archive; returns {path as loanlint will report it: expected outcome}."""
    from linter.worker import display_path

    good = sorted(p for p in (ROOT / "fixtures" / "contracts").iterdir() if p.is_file())
    # each hostile file at least once; the 500-page PDF and the 50 MB text at most twice
    heavy = {"pdf-500-pages.pdf": 2, "txt-50mb.txt": 2}
    n_hostile = max(len(built), int(n_files * hostile_share))
    plan: list[tuple[Path, dict | None]] = []
    counts: dict[str, int] = {}
    i = 0
    while len(plan) < n_hostile:
        entry = built[i % len(built)]
        i += 1
        if counts.get(entry["file"], 0) >= heavy.get(entry["file"], n_files):
            continue
        counts[entry["file"]] = counts.get(entry["file"], 0) + 1
        plan.append((corpus / entry["file"], entry))
    while len(plan) < n_files:
        plan.append((good[len(plan) % len(good)], None))

    expected: dict[str, str] = {}
    for k, (src, entry) in enumerate(plan):
        sub = out / f"batch-{k // 100:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        dest = sub / f"{k:04d}-{src.name}"
        _copy(src, dest)
        expected[display_path(str(dest))] = entry["expect"] if entry else "ok"
    return expected


def _copy(src: Path, dest: Path) -> None:
    import stat

    st = os.lstat(src)
    if stat.S_ISLNK(st.st_mode):
        target = os.readlink(src)
        if target == src.name:  # the self-loop: keep it a loop under its new name
            target = dest.name
        elif not (src.parent / target).exists():
            # a dangling link: each copy points at a missing file of its own
            target = f"missing-{dest.name}"
        os.symlink(target, dest)
    elif stat.S_ISFIFO(st.st_mode):
        os.mkfifo(dest)
    elif stat.S_ISDIR(st.st_mode):  # the unreadable directory: same shape, same mode
        dest.mkdir()
        (dest / "inside.txt").write_bytes(hostile.contract_text().encode("utf-8"))
        os.chmod(dest, st.st_mode & 0o777)
    else:
        try:
            os.link(src, dest)  # the 50 MB files need not be copied for real
        except OSError:
            shutil.copyfile(src, dest)


class TreeSampler(threading.Thread):
    """Peak RSS of a process, of its largest descendant, and of the whole tree (Linux /proc)."""

    def __init__(self, pid: int, interval: float = 0.02):
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.stop = threading.Event()
        self.parent_peak = self.child_peak = self.tree_peak = 0
        self.max_children = 0
        self.samples = 0

    def run(self) -> None:
        page = os.sysconf("SC_PAGE_SIZE")
        while not self.stop.is_set():
            rss = _tree_rss(self.pid, page)
            if rss:
                parent = rss.get(self.pid, 0)
                children = [v for k, v in rss.items() if k != self.pid]
                self.parent_peak = max(self.parent_peak, parent)
                self.child_peak = max([self.child_peak] + children)
                self.tree_peak = max(self.tree_peak, sum(rss.values()))
                self.max_children = max(self.max_children, len(children))
                self.samples += 1
            self.stop.wait(self.interval)


def _tree_rss(root: int, page: int) -> dict[int, int]:
    ppid: dict[int, int] = {}
    rss: dict[int, int] = {}
    try:
        pids = [int(p) for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            ppid[pid] = int(fields[1])
            rss[pid] = int(fields[21]) * page
        except (OSError, IndexError, ValueError):
            continue
    tree = {root}
    changed = True
    while changed:
        changed = False
        for pid, parent in ppid.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                changed = True
    return {pid: rss.get(pid, 0) for pid in tree if pid in rss}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--hostile-share", type=float, default=0.3)
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--max-memory", type=int, default=1024)
    ap.add_argument("--keep", type=Path, default=None, help="build the archive here and keep it")
    args = ap.parse_args(argv)

    work = args.keep or Path(tempfile.mkdtemp(prefix="loanlint-archive-"))
    corpus = work / "corpus"
    archive = work / "archive"
    try:
        t = time.monotonic()
        built = hostile.build(corpus)
        if not built:
            built = [e for e in hostile.manifest() if hostile.applicable(e)[0]]
        if archive.exists():
            shutil.rmtree(archive)
        expected = make_archive(archive, args.files, args.hostile_share, corpus, built)
        print(f"archive: {len(expected)} files in {archive} "
              f"({sum(1 for v in expected.values() if v != 'ok')} expected errors), "
              f"built in {time.monotonic() - t:.1f} s")

        # --no-cache: every file really read (a second run would be answered from the cache)
        cmd = [sys.executable, "-m", "linter", "check", "--no-cache", "--format", "json", "--lang", "en",
               "--timeout", str(args.timeout), "--max-memory", str(args.max_memory), str(archive)]
        if args.jobs:
            cmd[4:4] = ["--jobs", str(args.jobs)]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.monotonic()
        with open(work / "report.json", "wb") as out, open(work / "stderr.txt", "wb") as err:
            proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT)
            sampler = TreeSampler(proc.pid)
            sampler.start()
            code = proc.wait()
            sampler.stop.set()
            sampler.join()
        wall = time.monotonic() - t
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        stderr = (work / "stderr.txt").read_text("utf-8", "replace")
        report = json.loads((work / "report.json").read_text("utf-8"))

        paths = [f["path"] for f in report["files"]]
        got = {f["path"]: (f["error"]["code"] if f["status"] == "error" else "ok") for f in report["files"]}
        missing = sorted(set(expected) - set(got))
        extra = sorted(set(got) - set(expected))
        wrong = {p: (expected[p], got[p]) for p in expected if p in got and got[p] != expected[p]}
        by_code: dict[str, int] = {}
        for v in got.values():
            by_code[v] = by_code.get(v, 0) + 1

        mb = 1 << 20
        print(f"command: {' '.join(cmd[2:])}")
        print(f"exit code: {code} (expected 2)")
        print(f"wall time: {wall:.1f} s  ({len(paths) / wall:.1f} files/s)")
        print(f"cpu time (user+sys, all processes): "
              f"{(after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime):.1f} s")
        print(f"peak RSS, loanlint parent:          {sampler.parent_peak / mb:7.1f} MB")
        print(f"peak RSS, largest worker:           {sampler.child_peak / mb:7.1f} MB")
        print(f"peak RSS, whole process tree:       {sampler.tree_peak / mb:7.1f} MB "
              f"(up to {sampler.max_children} workers at once, {sampler.samples} samples)")
        print(f"ru_maxrss of children (kernel):     {after.ru_maxrss / 1024:7.1f} MB (largest single process)")
        print(f"files reported: {len(paths)} of {len(expected)}; duplicates: {len(paths) - len(set(paths))}; "
              f"missing: {len(missing)}; unexpected: {len(extra)}; wrong code: {len(wrong)}")
        print("outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(by_code.items())))
        traceback = "Traceback" in stderr
        print(f"traceback on stderr: {traceback}; stderr lines: {len(stderr.splitlines())}")
        for p in missing[:5]:
            print(f"  missing: {p}")
        for p, (want, have) in list(wrong.items())[:10]:
            print(f"  wrong: {p}: expected {want}, got {have}")
        ok = code == 2 and not missing and not extra and not wrong and len(paths) == len(set(paths)) and not traceback
        print("RESULT: " + ("PASS" if ok else "FAIL"))
        return 0 if ok else 1
    finally:
        if args.keep is None:
            for d in (corpus, archive):
                for p in (d.rglob("*fs-unreadable*") if d.exists() else []):
                    if not p.is_symlink():
                        os.chmod(p, 0o755)
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
