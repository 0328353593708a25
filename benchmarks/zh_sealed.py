"""Sealed Chinese data: a fourth generator, written from scratch and measured only at the end.

The older held-out generator (``zh_heldout``) was measured several times while the detector
changed, so it is slightly worn. This one was written before the round of changes it
judges, and is only run with ``benchmarks/detection.py --chinese --sealed`` once or twice at
the end of a round; never print its misses or false findings while tuning. It shares no
name pool, sentence frame, prose sentence, place or road with ``zh_corpus``, ``zh_dev`` or
``zh_heldout``, and draws from none of the sources the detector reads (jieba's dictionary,
Faker's lists, ngender's character counts):

* Surnames: written out here by region (northern, Cantonese, Fujianese, Sichuanese ...)
  with hand-set weights, plus ten compound surnames and a few rare modern ones.
* Given names: written out here by generation (1950s 国庆/卫红, 1980s 丽娟/剑锋, 1990s
  佳琪/博文, 2010s 一诺/沐辰), single-character names, and two-character names drawn from a
  separate character pool.
* Document shapes (12): chat exports (name line, then time), meeting minutes, email
  greeting and signature, Markdown tables, JSON records, Reviewed-by / Co-authored-by
  trailers, customer-service transcripts, news-style reports, ticket history lines, code
  comments and test asserts, thank-you lists and everyday running text.
* Prose: topics no other generator has (game engines, audio/video, mobile apps, embedded
  and IoT, search ranking, localisation, e-commerce operations, data governance), with
  Chinese product and company names (高德地图, 金蝶, 龙芯 ...), eponymous terms (卡尔曼
  滤波, 维特比算法, 奈奎斯特频率) and everyday words that start with a surname character.
* Addresses: places written here in nine forms (autonomous prefectures, development zones,
  residential compounds, industrial parks, towns, crossroads), with postcodes.

All values are synthetic combinations; no phone, ID or card number is planted.
"""

from __future__ import annotations

import random

from detection_corpus import Doc

__all__ = ["sealed_address_corpus", "sealed_name", "sealed_name_corpus",
           "sealed_prose_corpus"]

# (weight, surnames): hand-set weights by how often the surnames are met, grouped by region.
_SURNAME_TIERS = [
    (10, "王李张刘陈杨"),
    (6, "黄赵周吴徐孙"),
    (4, "朱马胡郭林何高罗郑梁谢宋"),
    (3, "唐许邓冯韩曹曾彭萧蔡潘田董袁于余叶蒋杜苏魏程吕丁沈任姚卢钟姜崔谭"),
    (2, "陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万"),
    (1, "钱覃武戴孔汤庞樊兰殷施翟倪严牛芦季俞章鲁葛伍聂焦向柳邢岳齐沙"),
    # Cantonese, Fujianese, Hakka and other regional surnames.
    (1, "冼邝区麦岑植甘巫利欧关骆温练钮柯庄卓辜游涂阮洪蓝"),
    # Less frequent but real modern surnames.
    (1, "揭谌蒯佘邬晏蔺栾鞠仉郇逄阚亓綦禤訾"),
]
_SURNAMES = [s for _, cs in _SURNAME_TIERS for s in cs]
_SURNAME_W = [w for w, cs in _SURNAME_TIERS for _ in cs]
_COMPOUND = ["欧阳", "诸葛", "司马", "上官", "皇甫", "尉迟", "慕容", "令狐", "呼延", "端木"]

