"""mdsection.py: named sections of BENCHMARKS.md that each benchmark tool
owns. A section is the text between

    <!-- section NAME: written by TOOL; kept by bench.py -->
    ...
    <!-- end of section NAME -->

A tool replaces its own section (or appends it at the end of the file) with
replace(); bench.py, which rewrites the driver's tables, carries every section
over with sections() and appends them after its own text, so one report holds
the driver, guest-agent and host-profile results without one tool erasing
another's.
"""
import os
import re

_BEGIN = re.compile(r"^<!-- section ([a-z0-9-]+): .*-->$", re.M)


def _end(name):
    return "<!-- end of section %s -->" % name


def begin_marker(name, tool):
    return "<!-- section %s: written by %s; kept by bench.py -->" % (name, tool)


def sections(text):
    """[(name, full text of the section, markers included)] in file order."""
    out = []
    for m in _BEGIN.finditer(text):
        end = text.find(_end(m.group(1)), m.end())
        if end < 0:
            raise ValueError("BENCHMARKS.md: section %s has no end marker '%s'"
                             % (m.group(1), _end(m.group(1))))
        out.append((m.group(1), text[m.start():end + len(_end(m.group(1)))]))
    return out


def strip_sections(text):
    """text without any section (what bench.py owns)."""
    for _, body in sections(text):
        text = text.replace(body, "")
    return text.rstrip("\n") + "\n"


def replace(path, name, tool, body):
    """Write BODY (Markdown, without markers) as section NAME of PATH."""
    block = "%s\n%s\n%s" % (begin_marker(name, tool), body.strip("\n"), _end(name))
    text = open(path).read() if os.path.exists(path) else ""
    for sname, old in sections(text):
        if sname == name:
            text = text.replace(old, block)
            break
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + block + "\n"
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)
