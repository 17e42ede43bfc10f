"""A batch of ≥ 200 hostile files plus good ones in one `reportmine ingest`: no traceback,
every bad file named with its reason, every good file stored, nothing written elsewhere."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fuzz_corpus import make_corpus

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "corpora" / "samples").glob("*.txt"))
MUST_REFUSE = {
    "empty", "executable under a document name", "header-only PDF", "zero-page PDF",
    "PDF needing a user password", "decompression bomb (gigapixel PNG)", "XML entity expansion in DOCX",
    "BOM and nothing else", "NUL bytes", "one 10 MB line", "HTML with only scripts", "random bytes",
    "binary noise", "zip of photos under a docx name", "image under a docx name",
    "zip entries with .. or absolute paths",
}


def run_cli(args, env, cwd):
    return subprocess.run([sys.executable, "-m", "reportmine.cli", *map(str, args)], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=1200)


@pytest.mark.slow
def test_hostile_batch_is_refused_file_by_file(tmp_path):
    bad_dir = tmp_path / "bad"
    classes = make_corpus(bad_dir, seed=11)
    assert len(classes) >= 200
    store = tmp_path / "store" / "rm.db"
    store.parent.mkdir()
    env = dict(os.environ, REPORTMINE_DB=f"sqlite:///{store}", REPORTMINE_LIMIT_SECONDS="120")
    work = tmp_path / "cwd"
    work.mkdir()
    before = set(p for p in tmp_path.rglob("*"))
    proc = run_cli(["ingest", bad_dir, *SAMPLES], env, work)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    errors = {}
    for line in proc.stderr.splitlines():
        if ": " in line and line.startswith(str(bad_dir)):
            name, reason = line.split(": ", 1)
            errors.setdefault(Path(name).relative_to(bad_dir).parts[0], reason)  # archive members count for their archive
    docs = [json.loads(l) for l in run_cli(["documents", "--json"], env, work).stdout.splitlines()]
    stored = {Path(d["source"]).name for d in docs}
    for sample in SAMPLES:
        assert sample.name in stored, f"good file {sample.name} was not stored"
    for name, klass in classes.items():
        assert name in errors or name in stored, f"{name} ({klass}) neither stored nor refused"
        if klass in MUST_REFUSE:
            assert name in errors, f"{name} ({klass}) should be refused"
            assert name not in stored
            assert errors[name].strip(), f"{name} refused without a reason"
    # nothing written outside the store: no new file but the store's own
    after = set(p for p in tmp_path.rglob("*"))
    new = {p for p in after - before if store.parent not in p.parents}
    assert not new, f"files written outside the store: {sorted(map(str, new))[:5]}"
    assert not list(work.iterdir())
