"""Seeded, labelled Chinese and code/data corpora for the detection benchmark.

Chinese person names come from a large varied pool: Faker zh_CN surnames (399, weighted by
nothing: rare ones as often as common ones) plus compound surnames, with given names drawn
from Faker's list or built from ~250 given-name characters chosen here (one or two of
them), so most names are in no dictionary. Addresses combine Faker's provinces, cities and
districts with road names, numbers, estates, buildings, units and rooms built here, in full
and short forms. Every value sits in one of many contexts (prose, forms, chat transcripts,
JSON, YAML, code comments and literals, tables, e-mail signatures). Technical prose and
code without personal data measure false findings.

Values are synthetic: phones in 555-01xx or 1380013xxxx shapes are never planted here
(other benchmarks cover them); the names and streets are random combinations.
"""

from __future__ import annotations

import functools
import json
import random

from detection_corpus import Doc
from faker.providers.address.zh_CN import Provider as ZhAddress
from faker.providers.person.en_US import Provider as EnPerson
from faker.providers.person.zh_CN import Provider as ZhPerson

_ZH_LAST = sorted(ZhPerson.last_names)
_ZH_FIRST = sorted(ZhPerson.first_names)

__all__ = ["code_data_corpus", "code_noise_corpus", "zh_address_corpus", "zh_name_corpus",
           "zh_prose_corpus"]

COMPOUND = ["欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "令狐", "慕容", "尉迟", "长孙",
            "宇文", "司徒", "夏侯", "公孙", "端木", "独孤", "南宫", "西门", "呼延", "轩辕",
            "司寇", "公西", "南门", "颛孙", "子车"]
GIVEN_CHARS = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉鹏飞云宇"
               "浩然子涵梓萱一诺欣怡思远嘉豪俊杰雨轩晨阳婷雪琳颖慧佳璐瑶晓燕琪倩蕾薇"
               "彤昊天泽宸博文皓轩逸凡子墨若曦诗涵梦瑶可馨语嫣沐晴紫萱安然清妍欣妍"
               "志刚建国海燕春梅秋菊冬梅立新卫东红梅振华德胜永强国庆淑珍凤英桂兰丽娟"
               "宏伟光明少华家乐锦程景行亦辰煜祺宇航铭泽睿哲弘毅承志致远鸿涛昕阳嘉懿")
# Rarer characters that parents choose because they are rare (few everyday words use them).
RARE_GIVEN_CHARS = "翀昶烨琰珈婕堃喆暄玥泓淇砚珏翎沅玮珞芮璠祐骞"
_GIVEN = sorted(set(GIVEN_CHARS)) + list(RARE_GIVEN_CHARS)


def zh_name(r: random.Random) -> str:
    """A random Chinese name: surname (1 in 8 compound) and one or two given characters."""
    surname = r.choice(COMPOUND) if r.random() < 0.125 else r.choice(_ZH_LAST)
    if r.random() < 0.3:
        given = r.choice(_ZH_FIRST)
    else:
        given = "".join(r.choice(_GIVEN) for _ in range(r.choice((1, 2, 2))))
    return surname + given


_NAME_CONTEXTS = [
    "客户{n}反馈无法登录，请尽快处理。",
    "姓名：{n}\n",
    "联系人：{n}，电话请见附件。",
    "收件人{n}已经签收了快递。",
    "申请人 {n} 提交了报销单。",
    "负责人：{n}；预计周五完成。",
    "{n}老师说下周一开会。",
    "感谢{n}经理的支持！",
    "{n}先生您好，您的订单已发货。",
    "{n}女士：您的工单已关闭。",
    "{n}同学请到办公室来一趟。",
    "昨天{n}和我讨论了缓存的设计。",
    "这个问题是{n}发现的。",
    "请把文档发给{n}审核。",
    '{{"name": "{n}", "dept": "研发部"}}',
    "  - 姓名: {n}\n",
    "# TODO({n}): 这里的重试逻辑需要再看一下\n",
    'user = User(name="{n}")\n',
    "| {n} | 后端 | 在职 |\n",
    "用户：我是{n}，我的账户被锁了。\n客服：您好，请稍等。\n",
    "此致\n敬礼\n{n}\n",
    "会议纪要（记录人：{n}）",
    "{n}在群里说服务又挂了。",
    "已转交{n}处理。",
    "这次重构由{n}牵头，{n}配合联调。",
    "{n}刚提交了合并请求，等你批准。",
    "转发给{n}了，等他回复。",
    "报名表\n序号：3\n姓名：{n}\n",
    "// reviewed-by: {n}\n",
    "值班：{n}（备岗）",
]