# Given names by generation, written out whole.
_GIVEN_BY_GENERATION = (
    # 1950s-60s
    "国庆 卫红 永红 爱华 桂兰 秀珍 淑贞 玉梅 凤琴 德兴 宝林 长青 玉林 明德 树森 志远 金宝 "
    "银凤 新华 红卫 建英 秀云 凤霞 振东 "
    # 1970s-80s
    "晓燕 丽娟 海燕 志强 建军 文斌 海鹰 立伟 春梅 红霞 丽华 伟东 国华 雪莲 玉洁 剑锋 振华 "
    "永刚 晓明 秀梅 亚军 卫星 宏伟 春燕 "
    # 1990s
    "佳琪 嘉欣 思远 博文 天宇 雨婷 婷婷 晶晶 一鸣 子豪 梦琪 雅婷 佳怡 文博 俊杰 家豪 欣然 "
    "紫涵 浩然 昊天 "
    # 2000s-2010s
    "一诺 梓萱 沐辰 若曦 依诺 语汐 锦程 宥辰 芊芊 诗涵 梓豪 子墨 奕泽 思琪 可馨 安琪 昕怡 "
    "皓轩 宸睿 "
    # one character
    "伟 磊 勇 静 丽 敏 娜 军 涛 强 俊 杰 燕 霞 鹏 波 辉 刚 颖 蕾"
).split()
# Characters for drawn two-character names (not another generator's pool).
_GIVEN_POOL = "旻暄煜晟弈恒岩峥骋琨璐瑶婕菡薇萱妍慧灿钧铭渊翔锐哲澄潇琳莹蓓霄彤"


def sealed_name(r: random.Random) -> str:
    """A sealed-set Chinese name (see the module docstring for how it is drawn)."""
    surname = r.choice(_COMPOUND) if r.random() < 0.06 else r.choices(_SURNAMES, _SURNAME_W)[0]
    if r.random() < 0.7:
        return surname + r.choice(_GIVEN_BY_GENERATION)
    return surname + "".join(r.sample(_GIVEN_POOL, 2))


# Frames: {n} is a name. Twelve document shapes, none of them another generator's frame.
_NAME_FRAMES = [
    # chat export: the name on its own line, then a time
    "{n}  2026-03-14 10:22\n今天的站会改到下午三点。\n",
    "{n} 09:05\n收到，我马上看。\n",
    # meeting minutes
    "会议纪要\n主持：{n}\n记录：{n}\n出席：{n}、{n}\n",
    "议题二由{n}汇报，{n}补充了压测数据。",
    # email greeting and signature
    "{n}，你好：\n附件是本月的对账单，请查收。\n祝好\n{n}\n",
    "Hi {n}，\n周五的发布窗口可以吗？\n",
    # Markdown table
    "| 支付 | {n} | 进行中 |\n",
    "| 模块 | 负责人 |\n| --- | --- |\n| 搜索 | {n} |\n",
    # JSON records
    '[{{"id": 17, "reviewer": "{n}", "dept": "研发"}}]\n',
    '{{"assignee": "{n}", "labels": ["bug"]}}\n',
    # commit trailers
    "Reviewed-by: {n}\n",
    "Co-authored-by: {n} <dev@example.org>\n",
    # customer-service transcript
    "客服：您好，请问是{n}女士吗？\n用户：是的。\n",
    "坐席{n}为您服务，请问有什么可以帮您？\n",
    # news style
    "据悉，{n}自2019年起担任该公司首席技术官。",
    "{n}在发布会上透露，新机型将于下月开售。",
    # ticket history
    "{n} 将状态从“处理中”改为“已解决”\n",
    "{n} 评论：复现步骤已补充。\n",
    # code comments and tests
    "// TODO({n}): 这里的重试逻辑需要改成指数退避\n",
    'assert user.display_name == "{n}"\n',
    # thank-you lists
    "特别感谢{n}、{n}、{n}对本项目的贡献。",
    # everyday running text
    "这次迁移多亏了{n}和{n}熬夜排查。",
    "周五{n}请大家喝奶茶。",
    "把文档发给{n}看看吧。",
    "{n}昨天提的那个问题已经修好了。",
    "{n}老师的课安排在周三上午。",
    "明天的评审{n}总也会参加。",
]

