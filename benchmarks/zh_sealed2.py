"""Second sealed Chinese set: a fifth generator, written from scratch and measured only at the end.

The first sealed generator (``zh_sealed``) is spent: its address forms were described to the
helper who then changed the detector. This one was written before that round of changes,
and is only run with ``benchmarks/detection.py --chinese --sealed2`` once at the end of a
round; never print its misses or false findings while tuning. It shares no name pool,
document shape, prose sentence, place or road with ``zh_corpus``, ``zh_dev``,
``zh_heldout`` or ``zh_sealed``, and draws from none of the sources the detector reads
(jieba's dictionary, Faker's lists, ngender's character counts):

* Surnames: written out here in five bands with hand-set weights, plus eight compound
  surnames (a closed set: the detector's list and the other generators name them too).
* Given names: written out here as whole names typical of parents' styles (classical 子衿
  / 清和, plain 大勇 / 二妮, place-and-virtue 振邦 / 守仁), and single characters.
* Document shapes (10): chat logs with a timestamp before the name (``[09:12] 名：``),
  plain-text tables with a fixed column width, ticket fields (``处理人``/``抄送``),
  meeting minutes (``参会``/``记录``/``待办``), CSV exports with a header, JSON exports
  with nested ``contact`` objects, duty rosters (``值班``), award lists, sign-in sheets,
  and loan/asset handover notes.
* Prose: topics no other generator has (compilers, databases' storage engines, payroll
  and accounting software, agriculture and weather data, rail scheduling, printing and
  typesetting, hospital information systems without patients), with everyday words
  that begin with a surname character (高峰期, 周转, 黄金分割, 金融, 白名单, 程序, 石油,
  常量, 雷达, 车间, 万物互联, 连续, 温度).
* Addresses: places across provinces written here, in ten forms: 号院 compounds, 弄 / 巷 /
  胡同 lanes, 大厦 + floor, 栋-单元-室 shorthand, county towns with 镇/乡 + 村 + 组,
  开发区 / 高新区 / 工业园 addresses, crossroads (路与路交汇处), 街道 + 社区, 农场 /
  林场 / 牧场 units and postcodes before or after.

All values are synthetic combinations; no phone, ID or card number is planted.
"""

from __future__ import annotations

import random

from detection_corpus import Doc

__all__ = ["sealed2_address", "sealed2_address_corpus", "sealed2_name",
           "sealed2_name_corpus", "sealed2_prose_corpus"]

_SURNAME_BANDS = [
    (9, "王李张刘陈"),
    (5, "杨黄赵吴周徐孙马朱胡"),
    (3, "郭何林罗高郑梁谢唐韩冯邓曹彭曾肖田董潘袁蔡蒋余杜叶程魏苏吕丁任沈"),
    (2, "姚卢傅钟姜崔谭廖范汪陆金石戴贾韦夏邱方侯邹熊孟秦白江阎薛尹段雷黎史龙陶贺顾毛郝"),
    (1, "龚邵万钱严覃武孔汤庞樊兰殷施翟倪牛温芦季俞章鲁葛伍申尤毕聂丛焦向岳齐沙乔"),
]
_SURNAMES = [s for _, cs in _SURNAME_BANDS for s in cs]
_SURNAME_W = [w for w, cs in _SURNAME_BANDS for _ in cs]
_COMPOUND = ["东方", "公孙", "长孙", "宇文", "夏侯", "独孤", "南宫", "闻人"]

_GIVEN = (
    # classical
    "子衿 清和 怀瑾 思齐 景行 致远 明哲 若水 知秋 书瑶 问渠 静姝 沛然 修远 望舒 "
    # plain, rural
    "大勇 二妮 铁柱 秋菊 春生 水生 满仓 金凤 来福 小芳 翠兰 根生 冬梅 福贵 "
    # place and virtue
    "振邦 守仁 兴国 立本 德胜 光宗 承志 维新 家驹 汉卿 耀祖 敬之 "
    # recent
    "语桐 沐阳 星辰 一航 梓睿 亦菲 晨曦 知夏 书禾 沐瑶 景琛 安然 "
    # one character
    "斌 萍 超 洁 琴 彬 峰 倩 楠 佳 帆 玲 岚 毅 婉"
).split()


def sealed2_name(r: random.Random) -> str:
    """A sealed2-set Chinese name (see the module docstring for how it is drawn)."""
    surname = r.choice(_COMPOUND) if r.random() < 0.05 else r.choices(_SURNAMES, _SURNAME_W)[0]
    return surname + r.choice(_GIVEN)


