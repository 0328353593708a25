"""Held-out Chinese data: names, addresses and technical prose the detector was not tuned on.

``zh_corpus`` built the tuning data; this module shares none of its sentence frames, prose,
given-name characters, road names, estates or address lists, so its numbers say how the
detector does on text it has not seen (do not tune ``redactproxy/detect/chinese.py`` or
``rules/cn.toml`` on what fails here: add such cases to the tuning generator instead).

* Names: surnames drawn by their real population weights (Faker zh_CN's counts, where the
  tuning data draws all 399 uniformly) plus compound surnames not in the tuning list, and
  given names from a separate pool of characters and whole given names (older-generation
  names such as 桂芝 and 淑芬, single characters, recent names such as 梓涵 are all here;
  none of the tuning generator's ~200 given-name characters is used on its own).
* Addresses: real province / city / district triples written out here (not Faker's
  random city-district pairs), road names, lanes (弄), courtyards (号院), hutongs,
  towns and villages (镇, 村, 组), sub-districts (街道) and office towers, in 10 forms.
* Prose: technical sentences on other topics (front end, Kubernetes, model training,
  data migration, testing), including mathematicians' names used as terms (高斯, 欧拉,
  马尔可夫), plus sentence frames filled from vocabulary lists, so the text does not
  repeat a few dozen sentences.

All values are synthetic combinations; no phone, ID or card number is planted.
"""

from __future__ import annotations

import random

from detection_corpus import Doc
from faker.providers.person.zh_CN import Provider as ZhPerson

__all__ = ["heldout_address_corpus", "heldout_name_corpus", "heldout_prose_corpus"]

_SURNAME_WEIGHTS = list(ZhPerson.last_names.items())
_COMPOUND = ["司空", "东方", "百里", "万俟", "闻人", "太史", "公冶", "钟离", "申屠", "赫连",
             "欧阳", "上官"]
# Given names written out whole: older, middle and recent generations, one or two characters.
_GIVEN_WHOLE = (
    "桂芝 淑芬 秀兰 玉珍 凤兰 淑华 桂香 素梅 翠花 金凤 德明 福生 永福 长春 宝山 树林 "
    "振国 国栋 卫国 爱民 建设 红旗 向东 援朝 跃进 志明 春生 秋生 根生 水生 "
    "晓东 晓峰 海波 海涛 丽萍 晓红 晓丽 雪梅 艳华 春燕 文静 雅琴 卫平 小军 小兵 "
    "子轩 梓涵 浩宇 雨桐 欣悦 俊熙 梓睿 语桐 沐宸 奕辰 若汐 一然 知夏 书瑶 芷若 "
    "宸熙 沐阳 锦瑟 星辰 乐瑶 可欣 诗琪 思彤 语嫣 梓萌 "
    "斌 鑫 帆 凯 旭 峰 琳 蕾 倩 萌 岚 菁 琦 璇 楠 骁 翔 彬 玮 珂"
).split()
_GIVEN_CHARS = "晗钰蕊瀚翊湘筠霖峻澜珺琛瑾璟昀煊祎妤婧绮苒柠蔚骏赟铎韬奕攸朔珩"


def _surname(r: random.Random) -> str:
    if r.random() < 0.08:
        return r.choice(_COMPOUND)
    names, weights = zip(*_SURNAME_WEIGHTS, strict=True)
    return r.choices(names, weights)[0]


def heldout_name(r: random.Random) -> str:
    """A held-out Chinese name: weighted surname, given name from the held-out pool."""
    x = r.random()
    if x < 0.6:
        given = r.choice(_GIVEN_WHOLE)
    elif x < 0.85:
        given = r.choice(_GIVEN_CHARS) + r.choice(_GIVEN_CHARS + "".join(_GIVEN_WHOLE))
    else:
        given = r.choice(_GIVEN_CHARS)
    return _surname(r) + given


