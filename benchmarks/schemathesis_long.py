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
t = time.time()
rc = subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "slow",
                      str(ROOT / "tests" / "test_schemathesis.py")],
                     env=dict(os.environ, REPORTMINE_SCHEMATHESIS_EXAMPLES=examples), cwd=ROOT)
print(f"schemathesis with up to {examples} examples per operation: exit {rc}, {time.time() - t:.0f} s")
sys.exit(rc)
