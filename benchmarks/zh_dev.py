"""Development Chinese data: a third generator, independent of the tuning and held-out ones.

``zh_corpus`` is what the detector was tuned on and ``zh_heldout`` is kept for a final,
once-only check; this module is what detector changes are developed against, so that the
held-out figures stay a fair measure. It shares no sentence frame, prose sentence, name
list, place or road with either of them, and draws its names another way:

* Surnames: 70% from a list of frequent modern surnames written out here in rough order of
  frequency (drawn with Zipf-like weights), 30% uniformly from the whole *Hundred Family
  Surnames* (百家姓, 444 single and 60 compound surnames, many of them rare today).
* Given names: one or two characters drawn from a character-frequency table written here
  (characters in tiers of how often parents pick them), or (one in five) a given name that
  is an ordinary word (和平, 胜利, 海洋 ...), as whole generations of parents chose.
* Prose without personal data: technical text on other topics (compilers, networking,
  storage engines, security, numerical methods, hardware), dense with transliterated
  foreign names used as terms (冯·诺依曼, 图灵, 香农, 戴克斯特拉 ...), everyday words that
  start with a surname character (高铁, 石化, 毛衣, 金鱼 ...) and words that start with a
  compound surname (第五代, 百里挑一, 东方, 南门出口, 司空见惯).
* Prose built to trip the person-cue rules (``dev_cue_prose_corpus``): technical nouns,
  many starting with a surname character, as subjects of the verbs that cue a person.
* Addresses: places written here (development zones, industrial parks, university towns,
  lanes and numbered buildings) in eight forms.

All values are synthetic combinations; no phone, ID or card number is planted.
"""

from __future__ import annotations

import random

from detection_corpus import Doc

__all__ = ["dev_address_corpus", "dev_cue_prose_corpus", "dev_name", "dev_name_corpus",
           "dev_prose_corpus"]

# The Hundred Family Surnames, in its traditional order (single, then compound).
_BAIJIAXING = (
    "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜戚谢邹喻柏水窦章"
    "云苏潘葛奚范彭郎鲁韦昌马苗凤花方俞任袁柳酆鲍史唐费廉岑薛雷贺倪汤滕殷罗毕郝邬安常"
    "乐于时傅皮卞齐康伍余元卜顾孟平黄和穆萧尹姚邵湛汪祁毛禹狄米贝明臧计伏成戴谈宋茅庞"
    "熊纪舒屈项祝董梁杜阮蓝闵席季麻强贾路娄危江童颜郭梅盛林刁钟徐邱骆高夏蔡田樊胡凌霍"
    "虞万支柯昝管卢莫经房裘缪干解应宗丁宣贲邓郁单杭洪包诸左石崔吉钮龚程嵇邢滑裴陆荣翁"
    "荀羊於惠甄曲家封芮羿储靳汲邴糜松井段富巫乌焦巴弓牧隗山谷车侯宓蓬全郗班仰秋仲伊宫"
    "宁仇栾暴甘钭厉戎祖武符刘景詹束龙叶幸司韶郜黎蓟薄印宿白怀蒲邰从鄂索咸籍赖卓蔺屠蒙"
    "池乔阴郁胥能苍双闻莘党翟谭贡劳逄姬申扶堵冉宰郦雍郤璩桑桂濮牛寿通边扈燕冀郏浦尚农"
    "温别庄晏柴瞿阎充慕连茹习宦艾鱼容向古易慎戈廖庾终暨居衡步都耿满弘匡国文寇广禄阙东"
    "欧殳沃利蔚越夔隆师巩厍聂晁勾敖融冷訾辛阚那简饶空曾毋沙乜养鞠须丰巢关蒯相查后荆红"
    "游竺权逯盖益桓公晋楚闫法汝鄢涂钦岳帅缑亢况郈有琴商佘佴伯赏墨哈谯笪年爱阳佟言福")