# Frames: {n} is a name; [a, b] is chosen at random. None of these is a tuning frame.
_NAME_FRAMES = [
    "[09:41] {n}：测试环境的数据库连不上了，谁动过配置？\n",
    "参会人员：{n}、{n}、{n}\n",
    "抄送：{n}\n",
    "该需求由{n}负责跟进，下周评审。",
    "工单 #4821 已指派给{n}。",
    "值班表：周一{n}，周二{n}。\n",
    "@{n} 麻烦帮忙看一下这个报错。",
    "{n}说：“先回滚再查原因。”",
    "{n}（产品经理）确认了新的交互稿。",
    "根据{n}的建议，我们把超时改成了三十秒。",
    "{n}在代码评审中指出这里有竞态条件。",
    "Author: {n} <dev@example.org>\n",
    "# 维护者：{n}\n",
    '{{"owner": "{n}", "team": "基础架构"}}\n',
    "| {n} | 测试 | 休假 |\n",
    "审批流程：{n} → {n} → 财务\n",
    "本周最佳员工是{n}，恭喜！",
    "{n}同学的毕业论文答辩安排在下午。",
    "请联系{n}领取门禁卡。",
    "已和{n}电话确认，明天上门安装。",
    "尊敬的{n}：您好！\n",
    "我叫{n}，是新来的运维。",
]

# Technical sentences, none of them in the tuning prose.
_HELD_PROSE = [
    "前端打包时启用了摇树优化，产物体积减少了三成。",
    "这个组件在服务端渲染时会出现水合不一致的警告。",
    "节点亲和性规则让有状态服务尽量分散在不同可用区。",
    "滚动更新期间，就绪探针失败的实例不会接收流量。",
    "训练集和验证集的分布不一致，导致模型过拟合。",
    "学习率预热之后采用余弦退火，收敛更加平稳。",
    "高斯噪声可以作为数据增强的一种简单手段。",
    "马尔可夫链蒙特卡洛方法在高维空间里采样效率较低。",
    "欧拉角在万向节锁的情况下会丢失一个自由度。",
    "傅里叶变换把信号从时域转换到频域。",
    "贝叶斯优化适合在评估代价很高时搜索超参数。",
    "数据迁移分三步：双写、回填、切读。",
    "迁移脚本必须是幂等的，重复执行不能产生脏数据。",
    "单元格的合并逻辑在导出表格时出了问题。",
    "方差过大的指标不适合直接用来做告警阈值。",
    "计时器在页面切到后台时会被浏览器节流。",
    "常驻进程的内存在凌晨达到峰值后没有回落。",
    "金丝雀发布先放百分之五的流量，观察一小时。",
    "蓝绿部署需要两套完全相同的环境。",
    "柯里化让函数更容易组合，但调试栈会变深。",
    "包管理器的锁文件必须提交到仓库。",
    "向后兼容意味着旧客户端仍然可以调用新接口。",
    "全链路压测要隔离影子库，避免污染生产数据。",
    "云原生应用应该把配置和代码分开。",
    "于此同时，我们也在评估新的存储引擎。",
    "雷同的测试用例可以用参数化合并。",
    "易错的地方是时区转换和夏令时。",
    "曲率较大的路段需要降低巡航速度。",
    "黄金分割搜索适用于单峰函数。",
    "钟摆式的流量波动和定时任务有关。",
    "关卡设计文档还没有同步到知识库。",
    "何况这个接口本来就没有鉴权。",
    "相当一部分慢查询来自缺失的联合索引。",
    "高度塌陷通常是因为子元素都设置了浮动。",
    "平方根倒数的快速算法曾经很有名。",
    "连通性检查每隔十秒执行一次。",
    "管理员可以在后台重置任意用户的两步验证。",
    "史无前例的流量峰值出现在促销开始后的第一分钟。",
    "江湖上流传的优化技巧，很多已经过时。",
    "武断地增加副本数并不能解决热点问题。",
    "牛顿法在初值选得不好时可能不收敛。",
    "黎曼和可以用来近似计算定积分。",
    "香农熵衡量的是信息的不确定性。",
    "图灵完备的配置语言往往难以静态分析。",
    "冯诺依曼结构中程序和数据存放在同一存储器里。",
    "安卓端的推送到达率比苹果端低一些。",
    "温和的限流策略不会直接拒绝请求，而是排队等待。",
    "韩文和日文的分词需要不同的词典。",
    "费用中心的账单每天凌晨两点生成。",
    "石英钟的走时误差每天不到一秒。",
    "苏打绿这个配色方案在暗色模式下对比度不够。",
    "梁柱结构的建模在有限元软件里比较常见。",
    "成本分摊按照各团队的资源用量计算。",
    "宁缺毋滥，没有把握的特性先不要合入主干。",
    "古早的代码里到处是全局变量。",
    "宫格布局在小屏幕上会自动折叠成单列。",
    "晋级赛的匹配算法参考了埃洛等级分。",
    "龙骨图能帮助梳理故障的根本原因。",
    "薄膜按键的寿命测试需要一百万次按压。",
    "顾名思义，只读副本不接受写请求。",
]
_COMPONENTS = ["网关", "调度器", "索引服务", "消息总线", "对象存储", "配置中心", "鉴权模块",
               "推荐引擎", "日志管道", "搜索集群", "支付网关", "报表服务"]
