"""The store interface against both backends: SQLite files and a real PostgreSQL server."""

from __future__ import annotations

import base64
import json
import os
import random
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from redactproxy.audit import AuditStore
from redactproxy.errors import StoreError
from redactproxy.grants import Links
from redactproxy.records import FindingRecord, RequestRecord
from redactproxy.report import build_report
from redactproxy.stores import EvidenceStore, LinkStore, VaultStore
from redactproxy.stores.buffered import BufferedEvidence
from redactproxy.stores.tokens import TokenStore, is_token, sqlite_query
from redactproxy.vault import Vault

KEY = bytes(range(32))
EMAIL = "ada@example.org"


class Backend:
    """Opens the stores of one backend, fresh for one test."""

    def __init__(self, kind: str, tmp: Path, url: str | None) -> None:
        self.kind, self.tmp, self.url = kind, tmp, url
        self._dbs: list[Any] = []

    def _db(self) -> Any:
        from redactproxy.stores.postgres import Database

        db = Database(self.url or "")
        self._dbs.append(db)
        return db

    def vault(self) -> VaultStore:
        if self.kind == "sqlite":
            return Vault(self.tmp / "vault.sqlite3", KEY)
        from redactproxy.stores.pgvault import PgVault

        return PgVault(self._db(), KEY)

    def audit(self) -> EvidenceStore:
        if self.kind == "sqlite":
            return AuditStore(self.tmp / "audit.sqlite3")
        from redactproxy.stores.pgaudit import PgAuditStore

        return PgAuditStore(self._db())

    def links(self) -> LinkStore:
        if self.kind == "sqlite":
            return Links(self.tmp / "links.sqlite3")
        from redactproxy.stores.pglinks import PgLinks

        return PgLinks(self._db())

    def tokens(self) -> TokenStore:
        if self.kind == "sqlite":
            return TokenStore(sqlite_query(self.tmp / "tokens.sqlite3"))
        from redactproxy.stores.location import Stores

        return Stores(self.url).tokens()

    def close(self) -> None:
        for db in self._dbs:
            db.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    url = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    b = Backend(request.param, tmp_path, url)
    yield b
    b.close()


def rec(i: int, n_findings: int = 1, **kw: object) -> RequestRecord:
    findings = [FindingRecord("EMAIL_ADDRESS", "pii.email", "redact", f"<EMAIL_ADDRESS_{k + 1}>",
                              masked="a•••@e•••.org", value_hash=f"{k:016x}",
                              field=f"messages[{k}].content") for k in range(n_findings)]
    base: dict[str, object] = dict(
        id=f"req-{i}", started=1_790_000_000.25 + i, project="billing", method="POST",
        host="api.openai.com", path="/v1/chat/completions", model_requested="gpt-4o",
        findings=findings, restored=1, streamed=bool(i % 2), status=200, ttfb_ms=12.5,
        total_ms=40.0, tokens_in=100, tokens_out=20, request_bytes=800, verdict="passed")
    base.update(kw)
    return RequestRecord(**base)  # type: ignore[arg-type]


# --- vault --------------------------------------------------------------------------------


def test_vault_numbers_per_entity_and_scope(backend: Backend) -> None:
    v = backend.vault()
    assert v.persistent
    assert v.placeholder("p", "EMAIL_ADDRESS", EMAIL) == "<EMAIL_ADDRESS_1>"
    assert v.placeholder("p", "EMAIL_ADDRESS", "bob@example.org") == "<EMAIL_ADDRESS_2>"
    assert v.placeholder("p", "PHONE_NUMBER", "+1 555-0100") == "<PHONE_NUMBER_1>"
    assert v.placeholder("q", "EMAIL_ADDRESS", "bob@example.org") == "<EMAIL_ADDRESS_1>"
    assert v.placeholder("p", "EMAIL_ADDRESS", EMAIL) == "<EMAIL_ADDRESS_1>"
    assert v.lookup("p", "<EMAIL_ADDRESS_2>") == "bob@example.org"
    assert v.lookup("q", "<EMAIL_ADDRESS_1>") == "bob@example.org"
    assert v.lookup("p", "<EMAIL_ADDRESS_3>") is None
    assert v.size() == 4 and v.size("p") == 3