# Technical prose on topics no other generator has; none of these sentences holds a name.
_PROSE = [
    "游戏引擎的渲染管线分为几何阶段和光栅化阶段。",
    "帧率不稳时先看主线程是否被物理模拟阻塞。",
    "骨骼动画的混合权重之和必须等于一。",
    "关卡流式加载可以避免切换场景时的长时间黑屏。",
    "音视频同步一般以音频时钟为基准。",
    "码率自适应会根据带宽切换不同清晰度的分片。",
    "高清直播对上行带宽的要求比较高。",
    "回声消除在会议场景中非常关键。",
    "奈奎斯特频率是采样率的一半。",
    "卡尔曼滤波常用于传感器数据融合。",
    "维特比算法用来求隐马尔可夫模型的最优路径。",
    "霍夫曼编码按照符号频率构造前缀码。",
    "巴特沃斯滤波器的通带内响应最平坦。",
    "施密特触发器可以消除按键抖动。",
    "安卓端冷启动耗时主要花在类加载上。",
    "包体积超过限制后，应用商店会提示用户使用无线网络下载。",
    "鸿蒙应用的卡片服务需要单独声明权限。",
    "小程序的分包加载能缩短首屏时间。",
    "车载系统要求在低温下也能正常启动。",
    "温控策略会在芯片过热时自动降频。",
    "龙芯平台上需要重新编译部分本地依赖。",
    "低功耗蓝牙的广播间隔影响电池寿命。",
    "固件升级失败时设备会回退到出厂分区。",
    "毛刺信号可能来自接地不良。",
    "搜索排序先召回再精排，最后做多样性打散。",
    "点击率预估模型每天凌晨增量训练一次。",
    "同义词扩展能提升长尾查询的召回。",
    "倒排索引的压缩通常采用变长编码。",
    "本地化不只是翻译，还包括日期和货币格式。",
    "繁体中文界面需要单独校对术语。",
    "从右向左书写的语言要镜像整个布局。",
    "大促前要完成库存预热和限购配置。",
    "优惠券叠加规则是退款纠纷的主要来源。",
    "订单履约链路涉及仓储、分拣和配送三个环节。",
    "金蝶和用友的财务接口字段命名差异很大。",
    "高德地图的逆地理编码接口有每日配额。",
    "百度网盘的分享链接默认七天过期。",
    "华为云和阿里云的对象存储都兼容常见的签名方式。",
    "飞书机器人可以把告警推送到群里。",
    "钉钉审批流支持按金额分级。",
    "数据治理首先要明确每张表的归属团队。",
    "元数据血缘可以帮助评估字段变更的影响面。",
    "敏感字段在数仓中应当脱敏后再开放查询。",
    "主数据管理要求同一客户在各系统里只有一条记录。",
    "周转率下降说明库存积压。",
    "余量不足时任务会被调度到其他机房。",
    "叶节点满了以后要分裂成两个节点。",
    "方差缩减技巧能加快随机梯度下降的收敛。",
    "常驻内存的缓存要设置上限。",
    "严谨的灰度计划应当包含回滚预案。",
    "雷击导致机房断电的概率虽低，但必须有预案。",
    "孔径越大，进光量越多。",
    "石墨烯散热片的导热系数很高。",
    "欧姆定律描述了电压、电流和电阻的关系。",
    "莫尔斯码用长短信号表示字母。",
    "拉格朗日乘子法用于求解带约束的优化问题。",
    "泊松分布适合描述单位时间内的到达次数。",
    "布隆过滤器存在一定的误判率，但不会漏判。",
    "雅可比矩阵描述了多元函数的一阶导数。",
    "程控交换机早已被软交换取代。",
    "花屏问题最后查明是显卡驱动的缺陷。",
    "卫星定位在高楼之间误差较大。",
    "马赛克处理要在服务端完成，不能只在前端遮挡。",
    "田间传感器通过窄带物联网上报数据。",
    "江浙沪包邮的规则写在了运费模板里。",
    "韩语界面的按钮文字普遍比中文长。",
    "宁德时代的电池管理系统协议不对外公开。",
    "海康威视的摄像头支持标准的视频流协议。",
    "比亚迪和蔚来的车机系统都基于安卓定制。",
    "林立的微服务让链路追踪变得必不可少。",
    "罗盘校准需要让设备画八字。",
    "曾经流行的瀑布模型已经很少使用了。",
    "向量检索的召回率和延迟之间需要权衡。",
    "任意门式的跳转会破坏用户的导航预期。",
]
_SUBJECTS = ["推流服务", "转码集群", "商品详情页", "结算系统", "埋点平台", "固件仓库",
             "排序模型", "翻译记忆库", "物联网网关", "指标平台", "直播间", "购物车"]
