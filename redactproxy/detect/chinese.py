"""Chinese person names in running text: jieba's segmentation checked against surname rules.

Chinese writes names glued to the words around them (``客户王建华反馈无法登录``), so a name
is found in three steps on each run of Chinese characters:

1. ``jieba`` (0.42.1, dictionary shipped in the package) cuts the run into words. A name it
   does not know comes out as one new word (its HMM joins unknown single characters) or as a
   surname followed by given-name pieces.
2. A candidate must start with a surname (single or compound: 欧阳, 司马, 上官 ...) and have
   one or two given-name characters (up to four characters in all). It is a name when jieba
   kept it whole as an unknown word or as a dictionary person name (tag ``nr``), when it is
   a surname word followed by given-name pieces, or when a context says person: a label
   before it (``姓名：``, 联系人, 收件人, 申请人, 负责人 ...) or a title after it (老师, 经理,
   先生, 女士, 同学 ...).
3. Everyday words that begin with a surname character (马上, 高可用, 周期, 金额, 万一 ...)
   are dictionary words with other tags, so step 2 already rejects most; jieba's
   dictionary also tags a few common words ``nr`` (陈旧, 林林总总, 白名单), so given-name
   characters must be ones real names use (counted from jieba's own ``nr`` entries) and a
   short list of known everyday words is refused outright.
4. A person cue around the span (由/据/多亏 ... before it, 说/表示/反馈/请假/两位同事 ...
   after it, or a list after another name) lets through what the words alone do not:
   a given name that is an ordinary word (杨胜利, 张宏图) and the rare surnames of the
   *Hundred Family Surnames* (訾, 乜, 郗). A clause "X 在 ... 提出" has a person X too.
   Where jieba's words straddle a name and a cue (多亏 | 金海 | 芳 | 帮忙, 由苏 | 美兰), the
   name is read character by character between the cues. Without a cue, a surname
   followed by an everyday dictionary word (连 + 公网) is no name.
5. Transliterated foreign names and eponymous terms are refused unless a label or title
   says person: a span followed by a term head (康威定律, 卢恩算法), joined by ``-`` or
   ``·`` (米勒-拉宾, 冯·诺依曼), or ending in a transliteration character (counted from
   jieba's ``nrt`` entries: 斯, 尔, 诺 ...) and continued by more of a transliteration
   (冯诺 + 依曼, 戴克 + 斯特拉).

The dictionary (~350k words) is loaded once per process, on the first text with Chinese
characters (in the detection worker, off the event loop), never at import; jieba's cache
file goes to ``REDACTPROXY_HOME/cache`` and its log lines are silenced. Text without Chinese
characters costs one regex search.
"""

from __future__ import annotations

import math
import os
import re
import threading
from collections import Counter
from typing import Any

import regex

from redactproxy.detect.base import Finding

__all__ = ["ChineseNames", "has_cjk"]

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = regex.compile(f"[{_CJK}]+")

COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 令狐 慕容 尉迟 长孙 宇文 司徒 夏侯 公孙 端木 独孤 南宫 "
    "西门 百里 呼延 轩辕 万俟 闻人 澹台 公冶 太史 申屠 钟离 拓跋 赫连 东郭 左丘 濮阳 第五 "
    "单于 淳于 仲孙 宗政 公羊 梁丘 段干 乐正 谷梁 羊舌 微生 巫马 漆雕 壤驷 公良 夹谷 宰父 "
    "司空 司寇 公西 南门 东门 颛孙 子车 仉督 归海 伯赏 公户 公仪 公乘 太叔 申叔 乐正".split())

# Single-character surnames: the ~300 most common (Ministry of Public Security counts cover
# ~97% of the population with the first 300), including 付/傅, 闫/阎, 萧/肖 variants.
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余"
    "杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史"
    "陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟"
    "殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游"
    "辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫"
    "费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明"
    "佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝"
    "区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普"
    "阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾"
    "茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由萧傅阎赖洪")

#: The rest of the *Hundred Family Surnames* (百家姓): rare today, and many are everyday
#: characters (有, 从, 能, 东, 红), so a name with one needs a context that says person (a
#: label, a title, a person verb or role around it) or a cell of its own.
RARE_SURNAMES = frozenset(
    "水昌凤酆贝经贲钮滑荀家羿汲邴糜松弓牧隗山宓蓬郗仰秋暴钭韶蓟怀从鄂咸籍能苍双莘贡逄扶"
    "堵宰郦郤璩濮寿通郏别充习宦鱼慎庾终暨步弘广禄东殳沃蔚越夔厍融訾空毋乜养须巢蒯后红竺"
    "益桓法汝钦缑郈有琴佴伯赏墨谯笪年爱言福") - SURNAMES
RARE_COMPOUND_SURNAMES = frozenset({"鲜于", "闾丘", "亓官", "商牟"})

