"""How many of the demo's public texts redaction changes, and how fast it runs.

Produces the texts the demo generator writes where citizens and the public can read them
(requests, hotline replies, unit notes and replies, reasons, follow-up notes, rating
comments) with the functions of ``hotline.synth.texts``, in roughly the generator's mix
(the shares of ``hotline.synth.plan`` and ``hotline.synth.timeline``), and counts the texts
that ``redact_text`` changes. Only texts holding personal data should change: ``content``
carries a phone number in about 4 % of requests and an ID number in 0.5 %, on purpose;
nothing else does.

    .venv/bin/python bench/redaction_notes.py                       # the current module
    .venv/bin/python bench/redaction_notes.py --before /tmp/redaction_old.py

``--before`` names a copy of an earlier ``privacy/redaction.py`` to compare with (e.g. one
saved with ``git show HEAD~1:privacy/redaction.py > /tmp/redaction_old.py``).

Timing: 1,000 notes without a name candidate (most notes) and 1,000 with one (a cue word
followed by a surname character: 来电人解答, 诉求人张先生, 联系人王建国…), all distinct,
before and after; after, with the segmenter's cache of cut clauses empty and full; the whole
demo mix once; and the one-off cost of loading the segmenter.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hotline.synth import names, texts  # noqa: E402
from hotline.synth.plan import ANSWERED_SHARE, KINDS  # noqa: E402
from hotline.synth.weighted import Weighted, pick  # noqa: E402
from privacy import names as person_names  # noqa: E402
from privacy import redaction  # noqa: E402

DATA = ROOT / "hotline" / "data"
SATISFACTION = Weighted(("satisfied", "basically", "dissatisfied"), (0.7, 0.2, 0.1))
PROGRESS_NOTES = Weighted((0, 1, 2, 3), (0.35, 0.4, 0.18, 0.07))


def reference() -> tuple[list[tuple[str, str]], list[tuple[str, str, list[str]]], list[str]]:
    """(leaf, level 2) pairs; (district, street, communities); unit names."""
    leaves = []

    def walk(nodes, parent):
        for node in nodes:
            children = node.get("children")
            if children:
                walk(children, node["name"])
            else:
                leaves.append((node["name"], parent))

    walk(json.loads((DATA / "categories.json").read_text("utf-8"))["categories"], None)
    places = json.loads((DATA / "places.json").read_text("utf-8"))["districts"]
    spec = json.loads((DATA / "units.json").read_text("utf-8"))
    streets, units = [], []
    for district in places:
        for street in district["streets"]:
            communities = [c["name"] for c in street.get("communities", [])]
            streets.append((district["name"], street["name"], communities))
            office = "办事处" if street["kind"] == "街道" else "人民政府"
            units.append(f"北京市{district['name']}{street['name']}{office}")
        units += [f"北京市{district['name']}{d['suffix']}" for d in spec["district_departments"]]
    for key in ("city_departments", "state_enterprises", "platform_companies"):
        units += spec[key]
    return leaves, streets, units


def demo_texts(n: int, seed: int) -> list[tuple[str, str]]:
    """``(function, text)`` for about ``n`` public texts, order by order."""
    rng = random.Random(seed)
    leaves, streets, units = reference()
    kind_of = Weighted(list(KINDS), list(KINDS.values()))
    out: list[tuple[str, str | None]] = []

    def add(function: str, text: str | None) -> None:
        if text:
            out.append((function, text))

    while len(out) < n:
        kind = kind_of(rng)
        leaf, level2 = pick(rng, leaves)
        district, street, communities = pick(rng, streets)
        community = pick(rng, communities) if communities and rng.random() < 0.9 else None
        add("content", texts.content(rng, kind, leaf, level2, district, street, community))
        if rng.random() < ANSWERED_SHARE[kind]:
            add("answer_reply", texts.answer_reply(rng, leaf))
            continue
        lead = pick(rng, units)
        add("dispatch_note", texts.dispatch_note(rng))
        roll = rng.random()
        if roll < 0.05:
            add("return_reason", texts.return_reason(rng, pick(rng, units).removeprefix("北京市")))
            add("dispatch_note", texts.dispatch_note(rng))
        elif roll < 0.07:
            add("dispute_reason", texts.dispute_reason(rng))
        add("contact_note", texts.contact_note(rng))
        if rng.random() < 0.065:
            add("extension_reason", texts.extension_reason(rng))
        if lead.endswith(("办事处", "人民政府")) and rng.random() < 0.03:
            add("whistle_note", texts.whistle_note(rng))
        if rng.random() < 0.01:
            add("escalate_reason", texts.escalate_reason(rng))
        for _ in range(PROGRESS_NOTES(rng)):
            add("progress_note", texts.progress_note(rng))
        solved = rng.random() < 0.8
        add("completion_reply", texts.completion_reply(rng, kind, lead, solved))
        satisfaction = SATISFACTION(rng)
        if rng.random() < 0.9:
            add("follow_up_note", texts.follow_up_note(rng, satisfaction))
        if rng.random() < 0.3:
            add("rating_comment", texts.rating_comment(rng, satisfaction))
    return out[:n]


def load_module(path: Path):
    spec = importlib.util.spec_from_file_location("redaction_before", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def changed_table(samples: list[tuple[str, str]], modules: dict) -> None:
    total = Counter(function for function, _ in samples)
    changed = {label: Counter() for label in modules}
    labels = {label: Counter() for label in modules}
    examples = {label: {} for label in modules}
    for function, text in samples:
        for label, module in modules.items():
            spans = module.find_personal_data(text)
            if spans:
                changed[label][function] += 1
                labels[label].update(kind for _, _, kind in spans)
                examples[label].setdefault(function, module.redact_text(text))
    print(f"{'function':<18}{'texts':>7}" + "".join(f"{label:>16}" for label in modules))
    for function in sorted(total, key=lambda f: -total[f]):
        row = f"{function:<18}{total[function]:>7}"
        row += "".join(f"{changed[label][function]:>16}" for label in modules)
        print(row)
    for title, keep in (
        ("all", lambda f: True),
        ("all but content", lambda f: f != "content"),
    ):
        n = sum(count for function, count in total.items() if keep(function))
        row = f"{title:<18}{n:>7}"
        for label in modules:
            k = sum(count for function, count in changed[label].items() if keep(function))
            row += f"{k:>8} ({k / n:5.1%})"
        print(row)
    for label in modules:
        found = ", ".join(f"{kind} {count}" for kind, count in labels[label].most_common())
        print(f"\n{label}: {found or 'nothing'}; one changed text per function:")
        for function, out in examples[label].items():
            print(f"  {function}: {out}")


def candidate_notes(rng: random.Random, n: int) -> list[str]:
    """Notes in which a cue word is followed by a surname character: all distinct."""
    leaves, _, units = reference()
    out: set[str] = set()
    while len(out) < n:
        leaf, _ = pick(rng, leaves)
        unit = pick(rng, units).removeprefix("北京市")
        out.add(
            pick(
                rng,
                (
                    f"已向来电人解释{leaf}相关政策，来电人表示理解。",
                    f"经查询政策知识库，已就{leaf}问题为来电人解答。",
                    f"{unit}已向诉求人解释相关情况，将持续跟进{leaf}问题。",
                    f"已电话联系诉求人{names.person_name(rng)[0]}先生，了解{leaf}情况。",
                    f"联系人{names.person_name(rng)}反映{leaf}问题，{unit}已受理。",
                    f"来电人{names.person_name(rng)}咨询{leaf}，已为其解答。",
                ),
            )
        )
    return sorted(out)


def timed(module, notes: list[str], repeat: int = 3) -> float:
    """Best of ``repeat`` runs, in milliseconds for all of ``notes``."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for note in notes:
            module.redact_text(note)
        best = min(best, time.perf_counter() - t0)
    return best * 1000