_PROBLEMS = ["卡顿", "丢帧", "超卖", "内存泄漏", "耗电异常", "漏报", "乱码", "重复扣款"]
_FIXES = ["加了熔断", "改成了异步", "调大了缓冲区", "补了幂等校验", "换了编码器", "拆成了两个服务"]
_WHEN = ["上个版本", "双十一当天", "灰度期间", "凌晨三点", "升级之后", "上周末"]
_FRAMES = [
    "{w}{s}出现了{p}，后来{f}。",
    "{s}的{p}问题在{w}复现过一次。",
    "为了避免{p}，{s}{f}。",
    "{s}和{s2}共用一个队列，{w}因此出现了{p}。",
    "复盘结论：{s}的{p}是因为没有压测，已经{f}。",
]


def sealed_name_corpus(seed: int = 3021, n: int = 400) -> list[Doc]:
    """About ``n`` sealed-set names in 27 frames, labelled ``ZH_PERSON``."""
    r = random.Random(seed)
    docs: list[Doc] = []
    count = 0
    while count < n:
        doc = Doc("zh-names-sealed")
        for _ in range(3):
            frame = r.choice(_NAME_FRAMES).replace("{{", "{").replace("}}", "}")
            pieces = frame.split("{n}")
            for i, piece in enumerate(pieces):
                doc.add(piece)
                if i < len(pieces) - 1:
                    doc.value(sealed_name(r), "ZH_PERSON", "name")
                    count += 1
            doc.add(r.choice(_PROSE) + "\n")
        docs.append(doc)
    return docs


def _framed(r: random.Random) -> str:
    s, s2 = r.sample(_SUBJECTS, 2)
    return r.choice(_FRAMES).format(s=s, s2=s2, p=r.choice(_PROBLEMS), f=r.choice(_FIXES),
                                    w=r.choice(_WHEN))


def sealed_prose_corpus(seed: int = 3041, size: int = 60_000) -> str:
    """Sealed-set technical prose without personal data, about ``size`` characters."""
    r = random.Random(seed)
    out: list[str] = []
    n = 0
    while n < size:
        para = "".join(r.choice(_PROSE) if r.random() < 0.5 else _framed(r)
                       for _ in range(r.randint(2, 6))) + "\n\n"
        out.append(para)
        n += len(para)
    return "".join(out)


# Places written here: (province, city, district or county); "" where a level is skipped.
_PLACES = [tuple("" if x == "-" else x for x in t.split("/")) for t in (
    "广东省/佛山市/顺德区 江苏省/无锡市/滨湖区 浙江省/宁波市/鄞州区 福建省/泉州市/晋江市 "
    "山东省/烟台市/芝罘区 河南省/洛阳市/涧西区 湖北省/宜昌市/西陵区 四川省/宜宾市/翠屏区 "
    "贵州省/遵义市/红花岗区 广西壮族自治区/桂林市/七星区 黑龙江省/大庆市/萨尔图区 "
    "吉林省/吉林市/船营区 安徽省/芜湖市/镜湖区 江西省/赣州市/章贡区 湖南省/株洲市/天元区 "
    "陕西省/宝鸡市/渭滨区 甘肃省/天水市/秦州区 青海省/西宁市/城西区 "
    "宁夏回族自治区/银川市/金凤区 西藏自治区/拉萨市/城关区 海南省/三亚市/吉阳区 "
    "内蒙古自治区/包头市/昆都仑区 云南省/西双版纳傣族自治州/景洪市 -/重庆市/江北区 "
    "-/天津市/滨海新区"
).split()]
_ROADS = ["迎宾大道", "凤凰路", "紫荆东路", "东风北路", "育才路", "工农街", "幸福南街", "光华路",
          "沿河西路", "朝晖路", "迎春街", "鼓楼大街", "滨河北路", "金沙江路", "桂花巷"]