#: Words that begin with a surname character but are not names (checked before anything
#: else). jieba already tags most such words as something other than a person name; these
#: are the ones its dictionary tags ``nr`` or that its HMM glues together.
NOT_NAMES = frozenset(
    "马上 高可用 周期 金额 万一 向量 安全 于是 林林总总 陈旧 江河 毛利率 叶子 白名单 黄名单 "
    "敬礼 此致 "
    "黄金周 宋体 黑名单 华为 金山 方正 高明 曾几何时 姜汁 武侯区 李四 王五 张三 高并发 高性能 "
    "高频 高速 高级 高效 周末 周边 周年 周一 周二 周三 周四 周五 周六 周日 周报 金融 金色 "
    "马力 马达 石油 江山 龙头 钱包 常量 常数 常用 常见 温度 文件 文本 文档 文字 明天 明确 明显 "
    "平台 平均 平衡 平时 平稳 计算 计划 计数 时间 时候 时钟 时序 时延 时长 时区 安装 安卓 易用 "
    "易于 容器 容量 容错 成本 成功 成员 成为 任务 任何 任意 全部 全局 全量 全文 于此 和谐 和平 "
    "应用 应该 应当 单元 单位 单机 单例 单线程 单体 管理 管道 连接 连续 通过 简单 简介 简化 "
    "万物 何时 范式 范围 余地 余额 宁可 尚未 向上 向下 乐观 云端 云服务 国内 国际 "
    "师生 司机 章节 路由 路径 支持 支付 卫生 花费 华丽 相关 相同 相应 相比 相对 初始 初始化 "
    "门户 都是 普通 普遍 信息 信号 展示 展开 元素 元数据 富文本 由于 利用 利润 包括 包含 包装 "
    "左边 右边 左侧 解决 解析 解释 解码 强制 强大 段落 段错误 关键 关系 关闭 关于 严重 严格 "
    "毕竟 曲线 谷歌 游戏 游标 车辆 项目 连续 景点 宫格 卜算 冷启动 冷却 席位 卫星 米粒 宗旨 "
    "全栈 全屏 边界 边缘 师傅 商业 商品 商户 沙箱 沙盒 荣誉 桑拿 甄别 仲裁 明细 明文 迟到 "
    "封装 封面 谈判 惠普 乐趣 南方 储存 储备 原因 原理 原始 原生 燕麦 劳动 皮肤 印象 隆重 "
    "危险 玉米 银行 利率 富有 由此 干净 但是 元宵 衣服 信任 展望 智能 幸运 衡量 富足 国家 "
    "来源 来自 都会 计费 支出 海量 海外 花样 权限 权重 强度 强调 盖章 练习 井然 祖先 巴士 "
    "丰富 卿卿 索引 宣传 宣布 晋升 初期 初级 门槛 云计算 容灾 敬请 来回 都市 普及 戈壁 鹿角 "
    "薄弱 雍容 伊始 海报 海量数据 双方 方法 方案 方式 方面 方便 方向 方框 向导 石头 石墨 史诗 "
    "龙卷风 钱款 严密 万能 万维网 孔雀 毛病 毛坯 贺卡 康复 施工 牛逼 葛藤 邢台 安慰 齐全 "
    "乔迁 伍佰 庞大 颜色 庄重 章程 鲁棒 鲁棒性 岳父 殷勤 申请 申请人 申报 欧元 耿直 关注 "
    "兰花 焦点 焦虑 左右 柳树 甘心 祝福 包裹 宁静 尚且 符合 符号 舒适 阮囊 纪律 "
    "纪录 梅花 童年 凌晨 毕业 季度 裴秀 霍乱 涂料 苗头 谷物 盛大 曲折 翁婿 冉冉 骆驼 蓝色 "
    "蓝牙 蓝图 路线 游客 辛苦 管控 柴油 蒙版 鲍鱼 华人 喻体 蒲公英 房间 房子 滕王阁 屈服 饶恕 "
    "解耦 艾滋 尤其 阳光 时代 穆斯林 农业 司法 卓越 古代 古老 吉利 缪斯 简历 车间 项链 芦苇 "
    "麦克风 褚色 娄子 窦性 戚友 岑寂 景象 党员 宫殿 费用 卜卦 冷静 晏起 席卷 卫士 米饭 柏油 "
    "宗教 瞿然 桂花 全面 佟佳 应答 臧否 闵行 苟且 邬家 边框 卞和 姬妾 师兄 和平 仇恨 栾树 "
    "隋朝 商量 刁难 沙发 荣幸 巫师 寇仇 桑叶 郎中 甄选 丛林 仲秋 虞美人 敖包 巩固 明白 佘山 "
    "池塘 查询 查看 查找 麻烦 苑囿 迟缓 官方 官网 谈论 匡正 鞠躬 惠及 荆棘 乐器 冀望 郁闷 "
    "胥吏 南京 班级 储蓄 栗子 燕子 楚楚 鄢陵 劳累 奚落 皮革 粟米 冼星 蔺草 楼层 盘点 满足 "
    "闻名 位置 厉害 伊人 区域 区块 区块链 区别 区间 郜鼎 海洋 阚泽 花园 权利 强化 帅气 屠宰 "
    "豆腐 朴素 盖子 练就 廉价 禹州 井盖 祖国 漆黑 巴掌 丰收 支撑 卿相 国产 平面 计算机 "
    "索取 宣言 晋级 相机 初心 门口 云朵 容易 敬业 来到 扈从 芮城 都江堰 普洱 阙如 浦东 "
    "戈尔 伏笔 鹿茸 薄荷 邸报 辜负 羊肉 阿姨 乌云 母亲 裘皮 亓官 修改 修复 修订 修饰 "
    "邰丽 赫兹 杭州 况且 那么 那些 那个 宿舍 鲜花 印度 逯家 隆起 茹素 诸位 诸如 战略 战斗 "
    "慕名 危机 玉石 银色 亢奋 公司 公开 公式 公共 公众号 哈希 湛蓝 宾客 戎装 勾选 茅台 "
    "利益 於是 呼叫 居然 揭示 干扰 但愿 尉官 冶炼 斯坦 元旦 束缚 檀香 衣柜 信用 展现 阴影 "
    "昝某 智慧 幸福 奉献 植物 衡器 富强 尧舜 闭包 由来 萧条 傅里叶 阎王 "
    "王者 王国 王牌 李子 张开 张贴 张力 刘海 陈列 陈述 陈设 杨树 黄色 黄油 赵公 吴语 徐徐 "
    "孙子 马路 马虎 朱红 胡同 胡说 胡乱 郭外 何必 何况 何处 何种 何以 高手 高度 高层 高端 "
    "高校 高亮 高考 林业 罗列 罗盘 郑重 梁柱 谢谢 谢绝 宋朝 唐朝 许多 许可 许可证 韩国 冯诺依曼 "
    "彭湃 曾经 肖像 田地 田野 董事 董事会 袁大头 潘多拉 于今 余下 余数 "
    "杜绝 叶片 程序 程度 程序员 苏醒 魏晋 丁点 任职 沈阳 卢比 姜黄 崔嵬 钟表 钟点 "
    "谭某 陆续 陆地 汪洋 范例 金属 金字塔 石英 廖若 贾某 夏天 夏季 韦氏 付款 付费 付出 方形 "
    "白天 白色 白板 白话 熊猫 秦朝 邱某 江苏 尹某 薛定谔 闫某 段位 雷达 雷电 侯爵 "
    "龙虾 史上 陶瓷 黎明 贺词 顾客 顾问 顾虑 毛巾 郝某 龚某 邵阳 万物互联 钱财 严肃 覃某 武器 "
    "武汉 戴上 莫名 莫非 向来 汤匙 常规 温馨 康乃馨 施加 文化 牛奶 樊笼 邢某 安排 "
    "安静 齐心 易懂 乔木 伍某 庞杂 颜值 倪某 庄园 聂某 章鱼 岳阳 翟某 殷实 申明 "
    "欧洲 耿耿 关心 兰州 焦急 俞某 左手 柳州 甘肃 祝贺 包容 宁夏 尚书 舒服 阮某 柯基 纪念 "
    "梅州 童话 凌乱 毕生 单纯 季节 裴某 涂鸦 苗条 谷底 盛行 曲目 翁某 冉某 骆某 蓝天 "
    "路过 游泳 辛勤 靳某 管家 柴火 蒙古 鲍某 华夏 喻某 祁连 蒲扇 房东 滕某 饶有 解放 "
    "牟利 艾草 尤为 阳台 时常 穆某 农民 司令 卓有 古典 吉他 缪某 简洁 车站 项目组 连忙 芦笋 "
    "麦当劳 褚某 娄某 窦某 戚某 岑某 景色 党委 宫颈 费劲 卜某 冷漠 晏某 席位 卫视 米兰 柏林 "
    "宗某 瞿某 桂林 全体 佟某 应付 臧某 闵某 苟某 邬某 边缘计算 卞某 姬某 师范 和睦 仇某 栾某 "
    "隋某 商场 刁某 沙漠 荣获 巫某 寇某 桑某 郎某 甄某 丛书 仲某 虞某 敖某 巩某 明星 佘某 "
    "池子 查阅 麻将 苑某 迟早 邝某 官员 封锁 谈话 匡某 鞠某 惠州 荆州 乐曲 冀某 郁某 胥某 "
    "南宁 班长 储某 原本 栗某 燕窝 楚国 鄢某 劳务 谌某 奚某 皮带 粟某 冼某 蔺某 楼房 盘子 "
    "满意 闻到 位于 厉某 伊朗 白屏 黑屏 花屏 蓝屏 闪屏".split())