# Document shapes; {n} is a name, {t} a time, {d} a date, {i} a number.
_NAME_FRAMES = [
    "[{t}] {n}：测试环境又挂了，谁动了配置？\n",
    "[{t}] {n}: 我这边看一下日志\n",
    "{t} {n} 撤回了一条消息\n",
    "| 2-{i} | 数据迁移 | {n} | 进行中 |\n",
    "工单 #{i}\n处理人：{n}\n抄送：{n}\n状态：待验证\n",
    "【会议纪要】{d}\n参会：{n}、{n}、{n}\n记录：{n}\n",
    "待办：{n}负责在周五前补齐接口文档。",
    "id,姓名,部门,工号\n{i},{n},财务部,E{i}\n",
    '{{"order": {i}, "contact": {{"name": "{n}", "role": "采购"}}}}\n',
    "本周值班：{n}（白班），{n}（夜班）。\n",
    "获奖名单：一等奖 {n}；二等奖 {n}、{n}。\n",
    "签到表 {d}\n1. {n}  09:02\n2. {n}  09:15\n",
    "笔记本电脑一台已由{n}移交给{n}，双方确认无误。",
    "这个需求是{n}提的，{n}说下个迭代再排。",
    "麻烦{n}帮忙review一下这个PR。",
    "@{n} 线上告警你看一下",
    "审批流：{n} → {n} → 财务",
    "项目经理{n}、产品{n}和测试{n}已确认上线时间。",
    "感谢{n}同学提供的复现步骤。",
    "# 维护者：{n}\n",
]

_PROSE = [
    "编译器前端把源代码解析成抽象语法树，后端负责寄存器分配和指令选择。",
    "存储引擎的写放大主要来自合并过程，常量因子不能忽视。",
    "高峰期数据库连接池经常被打满，需要限制单个租户的并发。",
    "工资核算系统每月要和银行回单对账，周转资金按日结算。",
    "黄金分割搜索适合单峰函数，收敛速度是线性的。",
    "气象站每十分钟上报一次温度、湿度和风速，缺测数据用插值补齐。",
    "列车运行图调整后，车间的检修计划也要跟着改。",
    "排版引擎需要处理避头尾规则和标点挤压。",
    "白名单里的接口不做鉴权，上线前要再审一遍。",
    "金融行业的系统对连续性要求很高，灾备演练每季度一次。",
    "雷达回波数据体积很大，按仰角分片存储。",
    "石油管道的传感器数据先在边缘节点聚合再上传。",
    "程序启动时先加载配置，再初始化日志和监控。",
    "万物互联之后，设备固件升级成了运维的主要负担。",
    "医院信息系统的挂号模块和收费模块是分开部署的。",
    "农田墒情监测需要把土壤水分和降雨量放在一起看。",
    "宋体和黑体的字宽不同，表格对齐要按实际渲染宽度计算。",
    "常见的做法是先写测试再重构，保证行为不变。",
    "关系型数据库的二级索引会增加写入成本。",
    "调度系统按优先级分配时刻表，冲突时由人工裁决。",
    "成本中心和利润中心的划分决定了报表的口径。",
    "向前兼容意味着旧客户端也能读新格式的数据。",
    "江南地区梅雨季节的湿度长期在九成以上。",
    "毛细作用会影响传感器探头的读数。",
]


def sealed2_name_corpus(seed: int = 4021, n: int = 400) -> list[Doc]:
    """About ``n`` sealed2-set names in 20 document shapes, labelled ``ZH_PERSON``."""
    r = random.Random(seed)
    docs: list[Doc] = []
    count = 0
    while count < n:
        doc = Doc("zh-names-sealed2")
        for _ in range(3):
            frame = r.choice(_NAME_FRAMES).replace("{{", "{").replace("}}", "}")
            frame = (frame.replace("{t}", f"{r.randint(8, 22):02d}:{r.randint(0, 59):02d}")
                     .replace("{d}", f"2026年{r.randint(1, 12)}月{r.randint(1, 28)}日")
                     .replace("{i}", str(r.randint(100, 9999))))
            pieces = frame.split("{n}")
            for i, piece in enumerate(pieces):
                doc.add(piece)
                if i < len(pieces) - 1:
                    doc.value(sealed2_name(r), "ZH_PERSON", "name")
                    count += 1
            doc.add(r.choice(_PROSE) + "\n")
        docs.append(doc)
    return docs


def sealed2_prose_corpus(seed: int = 4041, size: int = 60_000) -> str:
    """Sealed2-set technical prose without personal data, about ``size`` characters."""
    r = random.Random(seed)
    out: list[str] = []
    n = 0
    while n < size:
        para = "".join(r.choice(_PROSE) for _ in range(r.randint(2, 6))) + "\n\n"
        out.append(para)
        n += len(para)
    return "".join(out)


# (province, city, district or county); "" where a level is skipped.
_PLACES = [tuple("" if x == "-" else x for x in t.split("/")) for t in (
    "河北省/保定市/竞秀区 河北省/邯郸市/丛台区 山西省/大同市/平城区 辽宁省/鞍山市/铁东区 "
    "江苏省/徐州市/云龙区 浙江省/绍兴市/越城区 安徽省/蚌埠市/龙子湖区 福建省/漳州市/芗城区 "
    "江西省/九江市/浔阳区 山东省/潍坊市/奎文区 河南省/开封市/鼓楼区 湖北省/襄阳市/樊城区 "
    "湖南省/岳阳市/岳阳楼区 广东省/汕头市/金平区 四川省/绵阳市/游仙区 云南省/大理白族自治州/大理市 "
    "陕西省/汉中市/汉台区 新疆维吾尔自治区/喀什地区/喀什市 -/北京市/西城区 -/上海市/黄浦区"
).split()]
_COUNTIES = [("河北省", "沧州市", "献县"), ("山东省", "菏泽市", "曹县"),
             ("河南省", "周口市", "鹿邑县"), ("湖南省", "邵阳市", "隆回县"),
             ("四川省", "南充市", "阆中市"), ("江西省", "上饶市", "婺源县")]