def zh_name_corpus(seed: int = 21, n: int = 400) -> list[Doc]:
    """Chinese names in >= 20 contexts, four per document, labelled ``ZH_PERSON``."""
    r = random.Random(seed)
    docs = []
    for _ in range(n // 4):
        doc = Doc("zh-names")
        for _ in range(4):
            pieces = r.choice(_NAME_CONTEXTS).replace("{{", "{").replace("}}", "}").split("{n}")
            for i, piece in enumerate(pieces):
                doc.add(piece)
                if i < len(pieces) - 1:
                    doc.value(zh_name(r), "ZH_PERSON", "name")
            doc.add(r.choice(_PROSE) + "\n")
        docs.append(doc)
    return docs


_ROAD_CORE = ["人民", "建国", "解放", "中山", "科技园南", "长安", "和平", "建设", "新华", "文化",
              "友谊", "胜利", "光明", "青年", "滨河", "环城", "迎宾", "学府", "金融", "望京",
              "天府", "淮海中", "南京西", "延安东", "珠江新城", "高新", "东风", "朝阳北",
              "育才", "振兴"]
_ROAD_SUFFIX = ["路", "街", "大道", "大街", "东路", "西路", "南路", "北路", "中路", "巷"]
_ESTATES = ["SOHO现代城", "阳光花园", "万科城", "绿地中心", "碧桂园", "翠湖小区", "金地名苑",
            "华润大厦", "软件园", "科技大厦", "幸福里", "东方明珠花园"]


_TOWNS = ["黄桥", "大营", "柳林", "石桥", "白沙", "官庄", "河口"]
_VILLAGES = ["红星", "沙河", "王家", "后营", "张庄", "新民", "小李"]
_RINGS = ["西三环", "北四环", "南二环", "东三环", "西二环", "北五环"]


def zh_address(r: random.Random) -> str:
    """A random Chinese address in one of several full and short forms."""
    prov = r.choice(ZhAddress.provinces)
    city = r.choice(ZhAddress.cities) + "市"
    dist = r.choice(ZhAddress.districts) + r.choice(("区", "区", "县"))
    road = r.choice(_ROAD_CORE) + r.choice(_ROAD_SUFFIX)
    num = f"{r.randint(1, 999)}号"
    bldg = r.choice([f"{r.randint(1, 30)}栋", f"{r.randint(1, 20)}号楼", f"{r.choice('ABCD')}座",
                     f"{r.randint(1, 12)}幢"])
    unit = f"{r.randint(1, 6)}单元"
    room = r.choice([f"{r.randint(1, 33)}{r.randint(1, 9):02d}室", f"{r.randint(101, 3208)}",
                     f"{r.randint(1, 30)}楼{r.randint(1, 20):02d}"])
    estate = r.choice(_ESTATES)
    form = r.randrange(10)
    if form == 8:  # rural: county, town, village, group
        return (prov + city + r.choice(ZhAddress.districts) + "县" + r.choice(_TOWNS) + "镇"
                + r.choice(_VILLAGES) + f"村{r.randint(1, 15)}组")
    if form == 9:  # ring road
        return city + dist + r.choice(_RINGS) + num + r.choice(["", bldg, estate + bldg])
    if form == 0:
        return prov + city + dist + road + num
    if form == 1:
        return prov + city + dist + road + num + bldg + unit + room
    if form == 2:
        return city + dist + road + num
    if form == 3:
        return dist + road + num + estate + bldg + room
    if form == 4:
        return prov + city + dist + road + num + estate + bldg + room
    if form == 5:
        return city + dist + road + num + bldg + room
    if form == 6:
        return dist + road + num
    return prov + dist + road + num + unit + room


_ADDR_CONTEXTS = [
    "请把发票寄到{a}，谢谢。",
    "收货地址：{a}\n",
    "地址: {a}（邮编{p}）",
    "我住在{a}，最近总是收不到快递。",
    '{{"address": "{a}", "zip": "{p}"}}',
    "  address: {a}\n",
    "公司位于{a}。",
    "寄件地址{a}，联系电话见系统。",
    "| 上海仓 | {a} | 正常 |\n",
    "用户：我的新地址是{a}，请帮我更新。\n",
    "# 测试数据：{a}\n",
    "送货到{a}门口就行。",
]


def zh_address_corpus(seed: int = 31, n: int = 300) -> list[Doc]:
    """Chinese addresses in 12 contexts, three per document, labelled ``ZH_ADDRESS``."""
    r = random.Random(seed)
    docs = []
    for _ in range(n // 3):
        doc = Doc("zh-address")
        for _ in range(3):
            tmpl = r.choice(_ADDR_CONTEXTS)
            before, after = tmpl.split("{a}")
            doc.add(before.replace("{{", "{"))
            doc.value(zh_address(r), "ZH_ADDRESS", "address")
            doc.add(after.replace("}}", "}").replace("{p}", str(r.randint(100000, 859999)))
                    + r.choice(_PROSE) + "\n")
        docs.append(doc)
    return docs


# Chinese technical prose with no personal data: everyday words that begin with surname
# characters on purpose (马上, 高可用, 周期, 金额, 万一, 向量, 安全, 于是, 陈旧, 江河, 毛利率).
_PROSE = [
    "我们马上会发布新版本，修复了高可用集群在切换主节点时的问题。",
    "定时任务的执行周期从五分钟调整为十分钟，以降低数据库压力。",
    "订单金额超过阈值时需要人工复核，万一漏掉会造成损失。",
    "向量检索的召回率取决于索引参数和相似度的计算方式。",
    "安全团队建议所有接口都启用鉴权，于是我们统一接入了网关。",
    "林林总总的配置项让新人很难上手，需要整理一份文档。",
    "陈旧的依赖库存在已知漏洞，应该尽快升级。",
    "日志像江河一样源源不断，必须做采样和归档。",
    "毛利率的计算口径在财务系统和报表系统里不一致。",
    "这个函数的时间复杂度是线性的，但常数项比较大。",
    "使用连接池可以减少建立连接的开销，提高吞吐量。",
    "缓存失效策略采用最近最少使用算法，容量上限为一万条。",
    "请在提交代码之前运行单元测试和静态检查。",
    "消息队列积压时，消费者会自动扩容到最多八个实例。",
    "配置文件中的超时时间单位是毫秒，不是秒。",
    "为了兼容旧版本客户端，接口保留了原来的字段名。",
    "高并发场景下要注意锁的粒度，避免出现死锁。",
    "白名单和黑名单的优先级需要在文档里写清楚。",
    "树的叶子节点存储实际数据，内部节点只保存索引。",
    "元数据服务负责记录每个分片的位置和副本状态。",
    "方法签名变更后，调用方也要同步修改。",
    "程序启动时会读取环境变量并校验必填项。",
    "平均响应时间下降了百分之三十，尾延迟也有改善。",
    "容器镜像的体积从一点二吉字节减小到三百兆字节。",
    "任何对外暴露的端口都必须经过安全评审。",
    "全量同步耗时较长，建议改为增量同步。",
    "简单来说，就是把计算挪到离数据更近的地方。",
    "由于上游接口限流，我们增加了指数退避重试。",
    "关于权限模型，目前采用基于角色的访问控制。",
    "石墨烯材料的测试数据暂时不对外公开。",
    "华为云和阿里云的对象存储接口略有差异。",
    "曾经有一次发布因为迁移脚本失败而回滚。",
    "严格模式下，未声明的变量会直接报错。",
    "时间戳统一使用协调世界时，展示时再转换时区。",
    "项目周报每周五下午自动生成并发送到群里。",
    "文件上传大小限制为二十兆字节，超出会返回错误。",
    "相关的监控指标已经接入告警平台。",
    "初始化脚本会创建默认的管理员角色和权限。",
    "边缘节点的缓存命中率维持在百分之九十以上。",
    "路由规则按照前缀最长匹配的原则生效。",
    "支付回调需要校验签名，防止伪造请求。",
    "单线程模型避免了锁竞争，但无法利用多核。",
    "解析失败的数据会写入死信队列，等待人工处理。",
    "强一致性和可用性之间需要权衡。",
    "段错误通常是访问了非法内存地址导致的。",
    "雷达图适合展示多维度指标的对比。",
    "温度传感器每秒上报一次读数。",
    "常量应该集中定义，避免魔法数字散落在代码里。",
    "孔径越大，进光量越多，景深越浅。",
    "龙卷风式的需求变更让排期非常困难。",
    "钱包余额不足时，下单接口会返回明确的错误码。",
    "白天流量高峰期间暂停非紧急的变更。",
    "万一主库宕机，从库会在三十秒内接管。",
    "高性能计算集群的作业调度采用公平共享策略。",
    "武器化的漏洞利用代码不应提交到公开仓库。",
    "宋体在高分辨率屏幕上显示效果一般，建议改用黑体。",
    "金融级的数据一致性要求每笔交易都可追溯。",
    "马力全开之后，构建时间缩短了一半。",
    "拉普拉斯平滑避免了零概率的问题。",
    "泊松分布适合描述单位时间内请求到达的次数。",
    "伯努利试验的结果只有成功和失败两种。",
    "狄利克雷分布常用作多项分布的先验。",
    "卡尔曼滤波把预测和观测按不确定性加权融合。",
    "维特比算法用动态规划求最可能的隐藏状态序列。",
    "杨辉三角的每一行对应二项式展开的系数。",
    "柯尔莫哥洛夫复杂度衡量的是最短描述的长度。",
    "麦克斯韦方程组描述了电场和磁场的关系。",
    "庞加莱猜想的证明发表在预印本网站上。",
    "洛伦兹吸引子是混沌系统的经典例子。",
    "显卡温度很高时风扇转速会自动提高。",
    "早高峰时段网关的错误率略有上升。",
    "古老的批处理脚本还在凌晨两点运行。",
    "这套老旧的监控早该下线了。",
    "内存不足时进程会被系统直接杀掉。",
    "游戏的帧率在团战时掉到了三十以下。",
    "固件升级时断电可能导致设备无法启动。",
    "硬盘的坏道越来越多，应该尽快更换。",
    "运营同学反馈活动页在弱网下白屏。",
]


_T_PARTS = {
    "a": ["缓存层", "任务队列", "工作流引擎", "权限服务", "计费系统", "检索服务", "上传组件",
          "通知服务", "灰度系统", "数据同步任务", "监控平台", "构建流水线"],
    "bad": ["超时", "内存泄漏", "重复消费", "死锁", "丢消息", "报错", "卡顿"],
    "act": ["预热缓存", "拒绝新连接", "降级为只读", "重新选主", "回放日志", "暂停调度"],
    "when": ["凌晨备份", "批量导入", "版本升级", "证书轮换", "大促", "压测"],
    "cfg": ["并发度", "批大小", "超时时间", "重试上限", "线程数"],
    "val": ["八", "一百", "三十秒", "五次", "十六"],
    "metric": ["成功率", "平均耗时", "积压量", "丢包率"],
}
_T_FRAMES = [
    "{a}启动时会{act}。",
    "{a}和{b}总是一起{bad}。",
    "负载过高时，{a}会{act}。",
    "{a}在{when}时出现了{bad}。",
    "把{a}的{cfg}改成{val}之后，{metric}明显好转。",
    "{when}期间{a}偶尔{bad}，和{b}无关。",
    "{a}比{b}更早{bad}，说明瓶颈在前面。",
]


def _t_framed(r: random.Random) -> str:
    a, b = r.sample(_T_PARTS["a"], 2)
    return r.choice(_T_FRAMES).format(a=a, b=b, **{k: r.choice(v) for k, v in _T_PARTS.items()
                                                   if k != "a"})


def zh_prose_corpus(seed: int = 41, size: int = 60_000) -> str:
    """Chinese technical prose without personal data, about ``size`` characters: the fixed
    sentences above and sentence frames filled from vocabulary lists, half each."""
    r = random.Random(seed)
    out: list[str] = []
    n = 0
    while n < size:
        para = "".join(r.choice(_PROSE) if r.random() < 0.5 else _t_framed(r)
                       for _ in range(r.randint(2, 6))) + "\n\n"
        out.append(para)
        n += len(para)
    return "".join(out)


# --- names in code and data ---------------------------------------------------------------
_EN_FIRST = sorted(EnPerson.first_names)
_EN_LAST = sorted(EnPerson.last_names)


# Held-out Latin-script names: locales the detector's lexicon does not read (it reads ~36
# others), so names only found there test the fallback, not a lookup.
_HELD_OUT_LOCALES = ("es_AR", "es_CO", "de_AT", "fr_CA", "yo_NG", "ig_NG", "ha_NG", "en_PK",
                     "az_AZ", "uz_UZ", "tw_GH", "en_NZ", "es_CL", "de_CH", "it_CH", "fr_CH")


# A second held-out pool, added when the shape check for unlisted names was built and never
# looked at while tuning it: more locales the lexicon does not read (Latin, Cyrillic,
# Armenian and Georgian script).
_FRESH_LOCALES = ("de_LI", "de_LU", "en_TH", "fr_BE", "fr_QC", "fr_DZ", "is_IS", "nl_BE", "sw",
                  "es_CA", "ru_RU", "uk_UA", "hy_AM", "ka_GE")


@functools.cache
def _held_out_pool(locales: tuple[str, ...] = _HELD_OUT_LOCALES) -> tuple[list[str],
                                                                          list[str]]:
    import importlib

    first: set[str] = set()
    last: set[str] = set()
    for loc in locales:
        try:
            p = importlib.import_module(f"faker.providers.person.{loc}").Provider
        except ImportError:
            continue
        for attr in ("first_names", "first_names_male", "first_names_female"):
            v = getattr(p, attr, ())
            if isinstance(v, dict | list | tuple):
                first.update(n for n in v if n.isalpha())
        v = getattr(p, "last_names", ())
        if isinstance(v, dict | list | tuple):
            last.update(n for n in v if n.isalpha())
    return sorted(first), sorted(last)


_POOLS: dict[bool | str, tuple[list[str], list[str]]] = {}


def en_name(r: random.Random, held_out: bool | str = False) -> str:
    """A random full name: Faker en_US lists, or the held-out locales' lists (``"fresh"``:
    the second held-out pool)."""
    if held_out == "fresh":  # given name and surname from the same locale (and script)
        first, last = _held_out_pool((r.choice(_FRESH_LOCALES),))
        return f"{r.choice(first)} {r.choice(last)}"
    if held_out not in _POOLS:
        _POOLS[held_out] = _held_out_pool() if held_out else (_EN_FIRST, _EN_LAST)
    first, last = _POOLS[held_out]
    return f"{r.choice(first)} {r.choice(last)}"


def _code_doc(r: random.Random, name: str, cjk: str) -> tuple[str, str, str]:
    """One code/data shape around a name: (fmt, before, after)."""
    key = r.choice(["name", "full_name", "customer", "owner", "author", "assignee",
                    "contact", "display_name", "customer_name", "contact_name"])
    shapes = [
        ("py", f"user = User({key}=\"", "\", email=\"user@example.org\")\n"),
        ("py", f"fixtures = [{{\"id\": 7, \"{key}\": \"", "\", \"active\": True}]\n"),
        ("js", f"const user = {{ id: 3, {key}: '", "', role: 'admin' };\n"),
        ("js", f"await db.users.insert({{ {key}: \"", "\" });\n"),
        ("go", f"u := User{{ID: 9, {key.title().replace('_', '')}: \"", "\"}\n"),
        ("json", f"{{\"id\": 12, \"{key}\": \"", "\", \"plan\": \"pro\"}\n"),
        ("yaml", f"- id: 4\n  {key}: ", "\n  plan: free\n"),
        ("toml", f"[owner]\n{key} = \"", "\"\n"),
        ("sql", f"INSERT INTO customers (id, {key}, plan) VALUES (1, '", "', 'pro');\n"),
        ("csv", f"id,{key},plan\n1,", ",pro\n"),
        ("py", "first_name = \"", "\"\n"),
        ("yaml", "姓名: ", "\n部门: 研发\n"),
        ("json", "{\"联系人\": \"", "\", \"电话\": \"见附件\"}\n"),
    ]
    fmt, before, after = r.choice(shapes)
    return fmt, before, after


def code_data_corpus(seed: int = 51, n: int = 400, held_out: bool | str = False) -> list[Doc]:
    """Names stored under name-like keys in Python/JS/Go/JSON/YAML/TOML/SQL/CSV.

    Labels are ``PERSON``; one in five names is Chinese. ``first_name = "..."`` shapes carry
    one given name only.
    """
    r = random.Random(seed)
    docs = []
    for _ in range(n):
        fmt, before, after = _code_doc(r, "", "")
        if before.startswith("first_name"):
            name = en_name(r, held_out).split()[0]
        elif "姓名" in before or "联系人" in before or r.random() < 0.2:
            name = zh_name(r)
        else:
            name = en_name(r, held_out)
        doc = Doc(f"code-{fmt}")
        doc.add("# record\n" if fmt in ("py", "yaml", "toml") else "")
        doc.add(before)
        doc.value(name, "PERSON", fmt)
        doc.add(after)
        docs.append(doc)
    return docs


_CODE_NOISE = [
    'user = User(name="test", email=None)\n',
    "parser.add_argument('--name', help='name of the output file')\n",
    "const name = user_name || 'anonymous';\n",
    '{"name": "redactproxy", "version": "0.1.0", "license": "MIT"}\n',
    "name: build-and-test\non: [push, pull_request]\n",
    "INSERT INTO roles (id, name) VALUES (1, 'admin'), (2, 'viewer');\n",
    'owner = "<PERSON_1>"\n',
    "author = \"\"\n",
    "SELECT name, COUNT(*) FROM events GROUP BY name ORDER BY 2 DESC;\n",
    "func (s *Server) Name() string { return s.name }\n",
    "customer = get_customer(order.customer_id)\n",
    "  - name: Install dependencies\n    run: pip install -e .[test]\n",
    '[tool.poetry]\nname = "my-package"\nauthors = ["Platform Team"]\n',
    "id,name,price\n1,Widget,9.99\n2,Gadget,19.50\n",
    "assignee: ${{ github.actor }}\n",
    "contact = settings.SUPPORT_CONTACT\n",
    "def display_name(self) -> str:\n    return f\"{self.first} {self.last}\"\n",
    "model = Model(name=\"gpt-4o\", temperature=0.2)\n",
    "env: {NAME: production, OWNER: platform-team}\n",
    "logger = logging.getLogger(name=__name__)\n",
    "const column = { name: 'createdAt', type: 'timestamp' };\n",
    "task = Task(name=\"Nightly Backup\", owner=\"Data Platform\")\n",
    "labels:\n  app.kubernetes.io/name: api-gateway\n",
    'button = Button(name="Submit Order", color="primary")\n',
]


def code_noise_corpus(seed: int = 61, size: int = 40_000) -> str:
    """Python/JS/SQL/YAML/TOML/CSV without personal data (name-like keys included)."""
    r = random.Random(seed)
    out: list[str] = []
    n = 0
    while n < size:
        s = r.choice(_CODE_NOISE)
        out.append(s)
        n += len(s)
    return "".join(out)


def dump(docs: list[Doc]) -> str:
    """All labelled values as JSON lines (for eyeballing a corpus)."""
    return "\n".join(json.dumps({"fmt": d.fmt, "text": d.text}, ensure_ascii=False)
                     for d in docs)