_BAIJIAXING_COMPOUND = (
    "万俟 司马 上官 欧阳 夏侯 诸葛 闻人 东方 赫连 皇甫 尉迟 公羊 澹台 公冶 宗政 濮阳 淳于 "
    "单于 太叔 申屠 公孙 仲孙 轩辕 令狐 钟离 宇文 长孙 慕容 鲜于 闾丘 司徒 司空 亓官 司寇 "
    "仉督 子车 颛孙 端木 巫马 公西 漆雕 乐正 壤驷 公良 拓跋 夹谷 宰父 谷梁 段干 百里 东郭 "
    "南门 呼延 归海 羊舌 微生 梁丘 左丘 东门 西门 商牟 南宫 第五").split()
_SINGLE = list(dict.fromkeys(_BAIJIAXING))
# Frequent modern surnames, roughly most common first (drawn with weight 1/rank).
_FREQUENT = list(dict.fromkeys(
    "王李张刘陈杨黄赵周吴徐孙朱马胡郭林何高梁郑罗宋谢唐韩曹许邓萧冯曾程蔡彭潘袁于董余苏"
    "叶吕魏蒋田杜丁沈姜范江傅钟卢汪戴崔任陆廖姚方金邱夏谭韦贾邹石熊孟秦阎薛侯雷白龙段郝"
    "孔邵史毛常万顾赖武康贺严尹钱施牛洪龚"))
_FREQ_WEIGHTS = [1 / (i + 1) for i in range(len(_FREQUENT))]

# Given-name characters by how often parents pick them: tier weight, characters.
_GIVEN_TIERS = [
    (8, "华明国英玉红文军志建平秀丽春海金兰林芳云"),
    (4, "晓永立德光成美凤桂宏福荣新亮东庆峰雪梅霞燕"),
    (2, "思子宇欣佳雨嘉梓怡浩俊博瑞轩涵泽诗雅睿昊晨"),
    (1, "彦骏韵婉瑜珊璇翠琼湘蓉禾朗恺璋煦霏濛曜桐苓"),
]
_GIVEN_CHARS = "".join(c for _, cs in _GIVEN_TIERS for c in cs)
_GIVEN_WEIGHTS = [w for w, cs in _GIVEN_TIERS for _ in cs]
# Given names that are ordinary words.
_WORD_GIVEN = ("和平 胜利 海洋 光明 前进 解放 建军 利民 东升 朝阳 春雷 秋实 冬青 大海 金花 "
               "红霞 彩霞 国强 自强 先锋 宏图 平安 吉祥 如意 天明 文明 安康 青松 春风 海燕 "
               "雪松 立新 团结 奋斗 兴旺 富贵 长江 泰山 晓光 新民").split()


def dev_name(r: random.Random) -> str:
    """A development-set Chinese name (see the module docstring for how it is drawn)."""
    if r.random() < 0.7:
        surname = r.choices(_FREQUENT, _FREQ_WEIGHTS)[0]
    elif r.random() < 0.85:
        surname = r.choice(_SINGLE)
    else:
        surname = r.choice(_BAIJIAXING_COMPOUND)
    if r.random() < 0.2:
        given = r.choice(_WORD_GIVEN)
    else:
        k = 1 if r.random() < 0.3 else 2
        given = "".join(r.choices(_GIVEN_CHARS, _GIVEN_WEIGHTS, k=k))
    return surname + given


# Frames: {n} is a name. None of these is a tuning or held-out frame.
_NAME_FRAMES = [
    "【工单】提交人：{n}　优先级：高\n",
    "{n}在周会上提出要拆分单体服务。",
    "致电客服的{n}表示退款还没有到账。",
    "这个模块以前是{n}写的，现在没人维护。",
    "发件人：{n}\n主题：关于接口变更的通知\n",
    "群公告：本周由{n}值守线上告警。",
    "{n}、{n}两位同事负责这轮压测。",
    "面试官：{n}　候选人：{n}\n",
    "签到表\n1. {n}\n2. {n}\n",
    "—— 摘自{n}的技术分享\n",
    "问：{n}，你那边的部署进度怎么样？\n",
    "commit 3f9a2c1\n作者: {n}\n",
    "INSERT INTO 员工 VALUES (7, '{n}', '测试部');\n",
    "{n}师兄毕业后去了一家初创公司。",
    "多亏{n}帮忙，问题终于定位了。",
    "<td>{n}</td><td>运维</td>\n",
    "{n}请假三天，工作暂由{n}代理。",
    "# 维护者：{n}\n",
    "据{n}介绍，新版本的启动时间缩短了一半。",
    "{n}回复说明天上午可以联调。",
]