# The standard library's engine scans a character class about twice as fast as ``regex``.
_CJK_ANY = re.compile(f"[{_CJK}]")


def has_cjk(text: str) -> bool:
    """True if ``text`` holds at least one Chinese character (ASCII text: free)."""
    return not text.isascii() and _CJK_ANY.search(text) is not None


_LABELS = ("姓名", "名字", "联系人", "收件人", "收货人", "寄件人", "发件人", "客户", "患者",
           "申请人", "负责人", "法定代表人", "法人", "经办人", "持卡人", "户名", "用户",
           "员工", "学生", "同事", "经理", "老师", "医生", "主管", "领导", "作者", "维护人",
           "审核人", "处理人", "提交人", "报告人", "对接人", "业主", "租客", "乘客", "会员",
           "先生", "女士", "小姐", "叫", "记录人", "发给", "交给", "转交", "转给", "我是",
           "通知", "感谢", "谢谢", "联系", "签字", "签名", "署名", "致", "敬礼", "此致",
           # roles that name a person in forms, tickets and commit logs
           "维护者", "面试官", "候选人", "发起人", "参会人", "创建人", "创建者", "贡献者",
           "审批人", "验收人", "值班人", "代理人", "抄送", "指派给")
# Words just before a name that say a person follows (由 X 负责, 据 X 介绍, 多亏 X 帮忙).
# Matched as whole jieba words, so 由于 / 数据 / 理由 never count.
_CUES_BEFORE = frozenset({"是", "由", "据", "多亏", "摘自", "拜托", "麻烦", "请教", "找", "问",
                          "派", "委托", "邀请", "采访", "@", "暂由", "改由", "交由", "均由",
                          "仍由", "将由", "已由", "则由"})
# Words just after a name that say it is a person: speech, work and roles (X 说, X 表示,
# X 反馈, X 请假, X 两位同事). Matched as whole jieba words (说明 / 表示法 never count).
_CUES_AFTER = frozenset(
    "说 表示 反馈 回复 介绍 提出 认为 指出 确认 建议 同意 请假 负责 帮忙 值守 代理 牵头 配合 "
    "提交 审核 批准 告诉 来电 致电 两位 等人 同事 本人 签字 签收 汇报 回答 解释 补充 强调 "
    "抱怨 投诉 留言 加班 出差 入职 离职 休假 主持 发言 写道 答应 承诺 提到 问道 坦言 透露 "
    "觉得 希望 师兄 师姐 师弟 师妹 夫妇 一家 写".split())
# Verbs of speech and decision: only a person does them, so a clause "X 在 ... 提出" has a
# person X even with a place or time between them.
_SPEECH_CUES = frozenset("说 表示 提出 认为 指出 强调 介绍 回复 发言 主持 汇报 坦言 透露 "
                         "抱怨 答应 承诺 问道 写道 请假 加班 值守".split())
# Tags of a surname character that is used as a function word there (和 and, 于 at, 向
# towards, 何 what): with only a cue after it, such a word does not start a name.
_FUNCTION_WORD_TAGS = frozenset({"c", "p", "r", "d", "u", "ul", "uj", "uz", "ug", "uv", "ud",
                                 "y", "e", "o", "f"})
# Tags of a surname character joining words there (和 and, 于 at, 向 towards): followed by
# an everyday word (和 + 法务, 向 + 量), it is no surname even after a label or before a title.
_JOINING_TAGS = frozenset({"c", "p", "u", "ul", "uj", "uz", "ug", "uv", "ud", "y", "e", "o",
                           "f"})
# Tags of a rare surname's character standing alone that say it is used as a word there
# (有 have, 从 from, 越 the more, 能 can), not as a surname.
_NOT_RARE_SURNAME_TAGS = _FUNCTION_WORD_TAGS | {"v", "vn", "vd", "a", "ad", "m", "q", "t",
                                                "df"}
# Heads of eponymous technical terms: a surname-like word right before one is a scientist's
# name used as a term (康威定律, 卢恩算法, 罗尔定理), not a person in the text.
_TERM_HEADS = frozenset(
    "算法 定理 定律 不等式 方程 方程组 系数 距离 编码 分布 变换 矩阵 现象 树 猜想 原理 常数 "
    "函数 采样 滤波 滤波器 过滤器 范式 检验 效应 模型 方法 结构 架构 瓶颈 论题 公式 引理 级数 "
    "积分 插值 迭代 反演 熵 空间 曲线 悖论 多项式 序列 过程 法则 判据 准则 测度 近似 展开 "
    "随机化 复杂度 极大值 中值定理 编码器 数 图 机 码 环 群 奖".split())
# Characters joining the parts of a foreign name or of an eponym pair (冯·诺依曼, 米勒-拉宾).
_FOREIGN_JOINERS = frozenset("·•‧-－–")
_TITLES = ("老师", "经理", "先生", "女士", "小姐", "同学", "总监", "医生", "律师", "教授",
           "主任", "博士", "师傅", "阿姨", "叔叔", "总", "工", "部长", "处长", "科长", "院长",
           "校长", "老板", "主管", "助理", "同志", "大夫", "护士", "组长", "董事长", "总裁")
# Degree adverbs: what follows them is an adjective or a verb, never a person.
_DEGREE = ("很", "太", "更", "最", "挺", "非常", "比较", "特别", "十分", "过于", "极其", "相当",
           "越来越", "有点", "稍微")
# Characters that end a name candidate: function words and verbs that follow names.
_NAME_END = frozenset("的了在是和与及或说把被给向对从到也都就还又将已让请要会能")
_NR_TAGS = frozenset({"nr", "nrt", "nrfg"})


