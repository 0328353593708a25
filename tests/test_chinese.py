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


@pytest.mark.parametrize(("text", "name"), [
    ("多亏王军华帮忙，问题终于定位了。", "王军华"),  # a dictionary person name (nr)
    ("群公告：本周由杨胜利值守线上告警。", "杨胜利"),  # given name 胜利 (victory), cue 由/值守
    ("杨宏图回复说明天上午可以联调。", "杨宏图"),  # 宏图 (grand plan), cue 回复 after it
    ("致电客服的张春雷表示退款还没到账。", "张春雷"),  # cue 表示 after it
    ("摘自何永华的技术分享", "何永华"),  # cue 摘自 before it; 何 is also a pronoun
    ("发件人：赖英\n主题：通知\n", "赖英"),  # 赖: a top-100 surname
    ("面试官：訾德　候选人：乜荣\n", "訾德"),  # rare surnames of the 百家姓, after a role
    ("面试官：訾德　候选人：乜荣\n", "乜荣"),
    ("李宏图、黄海洋两位同事负责压测。", "黄海洋"),  # a list of names, 两位同事 after it
])
def test_person_cues_let_ordinary_words_and_rare_surnames_through(text: str, name: str) -> None:
    assert name in _found(text)


@pytest.mark.parametrize("text", [
    "冯诺依曼瓶颈指的是处理器和内存之间的带宽限制。",  # jieba glues 冯诺 from 冯诺依曼
    "冯·诺依曼结构把程序和数据放在同一块存储器里。",
    "戴克斯特拉算法不能处理带负权的边。",  # 戴克 + 斯特拉 (a transliteration, nrt)
    "米勒-拉宾素性测试是一种概率算法，龙格-库塔方法很常用。",  # joined by a hyphen
    "康威定律、卢恩算法、罗尔定理和齐普夫定律。",  # eponymous terms: surname-like + head
    "赫夫曼树的带权路径长度最短，贾卡德系数衡量相似程度。",  # 夫曼 / 卡德 are tagged nrt
    "柯尔莫哥洛夫复杂度和狄利克雷分布。",  # dictionary nr words made of foreign characters
    "这种超时在分布式系统里司空见惯，第五代网络的时延更低。",  # compound-surname words
    "机房的设备不直接连公网。",  # 连 + 公网: an everyday word is no given name without a cue
    "乐意帮忙的同事越多，新人上手越快。",  # 越 (a rare surname) used as an adverb
    "这次超时往往是路由表引起的。",  # 是 + an everyday noun
])
def test_foreign_names_terms_and_everyday_words_are_not_names(text: str) -> None:
    assert _found(text) == []


@pytest.mark.parametrize(("text", "names"), [
    # jieba cuts 唐诗 | 平 | 回复: the name is read between the start and the cue, and the
    # cue word itself (回复) is never taken as a given name (平回复)
    ("唐诗平回复说明天上午可以联调。", ["唐诗平"]),
    ("多亏金海芳帮忙，问题终于定位了。", ["金海芳"]),  # 多亏 | 金海 | 芳 | 帮忙
    ("工作暂由秦明代理。", ["秦明"]),  # 暂由 | 秦 | 明代 | 理: 代理 is a word of its own here
    ("本周由范云华值守线上告警。", ["范云华"]),  # 由范云华 glued into one unknown word
    ("文档说明了向量表示的细节。", []),  # 说明 is one word; 向量 is an everyday word
    ("本周由苏美兰值守线上告警。", ["苏美兰"]),  # 由苏 glued by the HMM: re-cut after 由
    ("这个模块以前是李荣桂写的。", ["李荣桂"]),  # 李荣桂写 glued: read between 是 and 写
    ("摘自胡金林的技术分享", ["胡金林"]),  # 胡金 | 林: read from the cue to 的
    ("王胜利在周会上提出要拆分服务。", ["王胜利"]),  # 在 ... 提出: a person's clause
    ("缓存在启动时会预热。", []),  # 在 without a person's verb after it says nothing
])
def test_names_jieba_cut_across_are_read_between_person_cues(text: str,
                                                            names: list[str]) -> None:
    assert _found(text) == names


@pytest.mark.parametrize("text", [
    "商务经理和法务经理都要参加评审。",  # an everyday word before a title is a job
    "普工\n陈列员\n钟点工\n",  # a cell of its own that is a job noun
    "显示所有目录，从市场安装扩展，应用于当前项目级配置。",  # UI text (Qwen Code's)
])
def test_jobs_and_ui_words_are_not_names(text: str) -> None:
    assert _found(text) == []


@pytest.mark.parametrize("text", [
    "荣耀负责转发请求。",  # a two-character word jieba tags nr, before a cue: no name
    "时钟源回复超时了。",  # 时钟 | 源: it opens with an everyday word
    "由惠普负责限流。",  # 由 is a cue here, not the surname 由
    "作者经济，用户文章。",  # a label glued to an everyday word
    "的是有些看到精华。",  # 有 (have) is no rare surname there; 有些看 ends inside 看到
    "边车在凌晨提出了新的告警。",  # 车 is far more common in words than in names
    "介怎么成功由于类别留言不要。",  # 由于 | 类别: a name never starts inside a word
    "冷备负责转发请求，桑基图表示为一个三元组。",  # 备, 图: rare in Chinese given names
])
def test_person_cues_need_a_name_like_word(text: str) -> None:
    assert _found(text) == []


