"""Benchmark the assembly of a realistic report and print the figures (not a test, no assertions).

    .venv/bin/python bench/assembly.py                      # 3 departments, ~100 items, ~40 tables
    .venv/bin/python bench/assembly.py --departments 6 --parallel 2

It creates a throw-away SQLite database and media directory, writes approved content modelled
on the FY2024 excerpt (tests/assembly/sample.py), and runs the three phases of a build in this
process, timing each: HTML/CSV/ZIP, one PDF per department, front matter + merge + publication.
With --parallel N it also lays out the department PDFs in N processes, as N Celery workers
would, to show what more workers buy.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _setup(var_dir: Path) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["AKIRUNO_VAR_DIR"] = str(var_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "akiruno.settings.local"
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _render_one(path: str) -> int:
    """Lay out one department's PDF source in a separate process (a stand-in for a worker)."""
    import django

    django.setup()
    from reports.services import pdf

    return pdf.render_html(Path(path).read_text(encoding="utf-8")).pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--departments", type=int, default=3)
    parser.add_argument("--items", type=int, default=33, help="items per department")
    parser.add_argument("--tables", type=int, default=13, help="tables per department")
    parser.add_argument(
        "--parallel", type=int, default=0, help="also lay out the PDFs in N processes"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="akiruno-bench-") as tmp:
        _setup(Path(tmp))
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from reports.models import Block, Build, Item
        from reports.services import assembly
        from tests.assembly import sample

        started = time.perf_counter()
        report = sample.make_approved_report(
            departments=args.departments, items=args.items, tables=args.tables
        )
        setup_time = time.perf_counter() - started
        items = Item.objects.filter(section__report=report).count()
        tables = Block.objects.filter(
            item__section__report=report, kind__in=["table", "monthly_table"]
        ).count()

        with CaptureQueriesContext(connection) as queries:
            t0 = time.perf_counter()
            build = assembly.start_release(report_id=report.pk, task_id="bench")
            codes = assembly.render_static_phase(build)
            t1 = time.perf_counter()
            results, part_times = [], []
            for code in codes:
                t = time.perf_counter()
                results.append(
                    assembly.render_pdf_part(
                        build_id=build.pk, attempt=build.attempts, kind=build.kind, code=code
                    )
                )
                part_times.append(time.perf_counter() - t)
            t2 = time.perf_counter()
            build = assembly.finish_build(
                build_id=build.pk, attempt=build.attempts, results=results
            )
            t3 = time.perf_counter()
        reads = sum(
            1 for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")
        )

        assert build is not None and build.status == Build.Status.SUCCEEDED, build and build.error
        manifest = build.manifest
        pdf_size = manifest["report.pdf"]["size"]
        html_size = sum(e["size"] for n, e in manifest.items() if n.endswith(".html"))
        csvs = [n for n in manifest if n.endswith(".csv")]
        print(
            f"content: {args.departments} departments, {items} items, {tables} tables (written in {setup_time:.1f} s)"
        )
        print(f"phase 1  HTML, CSV, ZIP, PDF sources : {t1 - t0:6.2f} s")
        print(
            f"phase 2  department PDFs (one process): {t2 - t1:6.2f} s"
            f"  ({', '.join(f'{t:.2f}' for t in part_times)})"
        )
        print(f"phase 3  front matter, merge, publish : {t3 - t2:6.2f} s")
        print(f"total (one worker)                   : {t3 - t0:6.2f} s")
        print(
            f"PDF: {build.page_count} pages, {pdf_size / 1_000_000:.2f} MB ({pdf_size / build.page_count / 1000:.0f} kB/page)"
        )
        print(
            f"HTML: {html_size / 1000:.0f} kB in {sum(1 for n in manifest if n.endswith('.html'))} pages; "
            f"CSV: {len(csvs)} files; ZIP {manifest['data.zip']['size'] / 1000:.0f} kB"
        )
        print(f"database reads during the build: {reads} SELECT queries")
        print(f"published: edition {build.edition}")

        if args.parallel > 1:
            # The sources were removed after publication; render them again for the comparison.
            rendered = assembly.rendering.render_report(
                fiscal_year=report.fiscal_year,
                title=report.title,
                city="あきる野市",
                contents=assembly._load_contents(build),
            )
            work = Path(tmp) / "parallel"
            paths = []
            for name, data in rendered.work.items():
                if name.startswith("_work/pdf/"):
                    path = work / Path(name).name
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(data)
                    paths.append(str(path))
            t = time.perf_counter()
            with ProcessPoolExecutor(max_workers=args.parallel) as pool:
                list(pool.map(_render_one, paths))
            parallel = time.perf_counter() - t
            print(
                f"phase 2 with {args.parallel} processes       : {parallel:6.2f} s "
                f"(vs {t2 - t1:.2f} s in one; {os.cpu_count()} CPUs here)"
            )


if __name__ == "__main__":
    main()