class _Dictionary:
    """jieba's tokenizer plus the word tags and given-name characters read from its dict."""

    def __init__(self) -> None:
        import jieba_next

        path = os.path.join(os.path.dirname(jieba_next.__file__), "dict.txt")
        words: dict[str, str] = {}
        freq: dict[str, int] = {}  # every word and every prefix of one (0), as jieba builds it
        total = 0
        given: Counter[str] = Counter()
        in_words: Counter[str] = Counter()  # everyday (non-name) words using each character
        in_foreign: Counter[str] = Counter()  # transliterated foreign names (tag nrt)
        surnamed: list[str] = []  # nr words that start with a surname
        in_text: dict[str, int] = {}  # characters weighted by their words' counts
        frequent: set[str] = set()  # two- and three-character words jieba counts often
        with open(path, encoding="utf-8") as f:
            for line in f:
                parts = line.split()
                if len(parts) != 3:
                    continue
                word, count, tag = parts
                n = int(count)
                total += n
                if n >= _TEXT_MIN_COUNT:  # rarer words add little to a character's count
                    for c in word:
                        in_text[c] = in_text.get(c, 0) + n
                    if n >= _FREQUENT and 2 <= len(word) <= 3:
                        frequent.add(word)
                freq[word] = n
                for k in range(1, len(word)):
                    freq.setdefault(word[:k], 0)
                words[word] = tag if n else ""
                if tag == "nr" and 2 <= len(word) <= 3 and word[0] in SURNAMES:
                    given.update(word[1:])
                    surnamed.append(word)
                elif tag in _NR_TAGS and len(word) == 2 and word[0] not in SURNAMES:
                    given.update(word)  # a given name on its own: 淑英, 志强
                elif tag not in _NR_TAGS and len(word) >= 2:
                    in_words.update(set(word))
                if tag == "nrt":
                    in_foreign.update(word)
        # The prefix dictionary is built here from the one read of dict.txt, so jieba_next
        # never reads or writes a cache file. Its route then comes from the Rust prefix
        # dictionary; the Python word->frequency map is only asked whether a run of single
        # characters is a word (a non-empty value), which the tag map answers too, so the
        # frequency map is dropped (~45 MB less per worker).
        tk = jieba_next.Tokenizer()
        tk.FREQ, tk.total, tk.initialized = freq, total, True
        tk._ensure_rust_prefix()  # noqa: SLF001 - jieba_next pinned; see tests/test_chinese.py
        if tk._rust_prefix is not None:  # noqa: SLF001 - else the Python route needs prefixes
            tk.FREQ = words
        del freq
        self.tokenizer: Any = tk
        #: Word -> jieba tag, every dictionary word ("" for a zero count).
        self.tags: dict[str, str] = words
        #: Given-name characters: seen at least twice in jieba's person names, or rare in
        #: everyday words (骁, 祎, 珺: parents pick them because they are rare).
        self.given_chars = _GivenChars(
            frozenset(c for c, n in given.items() if n >= 2) - _NAME_END, given, in_words)
        #: Characters typical of transliterated foreign names (斯, 尔, 克, 诺 ...): frequent in
        #: jieba's ``nrt`` entries compared with their use in Chinese person names.
        self.foreign_chars = frozenset(
            c for c, n in in_foreign.items()
            if n >= _FOREIGN_MIN and n >= _FOREIGN_RATIO * given.get(c, 0))
        # Given-name counts without the nr words that read as transliterations (马赛克,
        # 柯尔莫: two foreign characters): how often Chinese given names use each character.
        in_chinese_names: Counter[str] = Counter()
        for w in surnamed:
            if sum(c in self.foreign_chars for c in w[1:]) < 2:
                in_chinese_names.update(w[1:])
        self.given_chars.in_names = in_chinese_names
        self.given_chars.scores = _real_name_scores(in_text)
        #: Two- and three-character words counted at least ``_FREQUENT`` times (高位, 计时,
        #: 明天): a name does not start or end inside one (not 天梁 or 移成: rare words).
        self.frequent = frozenset(frequent)


def _real_name_scores(in_text: dict[str, int]) -> dict[str, float]:
    """Log ratio of each character's share of real given names to its share of text.

    The name counts are ngender's ``charfreq.csv`` (MIT): how often each of 9,442 characters
    appears in the given names of a large set of real people (~32 million characters). The
    text counts are the characters of jieba's dictionary words weighted by the words' counts.
    伟 +5.0, 娟 +5.9, 建 +2.1 are name characters; 表 -4.2, 过 -5.4, 你 -6.4 are not.
    """
    import ngender

    path = os.path.join(os.path.dirname(ngender.__file__), "charfreq.csv")
    names: dict[str, int] = {}
    with open(path, encoding="utf-8") as f:
        next(f)
        for line in f:
            c, male, female = line.rstrip("\n").split(",")
            names[c] = int(male) + int(female)
    n_total = sum(names.values())
    t_total = sum(in_text.values())
    log = math.log
    return {c: log((names.get(c, 0) + 1) / n_total) - log((in_text.get(c, 0) + 1) / t_total)
            for c in names.keys() | in_text.keys()}


class _GivenChars:
    """Membership test for plausible given-name characters (see ``_Dictionary``)."""

    def __init__(self, common: frozenset[str], in_names: Counter[str],
                 in_words: Counter[str]) -> None:
        self.common = common
        self.in_names = in_names
        self.in_words = in_words
        self.scores: dict[str, float] = {}

    def score(self, c: str) -> float:
        """How name-like ``c`` is in real given names against text (log ratio; see
        ``_real_name_scores``); a character neither source has scores 0."""
        return self.scores.get(c, 0.0)

    def cue_ok(self, given: str) -> bool:
        """True unless ``given`` holds characters real names avoid (联网, 名册, 车, 测): with
        only a person cue around it (由, 据, 说, 负责), an ordinary word may be a given name
        (胜利, 前进, 宏图), but not one made of such characters."""
        scores = [self.score(c) for c in given]
        return bool(scores) and sum(scores) >= _CUE_SUM and min(scores) >= _CUE_MIN

    def names_use(self, given: str) -> bool:
        """True if jieba's person names use every character of ``given`` (``name_like``)
        or real given names do (``plausible``: 孙 + 育东, 魏 + 洋蓉, whose 育 and 蓉 are rare
        in jieba's names)."""
        return all(c in self and self.name_like(c) for c in given) or self.plausible(given)

    def possible(self, given: str) -> bool:
        """A weaker ``plausible``: for an unknown word jieba made of a surname and given
        characters, whose characters names use at least about as often as text does
        (李 + 隆, 林 + 国, 孔 + 民 yes; 池 + 中, 干 + 过, 来 + 举 no)."""
        scores = [self.score(c) for c in given]
        return bool(scores) and sum(scores) >= _POSSIBLE_SUM and min(scores) >= _PLAUSIBLE_MIN

    def plausible(self, given: str) -> bool:
        """True if ``given`` reads as a real given name by its characters: together they
        are more common in names than in text, and none is far more common in text
        (建军, 国亮, 宏图 yes; 实现, 表, 顺序, 你 no)."""
        scores = [self.score(c) for c in given]
        return bool(scores) and sum(scores) >= _PLAUSIBLE_SUM and min(scores) >= _PLAUSIBLE_MIN

    def weak(self, c: str) -> bool:
        """True for a character far more common in everyday words than in names (率, 出, 时):
        an unknown word made of a surname and such characters needs context to be a name."""
        return self.in_words.get(c, 0) > _WEAK_RATIO * (self.in_names.get(c, 0) + 1)

    def name_like(self, c: str) -> bool:
        """True for a character used in names at least a tenth as often as in everyday
        words (华, 军, 国 yes; 浮 of 卢浮宫, a place jieba's dictionary tags ``nr``, no)."""
        return self.in_words.get(c, 0) <= _NAME_LIKE_RATIO * (self.in_names.get(c, 0) + 1)

    def __contains__(self, c: object) -> bool:
        if c in self.common:
            return True
        return (isinstance(c, str) and len(c) == 1 and "\u4e00" <= c <= "\u9fff"
                and c not in _NAME_END and self.in_words.get(c, 0) <= _RARE_IN_WORDS)