_COMPOUNDS = ["锦绣花园", "翡翠城", "阳光100", "紫薇苑", "江南名府", "湖畔人家"]
_ZONES = ["高新技术产业开发区", "经济开发区", "综合保税区", "临空经济区"]
_PARKS = ["智能制造产业园", "电子信息产业园", "数字经济产业园"]
_TOWNS = ["北滘镇", "陈村镇", "官桥镇", "石门乡"]
_VILLAGES = ["黄龙村", "上林村", "大湾村", "沙坪村"]


def sealed_address(r: random.Random) -> str:
    """A sealed-set address in one of nine forms."""
    prov, city, dist = r.choice(_PLACES)
    road = r.choice(_ROADS)
    num = f"{r.randint(1, 999)}号"
    form = r.randrange(9)
    if form == 0:  # residential compound: 小区 + 栋 + 单元 + 室
        return (f"{prov}{city}{dist}{road}{num}{r.choice(_COMPOUNDS)}{r.randint(1, 30)}栋"
                f"{r.randint(1, 6)}单元{r.randint(1, 33)}0{r.randint(1, 4)}室")
    if form == 1:  # development zone + road + number
        return f"{city}{r.choice(_ZONES)}{road}{num}"
    if form == 2:  # industrial park + plant
        return f"{prov}{city}{dist}{r.choice(_PARKS)}{r.randint(1, 12)}号厂房"
    if form == 3:  # town + village
        return f"{prov}{city}{dist}{r.choice(_TOWNS)}{r.choice(_VILLAGES)}{r.randint(1, 80)}号"
    if form == 4:  # crossroads
        r2 = r.choice([x for x in _ROADS if x != road])
        return f"{city}{dist}{road}与{r2}交叉口{r.choice('东西南北')}{r.randint(50, 300)}米"
    if form == 5:  # district + road + number + floor
        return f"{dist}{road}{num}{r.randint(2, 28)}楼"
    if form == 6:  # city + district + road + number, building, room
        return f"{city}{dist}{road}{num}{r.randint(1, 9)}号楼{r.randint(101, 2408)}室"
    if form == 7:  # compound without a road
        return (f"{city}{dist}{r.choice(_COMPOUNDS)}{r.randint(1, 30)}-{r.randint(1, 4)}-"
                f"{r.randint(101, 3302)}")
    return f"{prov}{city}{dist}{road}{num}"


_ADDR_FRAMES = [
    "退货请寄回{a}，包裹上注明订单号。",
    "收货地址：{a}（邮编{p}）\n",
    "公司地址已变更为{a}。",
    '{{"address": "{a}"}}\n',
    "| 仓库 | {a} |\n",
    "现场勘查地点：{a}\n",
    "address = \"{a}\"\n",
    "上门维修地址是{a}，请提前联系。",
    "我家在{a}，快递放门口就行。",
]


def sealed_address_corpus(seed: int = 3031, n: int = 300) -> list[Doc]:
    """``n`` sealed-set addresses in nine frames, three per document, labelled
    ``ZH_ADDRESS``."""
    r = random.Random(seed)
    docs = []
    for _ in range(n // 3):
        doc = Doc("zh-address-sealed")
        for _ in range(3):
            before, after = r.choice(_ADDR_FRAMES).replace("{{", "{").replace(
                "}}", "}").split("{a}")
            doc.add(before)
            doc.value(sealed_address(r), "ZH_ADDRESS", "address")
            doc.add(after.replace("{p}", str(r.randint(100000, 859999)))
                    + r.choice(_PROSE) + "\n")
        docs.append(doc)
    return docs
