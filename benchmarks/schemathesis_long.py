"""schemathesis over /openapi.json for longer than CI does (issue #10: ≥ 1,000 requests).

    .venv/bin/python benchmarks/schemathesis_long.py [EXAMPLES_PER_OPERATION]   # default 80
"""

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
examples = sys.argv[1] if len(sys.argv) > 1 else "80"
log = Path(os.environ.get("TMPDIR", "/tmp")) / f"rm-schemathesis-{os.getpid()}.log"
t = time.time()
rc = subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "slow",
                      str(ROOT / "tests" / "test_schemathesis.py")],
                     env=dict(os.environ, REPORTMINE_SCHEMATHESIS_EXAMPLES=examples,
                              REPORTMINE_SCHEMATHESIS_RANDOM="1", REPORTMINE_SCHEMATHESIS_LOG=str(log)),
                     cwd=ROOT)
lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
statuses: dict[str, int] = {}
for line in lines:
    code = line.rsplit(" ", 1)[-1]
    statuses[code] = statuses.get(code, 0) + 1
server_errors = sum(n for code, n in statuses.items() if code.startswith("5"))
print(f"schemathesis, random, up to {examples} examples per operation: exit {rc}, {time.time() - t:.0f} s, "
      f"{len(lines)} requests, {server_errors} server errors, statuses {dict(sorted(statuses.items()))}")
log.unlink(missing_ok=True)
sys.exit(rc)
