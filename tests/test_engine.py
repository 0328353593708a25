"""The composite engine: policy, ignore lists and NER kept to real names."""

from __future__ import annotations

import pytest

from redactproxy.detect.engine import DetectorSpec, Engine


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(DetectorSpec())


def _entities(engine: Engine, text: str) -> list[tuple[str, str]]:
    return [(f.entity, text[f.start:f.end]) for f in engine.analyze(text)]


def test_coding_agent_prompt_words_are_not_people(engine: Engine) -> None:
    text = ("You are Claude Code, Anthropic's official CLI for Claude. Use the Skill tool "
            "to edit a cell in a Jupyter notebook. Claude Opus writes code.\n"
            "- git reset --hard origin/main → \"Discard all local changes\"\n"
            "Tools: All tools except Agent, Artifact, Edit, Write, NotebookEdit")
    assert [e for e in _entities(engine, text) if e[0] in ("PERSON", "LOCATION", "NRP")] == []


def test_real_names_in_prose_are_still_found(engine: Engine) -> None:
    text = "Yesterday I met Margaret Thompson and Daniel Okafor in Chicago to review the plan."
    found = _entities(engine, text)
    assert ("PERSON", "Margaret Thompson") in found
    assert ("PERSON", "Daniel Okafor") in found


def test_entity_policy_and_allow_terms() -> None:
    spec = DetectorSpec(entities=(("EMAIL_ADDRESS", "block", None),),
                        allow_terms=("support@example.com",))
    engine = Engine(spec)
    found = engine.analyze("write to support@example.com or jane.roe@example.org")
    assert [(f.entity, f.action) for f in found] == [("EMAIL_ADDRESS", "block")]
