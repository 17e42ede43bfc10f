"""The store's commands through the real CLI: ingest, documents, facts, search, user add."""

from __future__ import annotations

from pathlib import Path
import io
import json
import zipfile

import pytest
from typer.testing import CliRunner

from conftest import REPORT_A, REPORT_B, SHARED


@pytest.fixture
def cli(settings_env):
    from reportmine.cli import app

    runner = CliRunner()

    def run(*args):
        return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)

    return run


def _lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_ingest_folder_zip_glob_and_bad_files(cli, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_bytes(REPORT_A.encode("utf-8"))
    (folder / "empty.txt").write_bytes(b"")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("b.txt", REPORT_B.encode("gb18030"))
        zf.writestr("cut.pdf", b"%PDF-1.7\n1 0 obj\n<<")
    (tmp_path / "batch.zip").write_bytes(buf.getvalue())
    r = cli("ingest", folder, tmp_path / "batch.zip", tmp_path / "nothing-*.txt")
    assert r.exit_code == 1
    errors = [line for line in r.stderr.splitlines() if line.strip() and "stored" not in line]
    named = sorted(line.split(": ", 1)[0] for line in errors)
    assert named == sorted([str(folder / "empty.txt"), f"{tmp_path / 'batch.zip'}/cut.pdf",
                            str(tmp_path / "nothing-*.txt")])
    assert all(len(line.split(": ", 1)) == 2 and line.split(": ", 1)[1] for line in errors)
    docs = _lines(cli("documents", "--json").stdout)
    assert sorted(d["source"] for d in docs) == sorted([str(folder / "a.txt"), f"{tmp_path / 'batch.zip'}/b.txt"])
    for d in docs:
        assert set(d) >= {"document", "source", "kind", "pages", "title", "org", "year", "facts"}
        assert len(d["document"]) == 64 and d["kind"] == "txt" and d["facts"] > 0
    # the same bytes again store nothing new
    again = cli("ingest", folder / "a.txt", "--json")
    assert again.exit_code == 0 and _lines(again.stdout)[0]["status"] == "existing"
    assert len(_lines(cli("documents", "--json").stdout)) == 2


def test_facts_and_search_json(cli, tmp_path):
    (tmp_path / "a.txt").write_bytes(REPORT_A.encode())
    (tmp_path / "b.txt").write_bytes(REPORT_B.encode())
    assert cli("ingest", tmp_path / "a.txt", tmp_path / "b.txt").exit_code == 0
    facts = _lines(cli("facts", "--json").stdout)
    texts = {d["document"]: d for d in _lines(cli("documents", "--json").stdout)}
    assert facts and all(f["document"] in texts for f in facts)
    for f in facts:
        assert set(f) >= {"surface", "value", "unit", "qualifier", "metric", "year", "org", "category",
                          "start", "end", "page", "document", "source"}
    big = _lines(cli("facts", "--unit", "人次", "--min", "300", "--json").stdout)
    assert big and all(f["unit"] == "人次" and f["value"] >= 300 for f in big)
    assert _lines(cli("facts", "--q", "慰问", "--json").stdout)
    assert all(f["year"] == 2023 for f in _lines(cli("facts", "--year", "2023", "--json").stdout))
    assert _lines(cli("facts", "--year", "1999", "--json").stdout) == []
    for term in ("培训", "慰问", "工会"):
        hits = _lines(cli("search", term, "--json").stdout)
        assert hits, term
        for h in hits:
            assert set(h) >= {"document", "source", "page", "start", "end", "category", "snippet"}
            assert term in h["snippet"]
    assert len(_lines(cli("search", "工会", "--limit", "1", "--json").stdout)) == 1


def test_user_add_prints_the_token_once(cli):
    r = cli("user", "add", "wang", "--role", "unit", "--org", "丰台区第一医院", "--json")
    out = json.loads(r.stdout)
    assert out["name"] == "wang" and out["role"] == "unit" and out["tenant"] == "default"
    assert out["org"] == "丰台区第一医院" and len(out["token"]) > 30
    assert cli("user", "add", "wang", "--role", "staff").exit_code != 0  # same name twice
    assert cli("user", "add", "li", "--role", "unit").exit_code != 0  # a unit needs its org
    other = json.loads(cli("user", "add", "wang", "--role", "staff", "--tenant", "t2", "--json").stdout)
    assert other["tenant"] == "t2" and other["token"] != out["token"]


@pytest.mark.skipif(not (SHARED / "corpus" / "seeds").is_dir(), reason="../shared/corpus/seeds is absent")
def test_seed_documents_are_stored_and_searchable(cli):
    seeds = sorted((SHARED / "corpus" / "seeds").glob("*.txt"))
    r = cli("ingest", *seeds, "--json")
    assert r.exit_code == 0, r.stderr
    assert [x["status"] for x in _lines(r.stdout)] == ["stored"] * len(seeds)
    for term in ("培训", "慰问", "工会"):
        hits = _lines(cli("search", term, "--limit", "200", "--json").stdout)
        assert hits, term
        assert all(term in h["snippet"] for h in hits)
    extract = [json.loads(l) for l in
               cli("extract", *seeds, "--json").stdout.splitlines() if l.strip()]
    stored = _lines(cli("facts", "--json").stdout)
    for doc in extract:
        mine = [(f["surface"], f["start"], f["end"], f["value"], f["unit"]) for f in stored
                if f["document"] == doc["sha256"]]
        assert mine == [(f["surface"], f["start"], f["end"], f["value"], f["unit"]) for f in doc["facts"]]
        for f in doc["facts"]:
            assert doc["text"][f["start"]:f["end"]] == f["surface"]


def test_inputs_are_listed_first_and_read_one_at_a_time(tmp_path):
    """`reportmine ingest` counts its inputs without reading them, then reads each in turn, so a
    batch of thousands of files never sits in memory at once."""
    import zipfile

    from reportmine.config import Settings
    from reportmine.store.sources import expand_paths, input_files, read_input

    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_text("一", encoding="utf-8")
    (tmp_path / "sub" / "b.txt").write_text("二", encoding="utf-8")
    (tmp_path / ".hidden").write_text("x")
    with zipfile.ZipFile(tmp_path / "c.zip", "w") as zf:
        zf.writestr("d.txt", "三".encode())
        zf.writestr("e.txt", "四".encode())
    entries = list(input_files([tmp_path, tmp_path / "missing.pdf"]))
    assert [Path(e.name).name for e in entries] == ["a.txt", "c.zip", "b.txt", "missing.pdf"]
    assert all(e.data is None for e in entries) and entries[-1].error == "no such file or folder"
    # a file removed after listing costs only itself
    (tmp_path / "a.txt").unlink()
    [gone] = read_input(entries[0], Settings())
    assert gone.error and gone.data is None
    members = list(read_input(entries[1], Settings()))
    assert [m.name.rsplit("/", 1)[-1] for m in members] == ["d.txt", "e.txt"] and members[1].data == "四".encode()
    assert [i.data for i in expand_paths([tmp_path / "sub"], Settings())] == ["二".encode()]
