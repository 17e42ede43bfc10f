"""The property-based fuzzing of tests/test_fuzz_readers.py, run far longer than in CI.

    .venv/bin/python benchmarks/fuzz_long.py [EXAMPLES]   # default 2000 per property
"""

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
examples = sys.argv[1] if len(sys.argv) > 1 else "2000"
t = time.time()
rc = subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(ROOT / "tests" / "test_fuzz_readers.py")],
                     env=dict(os.environ, REPORTMINE_FUZZ_EXAMPLES=examples), cwd=ROOT)
print(f"fuzzing with {examples} examples per property: exit {rc}, {time.time() - t:.0f} s")
sys.exit(rc)
