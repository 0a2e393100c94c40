"""The tables the benchmark scripts write into docs/PERFORMANCE.md, each between its own markers
(`<!-- NAME:start … -->` … `<!-- NAME:end -->`): the machine line they open with, and the
replacement of a marked section (appended under `heading` the first time)."""
import datetime
import os
import platform


def written_by(command: str) -> str:
    """`Written by `make …` on <date>: <cores> cores (<cpu>), <system> <release>` (no full stop)."""
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    return (f"Written by `{command}` on {datetime.date.today().isoformat()}: {os.cpu_count()} cores ({cpu}), "
            f"{platform.system()} {platform.release()}")


def write_section(doc: str, name: str, script: str, lines: list, heading: str) -> str:
    """Puts `lines` between `name`'s markers in `doc` (replacing what was there); returns the section."""
    start = f"<!-- {name}:start (written by {script}; do not edit by hand) -->"
    end = f"<!-- {name}:end -->"
    section = "\n".join([start, *lines, end])
    text = open(doc).read()
    if f"<!-- {name}:start" in text:
        a = text.index(f"<!-- {name}:start")
        b = text.index(end) + len(end)
        text = text[:a] + section + text[b:]
    else:
        text = text.rstrip("\n") + f"\n\n## {heading}\n\n" + section + "\n"
    open(doc, "w").write(text)
    return section