def test_vault_second_instance_sees_first(backend: Backend) -> None:
    """A second replica (or a restart) restores and reuses what the first allocated."""
    a = backend.vault()
    ph = a.placeholder("p", "EMAIL_ADDRESS", EMAIL)
    if backend.kind == "sqlite":
        a.close()  # the SQLite vault is one process's file
    b = backend.vault()
    assert b.lookup("p", ph) == EMAIL
    assert b.placeholder("p", "EMAIL_ADDRESS", EMAIL) == ph
    assert b.placeholder("p", "EMAIL_ADDRESS", "eve@example.org") == "<EMAIL_ADDRESS_2>"


def test_pg_vault_cache_is_bounded_and_warm_reads_back(pg_url: str) -> None:
    """Memory stays bounded; what the cache dropped is read again before restoration."""
    from redactproxy.stores.pgvault import PgVault
    from redactproxy.stores.postgres import Database

    vault = PgVault(Database(pg_url), KEY)
    vault.cache_limit = 3
    phs = [vault.placeholder("p", "EMAIL_ADDRESS", f"u{i}@example.org") for i in range(5)]
    assert vault.cached("p", phs[0]) is None and vault.cached("p", phs[4]) == "u4@example.org"
    assert len(vault._by_value) == len(vault._by_placeholder) == 3  # noqa: SLF001
    vault.warm("p", [phs[0], phs[1], "<EMAIL_ADDRESS_99>", "not a placeholder"])
    assert vault.cached("p", phs[0]) == "u0@example.org"
    assert vault.cached("p", phs[1]) == "u1@example.org"
    assert vault.placeholder("p", "EMAIL_ADDRESS", "u2@example.org") == phs[2]  # from the db