def load_time() -> float:
    """Milliseconds to load the segmenter, in a process that has not loaded it yet."""
    t0 = time.perf_counter()
    person_names.preload_segmenter()
    return (time.perf_counter() - t0) * 1000


def timing(before, seed: int, samples: list[tuple[str, str]]) -> None:
    rng = random.Random(seed)
    plain = [text for _, text in demo_texts(4000, seed + 1)]
    without = [t for t in plain if not any(person_names._NAME_RE.finditer(t))][:1000]
    with_candidate = candidate_notes(rng, 1000)

    print(f"{'1,000 notes':<34}{'before':>10}{'after':>10}")
    rows = [("without a name candidate", without), ("with a name candidate", with_candidate)]
    for label, notes in rows:
        old = f"{timed(before, notes):.0f} ms" if before else "-"
        person_names._segment.cache_clear()
        cold = timed(redaction, notes, repeat=1)
        warm = timed(redaction, notes)
        print(f"{label:<34}{old:>10}{cold:>7.0f} ms  (cut cache empty)")
        print(f"{'':<34}{'':>10}{warm:>7.0f} ms  (cut cache full)")
    notes = [text for _, text in samples]
    old = f"{timed(before, notes, repeat=1):.0f} ms" if before else "-"
    person_names._segment.cache_clear()
    new = timed(redaction, notes, repeat=1)
    print(f"{f'all {len(notes):,} demo texts':<34}{old:>10}{new:>7.0f} ms  (cut cache empty)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--texts", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--before", type=Path, help="an earlier privacy/redaction.py")
    args = parser.parse_args()

    load = load_time()
    before = load_module(args.before) if args.before else None
    modules = {"changed before": before} if before else {}
    modules["changed after"] = redaction
    samples = demo_texts(args.texts, args.seed)
    print(f"{len(samples)} demo public texts, seed {args.seed}\n")
    changed_table(samples, modules)
    print()
    print(f"loading the segmenter (import jieba, read its dictionary): {load:.0f} ms")
    timing(before, args.seed, samples)


if __name__ == "__main__":
    main()
