"""Chain and checkpoint verification, reported in Chinese for the page and the CLI."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from hotline.extensions import db
from privacy.accesslog import verify_chain
from privacy.checkpoint import verify_checkpoint
from privacy.runtime import runtime


@dataclass
class Result:
    ok: bool = True
    lines: list[str] = field(default_factory=list)
    first_bad_seq: int | None = None


def run(checkpoint_text: str | None = None) -> Result:
    ring, result = runtime().ring, Result()
    chain = verify_chain(db.session, ring)
    if chain.ok:
        result.lines.append(f"访问日志完整，截至第 {chain.last_seq} 条")
    else:
        result.ok, result.first_bad_seq = False, chain.first_bad_seq
        result.lines.append(
            f"访问日志已被篡改：首个异常条目为第 {chain.first_bad_seq} 条（{chain.problem}）"
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
            result.lines.append(f"检查点验证失败：{cp.problem}{where}")
            result.first_bad_seq = result.first_bad_seq or cp.first_bad_seq
    return result
