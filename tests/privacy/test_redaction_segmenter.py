"""The segmenter behind name redaction: loaded lazily, once, quietly, without warnings."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

from privacy import names, redaction

ROOT = Path(__file__).resolve().parents[2]


def run(code: str) -> subprocess.CompletedProcess:
    """``code`` in a fresh interpreter that turns every warning into an error."""
    return subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_texts_without_a_name_candidate_never_load_jieba():
    result = run(
        "import sys\n"
        "from privacy.redaction import redact_text\n"
        "for text in ('电话13812345678找张先生', '已安排工作人员到现场核实情况。',\n"
        "             '联系人电话打不通', '诉求人张先生表示满意', '我是张家口人'):\n"
        "    redact_text(text)\n"
        "print('jieba' in sys.modules)\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_loading_prints_nothing_and_warns_nothing():
    result = run(
        "import sys\n"
        "from privacy.redaction import redact_text\n"
        "print(redact_text('已就政策解读问题为来电人解答。'))\n"
        "print(redact_text('联系人王建国反映楼道堆物'))\n"
        "print('jieba' in sys.modules)\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.split() == [
        "已就政策解读问题为来电人解答。",
        "联系人[姓名]反映楼道堆物",
        "True",
    ]


def test_threads_load_the_segmenter_once(monkeypatch):
    loads = []
    real = names._load_segmenter

    def slow_load():
        loads.append(threading.get_ident())
        time.sleep(0.2)  # let the other threads arrive while the first one loads
        return real()

    monkeypatch.setattr(names, "_segmenter", None)
    monkeypatch.setattr(names, "_load_segmenter", slow_load)
    names._segment.cache_clear()
    texts = [f"联系人王建{given}反映楼道堆物" for given in "国华军明强"] * 4
    results: list[str | None] = [None] * len(texts)
    barrier = threading.Barrier(len(texts))

    def work(i: int) -> None:
        barrier.wait()
        results[i] = redaction.redact_text(texts[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(texts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(loads) == 1
    assert results == ["联系人[姓名]反映楼道堆物"] * len(texts)
