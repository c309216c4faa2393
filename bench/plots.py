#!/usr/bin/python3
"""make plots: BENCHMARKS.md's driver comparison as two PNGs beside it.

  BENCHMARKS-ratio.png         per row of "Throughput and latency": the
                               pvblk/virtio_blk ratio (median of the
                               per-round ratios) and its range
  BENCHMARKS-instructions.png  per row of "Guest instructions per request
                               (pvcount)": kernel instructions per request of
                               each driver, and their ratio with its range

Read from BENCHMARKS.md's own tables (the first "## Results, KVER" section),
so the plots always show the run the report shows; the run id and kernel go
into each plot's title. `make bench` calls this after writing the report.

  bench/plots.py [--md BENCHMARKS.md] [--outdir DIR]

Needs python3-matplotlib (make deps). Exits non-zero, naming the table, when
a table is missing or malformed.
"""

import argparse
import os
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RATIO_PNG = "BENCHMARKS-ratio.png"
INSTR_PNG = "BENCHMARKS-instructions.png"
COLORS = {"null": "#1f77b4", "tmpfs": "#2ca02c", "vhost": "#d62728"}


class BadReport(Exception):
    pass


def num(cell):
    s = cell.replace("**", "").replace(",", "").strip()
    return float(s)


def rng_text(cell):
    lo, hi = re.split(r"[–-]", cell.replace("**", "").strip(), maxsplit=1)
    return lo.strip(), hi.strip()


def rng(cell):
    lo, hi = rng_text(cell)
    return float(lo), float(hi)


def table(md, heading):
    """Rows of the first table after HEADING, as {column: cell}."""
    i = md.find("\n" + heading + "\n")
    if i < 0:
        raise BadReport("no section '%s'" % heading)
    rows = []
    header = None
    for line in md[i + len(heading) + 2:].split("\n"):
        if line.startswith("#"):
            break
        if not line.startswith("|"):
            if header:
                break
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if header is None:
            # a repeated column name (two "ratio range" columns) gets " #2"
            header = []
            for c in cells:
                header.append(c if c not in header else "%s #%d" % (c, header.count(c) + 1))
        elif all(re.fullmatch(r":?-+:?", c) for c in cells):
            continue
        else:
            if len(cells) != len(header):
                raise BadReport("'%s': a row has %d cells, the header %d" % (heading, len(cells), len(header)))
            rows.append(dict(zip(header, cells)))
    if not rows:
        raise BadReport("'%s' has no table rows" % heading)
    return rows


def label(r):
    return "%s %sq  %s" % (r["backend"], r["queues"], r["workload"])


