"""A Chinese support transcript and a Python fixture file through the real proxy (OpenAI SDK).

Names, a phone number, a resident ID and an address in Chinese text, and names stored in a
Python fixture, must reach the fake upstream as placeholders only; the echoed answer comes
back with every value restored.
"""

from __future__ import annotations

import json

from tests.e2e.values import assert_absent
from tests.fakes.upstream import FakeUpstream
from tests.proxyproc import ProxyProcess

# Synthetic values: 1380013xxxx is the classic documentation mobile number; the resident ID
# is the GB 11643 example shape with a valid check digit; names and street are invented.
ZH_VALUES = ("王建华", "欧阳娜娜", "13800138000", "11010519491231002X",
             "四川省成都市武侯区人民路570号11栋2501室")
CODE_VALUES = ("Maria Gonzalez", "Crystal Ecker", "陈刚")

TRANSCRIPT = (
    "客服：您好，请问有什么可以帮您？\n"
    "用户：我是王建华，我的账户登录不上了。\n"
    "客服：王建华先生您好，请提供注册手机号和身份证号。\n"
    "用户：手机13800138000，身份证号11010519491231002X。\n"
    "客服：好的，已为您重置。发票寄到四川省成都市武侯区人民路570号11栋2501室对吗？\n"
    "用户：对，收件人写欧阳娜娜。\n"
)
FIXTURE = (
    "# tests/fixtures/users.py\n"
    "USERS = [\n"
    '    User(id=1, name="Maria Gonzalez", role="admin"),\n'
    '    User(id=2, name="Crystal Ecker", role="viewer"),\n'
    '    User(id=3, name="陈刚", role="viewer"),\n'
    '    User(id=4, name="test", role="guest"),\n'
    "]\n"
)


def test_chinese_transcript_and_python_fixture(proxy: ProxyProcess,
                                               upstream: FakeUpstream) -> None:
    client = proxy.openai()
    prompt = f"请总结这段客服对话：\n{TRANSCRIPT}\n再看这个文件：\n```python\n{FIXTURE}```\n"
    r = client.chat.completions.create(model="gpt-4o",
                                       messages=[{"role": "user", "content": prompt}])
    sent = upstream.last()
    assert_absent(sent.body, ZH_VALUES + CODE_VALUES)
    seen = sent.json()["messages"][0]["content"]
    for placeholder in ("<PERSON_", "<PHONE_NUMBER_", "<CN_RESIDENT_ID_", "<CN_ADDRESS_"):
        assert placeholder in seen, placeholder
    assert 'name="test"' in seen  # a stand-in value stays as it is
    answer = r.choices[0].message.content or ""
    assert prompt in answer  # the echo comes back with every value restored
    assert "<PERSON_" not in answer and "<CN_" not in answer
    assert json.dumps(sent.json(), ensure_ascii=False).count("<PERSON_") >= 4
