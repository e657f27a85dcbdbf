"""Prompt templates are read once per version of their file, and never stale."""

import os

from inboxmine.ai.templates import available_templates, load_template

TEMPLATE = """# note, version {n}

## system

System {n}.

## prompt

Say {{{{ thing }}}} ({n}).
"""


def test_an_edited_or_added_template_is_read_again(tmp_path):
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    first = prompts / "note.v1.md"
    first.write_text(TEMPLATE.format(n=1))
    assert load_template("note", rules_dir=tmp_path).system == "System 1."
    assert load_template("note", rules_dir=tmp_path) is load_template("note", rules_dir=tmp_path)

    first.write_text(TEMPLATE.format(n=2))
    stat = first.stat()
    os.utime(first, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert load_template("note", rules_dir=tmp_path).system == "System 2."

    (prompts / "note.v2.md").write_text(TEMPLATE.format(n=3))
    folder = prompts.stat()
    os.utime(prompts, ns=(folder.st_atime_ns, folder.st_mtime_ns + 1_000_000_000))
    assert available_templates(tmp_path)["note"] == [1, 2]
    assert load_template("note", rules_dir=tmp_path).system == "System 3."