#: Words counted for the characters' share of text: those jieba counts at least this often
#: (80k of 350k words; the rest change the scores little and cost load time).
_TEXT_MIN_COUNT = 20
_FREQUENT = 100
#: A plausible given name: its characters' scores add up to at least this, and none is
#: below the minimum (1.0 is e more common in names than in text).
_PLAUSIBLE_SUM = 1.0
_PLAUSIBLE_MIN = -1.6
_POSSIBLE_SUM = -0.5
#: A given name that only a person cue vouches for: at least this in all and per character.
_CUE_SUM = -2.5
_CUE_MIN = -2.6
#: A character used in at most this many everyday dictionary words is a rare one.
_RARE_IN_WORDS = 8
_WEAK_RATIO = 20
_NAME_LIKE_RATIO = 10
#: A character is typical of transliterations when at least this many ``nrt`` words use it
#: and it is at least this share as common there as in Chinese given names.
_FOREIGN_MIN = 15
_FOREIGN_RATIO = 0.2


_LOCK = threading.Lock()
_DICT: _Dictionary | None = None


def _dictionary() -> _Dictionary:
    global _DICT
    with _LOCK:
        if _DICT is None:
            _DICT = _Dictionary()
        return _DICT


_ALL_COMPOUND = COMPOUND_SURNAMES | RARE_COMPOUND_SURNAMES
_ALL_SINGLE = SURNAMES | RARE_SURNAMES


def _surname_len(word: str) -> int:
    """Length of the surname ``word`` starts with (2 compound, 1 single, 0 none)."""
    if word[:2] in _ALL_COMPOUND:
        return 2
    return 1 if word[:1] in _ALL_SINGLE else 0


def _rare_surname(word: str, sl: int) -> bool:
    """True if ``word`` starts with a rare surname (one that needs a person context)."""
    return word[:sl] in RARE_COMPOUND_SURNAMES if sl == 2 else word[:1] in RARE_SURNAMES


class ChineseNames:
    """Finds Chinese person names in text (entity ``PERSON``, rule ``zh.person``)."""

    rule = "zh.person"

    def analyze(self, text: str) -> list[Finding]:
        """Return name findings in ``text`` (nothing, at the cost of one search, without CJK)."""
        if not has_cjk(text):
            return []
        d = _dictionary()
        out: list[Finding] = []
        for m in _RUN.finditer(text):
            run = m.group()
            if len(run) < 2:
                continue
            start = m.start()
            lead = _LEAD.sub("", text[max(0, start - 8):start])
            # A name in a list after another one (张伟、李娜): the list says person.
            listed = bool(out) and out[-1].end == start - 1 and text[start - 1] in _LIST_SEPARATORS
            edges = (text[start - 1:start] if start else "", text[m.end():m.end() + 1])
            for s, e, score in _names(d, run, lead, listed, edges, _cell(text, start, m.end())):
                out.append(Finding(start + s, start + e, "PERSON", self.rule, score))
        return out


def _cell(text: str, start: int, end: int) -> bool:
    """True if ``text[start:end]`` stands as a value of its own on its line: a table cell,
    a list item, a signature, a quoted or labelled value (``| 何国亮 |``, ``1. 张伟``,
    ``"王芳"``), not a run of words cut off by an English word or a number inside a
    sentence (``用 HashMap 来实现``, ``1024 张表``)."""
    line_start = text.rfind("\n", 0, start) + 1
    before = text[max(line_start, start - 24):start].rstrip(" \t\u3000")
    if before and before[-1] not in _CELL_OPEN and _LIST_MARK.search(before) is None:
        return False
    after = text[end:end + 2]
    return not after or after[0] in _CELL_CLOSE
# What may stand right before a value of its own (after spaces) and right after it.
_CELL_OPEN = frozenset("：:=|、\"'“‘（(【[<>@\t\n")
_CELL_CLOSE = frozenset(" \t\u3000\r\n|,，、\"'”’）)】]<;；：:（(")
_LIST_MARK = regex.compile(r"(?:^|\s)(?:[-*+#>]+|\d{1,3}[.、)）]|[(（]\d{1,3}[)）])$")


# Separators stripped between a label and its name (a newline ends a label's reach).
_LEAD = regex.compile(r"[ \t\u3000:：,，(（\[【|\"'=]+$")
_LIST_SEPARATORS = frozenset("、，,")
# Tags of words that never follow a surname as a given name (time, place-direction, pronoun,
# preposition, conjunction, adverb, particle, numeral, measure, verb, idiom ...).
_NOT_GIVEN_TAGS = frozenset({"t", "f", "r", "p", "c", "d", "u", "ul", "uj", "uz", "ug", "uv",
                             "ud", "m", "q", "v", "vn", "vd", "l", "i", "y", "e", "o", "x",
                             "ad", "an", "s", "mq", "df", "rz", "rr", "zg", "tg"})
# With a person cue around it, a given name may be an ordinary word (和平, 胜利, 前进: verbs
# and adjectives too); function words, numbers, times, idioms and long phrases still are not.
_NOT_GIVEN_CUED = frozenset({"t", "f", "r", "p", "c", "d", "u", "ul", "uj", "uz", "ug", "uv",
                             "ud", "m", "q", "l", "i", "y", "e", "o", "x", "s", "mq", "df",
                             "rz", "rr", "tg"})


# Tags of a surname character used as a function word (和 and, 于 at, 向 towards ...).
_FUNCTION_TAGS = frozenset({"c", "p", "r", "d", "u", "ul", "uj", "uz", "ug", "uv", "ud",
                            "y", "e", "o", "f", "t", "m", "q"})


def _names(d: _Dictionary, run: str, lead: str, listed: bool = False,
           edges: tuple[str, str] = ("", ""), cell: bool = False) -> list[tuple[int, int,
                                                                              float]]:
    """Name spans ``(start, end, score)`` in one run of Chinese characters.

    Args:
        d: The dictionary.
        run: A run of Chinese characters.
        lead: The text before the run, separators stripped (for a label before it).
        listed: The run follows a name and a list separator (张伟、李娜).
        edges: The characters just before and just after the run in the text.
        cell: The run stands as a value of its own on its line (see ``_cell``).
    """
    toks: list[tuple[str, int, int]] = _recut(d, run, list(d.tokenizer.tokenize(run, HMM=True)))
    found: list[tuple[int, int, float]] = []
    n = len(toks)
    i = 0
    while i < n:
        word = toks[i][0]
        if (word[0] in _ALL_SINGLE or word[:2] in _ALL_COMPOUND) and word not in _CUES_BEFORE:
            hit = _name_at(d, run, toks, i, lead, listed and i == 0, edges, cell)
            if hit is not None:
                j, score = hit
                found.append((toks[i][1], toks[j - 1][2], score))
                i = j
                continue
        i += 1
    if _CUE_AFTER_RE.search(run) is not None or any(t[0] in _CUES_BEFORE for t in toks):
        found += _cued_spans(d, run, toks, lead, found)
        found.sort()
    return found