# Technical prose without personal data (own topics; see the module docstring).
_DEV_PROSE = [
    "冯·诺依曼结构把程序和数据放在同一块存储器里。",
    "冯诺依曼瓶颈指的是处理器和内存之间的带宽限制。",
    "图灵机是一个抽象的计算模型，停机问题在它上面不可判定。",
    "香农熵给出了无损压缩的理论下限。",
    "戴克斯特拉算法不能处理带负权的边。",
    "贝尔曼-福特算法可以检测负权回路。",
    "克鲁斯卡尔算法和普里姆算法都能求最小生成树。",
    "弗洛伊德算法的时间复杂度是立方级的。",
    "霍夫曼编码按照符号出现的频率构造前缀码。",
    "哈希表冲突时可以用开放寻址或者链地址法解决。",
    "布隆过滤器可能误判存在，但不会漏判。",
    "默克尔树让区块的校验只需要对数级的数据。",
    "迪菲-赫尔曼密钥交换依赖离散对数问题的困难性。",
    "拉格朗日插值在节点很多时会出现龙格现象。",
    "牛顿法收敛很快，但对初值比较敏感。",
    "切比雪夫不等式对任意分布都成立。",
    "皮尔逊相关系数只衡量线性关系。",
    "斯皮尔曼秩相关对异常值更稳健。",
    "蒙特卡洛方法用随机采样来近似积分。",
    "雅可比迭代和高斯-赛德尔迭代都用于求解线性方程组。",
    "汉明距离统计两个等长字符串中不同位置的个数。",
    "莱文斯坦距离允许插入、删除和替换三种操作。",
    "乔姆斯基范式要求每条产生式的右边最多两个符号。",
    "巴克斯范式常用来描述编程语言的语法。",
    "柯里化把多参数函数变成一串单参数函数。",
    "丘奇编码用函数来表示自然数。",
    "康威定律说系统的结构会反映组织的沟通结构。",
    "帕累托法则在性能优化中同样适用。",
    "阿姆达尔定律限制了并行化能带来的加速比。",
    "莫比乌斯反演在数论里经常用到。",
    "范德蒙德矩阵在多项式插值中出现。",
    "龙格-库塔方法是求解常微分方程的常用数值方法。",
    "施特拉森算法降低了矩阵乘法的渐近复杂度。",
    "卢恩算法用来校验银行卡号的最后一位。",
    "米勒-拉宾素性测试是一种概率算法。",
    "庞特里亚金极大值原理用于最优控制。",
    "第五代移动通信网络的时延比上一代低很多。",
    "这是第五个候选版本，仍然有回归问题。",
    "新人里能独立排查线上故障的，简直百里挑一。",
    "东方的数据中心在夜间负载最低。",
    "请从南门出口进入机房，东门暂不开放。",
    "这种超时在分布式系统里司空见惯。",
    "西门子的工控设备使用私有协议。",
    "高铁上的网络信号不稳定，视频会议经常断线。",
    "石化行业的工控系统很少直接连公网。",
    "机房太冷，值班的人都穿着毛衣。",
    "金鱼的记忆只有七秒只是个传说。",
    "黄昏时分的日志量只有白天的一半。",
    "毛衣、手套这些库存在冬季促销前要补齐。",
    "汤圆和月饼的订单在节前集中爆发。",
    "温和的限流策略不会直接拒绝请求。",
    "常态化压测能提前暴露容量问题。",
    "明亮的主题在户外阅读时更清楚。",
    "平板电脑上的布局需要单独适配。",
    "钟摆式的发布节奏让大家都很疲惫。",
    "方块图标在不同分辨率下容易模糊。",
    "程控交换机早就被分组交换取代了。",
    "何等复杂的系统都可以拆成小模块。",
    "田径场的计时系统精确到毫秒。",
    "孙辈们教老人用手机支付。",
    "朱砂色的按钮在暗色主题下不够醒目。",
    "胡萝卜加大棒的管理方式不适合研发团队。",
    "罗马数字在页码里还很常见。",
    "卢浮宫的在线导览用了三维重建技术。",
    "林地火灾监测依赖卫星遥感数据。",
    "马桶盖上的传感器也成了物联网设备。",
    "周到的错误提示能减少很多客服工单。",
    "贺岁档的票务系统每年都要扩容。",
    "易燃易爆物品的仓储数据需要单独审计。",
    "宣讲会结束后，报名人数翻了一倍。",
    "宁愿多花一天写测试，也不要线上出事故。",
    "尚可接受的延迟上限是两百毫秒。",
    "应急预案每个季度都要演练一次。",
    "单调栈可以在线性时间内求出下一个更大元素。",
    "简约的界面不等于功能少。",
    "向往稳定的团队更喜欢长期支持版本。",
    "管辖范围内的节点由区域控制器统一调度。",
    "连带责任条款需要法务再看一遍。",
    "范畴论在函数式编程社区很流行。",
    "余晖模式下屏幕会降低蓝光。",
    "乐意帮忙的同事越多，新人上手越快。",
    "雷诺数决定了流体是层流还是湍流。",
    "康托尔对角线论证说明实数不可数。",
    "罗尔定理是微分中值定理的特例。",
    "孟德尔随机化用遗传变异做工具变量。",
    "汤普森采样是多臂老虎机问题的一种解法。",
    "柏拉图式的理想架构在现实中很少见。",
    "詹森不等式对凸函数成立。",
    "齐普夫定律描述了词频和排名的关系。",
    "赫夫曼树的带权路径长度最短。",
    "霍纳法则减少了多项式求值的乘法次数。",
    "施瓦茨不等式在向量空间里处处可见。",
    "贾卡德系数衡量两个集合的相似程度。",
    "邱奇-图灵论题至今没有被证伪。",
]

