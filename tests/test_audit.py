"""The audit store: append-only rows, a hash chain that names the first altered row."""

from __future__ import annotations

import json
import sqlite3
import stat
import threading
from pathlib import Path

import pytest

from redactproxy.audit import GENESIS, AuditStore, default_path, row_hash
from redactproxy.errors import StoreError
from redactproxy.records import FindingRecord, RequestRecord

RAW_EMAIL = "jane.doe@example.org"


def rec(i: int, n_findings: int = 2, **kw: object) -> RequestRecord:
    findings = [FindingRecord("EMAIL_ADDRESS", "pii.email", "redact", f"<EMAIL_ADDRESS_{k + 1}>",
                              masked="j•••@e•••.org", context=f"mail {RAW_EMAIL} now",
                              value_hash=f"{k:016x}", field=f"messages[{k}].content")
                for k in range(n_findings)]
    base: dict[str, object] = dict(
        id=f"req-{i}", started=1_790_000_000.0 + i, project="billing", method="POST",
        host="api.openai.com", path="/v1/chat/completions?key=FAKEKEY",
        model_requested="gpt-4o", model_served="gpt-4o-mini", findings=findings, restored=1,
        streamed=True, status=200, ttfb_ms=12, total_ms=40.5, tokens_in=100, tokens_out=20,
        request_bytes=800, verdict="passed", alerts=["model substitution: x"])
    base.update(kw)
    return RequestRecord(**base)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> AuditStore:
    s = AuditStore(tmp_path / "audit.sqlite3")
    for i in range(3):
        s.record_started(rec(i))
        s.record_finished(rec(i))
    return s


def tamper(path: Path, sql: str, *args: object) -> None:
    """Edit the file the way someone with sqlite3 would (triggers dropped first)."""
    db = sqlite3.connect(path)
    for t in ("requests", "findings"):
        db.execute(f"DROP TRIGGER IF EXISTS {t}_no_update")
        db.execute(f"DROP TRIGGER IF EXISTS {t}_no_delete")
    db.execute(sql, args)
    db.commit()
    db.close()


def test_append_and_verify(store: AuditStore) -> None:
    result = store.verify()
    assert result.ok and result.rows == 9 and result.first_bad_row_id is None
    assert result.message == "ok: 9 rows, chain intact"


def test_empty_store_verifies(tmp_path: Path) -> None:
    result = AuditStore(tmp_path / "a.sqlite3").verify()
    assert result.ok and result.rows == 0 and result.head == GENESIS


def test_file_is_private(store: AuditStore) -> None:
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600


def test_default_path_is_under_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDACTPROXY_HOME", str(tmp_path / "home"))
    assert default_path() == tmp_path / "home" / "audit.sqlite3"
    assert stat.S_IMODE((tmp_path / "home").stat().st_mode) == 0o700


def test_no_value_or_context_is_stored(store: AuditStore) -> None:
    dump = "\n".join(sqlite3.connect(store.path).iterdump())
    assert RAW_EMAIL not in dump and "j•••@e•••.org" not in dump and "mail " not in dump
    assert "FAKEKEY" not in dump  # path kept without its query string


def test_rows_read_back(store: AuditStore) -> None:
    rows = store.requests()
    assert [r.values["request_id"] for r in rows] == ["req-0", "req-1", "req-2"]
    r = rows[0]
    assert r.values["path"] == "/v1/chat/completions" and r.values["streamed"] == 1
    assert r.alerts == ["model substitution: x"]
    assert [f["placeholder"] for f in r.findings] == ["<EMAIL_ADDRESS_1>", "<EMAIL_ADDRESS_2>"]
    assert r.findings[0]["value_hash"] == "0000000000000000"
    assert row_hash(r.prev_hash, "requests", r.row_id, r.values) == r.row_hash
    f = r.findings[1]
    values = {k: v for k, v in f.items() if k not in ("row_id", "prev_hash", "row_hash")}
    assert row_hash(f["prev_hash"], "findings", f["row_id"], values) == f["row_hash"]


def test_filters(store: AuditStore) -> None:
    store.append(rec(10, project="support"))
    assert len(store.requests(since=1_790_000_001.0)) == 3
    assert len(store.requests(until=1_790_000_001.0)) == 1
    assert [r.values["request_id"] for r in store.requests(project="support")] == ["req-10"]