_ROADS = ["解放大街", "胜利路", "文化路", "建设南路", "人民西路", "和平里大街", "新华北路",
          "青年路", "团结路", "东方红大道", "长征路", "府前街"]
_LANES = ["弄", "巷", "胡同"]
_LANE_NAMES = ["福佑里", "铜锣", "槐树", "积善", "三眼井", "石板"]
_TOWERS = ["恒隆大厦", "金融中心", "时代广场", "华润大厦", "万达中心"]
_ZONES = ["经济技术开发区", "高新区", "工业园区", "出口加工区"]
_TOWNS = ["柳林镇", "马庄乡", "王集镇", "清河镇"]
_VILLAGES = ["前营村", "后屯村", "李家庄村", "南湾村"]
_STREETS = ["东关街道", "新城街道", "西湖街道"]
_FARMS = ["国营红旗农场", "青山林场", "金河牧场"]


def sealed2_address(r: random.Random) -> str:
    """A sealed2-set address in one of ten forms."""
    prov, city, dist = r.choice(_PLACES)
    road = r.choice(_ROADS)
    num = f"{r.randint(1, 499)}号"
    form = r.randrange(10)
    if form == 0:  # 号院 + 号楼 + 门
        return f"{city}{dist}{road}{r.randint(1, 60)}号院{r.randint(1, 20)}号楼{r.randint(1, 6)}门"
    if form == 1:  # lane: 路 + 弄/巷/胡同 + 号
        lane = r.choice(_LANES)
        return f"{city}{dist}{r.choice(_LANE_NAMES)}{lane}{r.randint(1, 120)}号"
    if form == 2:  # tower + floor
        return f"{prov}{city}{dist}{road}{num}{r.choice(_TOWERS)}{r.randint(3, 58)}层"
    if form == 3:  # 栋-单元-室 shorthand after a road number
        return (f"{dist}{road}{num}{r.randint(1, 18)}-{r.randint(1, 5)}-"
                f"{r.randint(1, 26)}0{r.randint(1, 4)}")
    if form == 4:  # county + town + village + group
        cp, cc, county = r.choice(_COUNTIES)
        return (f"{cp}{cc}{county}{r.choice(_TOWNS)}{r.choice(_VILLAGES)}"
                f"{r.choice('一二三四五六七八')}组")
    if form == 5:  # development zone without a district
        return f"{prov}{city}{r.choice(_ZONES)}{road}{num}"
    if form == 6:  # crossroads
        r2 = r.choice([x for x in _ROADS if x != road])
        return f"{city}{dist}{road}与{r2}交汇处"
    if form == 7:  # 街道 + road
        return f"{city}{dist}{r.choice(_STREETS)}{road}{num}"
    if form == 8:  # farm / forestry unit
        cp, cc, county = r.choice(_COUNTIES)
        return f"{cp}{cc}{county}{r.choice(_FARMS)}{r.randint(1, 9)}队"
    return (f"{prov}{city}{dist}{road}{num}{r.randint(1, 30)}号楼{r.randint(1, 3)}单元"
            f"{r.randint(101, 2802)}")


_ADDR_FRAMES = [
    "寄件人地址：{a}\n",
    "邮编{p}，{a}\n",
    "{a}，{p}\n",
    "i,收货地址\n1,{a}\n",
    '{{"shipping": {{"addr": "{a}", "zip": "{p}"}}}}\n',
    "| 网点 | {a} | 营业中 |\n",
    "培训地点改在{a}，请准时到场。",
    "发票邮寄至{a}。",
    "注册地址：{a}；经营地址同上。\n",
    "addr: {a}\n",
]


def sealed2_address_corpus(seed: int = 4031, n: int = 300) -> list[Doc]:
    """``n`` sealed2-set addresses in ten frames, three per document, labelled
    ``ZH_ADDRESS``."""
    r = random.Random(seed)
    docs = []
    for _ in range(n // 3):
        doc = Doc("zh-address-sealed2")
        for _ in range(3):
            frame = r.choice(_ADDR_FRAMES).replace("{{", "{").replace("}}", "}")
            frame = frame.replace("{p}", str(r.randint(100000, 859999)))
            before, after = frame.split("{a}")
            doc.add(before)
            doc.value(sealed2_address(r), "ZH_ADDRESS", "address")
            doc.add(after + r.choice(_PROSE) + "\n")
        docs.append(doc)
    return docs