_METRICS = ["错误率", "吞吐量", "尾延迟", "内存占用", "连接数", "命中率", "队列长度",
            "磁盘使用率", "重试次数", "冷启动时间"]
_CHANGES = ["上升", "下降", "翻倍", "减半", "波动", "回落"]
_TIMES = ["过去一周", "昨晚", "发布之后", "扩容以后", "高峰时段", "周末"]
_FRAMES = [
    "{c}的{m}在{t}{x}了百分之{p}。",
    "{t}{c}的{m}明显{x}，需要排查原因。",
    "建议给{c}加上{m}的监控，{t}就出过一次问题。",
    "{c}和{c2}之间的调用链路里，{m}是主要瓶颈。",
    "如果{c}的{m}持续{x}，就自动触发扩容。",
]
_NUMS = "一二三四五六七八九十"


def heldout_name_corpus(seed: int = 1021, n: int = 400) -> list[Doc]:
    """About ``n`` held-out names in 22 frames, labelled ``ZH_PERSON``."""
    r = random.Random(seed)
    docs: list[Doc] = []
    count = 0
    while count < n:
        doc = Doc("zh-names-heldout")
        for _ in range(3):
            frame = r.choice(_NAME_FRAMES).replace("{{", "{").replace("}}", "}")
            pieces = frame.split("{n}")
            for i, piece in enumerate(pieces):
                doc.add(piece)
                if i < len(pieces) - 1:
                    doc.value(heldout_name(r), "ZH_PERSON", "name")
                    count += 1
            doc.add(r.choice(_HELD_PROSE) + "\n")
        docs.append(doc)
    return docs


# Real province / city / district triples (municipalities have no city level).
_PLACES = [tuple("" if x == "-" else x for x in t.split("/")) for t in (
    "江苏省/南京市/鼓楼区 浙江省/杭州市/西湖区 广东省/广州市/天河区 "
    "湖北省/武汉市/洪山区 陕西省/西安市/雁塔区 山东省/青岛市/市南区 "
    "福建省/厦门市/思明区 辽宁省/大连市/甘井子区 云南省/昆明市/五华区 "
    "河南省/郑州市/金水区 湖南省/长沙市/岳麓区 黑龙江省/哈尔滨市/南岗区 "
    "广西壮族自治区/南宁市/青秀区 新疆维吾尔自治区/乌鲁木齐市/天山区 "
    "内蒙古自治区/呼和浩特市/赛罕区 安徽省/合肥市/蜀山区 "
    "江西省/南昌市/红谷滩区 贵州省/贵阳市/观山湖区 甘肃省/兰州市/城关区 "
    "吉林省/长春市/朝阳区 河北省/石家庄市/裕华区 山西省/太原市/小店区 "
    "海南省/海口市/美兰区 四川省/绵阳市/涪城区 广东省/东莞市/松山湖 "
    "-/上海市/浦东新区 -/上海市/徐汇区 -/北京市/海淀区 -/北京市/东城区 "
    "-/天津市/南开区 -/重庆市/渝北区"
).split()]
_COUNTIES = [("浙江省", "金华市", "义乌市"), ("江苏省", "苏州市", "昆山市"),
             ("河北省", "保定市", "涿州市"), ("四川省", "成都市", "郫都区"),
             ("湖南省", "湘西土家族苗族自治州", "凤凰县"), ("云南省", "大理白族自治州", "大理市")]
_ROADS = ["中关村大街", "文三路", "五一路", "珞喻路", "二环路", "长江中路", "解放大道",
          "漕溪北路", "沿江大道", "科华北路", "华夏路", "体育西路", "黄河路", "湖滨南路",
          "东二环", "金桥路", "丽泽路", "汉中路", "朝阳门北大街", "滨江大道"]
_TOWERS = ["国贸大厦", "环球中心", "创新大厦", "数码港", "银泰中心", "星光广场", "智慧谷",
           "未来科技城"]