def _recut(d: _Dictionary, run: str,
           toks: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Re-cut after a one-character person cue that jieba's HMM glued to a name.

    由 and 是 are surnames too, so jieba joins them to the name after them (本周 | 由苏 |
    美兰 | 值守): an unknown word made of such a cue and a surname is cut after the cue and
    the rest of the run segmented again (由 | 苏美兰 | 值守).
    """
    for k, (w, s, _e) in enumerate(toks):
        if len(w) >= 2 and w[0] in _CUE_CHARS and d.tags.get(w) is None \
                and (w[1] in _ALL_SINGLE or w[1:3] in _ALL_COMPOUND):
            rest = [(x, a + s + 1, b + s + 1)
                    for x, a, b in d.tokenizer.tokenize(run[s + 1:], HMM=True)]
            return [*toks[:k], (w[0], s, s + 1), *rest]
    return toks


_CUE_CHARS = frozenset(c for c in _CUES_BEFORE if len(c) == 1)
# Cues before a name that say little on their own (是 is, 找 look for, 问 ask): what
# follows them must read as a real given name by its characters.
_WEAK_CUES = frozenset({"是", "找", "问"})


_CUE_AFTER_RE = regex.compile("|".join(sorted(_CUES_AFTER, key=len, reverse=True)))


def _cued_spans(d: _Dictionary, run: str, toks: list[tuple[str, int, int]], lead: str,
                found: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    """Names that jieba cut across, found between person cues character by character.

    jieba's words can straddle a name and its neighbours (多亏 | 金海 | 芳 | 帮忙, 越国 | 泽 |
    回复, 暂由 | 秦 | 明代 | 理). Where a person cue follows (说, 回复, 代理 ... checked to be
    a word of its own there), the two or three characters before it are a name if they
    start with a surname at a word boundary and the given-name characters are ones names
    use; with a cue or a label before them too (由, 据, 多亏), a given name that is an
    ordinary word is enough.
    """
    starts = {t[1] for t in toks}
    ends = {t[2]: t[0] for t in toks}  # offset -> the word ending there
    starts_word = {t[1]: t[0] for t in toks}  # offset -> the word starting there
    out: list[tuple[int, int, float]] = []
    taken = [(a, b) for a, b, _ in found]
    given_chars = d.given_chars
    for m in _CUE_AFTER_RE.finditer(run):
        q = m.start()
        if q < 2:
            continue
        verified = False
        for p in (q - 3, q - 2, q - 4):
            if p < 0:
                continue
            sl = _surname_len(run[p:q])
            if not sl or not 1 <= q - p - sl <= 2 or any(a < q and p < b for a, b in taken):
                continue
            span, given = run[p:q], run[p + sl:q]
            if span in NOT_NAMES or span in d.tags:
                continue  # a dictionary word: the word-level reading above judged it
            if not verified:  # the cue is a word of its own here (说 yes, 说明 no)
                if _first_word(d, run, q) != m.group():
                    break
                verified = True
            if (p and p not in starts) or run[p] in _CUE_CHARS:
                continue  # the name starts inside a word (由于 | 类别: not 于类别) or at a cue
            first = starts_word.get(p, "")
            if sl < len(first) <= q - p and d.tags.get(first) not in (None, "nz", "ns",
                                                                      *_NR_TAGS):
                continue  # it opens with an everyday word (时钟 | 源: not a name)
            before = run[max(0, p - 6):p] if p else lead
            cued = (before.endswith(_LABELS) or ends.get(p) in _CUES_BEFORE
                    or (not p and lead.endswith(tuple(_CUES_BEFORE))))
            if cued:
                ok = (all(c in given_chars for c in given) or d.tags.get(given) not in (
                    *_NOT_GIVEN_CUED, None)) and d.tags.get(given) not in _FUNCTION_WORD_TAGS \
                    and (before.endswith(_LABELS) or _cue_ok(d, given))
            else:
                ok = (p == 0 or p in starts) and all(
                    c in given_chars and given_chars.name_like(c) for c in given) \
                    and given_chars.plausible(given)  # 那 | 你 | 说: a pronoun is no name
            if ok and not all(c in d.foreign_chars for c in given):
                out.append((p, q, 0.8))
                taken.append((p, q))
                break
    # After a person cue (摘自 | 胡金 | 林 | 的): the two or three characters after it, up to
    # the end of the run or a word that ends a name (的, 在, 说 ...).
    for k, (w, _s, p) in enumerate(toks):
        if w not in _CUES_BEFORE or k + 1 >= len(toks) or not _surname_len(run[p:p + 2]):
            continue
        for q in (p + 3, p + 2, p + 4):
            sl = _surname_len(run[p:q])
            if q > len(run) or not sl or not 1 <= q - p - sl <= 2 \
                    or any(a < q and p < b for a, b in taken):
                continue
            if q not in ends or not (q == len(run) or run[q] in _NAME_END
                                     or _first_word(d, run, q) in _CUES_AFTER):
                continue  # the name must end where a word ends (有些 | 看到: not 有些看)
            span, given = run[p:q], run[p + sl:q]
            if span in NOT_NAMES or span in d.tags or all(c in d.foreign_chars for c in given):
                continue
            if w in _WEAK_CUES and not given_chars.plausible(given):
                continue  # 是 | 有顺序, 是 | 原子性: 是 before an everyday word
            first = starts_word.get(p, "")
            if sl < len(first) <= q - p and d.tags.get(first) not in (
                    None, "nz", "ns", *_NR_TAGS) and not given_chars.plausible(given):
                continue  # 多亏 | 时钟 | 源, 由 | 乐观 | 锁: it opens with an everyday word
            if (all(c in given_chars for c in given) or d.tags.get(given) not in (
                    *_NOT_GIVEN_CUED, None)) and _cue_ok(d, given):
                out.append((p, q, 0.8))
                taken.append((p, q))
                break
    return out


def _first_word(d: _Dictionary, run: str, q: int) -> str:
    """The first jieba word of ``run`` from offset ``q``."""
    for w, _s, _e in d.tokenizer.tokenize(run[q:q + 8], HMM=True):
        return str(w)
    return ""


def _name_at(d: _Dictionary, run: str, toks: list[tuple[str, int, int]], i: int,
             lead: str, listed: bool = False, edges: tuple[str, str] = ("", ""),
             cell: bool = False) -> tuple[int, float] | None:
    """A name starting at token ``i``: ``(index after its last token, score)`` or None.

    Evidence, strongest first: a label before it or a title after it (context); a person
    cue before or after it (由, 据, 多亏 / 说, 表示, 反馈, 请假); a name list it continues;
    then what jieba knows of the words (an unknown word or a dictionary person name made
    of a surname and plausible given-name characters). A span that is a transliterated
    foreign name or an eponymous term (冯诺依曼, 米勒-拉宾, 康威定律) is refused unless a
    label or title says person.
    """
    word, s, e = toks[i]
    sl = _surname_len(word)
    rare = _rare_surname(word, sl)
    if s == 0 and sl < len(run) <= sl + 2 and _alone(d, run, sl, toks, cell) \
            and not _foreign_edge(edges):
        return len(toks), 0.8  # a run that is just a name: a value, a cell, a signature
    before = run[max(0, s - 6):s] if s else lead
    context = before.endswith(_LABELS)
    if not context and before.endswith(_DEGREE):
        return None  # 很高时, 太白了: a degree adverb modifies an adjective or verb, not a name
    cue = listed or (toks[i - 1][0] in _CUES_BEFORE if i else lead.endswith(tuple(_CUES_BEFORE)))
    if cue and i and toks[i - 1][0] in _WEAK_CUES and not _plausible_after(d, run, s + sl):
        cue = False  # 是 + 单进程, 是 + 门儿清: 是 before an everyday word
    if context and s and d.tags.get(word[:sl]) in _FUNCTION_WORD_TAGS \
            and not _plausible_after(d, run, s + sl):
        context = False  # 用户 + 都睡觉: a label glued to a function word and a verb
    if rare and len(word) == sl and d.tags.get(word) in _NOT_RARE_SURNAME_TAGS:
        return None  # 越, 从, 有 used as function words or verbs there, not as rare surnames
    hit = _span(d, run, toks, i, sl, rare, context, cue)
    if hit is None:
        return None
    j = hit[0]
    if not (context or _titled(d, run, toks[j - 1][2])) and _foreign(d, run, toks, i, j, edges):
        return None
    return hit


def _span(d: _Dictionary, run: str, toks: list[tuple[str, int, int]], i: int, sl: int,
          rare: bool, context: bool, cue: bool) -> tuple[int, float] | None:
    """The name starting at token ``i`` from the words alone (see ``_name_at``)."""
    word, s, e = toks[i]
    given_chars = d.given_chars
    n = len(toks)
    if len(word) > sl:  # 1. one word: surname + given name
        if len(word) > sl + 2 or word in NOT_NAMES:
            return None
        if d.tags.get(word[:sl]) == "m" and d.tags.get(word[sl:]) == "m":
            return None  # 万兆, 万亿: a number, not 万 + a given name
        tag = d.tags.get(word)
        titled = _titled(d, run, e)
        given = word[sl:]
        j = i + 1
        if tag is None and len(word) == sl + 1 and j < n and len(toks[j][0]) == 1 \
                and toks[j][0] in given_chars and d.tags.get(toks[j][0]) not in _NOT_GIVEN_TAGS:
            given += toks[j][0]  # 查立 + 清: the HMM cut a three-character name short
            j += 1
            titled = titled or _titled(d, run, toks[j - 1][2])
        if context:
            if tag not in (None, "nz", *_NR_TAGS) and (rare or s > 0):
                return None  # 作者经济, 用户文章: a label glued to an everyday word
            return (j, 0.9) if tag not in _NOT_GIVEN_TAGS else None
        if titled:  # 王伟经理 yes; 商务经理, 法务经理: an everyday word before a title is a job
            if rare and not given_chars.plausible(given):
                return None  # 有个 + 同学: 有 (there is), not a rare surname
            return (j, 0.9) if tag in (None, "nr", "nrfg") else None
        if tag == "nrt":
            return None  # a transliterated foreign name (米勒, 斯特拉)
        if (cue or _cued_after(toks, j)) and (tag is None or (
                tag in ("nr", "nrfg") and len(given) == 2 and given_chars.plausible(given))) \
                and given_chars.names_use(given) \
                and not all(c in d.foreign_chars for c in given) and _cue_ok(d, given):
            # 据王军华介绍, 赖英表示: a person cue around a name-like word. jieba's dictionary
            # tags many everyday words nr (荣耀, 韩文, 宋词): those need a label or a title.
            return j, 0.85
        if rare:
            return None
        loose = d.tags.get(word[:sl]) in _FUNCTION_TAGS or (
            len(given) == 1 and d.tags.get(given) in _LOOSE_GIVEN_TAGS)
        if given_chars.names_use(given) \
                and (given_chars.plausible(given) if loose else given_chars.possible(given)) \
                and (
                    sum(given_chars.score(c) for c in given) >= _STRONG_GIVEN
                    or not (_bound_before(d, run, s, sl, given_chars.plausible(given))
                            or _bound_after(d, run, e))):
            if tag is None:
                return j, 0.8
        return None
    # 2. a surname on its own, then given-name pieces (1-2 characters).
    given = ""
    j = i + 1
    strong = False
    while j < n and len(given) < 2:
        piece = toks[j][0]
        if len(given) + len(piece) > 2 or piece[0] in _NAME_END or piece in _TITLES \
                or piece in _CUES_AFTER:
            break
        tag = d.tags.get(piece)
        if tag in _FUNCTION_WORD_TAGS:
            break  # 那 + 你: a pronoun or a function word is never a given name
        if not context:
            if cue or _titled(d, run, toks[j][2]) or (
                    _cued_after(toks, j + 1) and (d.tags.get(word) in _NR_TAGS or (
                        len(piece) == 2 and word in SURNAMES
                        and d.tags.get(word) not in _FUNCTION_WORD_TAGS
                        and given_chars.plausible(piece)))):
                if tag in _NOT_GIVEN_CUED:
                    break
            elif tag in _NOT_GIVEN_TAGS or not all(c in given_chars for c in piece):
                break
            elif len(piece) == 2 and tag not in (None, "nz", *_NR_TAGS) \
                    and min(given_chars.score(c) for c in piece) < _STRONG_CHAR:
                break  # 连 + 公网: an everyday word needs a person cue to be a given name
        strong = strong or tag is None or tag in _NR_TAGS
        given += piece
        j += 1
    if not given:
        return None
    name = word + given
    if name in NOT_NAMES:
        return None
    joining = d.tags.get(word) in _JOINING_TAGS
    if (context or (cue and _cue_ok(d, given))) \
            and not (joining and d.tags.get(given) not in (None, *_NR_TAGS)):
        return j, 0.85
    if _titled(d, run, toks[j - 1][2]) and not joining:
        return j, 0.85  # 何伟老师 yes; 和 + 法务经理 no: 和 (and) is a conjunction there
    if _cued_after(toks, j) and d.tags.get(word) not in _FUNCTION_WORD_TAGS \
            and _cue_ok(d, given):
        return j, 0.85  # 杨胜利值守, 张宏图回复: a person cue lets an ordinary word through
    if rare:
        return None
    if d.tags.get(word) in _NR_TAGS or sl == 2:
        if len(given) == 2 or strong:
            return j, 0.75
    if len(given) == 2 and len(toks[j - 1][0]) == 2 and d.tags.get(given) in _NR_TAGS \
            and d.tags.get(word) not in _FUNCTION_TAGS and given_chars.plausible(given):
        return j, 0.75  # 盛 + 志强: the given name is a dictionary given name
    return None


def _cue_ok(d: _Dictionary, given: str) -> bool:
    """True if ``given`` may be a given name with only a person cue around it: no
    character real names avoid (``_GivenChars.cue_ok``), and a noun only if its characters
    lean towards names (宏图, 海洋, 先锋 yes; 链路, 网卡 no)."""
    g = d.given_chars
    return g.cue_ok(given) and (len(given) < 2 or d.tags.get(given) not in _NOUN_TAGS
                                or sum(g.score(c) for c in given) >= 0)


_NOUN_TAGS = frozenset({"n", "vn", "ng", "nz"})
# Tags of a one-character given name that is rather a word of its own there (时 | 才, 池 |
# 满): such an unknown word needs a plausible given name, as does one whose surname
# character is a function or measure word there (但 | 微, 64 位 | 双).
_LOOSE_GIVEN_TAGS = frozenset({"c", "p", "r", "d", "u", "ul", "uj", "uz", "ug", "uv", "ud",
                               "y", "e", "o", "f", "a", "ad", "v", "vd"})


def _plausible_after(d: _Dictionary, run: str, k: int) -> bool:
    """True if the one or two characters at ``run[k]`` read as a real given name."""
    g = d.given_chars
    return g.plausible(run[k:k + 2]) or g.plausible(run[k:k + 1])


def _bound_before(d: _Dictionary, run: str, s: int, sl: int, plausible: bool) -> bool:
    """True if the surname at ``run[s]`` ends a dictionary word with the characters before
    it (在线 | 程池: 线程, 计时 + 为, 高位 + 为): jieba's HMM glued it to what follows. For a
    given name that reads as one (``plausible``), only a frequent word counts (昨天 | 梁延:
    天梁 is a rare word)."""
    end = s + sl
    words = d.frequent if plausible else d.tags
    return any(run[k:end] in words for k in range(max(0, s - 2), s))


def _bound_after(d: _Dictionary, run: str, e: int) -> bool:
    """True if the last character before offset ``e`` starts a dictionary word with the
    characters after it (成微 + 服务: 微服务; 位均 + 为: 均为; 王明 + 天: 明天)."""
    return e < len(run) and any(run[e - 1:e + k] in d.frequent for k in (1, 2))


def _cued_after(toks: list[tuple[str, int, int]], j: int) -> bool:
    """True if the word at index ``j`` says the words before it name a person (说, 表示),
    or is 在 (at) opening a clause whose verb is a person's (王胜利 | 在 | 周会上 | 提出)."""
    if j >= len(toks):
        return False
    if toks[j][0] == "在":
        return any(w in _SPEECH_CUES for w, _s, _e in toks[j + 1:j + 6])
    return toks[j][0] in _CUES_AFTER


