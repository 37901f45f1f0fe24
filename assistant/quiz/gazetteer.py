"""The words the term finder relies on: place names, institutions, the endings of named measures, opening verbs.

Plain word lists, so an organisation can extend them for its own documents.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _ordered(text: str) -> tuple[str, ...]:
    return tuple(text.split())


PROVINCES = _words(
    """
    河北 山西 内蒙古 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南
    湖北 湖南 广东 广西 海南 四川 贵州 云南 西藏 陕西 甘肃 青海 宁夏
    新疆 台湾 香港 澳门
    """
)
MUNICIPALITIES = _words("北京 天津 上海 重庆")
CITIES = _words(
    """
    成都 西安 昆明 南宁 乌鲁木齐 兰州 呼和浩特 西宁 银川 拉萨 贵阳 包头
    鄂尔多斯 榆林 绵阳 宜宾 遵义 柳州 桂林 北海 钦州 防城港 喀什 霍尔果斯
    伊宁 满洲里 二连浩特 瑞丽 凭祥 东兴 河口 石家庄 太原 沈阳 长春 哈尔滨
    南京 杭州 合肥 福州 南昌 济南 郑州 武汉 长沙 广州 海口 深圳 厦门
    青岛 大连 宁波
    """
)
INSTITUTIONS = _words("党中央 国务院 中央财政 新华社 全国人大 全国政协 中央军委")
# Checked in order, longest first.
INSTITUTION_SUFFIXES = _ordered("领导小组办公室 领导小组 委员会 发展改革委 办公室 办公厅 银行 总局")
# Checked in order; 制 comes last so 制度 wins over it (河长制 and 承诺制 still end in 制).
MEASURE_SUFFIXES = _ordered(
    """
    示范区 试验区 合作区 经济区 开发区 功能区 新区 经济带 走廊 城市群
    示范项目 工程 行动 战略 计划 制度 机制 政策 试点 体系 平台 基金 枢纽
    基地 信息港 制
    """
)
# Phrases that end like a named measure but name nothing in particular.
GENERIC_MEASURES = _words(
    """
    体制机制 工作机制 政策措施 服务体系 管理体系 管理制度 运行机制 长效机制
    相关政策 各项政策 支持政策 配套政策 创新平台 服务平台 开放平台 重点工程
    重大工程 基础设施 产业体系 体系建设 发展战略 政策体系 调整机制 保障体系
    实验基地 实验平台 规则制度 能源基地
    """
)
# Verbs that open a predicate: a term never starts with them (支持 / 加快 / 推进 …).
LEADING_VERBS = _words(
    """
    支持 加快 推进 推动 实施 完善 打造 开展 创建 深化 加强 构建 探索
    落实 设立 培育 鼓励 提升 促进 强化 健全 建立 扩大 提高 实行 继续
    研究 依托 参与 形成 优化 保障 引导 统筹 整合 规范 申请 增设 办好
    承担 执行 建设 发展 推行 开放 加大 实现 坚持 贯彻 发挥 提供 适用
    赋予 允许 注重 造就 制定 出台 参照 根据 按照 结合 围绕 利用 巩固
    做好 抓好 用好 搞好 积极 大力 深入 全面 稳步 有序 进一步 逐步 切实
    着力 努力 总结 培养 增加 降低 建立健全 深度 充分 发掘 融入 对接 拓展
    面向 带动 结合
    """
)
