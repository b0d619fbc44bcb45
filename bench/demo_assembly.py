"""Time the assembly of the FY2024 demo report and check that it is deterministic (no assertions
beyond that; prints the figures).

    .venv/bin/python bench/demo_assembly.py            # 3 runs, median reported
    .venv/bin/python bench/demo_assembly.py --runs 5

Loads the demo (load_demo) into a throw-away SQLite database, then assembles the published
FY2024 content again, in this process, `--runs` times: phase 1 (HTML, CSV, ZIP, PDF sources),
phase 2 (one PDF per department) and phase 3 (front matter and merge). Every run's files are
hashed: two runs of the same content must give identical bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, help="also write the last run's report.pdf here")
    parser.add_argument("--sources", type=Path, help="also write the PDF sources (HTML) here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="akiruno-demo-bench-") as tmp:
        sys.path.insert(0, str(ROOT))
        os.environ["AKIRUNO_VAR_DIR"] = tmp
        os.environ["DJANGO_SETTINGS_MODULE"] = "akiruno.settings.local"
        os.environ.pop("DATABASE_URL", None)
        os.environ.pop("CELERY_BROKER_URL", None)
        os.environ.setdefault("LOG_LEVEL", "WARNING")
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.test.utils import override_settings

        call_command("migrate", verbosity=0)
        with override_settings(CELERY_TASK_ALWAYS_EAGER=True):
            call_command("load_demo", "--force", verbosity=0)

        from reports.models import AnnualReport, Build
        from reports.services import assembly, pdf, rendering

        report = AnnualReport.objects.get(fiscal_year=2024)
        build = Build.objects.filter(report=report, kind=Build.Kind.RELEASE).latest("pk")
        contents = assembly._load_contents(build)
        title = report.title
        timings, digests, cpu = [], [], []
        for _ in range(args.runs):
            c0 = time.process_time()
            t0 = time.perf_counter()
            rendered = rendering.render_report(
                fiscal_year=2024, title=title, city=settings.CITY_NAME, contents=contents
            )
            t1 = time.perf_counter()
            parts, toc = [], []
            page = 1
            for part in rendered.parts:
                html = rendered.work[f"_work/pdf/{part.code}.html"].decode("utf-8")
                result = pdf.render_html(html)
                parts.append((part.name, result.pdf))
                toc.append({"name": part.name, "page": page, "entries": []})
                page += result.pages
            t2 = time.perf_counter()
            front = pdf.render_front(title=title, city=settings.CITY_NAME, toc=toc, draft=False)
            merged, pages = pdf.merge(
                title=title, city=settings.CITY_NAME, front=front.pdf, parts=parts
            )
            t3 = time.perf_counter()
            timings.append((t1 - t0, t2 - t1, t3 - t2, t3 - t0))
            cpu.append(time.process_time() - c0)
            digest = hashlib.sha256()
            for name in sorted(rendered.files):
                digest.update(name.encode() + rendered.files[name])
            digest.update(merged)
            digests.append(digest.hexdigest())
        if args.out:
            args.out.write_bytes(merged)
        if args.sources:
            args.sources.mkdir(parents=True, exist_ok=True)
            for name, data in rendered.work.items():
                if name.startswith("_work/pdf/"):
                    (args.sources / Path(name).name).write_bytes(data)
        median = [statistics.median(t[i] for t in timings) for i in range(4)]
        print(f"runs: {args.runs}; PDF {pages} pages, {len(merged) / 1000:.0f} kB")
        print(f"phase 1  HTML, CSV, ZIP, PDF sources : {median[0]:6.2f} s (median)")
        print(f"phase 2  department PDFs             : {median[1]:6.2f} s")
        print(f"phase 3  front matter, merge          : {median[2]:6.2f} s")
        print(f"total                                 : {median[3]:6.2f} s")
        print(
            f"CPU time of this process (less sensitive to a busy machine): "
            f"min {min(cpu):.2f} s, median {statistics.median(cpu):.2f} s"
        )
        print("all runs: " + ", ".join(f"{t[3]:.2f}" for t in timings) + " s")
        print(f"deterministic (identical bytes every run): {len(set(digests)) == 1}")


if __name__ == "__main__":
    main()
