"""Chinese surnames, for masking names and for finding names inside free text."""

from __future__ import annotations

# Two-character surnames 复姓, common and less common. A name starting with one of these and
# longer than two characters is read as compound surname + given name.
COMPOUND_SURNAMES = frozenset(
    """
    欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 令狐 端木 独孤 南宫
    西门 申屠 轩辕 澹台 呼延 百里 东郭 万俟 闻人 赫连 公羊 太史 钟离 宗政 濮阳 淳于 单于
    拓跋 司空 完颜 第五 梁丘 左丘 谷梁 乐正 东门 公冶 羊舌 微生 仲孙 叔孙 亓官 司寇 巫马
    公西 颛孙 壤驷 漆雕 宰父 段干 南门 公良 夹谷 呼衍 耶律 爱新 叶赫 乌雅 纳兰 钮祜 富察
    """.split()
)

# One-character surnames, the most common few hundred (together they cover the great
# majority of people in China). Used only where a name must be recognised in running text
# after a cue such as 我叫 or 联系人; a structured name field needs no list.
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾"
    "毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关"
    "兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻"
    "祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿"
    "桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
