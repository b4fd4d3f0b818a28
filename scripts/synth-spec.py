#!/usr/bin/env python3
"""Writes a synthetic spec of N operations for the codegen scaling benchmark.

usage: scripts/synth-spec.py N OUT_DIR [SPEC_DIR]

The spec is the real one (spec/dbs-2019-03-06 by default): its service.json, its operations, and
then copies of them, round robin, renamed `<Name>Copy<k>` (file, `name`, `ram_action` and each of its own shapes and
waiters, with the `type`/`member` references to the shapes), until there are N operations. N below the real count takes the first N in name order (waiters of
service.json may then point at a missing operation, so keep N at or above the real count).
"""
import json
import pathlib
import shutil
import sys


def rename(node, shapes, suffix):
    """Renames references to the operation's own shapes (only `type` and `member` name a shape;
    `name` is a wire name that may equal a shape's)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("type", "member") and isinstance(value, str) and value in shapes:
                node[key] = value + suffix
            else:
                rename(value, shapes, suffix)
    elif isinstance(node, list):
        for value in node:
            rename(value, shapes, suffix)


def main() -> int:
    if len(sys.argv) not in (3, 4):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    n = int(sys.argv[1])
    out = pathlib.Path(sys.argv[2])
    root = pathlib.Path(__file__).resolve().parent.parent
    spec = pathlib.Path(sys.argv[3]) if len(sys.argv) == 4 else root / "spec" / "dbs-2019-03-06"
    ops = sorted(p for p in spec.glob("*.json") if p.name != "service.json")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    shutil.copy(spec / "service.json", out / "service.json")
    for i in range(n):
        source = ops[i % len(ops)]
        copy = i // len(ops)
        if copy == 0:
            shutil.copy(source, out / source.name)
            continue
        doc = json.loads(source.read_text(encoding="utf-8"))
        name = f"{doc['name']}Copy{copy}"
        doc["name"] = name
        if "ram_action" in doc:
            doc["ram_action"] = f"dbs:{name}"
        suffix = f"Copy{copy}"
        shapes = doc.get("shapes", {})
        doc["shapes"] = {k + suffix: v for k, v in shapes.items()}
        rename(doc, set(shapes), suffix)
        for waiter in doc.get("waiters", []):
            waiter["name"] += suffix
        (out / f"{name}.json").write_text(
            json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
