"""python -m inboxmine.demo OUT_DIR [--seed N] [--messages N]"""

from __future__ import annotations

import argparse
from pathlib import Path

from inboxmine.demo.generator import generate_demo


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m inboxmine.demo", description=__doc__)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--me", default="alex@northwind-consulting.com")
    args = parser.parse_args(argv)
    result = generate_demo(args.out_dir, seed=args.seed, messages=args.messages, me=args.me)
    print(f"mbox:  {result.mbox_path}")
    print(f"truth: {result.truth_path}")
    print(f"messages: {result.message_count}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