def _foreign_edge(edges: tuple[str, str]) -> bool:
    """True if the run is joined to more of a foreign name (冯·诺依曼, 米勒-拉宾)."""
    return edges[0] in _FOREIGN_JOINERS or edges[1] in _FOREIGN_JOINERS


def _foreign(d: _Dictionary, run: str, toks: list[tuple[str, int, int]], i: int, j: int,
             edges: tuple[str, str]) -> bool:
    """True if tokens ``i:j`` are part of a transliterated name or an eponymous term.

    That is: the next word is the head of a term (康威 + 定律, 卢恩 + 算法); the span touches
    a foreign-name joiner at the edge of the run (米勒-拉宾, 冯·诺依曼); or it ends in a
    character typical of transliterations and the next word continues the transliteration
    (冯诺 + 依曼, 戴克 + 斯特拉: an unknown word or a foreign name).
    """
    if j < len(toks) and toks[j][0] in _TERM_HEADS:
        return True
    if (toks[i][1] == 0 and edges[0] in _FOREIGN_JOINERS) or (
            toks[j - 1][2] == len(run) and edges[1] in _FOREIGN_JOINERS):
        return True
    if j < len(toks) and run[toks[j - 1][2] - 1] in d.foreign_chars:
        nxt = toks[j][0]
        return d.tags.get(nxt) in (None, "nrt", "ns") and (
            d.tags.get(nxt) == "nrt" or any(c in d.foreign_chars for c in nxt))
    return False


