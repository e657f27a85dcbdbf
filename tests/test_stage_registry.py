"""Stages on the one registry: order, ``all``, the settings, and the shape of stages/."""

import ast
from pathlib import Path

import pytest

from inboxmine.config import Settings
from inboxmine.runner.registry import STAGES, UnknownStage, expand, run_all_keys, stages

STAGES_DIR = Path(__file__).parents[1] / "src" / "inboxmine" / "stages"
PIPELINE = ["metadata", "content", "entities", "classify", "profile", "segment", "engage"]


def test_every_stage_registers_itself_in_pipeline_order():
    assert list(stages()) == PIPELINE
    assert STAGES.names() == PIPELINE


def test_all_is_the_stages_that_take_part_in_it():
    assert run_all_keys() == PIPELINE[:-1]
    assert expand(["all", "engage"]) == PIPELINE


def test_the_settings_leave_a_stage_out_of_all_and_refuse_to_run_it():
    settings = Settings(components={"stages": {"entities": False}})
    assert "entities" not in expand(["all"], settings)
    with pytest.raises(UnknownStage, match="disabled"):
        expand(["entities"], settings)


def test_the_settings_reorder_stages():
    settings = Settings(components={"stages": {"segment": 45}})
    assert expand(["profile", "segment", "classify"], settings) == [
        "classify",
        "segment",
        "profile",
    ]


def test_a_misspelt_stage_in_the_settings_names_the_nearest():
    with pytest.raises(UnknownStage, match="did you mean 'segment'"):
        expand(["all"], Settings(components={"stages": {"segmnt": False}}))


def _stage_modules():
    return [p for p in STAGES_DIR.glob("*.py") if p.name != "__init__.py"]


def test_no_stage_imports_another_stage():
    for path in _stage_modules():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            assert not any(n.startswith("inboxmine.stages") for n in names), path.name


def test_a_stage_file_is_a_small_declaration():
    for path in _stage_modules():
        lines = len(path.read_text().splitlines())
        assert lines <= 250, f"{path.name} has {lines} lines: move its logic out of stages/"
