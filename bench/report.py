"""What the benchmark scripts share: the data sets' names and manifests, the machine's CPU, and
writing a section of docs/benchmarks.md between its markers (each script owns its own section)."""

import platform
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def bench_database_name(scale):
    """The database `make_bench_data --scale N` makes: ncg_bench_1, ncg_bench_0_1."""
    return "ncg_bench_" + f"{scale:g}".replace(".", "_")


def manifest_path(scale):
    """Where `make_bench_data` writes whom and what the benchmark visits, for a scale."""
    return ROOT / ".bench" / bench_database_name(scale) / "manifest.json"


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def write_section(start, end, text):
    """Put `text` between the markers `start` and `end`, replacing what was there, or add the
    section at the end of the file."""
    path = ROOT / "docs" / "benchmarks.md"
    current = path.read_text() if path.exists() else "# Benchmarks\n"
    section = f"{start}\n{text.strip()}\n{end}"
    if start in current and end in current:
        current = re.sub(
            re.escape(start) + ".*?" + re.escape(end), lambda _: section, current, flags=re.S
        )
    else:
        current = current.rstrip() + "\n\n" + section + "\n"
    path.write_text(current)
