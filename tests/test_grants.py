"""The allowed-set lookup: an answer restores only what the proxy wrote into its request."""

from __future__ import annotations

from pathlib import Path

from redactproxy.grants import Grant, Links, continued_ids, placeholders_in

VAULT = {"<EMAIL_ADDRESS_1>": "ada@example.org", "<GITHUB_TOKEN_1>": "ghp_FAKE"}


def test_grant_restores_only_what_was_granted() -> None:
    assert Grant(VAULT.get)("<EMAIL_ADDRESS_1>") is None  # nothing granted before redaction
    g = Grant(VAULT.get)
    g.allowed.add("<EMAIL_ADDRESS_1>")
    assert g("<EMAIL_ADDRESS_1>") == "ada@example.org"
    assert g("<GITHUB_TOKEN_1>") is None
    assert g("<GITHUB_TOKEN_1>") is None
    assert g.refused == ["<GITHUB_TOKEN_1>"]  # noted once: the answer used it unasked


def test_typed_and_unknown_placeholders_are_not_reported_as_steered() -> None:
    g = Grant(VAULT.get)
    g.typed = {"<GITHUB_TOKEN_1>"}
    assert g("<GITHUB_TOKEN_1>") is None
    assert g("<PERSON_7>") is None  # not in the vault: a model's invention
    assert g.refused == []
    assert g.known({"<GITHUB_TOKEN_1>", "<PERSON_7>"}) == ["<GITHUB_TOKEN_1>"]


def test_placeholders_memory_does_not_know_are_confirmed_against_the_store() -> None:
    memory: dict[str, str] = {}  # this replica has seen nothing: the shared store has both
    g = Grant(memory.get)
    g.allowed.add("<EMAIL_ADDRESS_1>")
    g.pin({"<EMAIL_ADDRESS_1>": "ada@example.org"})  # read for the request beside the loop
    assert g("<EMAIL_ADDRESS_1>") == "ada@example.org"  # held, whatever the cache drops
    assert g("<GITHUB_TOKEN_1>") is None
    assert g("<PERSON_7>") is None
    assert g("<GITHUB_TOKEN_1>") is None
    assert g.refused == [] and g.unresolved == ["<GITHUB_TOKEN_1>", "<PERSON_7>"]
    g.confirm({"<GITHUB_TOKEN_1>": "ghp_FAKE"})  # what the store says names a value
    assert g.refused == ["<GITHUB_TOKEN_1>"]
    assert g.unresolved == []  # checked: <PERSON_7> names nothing (a model's invention)


def test_placeholders_in_and_continued_ids() -> None:
    assert placeholders_in(["a <EMAIL_ADDRESS_1> b <X_2>", "<no>", "plain"]) == {
        "<EMAIL_ADDRESS_1>", "<X_2>"}
    assert continued_ids({"previous_response_id": "resp_1", "conversation": "conv_1"}) == (
        "resp_1", "conv_1")
    assert continued_ids({"conversation": {"id": "conv_2"}}) == (None, "conv_2")
    assert continued_ids({"messages": []}) == (None, None)
    assert continued_ids([1]) == (None, None)


def test_links_are_per_scope_merged_and_bounded() -> None:
    links = Links(limit=2)
    links.add("p1", "resp_a", {"<A_1>"})
    links.add("p1", "resp_a", {"<B_1>"})
    assert links.get("p1", ["resp_a"]) == {"<A_1>", "<B_1>"}
    assert links.get("p2", ["resp_a"]) == set()  # another project cannot borrow a link
    links.add("p1", "resp_b", {"<C_1>"})
    links.get("p1", ["resp_a"])  # used: kept
    links.add("p1", "resp_c", {"<D_1>"})
    assert len(links) == 2
    assert links.get("p1", ["resp_b"]) == set()  # least recently used went
    assert links.get("p1", ["resp_a", "resp_c", "nope"]) == {"<A_1>", "<B_1>", "<D_1>"}


def test_links_persist(tmp_path: Path) -> None:
    path = tmp_path / "links.sqlite3"
    links = Links(path, limit=2)
    for rid in ("r1", "r2", "r3"):
        links.add("p", rid, {f"<E_{rid[1]}>"})
    links.close()
    assert path.stat().st_mode & 0o777 == 0o600
    again = Links(path, limit=2)
    assert again.get("p", ["r1"]) == set()
    assert again.get("p", ["r2", "r3"]) == {"<E_2>", "<E_3>"}
    assert b"ghp_" not in path.read_bytes()
