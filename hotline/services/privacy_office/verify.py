"""Chain and checkpoint verification, reported in Chinese for the page and the CLI.

``privacy`` reports what it found as a kind (``ChainBreak``, ``CheckpointProblem``) with an
English ``problem`` for logs; the words an officer reads are written here, one per kind.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from hotline.extensions import db
from privacy.accesslog import ChainBreak, ChainReport, verify_chain
from privacy.checkpoint import CheckpointProblem, CheckpointReport, verify_checkpoint
from privacy.runtime import runtime

# What each kind of break means, in the officer's words ({seq}, {other}: sequence numbers).
CHAIN_VERDICTS = {
    ChainBreak.MISSING: "第 {seq} 条缺失（下一条是第 {other} 条）：日志中间的记录被删除",
    ChainBreak.LINK: "第 {seq} 条与前一条的链接不符：有记录被插入、删除后补写或调换了顺序",
    ChainBreak.CONTENT: "第 {seq} 条的内容与其哈希值不符：该记录被修改或伪造",
    ChainBreak.REMOVED: "第 {seq} 条至第 {other} 条已被删除：日志末尾的记录被截去",
    ChainBreak.ADDED: "第 {seq} 条起的记录未经正常写入流程追加",
    ChainBreak.HEAD: "最后一条（第 {seq} 条）与日志头记录不符",
}
CHECKPOINT_VERDICTS = {
    CheckpointProblem.NOT_A_CHECKPOINT: "上传的文件不是访问日志检查点",
    CheckpointProblem.OTHER_KEY: "检查点不是用本系统的日志密钥签名的",
    CheckpointProblem.BAD_SIGNATURE: "检查点签名无效：文件在签名后被修改过",
    CheckpointProblem.LOG_ENDS: (
        "日志只到第 {other} 条，检查点记录的第 {seq} 条已不存在：日志末尾的记录被截去"
    ),
    CheckpointProblem.HASH_CHANGED: (
        "检查点记录的第 {seq} 条现在的哈希值不同：日志被整体改写或替换"
    ),
}
UNKNOWN = "日志校验未通过"


@dataclass
class Result:
    ok: bool = True
    lines: list[str] = field(default_factory=list)
    first_bad_seq: int | None = None


def _chain_text(kind, seq: int | None, other: int | None) -> str:
    if kind == ChainBreak.REMOVED and seq == other:
        return f"第 {seq} 条已被删除：日志末尾的记录被截去"
    return CHAIN_VERDICTS.get(kind, UNKNOWN).format(seq=seq, other=other)


def chain_verdict(report: ChainReport) -> str:
    """Why the chain is broken, in Chinese."""
    return _chain_text(report.kind, report.first_bad_seq, report.other_seq)


def checkpoint_verdict(report: CheckpointReport) -> str:
    """Why a checkpoint was rejected, in Chinese."""
    if report.kind == CheckpointProblem.CHAIN:
        text = _chain_text(report.chain, report.first_bad_seq, report.other_seq)
        return "检查点之前的日志已被篡改：" + text
    template = CHECKPOINT_VERDICTS.get(report.kind, UNKNOWN)
    return template.format(seq=report.seq, other=report.other_seq)


def run(checkpoint_text: str | None = None) -> Result:
    ring, result = runtime().ring, Result()
    chain = verify_chain(db.session, ring)
    if chain.ok:
        result.lines.append(f"访问日志完整，截至第 {chain.last_seq} 条")
    else:
        result.ok, result.first_bad_seq = False, chain.first_bad_seq
        result.lines.append(
            f"访问日志已被篡改：首个异常条目为第 {chain.first_bad_seq} 条。{chain_verdict(chain)}"
        )
    if checkpoint_text is not None:
        try:
            doc = json.loads(checkpoint_text)
        except ValueError:
            doc = None
        cp = verify_checkpoint(db.session, ring, doc)
        if cp.ok:
            result.lines.append(f"检查点（第 {cp.seq} 条）与日志一致")
        else:
            result.ok = False
            where = f"，首个异常条目为第 {cp.first_bad_seq} 条" if cp.first_bad_seq else ""
            result.lines.append(f"检查点验证失败{where}：{checkpoint_verdict(cp)}")
            result.first_bad_seq = result.first_bad_seq or cp.first_bad_seq
    return result