_TOWNS = ["玉山镇", "石湖镇", "长安镇", "龙华镇", "周庄镇"]
_VILLAGES = ["新华村", "前进村", "杨家村", "桃园村", "东湖村"]
_STREETS = ["清河街道", "望京街道", "五里墩街道", "南湖街道"]
_HUTONGS = ["南锣鼓巷", "菊儿胡同", "帽儿胡同", "东四三条"]


def heldout_address(r: random.Random) -> str:
    """A held-out address in one of 10 forms."""
    prov, city, dist = r.choice(_PLACES)
    road = r.choice(_ROADS)
    num = f"{r.randint(1, 1200)}号"
    form = r.randrange(10)
    if form == 0:  # Shanghai lane: 路 + 弄 + 号 + 室
        return (f"{city}{dist}{road}{r.randint(1, 999)}弄{r.randint(1, 60)}号"
                f"{r.randint(101, 2302)}室")
    if form == 1:  # courtyard: 号院 + 号楼 + 单元 + room
        return (f"{city}{dist}{road}{r.randint(1, 99)}号院{r.randint(1, 20)}号楼"
                f"{r.randint(1, 5)}单元{r.randint(101, 1802)}")
    if form == 2:  # hutong
        return f"北京市东城区{r.choice(_HUTONGS)}{r.randint(1, 120)}号"
    if form == 3:  # town, village, group
        p, c, county = r.choice(_COUNTIES)
        return f"{p}{c}{county}{r.choice(_TOWNS)}{r.choice(_VILLAGES)}{r.randint(1, 12)}组"
    if form == 4:  # sub-district + road
        return f"{city}{dist}{r.choice(_STREETS)}{road}{num}"
    if form == 5:  # office tower
        return (f"{prov}{city}{dist}{road}{num}{r.choice(_TOWERS)}{r.choice('ABC')}座"
                f"{r.randint(5, 40)}层")
    if form == 6:  # full with building and room
        return (f"{prov}{city}{dist}{road}{num}{r.randint(1, 28)}幢"
                f"{r.randint(1, 4)}单元{r.randint(2, 30)}0{r.randint(1, 6)}室")
    if form == 7:  # county-level city
        p, c, county = r.choice(_COUNTIES)
        return f"{p}{county}{road}{num}"
    if form == 8:  # short: district + road + number + room
        return f"{dist}{road}{num}{r.randint(1, 30)}楼"
    return f"{prov}{city}{dist}{road}{num}"  # full, no building


_ADDR_FRAMES = [
    "快递地址填的是{a}，麻烦改一下。",
    "发货地：{a}\n",
    "注册地址为{a}。",
    "门店地址 - {a}\n",
    "shipping_address: {a}\n",
    "上周搬到了{a}，旧地址作废。",
    "合同上的通讯地址：{a}；邮编{p}。",
    "<td>{a}</td>\n",
    "INSERT INTO stores (addr) VALUES ('{a}');\n",
    "导航到{a}，车停地下二层。",
]


def heldout_address_corpus(seed: int = 1031, n: int = 300) -> list[Doc]:
    """``n`` held-out addresses in 10 frames, three per document, labelled ``ZH_ADDRESS``."""
    r = random.Random(seed)
    docs = []
    for _ in range(n // 3):
        doc = Doc("zh-address-heldout")
        for _ in range(3):
            before, after = r.choice(_ADDR_FRAMES).split("{a}")
            doc.add(before)
            doc.value(heldout_address(r), "ZH_ADDRESS", "address")
            doc.add(after.replace("{p}", str(r.randint(100000, 859999)))
                    + r.choice(_HELD_PROSE) + "\n")
        docs.append(doc)
    return docs


def _framed(r: random.Random) -> str:
    c, c2 = r.sample(_COMPONENTS, 2)
    return r.choice(_FRAMES).format(c=c, c2=c2, m=r.choice(_METRICS), t=r.choice(_TIMES),
                                    x=r.choice(_CHANGES), p=r.choice(_NUMS) + "十")


def heldout_prose_corpus(seed: int = 1041, size: int = 60_000) -> str:
    """Held-out Chinese technical prose without personal data, about ``size`` characters."""
    r = random.Random(seed)
    out: list[str] = []
    n = 0
    while n < size:
        para = "".join(r.choice(_HELD_PROSE) if r.random() < 0.5 else _framed(r)
                       for _ in range(r.randint(2, 6))) + "\n\n"
        out.append(para)
        n += len(para)
    return "".join(out)