def test_rows_are_append_only(store: AuditStore) -> None:
    db = sqlite3.connect(store.path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE requests SET host = 'x' WHERE row_id = 1")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM findings WHERE row_id = 2")


def test_altered_request_row_is_named(store: AuditStore) -> None:
    tamper(store.path, "UPDATE requests SET tokens_in = 5 WHERE row_id = 4")
    result = store.verify()
    assert not result.ok and result.first_bad_row_id == 4 and result.rows == 3
    assert result.message == "row 4 (requests) was altered: hash mismatch"


def test_altered_finding_row_is_named(store: AuditStore) -> None:
    tamper(store.path, "UPDATE findings SET entity = 'PERSON' WHERE row_id = 8")
    result = store.verify()
    assert (result.ok, result.first_bad_row_id) == (False, 8)
    assert "row 8 (findings) was altered" in result.message


def test_rehashed_row_breaks_the_link(store: AuditStore) -> None:
    # Recomputing the edited row's own hash is not enough: the next row points at the old one.
    r = store.requests()[1]
    r.values["tokens_in"] = 1
    new = row_hash(r.prev_hash, "requests", r.row_id, r.values)
    tamper(store.path, "UPDATE requests SET tokens_in = 1, row_hash = ? WHERE row_id = ?",
           new, r.row_id)
    result = store.verify()
    assert result.first_bad_row_id == r.row_id + 1
    assert result.message == (f"row {r.row_id + 1} (findings) does not follow row "
                              f"{r.row_id}: chain broken")


def test_deleted_row_is_detected(store: AuditStore) -> None:
    tamper(store.path, "DELETE FROM findings WHERE row_id = 5")
    result = store.verify()
    assert (result.ok, result.first_bad_row_id) == (False, 5)
    assert result.message == "row 5 is missing (deleted?)"


def test_deleted_last_row_is_detected(store: AuditStore) -> None:
    tamper(store.path, "DELETE FROM findings WHERE row_id = 9")
    result = store.verify()
    assert (result.ok, result.first_bad_row_id) == (False, 9)
    assert "row 9 is missing: the chain records 9 rows, 8 remain" in result.message


def test_appends_continue_the_chain_across_reopen(store: AuditStore) -> None:
    store.close()
    again = AuditStore(store.path)
    again.append(rec(5, n_findings=0))
    result = again.verify()
    assert result.ok and result.rows == 10


def test_concurrent_appends_keep_one_chain(tmp_path: Path) -> None:
    s = AuditStore(tmp_path / "a.sqlite3")
    other = AuditStore(tmp_path / "a.sqlite3")  # a second connection, as a second proxy would

    def work(store: AuditStore, base: int) -> None:
        for i in range(25):
            store.append(rec(base + i, n_findings=i % 3))

    threads = [threading.Thread(target=work, args=(st, b))
               for st, b in ((s, 0), (s, 100), (other, 200), (other, 300))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result = s.verify()
    assert result.ok and result.rows == 100 + 4 * sum(i % 3 for i in range(25))
    assert len(s.requests()) == 100


def test_missing_store_without_create(tmp_path: Path) -> None:
    with pytest.raises(StoreError,
                       match=r"no audit store at .*nope.sqlite3 \(start the proxy first\)"):
        AuditStore(tmp_path / "nope.sqlite3", create=False)
    assert not (tmp_path / "nope.sqlite3").exists()


def test_not_a_database(tmp_path: Path) -> None:
    bad = tmp_path / "audit.sqlite3"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="cannot open audit store"):
        AuditStore(bad)


def test_write_failure_raises_store_error(store: AuditStore) -> None:
    tamper(store.path, "DROP TABLE findings")
    with pytest.raises(StoreError, match="cannot write audit store"):
        store.append(rec(7))


def test_unreadable_alerts_raise_store_error(store: AuditStore) -> None:
    tamper(store.path, "UPDATE requests SET alerts = '{' WHERE row_id = 1")
    row = store.requests()[0]
    with pytest.raises(StoreError, match="row 1 has unreadable alerts"):
        _ = row.alerts
    assert json.loads(store.requests()[1].values["alerts"]) == ["model substitution: x"]
