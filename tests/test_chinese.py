"""Chinese person names: jieba's segmentation plus surname, context and everyday-word rules."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from redactproxy.detect import chinese
from redactproxy.detect.chinese import ChineseNames, has_cjk

NAMES = ChineseNames()


def _found(text: str) -> list[str]:
    return [text[f.start:f.end] for f in NAMES.analyze(text)]


@pytest.mark.parametrize(("text", "name"), [
    ("客户王建华反馈无法登录。", "王建华"),
    ("请把发票寄到成都，收件人陈刚。", "陈刚"),
    ("张伟和李娜讨论了方案", "张伟"),
    ("欧阳娜娜老师说明天开会", "欧阳娜娜"),
    ("负责人：上官婉儿", "上官婉儿"),
    ("感谢黄晓燕经理的支持", "黄晓燕"),
    ("项目由蒋思远负责，韩雪协助测试。", "韩雪"),
    ("申请人 强丹丹 提交了报销单", "强丹丹"),
    ('{"name": "任紫淑"}', "任紫淑"),
    ("# TODO(诸葛亮): 重试逻辑", "诸葛亮"),
    ("盛志强在群里说服务又挂了", "盛志强"),
    ("司马懿同学请到办公室", "司马懿"),
    ("这次重构由王翀牵头", "王翀"),  # 翀: a rare character, in few everyday words
    ("值班：司寇翎（备岗）", "司寇翎"),  # a rarer compound surname
    ("我问过蒋思远了", "蒋思远"),  # 过 after a verb is no degree adverb
])
def test_finds_names_in_context(text: str, name: str) -> None:
    assert name in _found(text)


@pytest.mark.parametrize("text", [
    "我们马上会发布新版本，修复高可用集群的问题。",
    "定时任务的执行周期调整为十分钟，订单金额超过阈值时复核。",
    "万一主库宕机，向量检索和安全检查都会受影响，于是我们加了重试。",
    "林林总总的配置项，陈旧的依赖，日志像江河一样，毛利率口径不一致。",
    "白名单和黑名单的优先级，树的叶子节点，连接池的大小。",
    "我们和阿里云的团队讨论了方案。",
    "王明天来上班",  # 王 + 明天 (tomorrow): not a name without context
    "此致\n敬礼\n",  # a letter's closing on lines of its own
    "缓存层和任务总是一起超时。",  # 总是 (always) is no title
    "监控平台的丢包率明显好转。",  # 包率: an unknown word of surname + 率 (in 600+ words)
    "显卡温度很高时风扇转速会自动提高。",  # 很 (very) + 高时: a degree adverb, no name after it
    "活动页在弱网下白屏。",
])
def test_everyday_words_starting_with_a_surname_are_not_names(text: str) -> None:
    assert _found(text) == []


def test_has_cjk() -> None:
    assert has_cjk("hello 世界") and not has_cjk("hello world — café")


def test_english_text_never_loads_the_dictionary(tmp_path: Path) -> None:
    code = ("from redactproxy.detect import chinese\n"
            "chinese.ChineseNames().analyze('Maria Gonzalez wrote the parser.')\n"
            "assert chinese._DICT is None\n")
    env = {**os.environ, "REDACTPROXY_HOME": str(tmp_path)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    assert not (tmp_path / "cache").exists()


def test_dictionary_loads_without_writing_a_file_and_stderr_stays_quiet(tmp_path: Path) -> None:
    code = ("from redactproxy.detect import chinese\n"
            "print(len(chinese.ChineseNames().analyze('客户王建华反馈无法登录')))\n")
    env = {**os.environ, "REDACTPROXY_HOME": str(tmp_path / "home"),
           "TMPDIR": str(tmp_path / "tmp"), "XDG_CACHE_HOME": str(tmp_path / "xdg"),
           "HOME": str(tmp_path / "user")}
    for d in ("home", "tmp", "xdg", "user"):
        (tmp_path / d).mkdir()
    r = subprocess.run([sys.executable, "-c", code], check=True, env=env,
                       capture_output=True, text=True)
    assert r.stdout.strip() == "1"
    assert r.stderr == ""
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_segmenter_runs_on_its_compiled_prefix_dictionary() -> None:
    """The speed comes from jieba_next's Rust route; a version that changes the private
    attributes used to build it from our own read of dict.txt must fail here, not run slow."""
    d = chinese._dictionary()
    assert d.tokenizer._rust_prefix is not None
    assert d.tokenizer.FREQ is d.tags
    assert list(d.tokenizer.tokenize("客户王建华反馈无法登录")) == [
        ("客户", 0, 2), ("王建华", 2, 5), ("反馈", 5, 7), ("无法", 7, 9), ("登录", 9, 11)]