_DEV_PARTS = {
    "x": ["编译器前端", "寄存器分配器", "链接器", "路由表", "拥塞控制模块", "存储引擎",
          "预写日志", "压缩线程", "证书校验", "沙箱进程", "固件更新程序", "驱动程序"],
    "sym": ["段错误", "栈溢出", "丢包", "写放大", "页面抖动", "时钟漂移", "握手失败"],
    "fix": ["关闭内联优化", "调小窗口", "增加预读", "换用无锁队列", "固定核心亲和性"],
    "cond": ["冷启动", "断网重连", "磁盘写满", "跨机房复制", "固件降级"],
}
_DEV_FRAMES = [
    "{x}在{cond}时会出现{sym}。",
    "为了解决{x}的{sym}，我们尝试了{fix}。",
    "{cond}之后，{x}的{sym}消失了。",
    "{fix}以后，{x}和{y}都稳定了。",
    "{x}的{sym}往往是{y}引起的。",
]


def _dev_framed(r: random.Random) -> str:
    x, y = r.sample(_DEV_PARTS["x"], 2)
    return r.choice(_DEV_FRAMES).format(x=x, y=y, **{k: r.choice(v) for k, v in
                                                     _DEV_PARTS.items() if k != "x"})


def dev_name_corpus(seed: int = 2021, n: int = 400) -> list[Doc]:
    """About ``n`` development names in 20 frames, labelled ``ZH_PERSON``."""
    r = random.Random(seed)
    docs: list[Doc] = []
    count = 0
    while count < n:
        doc = Doc("zh-names-dev")
        for _ in range(3):
            pieces = r.choice(_NAME_FRAMES).split("{n}")
            for i, piece in enumerate(pieces):
                doc.add(piece)
                if i < len(pieces) - 1:
                    doc.value(dev_name(r), "ZH_PERSON", "name")
                    count += 1
            doc.add(r.choice(_DEV_PROSE) + "\n")
        docs.append(doc)
    return docs


def dev_prose_corpus(seed: int = 2041, size: int = 60_000) -> str:
    """Technical prose without personal data, about ``size`` characters (half fixed
    sentences, half filled frames)."""
    r = random.Random(seed)
    out: list[str] = []
    n = 0
    while n < size:
        para = "".join(r.choice(_DEV_PROSE) if r.random() < 0.5 else _dev_framed(r)
                       for _ in range(r.randint(2, 6))) + "\n\n"
        out.append(para)
        n += len(para)
    return "".join(out)


