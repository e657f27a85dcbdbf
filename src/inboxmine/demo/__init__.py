"""Deterministic, realistic demo mailbox generator (mbox + truth file)."""

from inboxmine.demo.generator import DemoResult, generate_demo

__all__ = ["DemoResult", "generate_demo"]
