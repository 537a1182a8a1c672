"""PDF throughput: pages per second of ``loanlint check`` with each PDF engine, against
pdfplumber's own ``page.extract_text()`` on the same file.

    python benchmarks/pdf_throughput.py [--pages 50] [--runs 5] [--copies 4] [--quick] [--keep DIR]

Builds its input: a Chinese loan contract of ``--pages`` A4 pages made with reportlab
and the built-in CID font STSong-Light, as fixtures/build_pdfs.py does (10 pt body,
11.5 pt headings, a 20 pt rate banner, fake-bold key terms drawn twice 0.4 pt apart,
ruled repayment tables, a footer on every page). The text is the contract of
fixtures/contracts/t03 followed by appendices made of the prose of the other text
fixtures. Then measures, as medians over ``--runs`` runs:

- baseline: pdfplumber's ``page.extract_text()`` over every page, in this process;
- ``lint_file`` (load, extract, derive, validate) in this process, per engine;
- ``python -m linter check --format json --no-cache FILE`` as a fresh process, per
  engine (interpreter start and imports included, as a pre-commit hook pays them);
- the same over an archive of ``--copies`` copies of the file with ``--jobs 1`` (the
  start-up paid once, one core, as the baseline uses);

and checks that both engines report the same findings. Nothing is downloaded.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FONT = "STSong-Light"
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 56.7, 62.0, 62.0
ENGINES = ("pdfplumber", "pdfium")


def _paragraphs() -> tuple[list[str], list[str]]:
    """t03's contract, then every prose line of the other text fixtures as appendices,
    without the characters STSong-Light has no glyph for (as fixtures/build_pdfs.py
    refuses them: a PDF reader drops them, and so would any extraction)."""
    from pdfminer.cmapdb import CMapDB

    cmap = CMapDB.get_cmap("UniGB-UCS2-H")

    def showable(line: str) -> str:
        return "".join(ch for ch in line if ord(ch) <= 0xFFFF and len(list(cmap.decode(ch.encode("utf-16-be")))) == 1)

    contracts = ROOT / "fixtures" / "contracts"
    main = (contracts / "t03-app-service-fee-deducted.txt").read_text(encoding="utf-8").splitlines()
    extra = []
    for p in sorted(contracts.glob("*.txt")):
        if p.name.startswith("t03"):
            continue
        try:
            text = p.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            continue
        extra.extend(showable(line.strip()) for line in text.splitlines() if len(line.strip()) >= 30)
    return [showable(line.strip()) for line in main], extra


def build(path: Path, n_pages: int) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    width, height = A4
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1, pageCompression=1)
    c.setTitle("借款合同（性能测试）")
    state = {"page": 1, "y": height - MARGIN_TOP}

    def new_page() -> None:
        c.setFont(FONT, 8)
        c.drawCentredString(width / 2, 30, f"第 {state['page']} 页")
        c.showPage()
        state["page"] += 1
        state["y"] = height - MARGIN_TOP

    def need(h: float) -> bool:
        if state["y"] - h < MARGIN_BOTTOM:
            if state["page"] >= n_pages:
                return False
            new_page()
        return True

    def line(text: str, size: float = 10, bold: bool = False, center: bool = False, x: float = MARGIN_X) -> bool:
        if not need(size * 1.6):
            return False
        state["y"] -= size * 1.6
        c.setFont(FONT, size)
        w = pdfmetrics.stringWidth(text, FONT, size)
        left = (width - w) / 2 if center else x
        for dx in ((0, 0.4) if bold else (0,)):
            c.drawString(left + dx, state["y"], text)
        return True

    def paragraph(text: str, size: float = 10, bold: bool = False) -> bool:
        avail = width - 2 * MARGIN_X
        rows, cur = [], ""
        for ch in text:
            if pdfmetrics.stringWidth(cur + ch, FONT, size) > avail:
                rows.append(cur)
                cur = ""
            cur += ch
        rows.append(cur)
        return all(line(r, size, bold) for r in rows)

    def table(rows: list[list[str]], cols: list[float]) -> bool:
        x_edges = [MARGIN_X]
        for w in cols:
            x_edges.append(x_edges[-1] + w)
        for row in rows:
            if not need(16):
                return False
            top = state["y"]
            state["y"] -= 16
            c.setLineWidth(0.5)
            c.line(x_edges[0], top, x_edges[-1], top)
            c.line(x_edges[0], state["y"], x_edges[-1], state["y"])
            c.setFont(FONT, 9)
            for cell, left in zip(row, x_edges):
                c.drawString(left + 5, state["y"] + 5, cell)
        return True

    main, extra = _paragraphs()
    line("借款合同", 16, center=True)
    line("年化利率低至18%，日息仅万分之五", 20, center=True)
    for text in main[1:]:
        if not text:
            state["y"] -= 3
        elif text.startswith("【"):
            line(text, 11.5, bold=True)
        else:
            paragraph(text)
    schedule = [["期数", "还款日", "应还本金", "应还利息", "应还总额", "剩余本金"]]
    principal, rate = 8000.00, 0.18 / 12
    pay = round(principal * rate / (1 - (1 + rate) ** -12), 2)
    for k in range(1, 13):
        interest = round(principal * rate, 2)
        principal = round(principal - (pay - interest), 2)
        schedule.append([str(k), f"2025-{k:02d}-03", f"{pay - interest:,.2f}", f"{interest:,.2f}", f"{pay:,.2f}",
                         f"{max(principal, 0):,.2f}"])
    line("附件一：还款计划表", 11.5, bold=True)
    table(schedule, [40, 90, 90, 80, 90, 90])
    i = 0
    while extra:
        if i % 40 == 0 and not line(f"附件{_cn(i // 40 + 2)}：通用条款（第{i // 40 + 1}部分）", 11.5, bold=True):
            break
        if not paragraph(extra[i % len(extra)]):
            break
        i += 1
    c.setFont(FONT, 8)
    c.drawCentredString(width / 2, 30, f"第 {state['page']} 页")
    c.showPage()
    c.save()


def _cn(n: int) -> str:
    digits = "零一二三四五六七八九"
    return digits[n] if n < 10 else ("十" if n < 20 else digits[n // 10] + "十") + (digits[n % 10] if n % 10 else "")


def _median(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def baseline(path: Path) -> None:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_text()
            page.close()


def in_process(path: Path, engine: str):
    from linter.pipeline import Options, lint_file
    from linter.standard import load_standard

    std = load_standard()
    os.environ["LOANLINT_PDF_ENGINE"] = engine
    return lambda: lint_file(str(path), std, Options(lang="en"))


def cli(path: Path, engine: str, *extra: str):
    env = dict(os.environ, LOANLINT_PDF_ENGINE=engine)
    cmd = [sys.executable, "-m", "linter", "check", "--format", "json", "--no-cache", *extra, str(path)]

    def run():
        r = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
        if r.returncode not in (0, 1):
            raise SystemExit(f"loanlint failed ({r.returncode}): {r.stderr[-2000:]}")
        return r.stdout
    return run


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=50)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--copies", type=int, default=4, help="files in the archive run")
    ap.add_argument("--quick", action="store_true", help="20 pages, 2 runs, 2 copies: a smoke test of the benchmark")
    ap.add_argument("--keep", type=Path, help="write the generated PDF here and keep it")
    args = ap.parse_args(argv)
    if args.quick:
        args.pages, args.runs, args.copies = 20, 2, 2
    with tempfile.TemporaryDirectory() as tmp:
        path = (args.keep or Path(tmp)) / f"contract-{args.pages}p.pdf"
        path.parent.mkdir(parents=True, exist_ok=True)
        build(path, args.pages)
        import pdfplumber

        with pdfplumber.open(path) as pdf:
            pages = len(pdf.pages)
            chars = sum(len(p.chars) for p in pdf.pages)
        print(f"{path.name}: {pages} pages, {chars} characters, {path.stat().st_size} bytes; "
              f"medians of {args.runs} runs")
        from linter.load import pdfium

        try:
            for _ in pdfium.pages(str(path)):
                pass
            print("PDFium reads it (no fallback to pdfminer)\n")
        except pdfium.Unsupported as exc:
            print(f"PDFium declines it ({exc}): the pdfium row measures the fallback\n")
        rows: list[tuple] = [("pdfplumber page.extract_text() (baseline)", _median(lambda: baseline(path), args.runs))]
        findings = {}
        for engine in ENGINES:
            run = in_process(path, engine)
            findings[engine] = [(f.rule, f.location.model_dump() if f.location else None) for f in run().findings]
            rows.append((f"loanlint lint_file, in-process, {engine}", _median(run, args.runs), pages))
        outputs = {}
        for engine in ENGINES:
            run = cli(path, engine)
            outputs[engine] = run()
            rows.append((f"loanlint check, CLI process, {engine}", _median(run, args.runs), pages))
        archive = path.parent / "archive"
        archive.mkdir(exist_ok=True)
        for k in range(args.copies):
            shutil.copyfile(path, archive / f"contract-{k}.pdf")
        for engine in ENGINES:
            run = cli(archive, engine, "--jobs", "1")
            rows.append((f"loanlint check, CLI, {args.copies} files, {engine}", _median(run, args.runs),
                         pages * args.copies))
        base = pages / rows[0][1]
        print(f"{'measurement':48} {'seconds':>8} {'pages/s':>8} {'vs baseline':>12}")
        for name, secs, *n in rows:
            rate = (n[0] if n else pages) / secs
            print(f"{name:48} {secs:8.3f} {rate:8.1f} {rate / base:11.2f}x")
        same = findings["pdfplumber"] == findings["pdfium"] and outputs["pdfplumber"] == outputs["pdfium"]
        print(f"\nfindings identical across engines: {'yes' if same else 'NO'} ({len(findings['pdfium'])} findings)")
        return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