def test_vault_threads_never_share_a_placeholder(backend: Backend) -> None:
    v = backend.vault()
    values = [f"user{i}@example.org" for i in range(60)]
    out: dict[str, set[str]] = {}
    lock = threading.Lock()

    def work(order: list[str]) -> None:
        for value in order:
            ph = v.placeholder("p", "EMAIL_ADDRESS", value)
            with lock:
                out.setdefault(value, set()).add(ph)

    threads = [threading.Thread(target=work, args=(random.sample(values, len(values)),))
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(len(s) == 1 for s in out.values())
    assert sorted(int(next(iter(s))[15:-1]) for s in out.values()) == list(range(1, 61))


def test_vault_database_holds_no_value(pg_url: str) -> None:
    import psycopg

    from redactproxy.stores.pgvault import PgVault
    from redactproxy.stores.postgres import Database

    PgVault(Database(pg_url), KEY).placeholder("p", "EMAIL_ADDRESS", EMAIL)
    with psycopg.connect(pg_url) as conn:
        dump = repr(conn.execute("SELECT * FROM vault_entries").fetchall())
    assert EMAIL not in dump and EMAIL.encode().hex() not in dump


_ALLOCATE = textwrap.dedent("""
    import json, os, random, sys, time
    from pathlib import Path
    from redactproxy.stores.pgvault import PgVault
    from redactproxy.stores.postgres import Database
    vault = PgVault(Database(os.environ["URL"]), bytes(range(32)))
    values = [f"user{i}@example.org" for i in range(150)]
    random.Random(int(sys.argv[1])).shuffle(values)
    go = Path(os.environ["GO"])
    print("ready", flush=True)
    while not go.exists():
        time.sleep(0.005)
    print(json.dumps({v: vault.placeholder("team", "EMAIL_ADDRESS", v) for v in values}))
""")


def test_two_processes_allocate_the_same_placeholders(pg_url: str, tmp_path: Path) -> None:
    """Two replicas given the same new values at the same moment agree on every one."""
    go = tmp_path / "go"
    env = {**os.environ, "URL": pg_url, "GO": str(go)}
    procs = [subprocess.Popen([sys.executable, "-c", _ALLOCATE, str(seed)], env=env,
                              stdout=subprocess.PIPE, text=True) for seed in (1, 2)]
    for p in procs:  # both connected and waiting: start them at the same moment
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    go.touch()
    outs = [json.loads(p.communicate(timeout=120)[0]) for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert outs[0] == outs[1]
    numbers = sorted(int(ph.rsplit("_", 1)[1][:-1]) for ph in outs[0].values())
    assert numbers == list(range(1, 151))  # no gap, no duplicate


# --- audit --------------------------------------------------------------------------------


def test_audit_append_verify_and_report(backend: Backend) -> None:
    store = backend.audit()
    for i in range(4):
        store.record_finished(rec(i, n_findings=i % 3, developer="ada" if i % 2 else None))
    result = store.verify()
    assert result.ok, result.message
    assert result.rows == 4 + (0 + 1 + 2 + 0)
    rows = store.requests()
    assert [r.values["request_id"] for r in rows] == ["req-0", "req-1", "req-2", "req-3"]
    assert rows[1].values["developer"] == "ada" and "developer" not in rows[0].values
    assert [len(r.findings) for r in rows] == [0, 1, 2, 0]
    assert len(store.requests(since=1_790_000_002.0)) == 2
    rep = build_report(rows, since=None, project=None)
    assert rep.requests == 4


def test_audit_chain_across_two_writers(backend: Backend) -> None:
    """Two stores on one backend (two replicas) build one valid chain."""
    a, b = backend.audit(), backend.audit()

    def write(store: EvidenceStore, base: int) -> None:
        for i in range(15):
            store.append(rec(base + i))

    threads = [threading.Thread(target=write, args=(s, n)) for s, n in ((a, 0), (b, 100))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result = a.verify()
    assert result.ok, result.message
    assert result.rows == 60


def test_postgres_rows_are_append_only_and_tampering_is_named(pg_url: str) -> None:
    import psycopg

    from redactproxy.stores.pgaudit import PgAuditStore
    from redactproxy.stores.postgres import Database

    store = PgAuditStore(Database(pg_url))
    for i in range(3):
        store.append(rec(i))
    with psycopg.connect(pg_url, autocommit=True) as conn:
        for sql in ("UPDATE audit_requests SET host = 'x' WHERE row_id = 3",
                    "DELETE FROM audit_findings WHERE row_id = 2",
                    "TRUNCATE audit_requests"):
            with pytest.raises(psycopg.Error, match="append-only"):
                conn.execute(sql)
        conn.execute("ALTER TABLE audit_requests DISABLE TRIGGER USER")
        conn.execute("UPDATE audit_requests SET host = 'elsewhere.example.org' "
                     "WHERE row_id = 3")
    result = store.verify()
    assert not result.ok and result.first_bad_row_id == 3
    assert result.message == "row 3 (requests) was altered: hash mismatch"


def test_sqlite_v1_store_upgrades_and_still_verifies(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "audit.sqlite3"
    AuditStore(path).append(rec(0))
    db = sqlite3.connect(path)  # make it look like a store written before `developer`
    db.executescript("ALTER TABLE requests DROP COLUMN developer; PRAGMA user_version=1;")
    db.close()
    store = AuditStore(path)
    store.append(rec(1, developer="ada"))
    assert store.verify().ok
    assert store.requests()[1].values["developer"] == "ada"


# --- outage -------------------------------------------------------------------------------


def test_outage_fails_closed_then_recovers_without_losing_rows(pg_server: Any,
                                                               pg_url: str) -> None:
    from redactproxy.stores.pgaudit import PgAuditStore
    from redactproxy.stores.pgvault import PgVault
    from redactproxy.stores.postgres import Database

    db = Database(pg_url)
    vault, audit = PgVault(db, KEY), BufferedEvidence(PgAuditStore(db))
    known = vault.placeholder("p", "EMAIL_ADDRESS", EMAIL)
    audit.record_finished(rec(0))
    audit.flush()
    failures: list[str] = []
    audit.on_failure = failures.append
    pg_server.stop()
    try:
        with pytest.raises(StoreError, match="cannot write vault"):
            vault.placeholder("p", "EMAIL_ADDRESS", "new@example.org")
        audit.record_finished(rec(1))  # queued, never waits for the database
        with pytest.raises(StoreError):
            audit.flush()
        with pytest.raises(StoreError):
            audit.check()  # known down
        with pytest.raises(StoreError):
            audit.record_finished(rec(2))
        assert audit.pending == 2
        assert failures and "audit" in failures[0]
        assert vault.lookup("p", known) == EMAIL  # cached: answers still restored
        assert vault.lookup("p", "<EMAIL_ADDRESS_7>") is None
    finally:
        pg_server.start()
    audit.probe()  # reconnects and writes what waited
    assert audit.pending == 0
    audit.check()
    audit.record_finished(rec(3))
    audit.close()
    assert [r.values["request_id"] for r in audit.requests()] == [
        "req-0", "req-1", "req-2", "req-3"]
    assert audit.verify().ok
    assert vault.placeholder("p", "EMAIL_ADDRESS", "new@example.org") == "<EMAIL_ADDRESS_2>"


def test_evidence_writer_keeps_order_and_never_blocks_the_caller(pg_url: str) -> None:
    """A held chain lock delays the writer, not ``record_finished``; rows keep their order."""
    import psycopg

    from redactproxy.stores.pgaudit import PgAuditStore
    from redactproxy.stores.postgres import Database

    audit = BufferedEvidence(PgAuditStore(Database(pg_url)))
    with psycopg.connect(pg_url) as blocker:
        blocker.execute("SELECT head FROM audit_chain WHERE id = 1 FOR UPDATE")
        for i in range(20):
            audit.record_finished(rec(i))  # returns although the chain row is locked
        assert audit.pending > 0
    audit.close()
    assert audit.pending == 0
    assert [r.values["request_id"] for r in audit.requests()] == [f"req-{i}" for i in range(20)]
    assert audit.verify().ok


def test_pool_serves_other_threads_while_one_statement_waits(pg_url: str) -> None:
    """One connection stuck behind a lock leaves the rest of the pool to other callers."""
    from redactproxy.stores.postgres import Database

    db = Database(pg_url, size=2)
    started, release = threading.Event(), threading.Event()

    def slow() -> None:
        with db.transaction("wait") as cur:
            started.set()
            cur.execute("SELECT pg_sleep(0.05)")
            release.wait(30)

    t = threading.Thread(target=slow)
    t.start()
    assert started.wait(10)
    assert db.query("read", "SELECT 41 + 1") == [(42,)]  # the second connection answers
    release.set()
    t.join(30)
    assert db.query("read", "SELECT 1") == [(1,)]


# --- conversation links ------------------------------------------------------------------


def test_links_merge_and_are_seen_by_a_second_instance(backend: Backend) -> None:
    first = backend.links()
    assert isinstance(first, LinkStore)
    first.add("p", "resp_1", {"<EMAIL_ADDRESS_1>"})
    first.add("p", "resp_1", {"<PERSON_2>"})  # merged, not replaced
    first.add("p", "resp_2", {"<PHONE_NUMBER_1>"})
    first.add("q", "resp_1", {"<URL_9>"})  # another scope
    second = backend.links()  # another replica (or a restart)
    assert second.get("p", ["resp_1"]) == {"<EMAIL_ADDRESS_1>", "<PERSON_2>"}
    assert second.get("p", ["resp_1", "resp_2", "unknown"]) == {
        "<EMAIL_ADDRESS_1>", "<PERSON_2>", "<PHONE_NUMBER_1>"}
    assert second.get("q", ["resp_2"]) == set()
    assert second.get("p", []) == set()
    first.close()
    second.close()


def test_pg_links_hold_no_value(pg_url: str) -> None:
    import psycopg

    from redactproxy.stores.pglinks import PgLinks
    from redactproxy.stores.postgres import Database

    PgLinks(Database(pg_url)).add("p", "resp_1", {"<EMAIL_ADDRESS_1>"})
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute("SELECT * FROM conversation_links").fetchall()
    assert [r[:3] for r in rows] == [("p", "resp_1", ["<EMAIL_ADDRESS_1>"])]


# --- tokens -------------------------------------------------------------------------------


def test_tokens_create_list_revoke(backend: Backend) -> None:
    tokens = backend.tokens()
    token = tokens.create("ada")
    assert is_token(token)
    assert tokens.developer(token) == "ada"
    with pytest.raises(ValueError, match="already has an active token"):
        tokens.create("ada")
    with pytest.raises(ValueError, match="invalid developer name"):
        tokens.create("no spaces")
    other = tokens.create("bob")
    assert [(t.name, t.active) for t in tokens.list()] == [("ada", True), ("bob", True)]
    assert tokens.revoke("ada") and not tokens.revoke("ada")
    tokens.CACHE_SECONDS = 0.0
    assert tokens.developer(token) is None and tokens.developer(other) == "bob"
    assert tokens.developer("rpt_" + "x" * 43) is None
    assert tokens.count_active() == 1
    again = tokens.create("ada")
    assert tokens.developer(again) == "ada" and tokens.developer(token) is None


def test_token_store_keeps_only_hashes(backend: Backend) -> None:
    tokens = backend.tokens()
    token = tokens.create("ada")
    if backend.kind == "sqlite":
        raw = (backend.tmp / "tokens.sqlite3").read_bytes()
        assert token.encode() not in raw
    else:
        import psycopg

        with psycopg.connect(backend.url or "") as conn:
            assert token not in repr(conn.execute("SELECT * FROM access_tokens").fetchall())



# --- choosing the store -------------------------------------------------------------------


def test_store_url_from_flag_environment_and_user_file(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from redactproxy.errors import ConfigError
    from redactproxy.stores.location import store_url

    monkeypatch.setenv("REDACTPROXY_HOME", str(tmp_path))
    monkeypatch.delenv("REDACTPROXY_STORE", raising=False)
    monkeypatch.delenv("REDACTPROXY_CONFIG", raising=False)
    assert store_url() is None
    (tmp_path / "config.toml").write_text('[store]\nurl = "postgresql://gw@db.example.org/rp"\n')
    assert store_url() == "postgresql://gw@db.example.org/rp"
    monkeypatch.setenv("REDACTPROXY_STORE", "sqlite")
    assert store_url() is None
    assert store_url("postgres://x@127.0.0.1/db") == "postgres://x@127.0.0.1/db"
    with pytest.raises(ConfigError) as e:
        store_url("mysql://x@127.0.0.1/db")
    assert str(e.value) == ("store 'mysql' is not supported: use postgresql://USER@HOST/DB "
                            "or sqlite (--store)")
    monkeypatch.delenv("REDACTPROXY_STORE")
    (tmp_path / "config.toml").write_text("[store]\nurl = 5\n")
    with pytest.raises(ConfigError, match=r"config.toml: store.url: must be a string"):
        store_url()


def test_vault_key_from_environment_or_file(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from redactproxy.errors import ConfigError
    from redactproxy.stores.location import vault_key

    monkeypatch.setenv("REDACTPROXY_VAULT_KEY", base64.b64encode(KEY).decode())
    assert vault_key() == (KEY, "REDACTPROXY_VAULT_KEY")
    monkeypatch.delenv("REDACTPROXY_VAULT_KEY")
    key_file = tmp_path / "vault_key"
    key_file.write_text(base64.b64encode(KEY).decode() + "\n")
    monkeypatch.setenv("REDACTPROXY_VAULT_KEY_FILE", str(key_file))
    assert vault_key() == (KEY, str(key_file))
    key_file.write_text("c2hvcnQ=\n")
    with pytest.raises(ConfigError, match=r"32 bytes of base64.*\(.*vault_key\)$"):
        vault_key()


def test_postgres_store_without_psycopg_says_how_to_install(tmp_path: Path) -> None:
    code = ("import sys; sys.modules['psycopg'] = None; from redactproxy.cli import main; "
            "sys.exit(main(['report', 'verify', '--store', "
            "'postgresql://rp@127.0.0.1:9/none']))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "REDACTPROXY_HOME": str(tmp_path)}, timeout=60)
    assert out.returncode == 1
    assert out.stderr.strip() == ("redactproxy: PostgreSQL stores need psycopg: pip install "
                                  "'redactproxy[team]' (or psycopg[binary])")


def test_messages_never_show_the_database_password() -> None:
    from redactproxy.stores.postgres import safe_url

    assert safe_url("postgresql://gw:s3cret@db.example.org:5432/rp") == (
        "postgresql://gw:***@db.example.org:5432/rp")
    assert safe_url("postgresql://gw@db.example.org/rp") == "postgresql://gw@db.example.org/rp"


def test_postgres_append_many_is_one_chain_in_order(pg_url: str) -> None:
    from redactproxy.stores.pgaudit import PgAuditStore
    from redactproxy.stores.postgres import Database

    store = PgAuditStore(Database(pg_url))
    store.append(rec(0, n_findings=0))
    assert store.append_many([rec(1, n_findings=1), rec(2, n_findings=2), rec(3)]) == [2, 4, 7]
    result = store.verify()
    assert result.ok and result.rows == 8
    assert [r.values["request_id"] for r in store.requests()] == [f"req-{i}" for i in range(4)]
