"""Invoice documents: HTML, PDF/A-3b with the Factur-X XML, and the CII XML alone.

Targets (server-spec §6.14): a one-page invoice's PDF ≤ 1 s, a 200-line invoice's ≤ 5 s. The
baseline is WeasyPrint turning a bare one-paragraph HTML into a PDF/A-3b in the same process.
Median of ``--runs`` after one warm-up (fonts and Pango are loaded once per process), wall
time and this process's CPU time: on a shared machine (load above the core count, printed)
the wall figures are inflated and the CPU column is the one to compare with the targets.

    .venv/bin/python benchmarks/bench_pdf.py [--runs 5] [--lines 200] [--out DIR]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "server"))  # the tests' snapshot builder

import pypdf  # noqa: E402
from docsnap import manual_line, many_lines, snapshot, time_line  # noqa: E402

from server_stub.services import documents  # noqa: E402
from server_stub.services.einvoice import build_cii_xml  # noqa: E402


def _median_ms(fn: Callable[[], object], runs: int) -> tuple[float, float, object]:
    result = fn()  # warm-up
    wall, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return statistics.median(wall), statistics.median(cpu), result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--lines", type=int, default=200)
    ap.add_argument("--out", type=Path, help="write the PDFs here to look at them")
    args = ap.parse_args()

    from weasyprint import HTML

    one = snapshot(
        [
            time_line("12.50", 9000),
            time_line("3.25", 11000, who="Bo"),
            manual_line("Fee", "1", 5000),
        ]
    )
    long = snapshot(many_lines(args.lines))
    cases = [
        ("baseline: bare <p> → PDF/A-3b", None,
         lambda: HTML(string="<p>One paragraph.</p>").write_pdf(pdf_variant="pdf/a-3b")),
        ("CII XML, one page", None, lambda: build_cii_xml(one)),
        ("HTML, one page", None, lambda: documents.render_html(one, status="final")),
        ("PDF + Factur-X, one page", 1000.0, lambda: documents.render_pdf(one, status="final")),
        (f"PDF + Factur-X, {args.lines} lines", 5000.0,
         lambda: documents.render_pdf(long, status="final")),
    ]  # fmt: skip
    load = os.getloadavg()[0]
    print(f"load average {load:.1f} on {os.cpu_count()} cores; median of {args.runs} runs")
    print("| case | pages | wall ms | CPU ms | CPU × baseline | target | wall | CPU |")
    print("|---|---|---|---|---|---|---|---|")
    base = None
    ok = True
    for name, limit, fn in cases:
        ms, cpu, result = _median_ms(fn, args.runs)
        base = base or cpu
        is_pdf = isinstance(result, bytes) and result.startswith(b"%PDF")
        pages = len(pypdf.PdfReader(io.BytesIO(result)).pages) if is_pdf else ""
        verdicts = ["" if limit is None else ("PASS" if x <= limit else "FAIL") for x in (ms, cpu)]
        ok = ok and verdicts[1] != "FAIL"
        target = f"≤ {limit:.0f} ms" if limit else ""
        print(
            f"| {name} | {pages} | {ms:.0f} | {cpu:.0f} | {cpu / base:.1f} | {target} "
            f"| {verdicts[0]} | {verdicts[1]} |"
        )
        if args.out and is_pdf:
            args.out.mkdir(parents=True, exist_ok=True)
            slug = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
            (args.out / f"{slug}.pdf").write_bytes(result)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