# Places: province, city, district (municipalities have none at the city level).
_DEV_PLACES = [
    ("河北省", "石家庄市", "裕华区"), ("山西省", "太原市", "小店区"),
    ("辽宁省", "大连市", "甘井子区"), ("吉林省", "长春市", "朝阳区"),
    ("安徽省", "合肥市", "蜀山区"), ("福建省", "厦门市", "思明区"),
    ("江西省", "南昌市", "红谷滩区"), ("山东省", "青岛市", "崂山区"),
    ("河南省", "郑州市", "金水区"), ("湖南省", "长沙市", "岳麓区"),
    ("广东省", "东莞市", "松山湖"), ("贵州省", "贵阳市", "观山湖区"),
    ("云南省", "昆明市", "五华区"), ("陕西省", "西安市", "雁塔区"),
    ("", "天津市", "滨海新区"), ("", "重庆市", "渝北区"),
    ("海南省", "海口市", "龙华区"), ("黑龙江省", "哈尔滨市", "南岗区"),
]
_DEV_ROADS = ["高新四路", "锦业一路", "梧桐大道", "青年大街", "滨海大道", "创业路", "学苑路",
              "丝路大道", "观澜路", "九龙大道", "香樟路", "桂花巷"]
_DEV_PARKS = ["经济技术开发区", "软件产业园", "大学城", "保税区", "光电产业园"]
_DEV_BUILDINGS = ["创智大厦", "云谷中心", "翠微苑", "书香园", "金桥公寓", "科创港"]


def dev_address(r: random.Random) -> str:
    """A development-set address in one of twelve forms (towns and villages, industrial parks,
    栋-单元-室 shorthand and 号院 added in the third round)."""
    prov, city, dist = r.choice(_DEV_PLACES)
    road = r.choice(_DEV_ROADS)
    num = f"{r.randint(2, 888)}号"
    bld = r.choice(_DEV_BUILDINGS)
    tower = f"{r.randint(1, 18)}号楼"
    room = f"{r.randint(2, 28)}0{r.randint(1, 9)}室"
    form = r.randrange(12)
    if form == 0:
        return prov + city + dist + road + num
    if form == 1:
        return city + dist + road + num + bld + tower + room
    if form == 2:
        return prov + city + r.choice(_DEV_PARKS) + road + num
    if form == 3:
        return dist + road + num + bld + f"{r.choice('ABC')}座{r.randint(3, 30)}层"
    if form == 4:
        return city + dist + road + f"{r.randint(2, 60)}弄{r.randint(1, 40)}号{room}"
    if form == 5:
        return prov + city + dist + road + num + f"{r.randint(1, 5)}单元{room}"
    if form == 6:
        return city + road + num + bld
    if form == 8:  # town + village + group (digits or Chinese numerals)
        group = r.choice(["一", "二", "五", "十一", str(r.randint(1, 15))])
        return prov + city + dist + r.choice(_DEV_TOWNS) + r.choice(_DEV_VILLAGES) + group + "组"
    if form == 9:  # industrial park + plant
        return prov + city + dist + r.choice(_DEV_IPARKS) + f"{r.randint(1, 30)}号厂房"
    if form == 10:  # residential compound + 栋-单元-室 shorthand
        return (city + dist + r.choice(_DEV_COMPOUNDS)
                + f"{r.randint(1, 40)}-{r.randint(1, 6)}-{r.randint(1, 32)}0{r.randint(1, 4)}")
    if form == 11:  # 号院 + building + door
        return (city + dist + road
                + f"{r.randint(1, 99)}号院{r.randint(1, 12)}号楼{r.randint(1, 4)}门")
    return prov + city + dist + road + "与" + r.choice(_DEV_ROADS) + "交叉口" + bld


_DEV_TOWNS = ["石桥镇", "双河镇", "白沙乡", "古城镇"]
_DEV_VILLAGES = ["杨柳村", "东岗村", "高家村", "新民村"]
_DEV_IPARKS = ["精工产业园", "新材料工业园", "光电科技园", "生物医药产业园"]
_DEV_COMPOUNDS = ["碧水花园", "康乐小区", "金桂家园", "枫林苑"]