def ratio_plot(ax, rows, ratio_col, range_col, xlabel):
    ys = list(range(len(rows)))[::-1]
    for y, r in zip(ys, rows):
        med = num(r[ratio_col])
        lo, hi = rng(r[range_col])
        c = COLORS.get(r["backend"], "k")
        ax.plot([lo, hi], [y, y], color=c, lw=2, alpha=0.45, solid_capstyle="butt")
        ax.plot([med], [y], "o", color=c, ms=5)
        ax.annotate("%s (%s–%s)" % ((r[ratio_col].replace("**", ""),) + rng_text(r[range_col])),
                    (max(hi, med), y),
                    xytext=(4, -3), textcoords="offset points", fontsize=6.5, color="#333")
    ax.axvline(1.0, color="k", lw=0.8)
    ax.set_xscale("log")
    ax.set_yticks(ys)
    ax.set_yticklabels([label(r) for r in rows], fontsize=7)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set_xlabel(xlabel, fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    ax.xaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%.2g"))
    ax.xaxis.set_minor_formatter(matplotlib.ticker.FormatStrFormatter("%.2g"))
    ax.tick_params(axis="x", which="minor", labelsize=6)
    ax.grid(axis="x", which="both", lw=0.3, alpha=0.5)
    lo_all = min(rng(r[range_col])[0] for r in rows)
    hi_all = max(rng(r[range_col])[1] for r in rows)
    ax.set_xlim(lo_all / 1.1, hi_all * 1.6)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--md", default=os.path.join(TOP, "BENCHMARKS.md"))
    ap.add_argument("--outdir", default=None, help="default: BENCHMARKS.md's folder")
    a = ap.parse_args()
    outdir = a.outdir or os.path.dirname(os.path.abspath(a.md))
    with open(a.md) as f:
        md = f.read()
    try:
        run = re.search(r"run `([0-9-]+)`", md)
        kver = re.search(r"^## Results, (\S+)$", md, re.M)
        if not run or not kver:
            raise BadReport("no run id or no '## Results, KVER' section")
        run, kver = run.group(1), kver.group(1)
        # the first kernel's section only: cut at the next "## " heading
        start = md.find("\n## Results, %s\n" % kver)
        end = md.find("\n## ", start + 5)
        sec = md[start:end if end > 0 else len(md)]
        perf = table(sec, "### Throughput and latency")
        ins = table(sec, "### Guest instructions per request (pvcount)")

        h = 0.24 * len(perf) + 1.3
        fig, ax = plt.subplots(figsize=(8.5, h))
        ratio_plot(ax, perf, "ratio", "ratio range",
                   "pvblk / virtio_blk throughput (IOPS, MB/s or ops/s): >1 pvblk faster; "
                   "dot = median of the rounds, bar = range")
        ax.set_title("pvblk against virtio_blk, run %s, kernel %s\n(QEMU TCG on a shared host: throughput "
                     "moves with its load; rank by the instruction counts)" % (run, kver), fontsize=8.5)
        fig.tight_layout()
        fig.savefig(os.path.join(outdir, RATIO_PNG), dpi=110)
        plt.close(fig)

        h = 0.24 * len(ins) + 1.3
        fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, h), sharey=True,
                                     gridspec_kw={"width_ratios": [1, 1.1]})
        ys = list(range(len(ins)))[::-1]
        pv = [num(r["kernel pv"]) for r in ins]
        vb = [num(r["kernel vb"]) for r in ins]
        a1.barh([y + 0.2 for y in ys], pv, height=0.4, color="#ff7f0e", label="pvblk")
        a1.barh([y - 0.2 for y in ys], vb, height=0.4, color="#7f7f7f", label="virtio_blk")
        a1.set_xscale("log")
        a1.set_yticks(ys)
        a1.set_yticklabels([label(r) for r in ins], fontsize=7)
        a1.set_ylim(-0.7, len(ins) - 0.3)
        a1.set_xlabel("guest kernel instructions per request (median of the rounds, all vCPUs; log scale)",
                      fontsize=8)
        a1.tick_params(axis="x", labelsize=7)
        a1.grid(axis="x", which="both", lw=0.3, alpha=0.5)
        a1.legend(fontsize=7, loc="upper right")
        ratio_plot(a2, ins, "ratio", "ratio range",
                   "pvblk / virtio_blk kernel instructions per request: <1 pvblk cheaper")
        a2.tick_params(axis="y", labelleft=False)
        fig.suptitle("Guest instructions per request (bench/pvcount), run %s, kernel %s: counts, which the "
                     "host's load moves little;\nright: median of the per-round ratios (dot) and their range "
                     "(bar)" % (run, kver), fontsize=8.5)
        fig.tight_layout()
        fig.savefig(os.path.join(outdir, INSTR_PNG), dpi=110)
        plt.close(fig)
    except BadReport as e:
        print("plots: %s: %s" % (a.md, e), file=sys.stderr)
        return 1
    except (KeyError, ValueError) as e:
        print("plots: %s: a table is not as bench/bench.py writes it (%s: %s)" % (a.md, type(e).__name__, e),
              file=sys.stderr)
        return 1
    print("plots: %s and %s from run %s (kernel %s)" % (RATIO_PNG, INSTR_PNG, run, kver))
    return 0


if __name__ == "__main__":
    sys.exit(main())