# Characters that end a job noun (陈列员, 钟点工, 原画师): a cell ending in one is a job.
_JOB_SUFFIXES = frozenset("工员师")


def _alone(d: _Dictionary, run: str, sl: int, toks: list[tuple[str, int, int]],
           cell: bool = False) -> bool:
    """True if a whole run of Chinese characters reads as a name and nothing else.

    Not when jieba reads it as everyday words: a first word that runs past the surname
    (项目 + 级, 连接 + 中), a surname character used as a function word (从 + 市场, 和 + 模型),
    or a function word, particle or measure word after the surname (应用 + 于, 项目 + 级).
    Nor a job noun (陈列员, 钟点工). A given name that is an ordinary word stays a name
    there (王 + 自强, 田 + 如意) when the run is a value of its own on its line (``cell``);
    a run cut off by an English word or a number inside a sentence (``用 HashMap 来实现``,
    ``1024 张表``) needs a given name whose characters real names use (see
    ``_GivenChars.plausible``). Given characters that real names use often (何 | 国亮: 国
    +0.4, 亮 +3.0) make a name of a cell whatever jieba's cut.
    """
    if run in NOT_NAMES or d.tags.get(run) not in (None, "nr", "nrfg") \
            or run[-1] in _JOB_SUFFIXES:
        return False
    given_chars = d.given_chars
    given = run[sl:]
    plausible = given_chars.plausible(given)
    if d.tags.get(run) in _NR_TAGS and not (plausible or (
            cell and sum(given_chars.score(c) for c in given) >= 0)):
        return False  # 景深, 花名册, 赵州桥: words jieba's dictionary tags nr
    if not (cell or plausible) or (len(given) > 1
                                   and all(c in d.foreign_chars for c in given)):
        return False
    if not plausible and (min(given_chars.score(c) for c in given) < _CELL_MIN
                          or _rare_surname(run, sl)):
        return False  # 万 + 级, 时 + 出错, 别 + 放: characters names never use
    if cell and sum(given_chars.score(c) for c in given) >= _STRONG_GIVEN \
            and min(given_chars.score(c) for c in given) >= 0:
        return True
    first = toks[0][0]
    if len(toks) > 1:
        if len(first) > sl and d.tags.get(first) not in (None, "nz", "ns", *_NR_TAGS):
            return False
        tag = d.tags.get(first)
        if len(first) == sl and (tag in _FUNCTION_WORD_TAGS or (
                tag in ("v", "q", "a") and not plausible)):
            return False  # 从 + 市场; 位 + 图法, 来 + 实现: a measure word or a verb there
        if any(d.tags.get(w) in _NOT_GIVEN_CUED for w, _s, _e in toks[1:]):
            return False
    return all(c in given_chars for c in given)


#: A cell whose given-name characters score at least this in all is a name whatever
#: jieba's cut (何国 | 亮: 国 +0.4, 亮 +3.0).
_STRONG_GIVEN = 2.5
#: In a cell, a given name that is an ordinary word (自强, 解放) is a name, but not one with
#: a character that real names (almost) never use (级 -5.6, 出 -5.8).
_CELL_MIN = -3.5
#: A character scoring at least this is a strong name character (建 +2.1, 军 +1.9): an
#: everyday word made of two of them (建军, 国华) may be a given name.
_STRONG_CHAR = 1.5


def _titled(d: _Dictionary, run: str, end: int) -> bool:
    """True if a title (老师, 经理, 先生 ...) follows offset ``end``.

    A one-character title (总, 工) counts only when it does not begin a word with the
    characters after it: 王总说 yes, 消息总线 / 任务总是 no.
    """
    for t in _TITLES:
        if run.startswith(t, end) and (len(t) > 1 or run[end:end + 2] not in d.tags):
            return True
    return False
