"""Ingest benchmark (a script, not a test; `make bench` runs it): `assistant ingest` of a 200-page PDF.

The PDF is the one tests/test_pdf_ingest.py ingests (tests/synthetic_pdf.py: a fictional UN-style
resolution, full pages, some 2,000 numbered paragraphs). The real CLI runs in a subprocess into a
temporary ASSISTANT_DATA_DIR, its progress bar read from its stderr as it comes, and the script prints:
pages, paragraphs, the seconds until the bar showed the last page (page extraction) and for the whole
command, pages/s of both, and the child's peak RSS (getrusage(RUSAGE_CHILDREN).ru_maxrss, read when it
is the only child that has ended). For scale, the peak RSS of a process that only imports the modules
the run imported (their names from `python -X importtime` of the run itself), and of one that also
loads the English word list the parser uses: what is above these is what the PDF cost.

The index sync after ingest encodes every paragraph with the embedding model (minutes on a shared
2-core machine); `--no-index` times ingest alone (extract, parse, store). Figures are printed, never
asserted.

    python benchmarks/bench_ingest.py [--pages 200] [--no-index]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the PDF generator the test uses

from synthetic_pdf import build_pdf  # noqa: E402

IMPORT_LINE = re.compile(r"^import time:\s+\d+ \|\s+\d+ \|\s+(\S+)$")
BASELINE = """
import importlib, resource, sys
for name in sys.argv[2:]:
    try:
        importlib.import_module(name)
    except Exception:
        pass  # a module only its importer can import (a platform variant, a lazy optional part)
if sys.argv[1] == "words":
    from corpus.clean import english_words
    english_words()
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"


def run_ingest(pdf: Path, data_dir: Path, pages: int, no_index: bool) -> dict:
    """The CLI in a subprocess; the moments its bar first showed page 1 and page `pages`."""
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(data_dir), "ASSISTANT_BACKEND": "extractive",
           "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    command = [sys.executable, "-X", "importtime", "-m", "cli", "ingest", str(pdf)] + (["--no-index"] if no_index else [])
    seen: dict[int, float] = {}
    modules: list[str] = []
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def read_stderr() -> None:
        state = b""
        while chunk := child.stderr.read1(65536):
            now = time.perf_counter()
            state += chunk
            *done, state = re.split(rb"[\r\n]", state)
            for line in done:
                text = line.decode("utf-8", "replace")
                if found := IMPORT_LINE.match(text):
                    modules.append(found.group(1).strip())
                elif found := re.search(rf"\| (\d+)/{pages} \[[^\]]*page", text):
                    seen.setdefault(int(found.group(1)), now)

    reader = threading.Thread(target=read_stderr)
    reader.start()
    stdout = child.stdout.read().decode()
    child.wait()
    reader.join()
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the only child ended so far
    if child.returncode != 0:
        sys.exit(f"assistant ingest failed ({child.returncode}):\n{stdout}")
    added = re.search(r"added \S+: (\d+) paragraphs", stdout)
    return {"seconds": seconds, "peak_kb": peak_kb, "stdout": stdout, "modules": modules,
            "paragraphs": int(added.group(1)) if added else None,
            "first_page": seen.get(1), "last_page": seen.get(pages), "pages_seen": len(set(seen) & set(range(1, pages + 1))),
            "started": started}


def baseline_kb(modules: list[str], words: bool) -> int:
    run = subprocess.run([sys.executable, "-c", BASELINE, "words" if words else "imports", "cli", *modules],
                         capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                         timeout=600)
    return int(run.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--no-index", action="store_true", help="time ingest alone (no index sync)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        built = time.perf_counter()
        pdf = build_pdf(Path(tmp) / "tide-gauges.pdf", pages=args.pages)
        built = time.perf_counter() - built
        size = pdf.path.stat().st_size
        result = run_ingest(pdf.path, Path(tmp) / "data", args.pages, args.no_index)
    imports = baseline_kb(result["modules"], words=False)
    words = baseline_kb(result["modules"], words=True)

    mode = "ingest alone (--no-index)" if args.no_index else "ingest + index sync (shipped corpus + the PDF encoded)"
    total = result["seconds"]
    startup = result["first_page"] - result["started"] if result["first_page"] else None
    extract = result["last_page"] - result["first_page"] if result["last_page"] and startup else None
    print(f"bench_ingest: `assistant ingest` of a {args.pages}-page PDF ({size / 1e6:.2f} MB, built in {built:.1f} s), {mode}")
    print(f"  CPU {cpu_model()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} (shared machine)")
    print(f"  pages                 {args.pages} (the bar drew {result['pages_seen']} of them one by one)")
    print(f"  paragraphs            {result['paragraphs']}")
    if extract:
        print(f"  seconds to page 1     {startup:.1f}  (start-up: imports, file digest)")
        print(f"  seconds, pages 1-{args.pages}  {extract:.1f}  ({args.pages / extract:.0f} pages/s: text extraction)")
    print(f"  seconds in all        {total:.1f}  ({args.pages / total:.1f} pages/s; after the pages: parse, store"
          f"{'' if args.no_index else ', index sync'})")
    print(f"  peak RSS, ingest      {result['peak_kb'] / 1024:.0f} MB")
    print(f"  baseline RSS          {imports / 1024:.0f} MB importing the {len(set(result['modules'])) + 1} modules it imported;"
          f" {words / 1024:.0f} MB with the English word list loaded too")
    print(f"  growth over baseline  {(result['peak_kb'] - words) / 1024:.0f} MB over imports + word list"
          f" ({(result['peak_kb'] - imports) / 1024:.0f} MB over imports alone)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