def test_a_newline_ends_a_labels_reach() -> None:
    """A label at the end of one line (…的通知) says nothing about the next line's words."""
    assert _found("主题：关于接口变更的通知\n石化行业的工控系统很少连公网。") == []


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


def test_given_name_characters_are_counted_without_transliterations() -> None:
    """jieba tags transliterations nr too (马赛克, 柯尔莫): the given-name counts leave out
    nr words with two transliteration characters, so 华 and 军 read as name characters and
    备 and 图 do not."""
    g = chinese._dictionary().given_chars
    assert all(g.name_like(c) for c in "华军明伟秀国")
    assert not any(g.name_like(c) for c in "备图")


@pytest.mark.parametrize("text", [
    # Mixed Chinese and English technical prose (real shapes from Chinese Java interview
    # notes): a run cut off by an English word or a number is no cell of its own.
    "这里用 HashMap 来实现，key 为词。",
    "也可以考虑用 es 来承载。",
    "一共就是 1024 张表。",
    "从第 11 位开始，有连续 3 个 1。",
    "| Kafka | 10 万级，高吞吐 |\n",
    "offset 越大的从节点优先。",
    "hard 不就没了。那好，master 会重新选举。",
    # 是 before an everyday word says nothing about a person
    "因此肯定是原子性的。",
    "消费者拿到的数据一定是有顺序的。",
    "因为数据库是有缓存的。",
    "确实是麻烦点。",
    # a pronoun before 说 is no given name
    "面试官：那你说说用消息队列都有什么优点和缺点？",
    # a surname character that ends the word before it (线程池, 计时, 高位)
    "都会进入同一个线程池中。",
    "如何在线程池和信号量之间做选择？",
    "设计时为故障做好准备。",
    "它对应的二进制中最高位为 1。",
    "将现有应用迁移成微服务架构。",
])
def test_real_technical_prose_is_not_names(text: str) -> None:
    assert _found(text) == []


@pytest.mark.parametrize(("text", "name"), [
    ("余建军在周会上提出要拆分单体服务。", "余建军"),  # 余/m | 建军/n: a common given name
    ("| 搜索 | 何国亮 |\n", "何国亮"),  # a cell: jieba cuts 何国 | 亮
    ("工作暂由钱前进代理。", "钱前进"),  # 钱 | 前进 between 由 and 代理
])
def test_given_names_scored_by_real_names_characters(text: str, name: str) -> None:
    assert name in _found(text)


def test_given_name_characters_are_scored_on_real_names() -> None:
    """ngender's counts of characters in real given names against their use in jieba's
    words: 伟, 娟, 磊 score high; 表, 实, 过 (words, not names) low."""
    g = chinese._dictionary().given_chars
    assert all(g.score(c) > 1.5 for c in "伟娟磊芳婧")
    assert all(g.score(c) < -1.5 for c in "表实过级你")


@pytest.mark.parametrize("text", [
    # jieba's dictionary tags these nr; with only a cue, their characters must read as a name
    "据赵州桥统计，错误率下降了。",
    "荣誉榜反馈的数据有延迟。",
    "景深、赵州桥两个模块都要改。",
    # a cue before an everyday word or noun whose characters names avoid
    "由万兆网卡负责限流。",  # 万兆: a number
    "多亏时钟源，故障很快恢复。",  # 时钟 | 源
    "由乐观锁负责限流。",  # 乐观 | 锁
    "据全链路压测统计，错误率下降了。",  # 全 + 链路: a noun of non-name characters
])
def test_cues_need_name_like_characters(text: str) -> None:
    assert _found(text) == []


@pytest.mark.parametrize(("text", "name"), [
    ("张宏图回复说明天上午可以联调。", "张宏图"),  # 张/q | 宏图/n | 回复
    ("VALUES (7, '李成', '测试部');", "李成"),  # a cell: 李成 is a dictionary name
])
def test_cued_and_cell_names_with_name_like_characters(text: str, name: str) -> None:
    assert name in _found(text)


@pytest.mark.parametrize(("text", "name"), [
    ("会返回明确的错误码。孙育东回复说明天上午可以联调。", "孙育东"),  # 育: rare in jieba's nr
    ("单位是毫秒。魏洋蓉请假三天。", "魏洋蓉"),
    ("昨天梁延和我讨论了缓存的设计。", "梁延"),  # 天梁 is a rare word: no binding
    ("这个模块以前是孔民写的，现在没人维护。", "孔民"),  # 民 tagged ng, a one-character given
])
def test_names_real_given_names_use(text: str, name: str) -> None:
    assert name in _found(text)


@pytest.mark.parametrize("text", [
    "数值存储为64位双精度格式。",  # 位: a measure word after a number
    "只有在 data 事件发生时才有值。",  # 时 | 才: 才 (only then) is an adverb
    "但微服务世界中的偏好是仅仅把版本控制作为最后的手段。",  # 但 (but) + 微
    "王明天来上班。",  # 明天 (tomorrow) is a frequent word
])
def test_unknown_words_of_function_characters_are_not_names(text: str) -> None:
    assert _found(text) == []