_ADDR_FRAMES = [
    "新办公室搬到了{a}，下周一起生效。",
    "退货请寄回{a}，并注明订单号。",
    "注册地址：{a}\n",
    "【到货通知】您的包裹已到达{a}的驿站。",
    "<address>{a}</address>\n",
    "location = \"{a}\"\n",
    "面试地点在{a}，请提前十分钟到。",
    "发票抬头和{a}这个地址不一致，请核对。",
]


def dev_address_corpus(seed: int = 2031, n: int = 300) -> list[Doc]:
    """About ``n`` development addresses in 8 frames, labelled ``ZH_ADDRESS``."""
    r = random.Random(seed)
    docs: list[Doc] = []
    for _ in range(max(1, n // 3)):
        doc = Doc("zh-address-dev")
        for _ in range(3):
            before, after = r.choice(_ADDR_FRAMES).split("{a}")
            doc.add(before)
            doc.value(dev_address(r), "ZH_ADDRESS", "address")
            doc.add(after + r.choice(_DEV_PROSE) + "\n")
        docs.append(doc)
    return docs


# Technical nouns, many starting with a surname character (rare ones of the 百家姓 too), as
# subjects and objects of the very verbs and words that cue a person (X 表示, 由 X 负责,
# X 在 ... 提出, 多亏 X): the hardest prose for the person-cue rules.
_CUE_NOUNS = (
    "后端服务 东区集群 红队 山区节点 水位线 双写方案 通知中心 空闲连接 有序集合 法务系统 年报 "
    "福利平台 言论审核 能耗监控 广告引擎 越权检查 终端设备 充电桩 养护系统 须知页面 松耦合设计 "
    "秋季大促 家庭版 鱼骨图 步进电机 高可用方案 明细账 安全网关 时钟源 成本中心 全链路压测 "
    "应用层 单测 管理后台 连接池 简报 万兆网卡 范围查询 向量库 云盘 国密算法 司库系统 路由器 "
    "支付网关 卫星链路 花名册 华东区 相机模块 门禁系统 普查数据 信令 元数据 富文本 利润表 "
    "包管理器 左值 解码器 强缓存 关系库 曲线拟合 游标 车联网 项目组 景深 宫格布局 冷备 席位管理 "
    "边车 商户号 沙盒 荣誉榜 桑基图 封包 乐观锁 南向接口 储能 原型 印章 危化品 银联通道 智能体 "
    "章节 路径 相位 门限 信道 元组 左连接 解析器 强引用 段表 关键帧 严格模式 曲率 游戏引擎 "
    "车道线 冷数据 全栈 边界 商城 封面 储值卡 原子操作 银行卡 金丝雀发布 马赛克 黄金分割 赵州桥 "
    "唐诗 宋词 韩文 荣耀 朱砂 许可证").split()
_CUE_FRAMES = [
    "{x}在{w}提出了新的告警。", "{x}表示为一个三元组。", "{x}说明了问题的根源。", "{x}回复超时了。",
    "{x}负责转发请求。", "{x}的介绍页已经更新。", "{x}配合{y}完成迁移。", "{x}代理了所有出站流量。",
    "由{x}负责限流。", "据{x}统计，错误率下降了。", "多亏{x}，故障很快恢复。",
    "这次故障是{x}引起的。",
    "{x}写入失败。", "{x}确认收到消息。", "{x}建议扩容。", "{x}提交了任务。", "{x}通知下游。",
    "{x}、{y}两个模块都要改。", "{x}在{w}说没有权限。", "问题出在{x}和{y}之间。",
    "{x}表示层的代码很乱。", "找{x}要日志。", "{x}认为这是误报。", "{x}反馈的数据有延迟。",
]
_CUE_WHEN = "凌晨 上线后 压测时 周末 大促期间 重启以后 昨天".split()


def dev_cue_prose_corpus(seed: int = 2051, size: int = 60_000) -> str:
    """Technical prose without personal data built to trip person-cue rules (see above)."""
    r = random.Random(seed)
    out: list[str] = []
    n = 0
    while n < size:
        x, y = r.sample(_CUE_NOUNS, 2)
        para = "".join(r.choice(_CUE_FRAMES).format(x=x, y=y, w=r.choice(_CUE_WHEN))
                       for _ in range(4)) + "\n"
        out.append(para)
        n += len(para)
    return "".join(out)
