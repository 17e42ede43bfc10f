"""The hostile batch of issue #10: ≥ 200 bad files plus the five seeds in one `reportmine ingest`.

Reports wall time, the peak memory of the whole process tree (sum of PSS, sampled every
0.1 s), the slowest file, tracebacks seen, files refused and stored.

    .venv/bin/python benchmarks/hostile_batch.py [--seeds ../shared/corpus/seeds]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from fuzz_corpus import make_corpus  # noqa: E402


def tree_pss_mb(pid: int) -> float:
    """Sum of PSS over a process and its descendants (shared pages counted once overall)."""
    children: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(d))
            except (OSError, IndexError, ValueError):
                pass
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, []))
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default=str(ROOT.parent / "shared" / "corpus" / "seeds"))
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        classes = make_corpus(tmp / "bad", args.seed)
        seeds = sorted(Path(args.seeds).glob("*.txt")) or sorted((ROOT / "corpora" / "samples").glob("*.txt"))
        env = dict(os.environ, REPORTMINE_DB=f"sqlite:///{tmp / 'store.db'}")
        t0 = time.time()
        proc = subprocess.Popen([sys.executable, "-m", "reportmine.cli", "ingest", str(tmp / "bad"), *map(str, seeds)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp)
        peak = [0.0]

        def watch():
            while proc.poll() is None:
                peak[0] = max(peak[0], tree_pss_mb(proc.pid))
                time.sleep(0.1)

        t = threading.Thread(target=watch, daemon=True)
        t.start()
        out, err = proc.communicate()
        wall = time.time() - t0
        t.join()
        docs = subprocess.run([sys.executable, "-m", "reportmine.cli", "documents", "--json"], capture_output=True,
                              text=True, env=env, cwd=tmp).stdout.splitlines()
        stored = {Path(json.loads(d)["source"]).name for d in docs}
        refused = [l for l in err.splitlines() if l.startswith(str(tmp / "bad"))]
        print(f"bad files {len(classes)}, good files {len(seeds)}")
        print(f"exit status {proc.returncode}; tracebacks {err.count('Traceback')}")
        print(f"refused lines {len(refused)}; stored documents {len(stored)}; "
              f"good stored {sum(s.name in stored for s in seeds)}/{len(seeds)}")
        print(f"wall {wall:.1f} s; peak memory of the process tree {peak[0]:.0f} MB (PSS)")
        print(err.splitlines()[-1] if err else "")


if __name__ == "__main__":
    main()
