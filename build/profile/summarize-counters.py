#!/usr/bin/env python3
# Summarises a dotnet-counters CSV (System.Runtime) by the phases of the estimator benchmark, whose output lines
# stamp-lines.sh timestamped. Usage: summarize-counters.py counters.csv counters-run.log (see build/profile-fit.sh).
import csv, re, sys
from collections import defaultdict
from datetime import datetime

csv_path, log_path = sys.argv[1], sys.argv[2]

def parse_time(text):
    for fmt in ("%m/%d/%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M:%S", "%m/%d/%Y %I:%M:%S %p"):
        try:
            return datetime.strptime(text.strip(), fmt).timestamp()
        except ValueError:
            pass
    raise ValueError(f"unknown timestamp format: {text!r}")

# series[counter][timestamp] = value (dimensions such as gc.heap.generation kept in the name)
series = defaultdict(dict)
with open(csv_path, newline="") as f:
    for row in csv.DictReader(f):
        try:
            t = parse_time(row["Timestamp"])
            series[row["Counter Name"]][t] = float(row["Mean/Increment"])
        except (ValueError, KeyError):
            continue

def total_of(prefix):
    """Sum of every dimension of one counter, per timestamp."""
    out = defaultdict(float)
    for name, values in series.items():
        if name.startswith(prefix):
            for t, v in values.items():
                out[t] += v
    return dict(out)

def one(name_part):
    for name, values in series.items():
        if name_part in name:
            return values
    return {}

def gc_count(gen):
    return one(f"dotnet.gc.collections ({{collection}} / 1 sec)[gc.heap.generation={gen}]") or {
        t: v for n, s in series.items() if n.startswith("dotnet.gc.collections") and f"={gen}]" in n for t, v in s.items()}

cpus = max(one("dotnet.process.cpu.count").values() or [2])
MiB = 1024 * 1024
metrics = [
    ("GC heap size after last GC (MiB)", {t: v / MiB for t, v in total_of("dotnet.gc.last_collection.heap.size").items()}),
    ("GC committed (MiB)", {t: v / MiB for t, v in one("dotnet.gc.last_collection.memory.committed_size").items()}),
    ("allocation rate (MiB/s)", {t: v / MiB for t, v in one("dotnet.gc.heap.total_allocated").items()}),
    ("% time in GC (pause time)", {t: v * 100 for t, v in one("dotnet.gc.pause.time").items()}),
    ("gen0 GCs per s", gc_count("gen0")),
    ("gen1 GCs per s", gc_count("gen1")),
    ("gen2 GCs per s", gc_count("gen2")),
    (f"CPU usage (% of {cpus:g} cores)", {t: v / cpus * 100 for t, v in total_of("dotnet.process.cpu.time").items()}),
    ("working set (MiB)", {t: v / MiB for t, v in one("dotnet.process.memory.working_set").items()}),
]

# Phases from the timestamped benchmark output.
lines = []
with open(log_path) as f:
    for raw in f:
        stamp, _, text = raw.rstrip("\n").partition("\t")
        try:
            lines.append((float(stamp), text))
        except ValueError:
            pass
all_times = [t for _, s in metrics for t in s]
t_first, t_last = (min(all_times), max(all_times)) if all_times else (0, 0)
fit_start = next((t for t, s in lines if re.match(r"\s*Fit of ", s)), None)
fit_end = next((t for t, s in lines if re.match(r"\s*Fit: [0-9.]+ s", s)), None)
epochs = []
for t, s in lines:
    m = re.match(r"\s*epoch (\d+)/(\d+):.*?, ([0-9.]+) s, RSS", s)
    if m:
        epochs.append((t - float(m.group(3)), t))
phases = [("whole run", t_first - 1, t_last)]
if fit_start is not None and fit_end is not None:
    phases.append(("Fit", fit_start, fit_end))
    if epochs:
        phases.append(("before 1st epoch", fit_start, epochs[0][0]))
if epochs:
    phases.append(("training epochs", epochs[0][0], epochs[-1][1]))
if fit_end is not None:
    phases.append(("after Fit (scoring)", fit_end, t_last))

# A rate sample at time t covers (t - 1 s, t]: keep the samples whose interval lies mostly inside the phase.
def inside(t, start, end):
    return start + 0.5 <= t <= end + 0.5

print("phases: " + "; ".join(f"{name} {end - start:.0f} s" for name, start, end in phases) if len(phases) > 1
      else "phases: (benchmark output not recognised; whole run only)")
header = f"{'counter':34}" + "".join(f"{name[:19]:>21}" for name, _, _ in phases)
print(header)
print(f"{'':34}" + "".join(f"{'mean / max':>21}" for _ in phases))
for label, values in metrics:
    cells = []
    for _, start, end in phases:
        vals = [v for t, v in values.items() if inside(t, start, end)]
        cells.append(f"{sum(vals) / len(vals):9.1f} /{max(vals):9.1f}" if vals else f"{'-':>20}")
    print(f"{label:34}" + "".join(f"{c:>21}" for c in cells))
for gen in ("gen0", "gen1", "gen2"):
    values = gc_count(gen)
    cells = [f"{sum(v for t, v in values.items() if inside(t, start, end)):.0f} GCs" for _, start, end in phases]
    print(f"{gen + ' GCs in total':34}" + "".join(f"{c:>21}" for c in cells))
