"""What the benchmark scripts share: the machine's CPU, and writing a section of
docs/benchmarks.md between its markers (each script owns its own section)."""

import platform
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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
