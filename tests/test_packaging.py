"""A built wheel carries everything it needs: rules, prompts, templates, assets, migrations."""

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Both tests share one build; parallel builds in one source tree collide.
pytestmark = pytest.mark.xdist_group("packaging")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    try:
        import build  # noqa: F401
    except ImportError:
        pytest.skip("the `build` package is not installed (pip install -e '.[dev]')")
    # Build from a clean copy: a stale build/ folder in the checkout would
    # smuggle deleted modules (an old migration, say) into the wheel.
    source = tmp_path_factory.mktemp("source")
    shutil.copy(ROOT / "pyproject.toml", source)
    shutil.copy(ROOT / "README.md", source)
    shutil.copytree(
        ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    build = [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out)]
    subprocess.run([*build, str(source)], check=True, capture_output=True)
    [path] = out.glob("inboxmine-*.whl")
    return path


def test_the_wheel_ships_the_data_files(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "inboxmine/rules/esp.yaml",
        "inboxmine/demo/esps.yaml",
        "inboxmine/sources/reply_rules.yaml",
        "inboxmine/db/migrations/env.py",
        "inboxmine/db/migrations/script.py.mako",
    ):
        assert required in names, f"{required} is missing from the wheel"
    assert any(
        n.startswith("inboxmine/db/migrations/versions/") and n.endswith(".py") for n in names
    )
    assert any(n.startswith("inboxmine/ai/prompts/") for n in names)
    assert any(n.startswith("inboxmine/web/templates/") for n in names)
    assert any(n.startswith("inboxmine/web/static/") for n in names)


def test_the_installed_wheel_runs_the_demo(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("INBOXMINE_")}
    env["PYTHONPATH"] = str(target)  # the wheel's copy, not the source tree
    where = subprocess.run(
        [sys.executable, "-c", "import inboxmine; print(inboxmine.__file__)"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.strip().startswith(str(target))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "inboxmine",
            "demo",
            "--no-serve",
            "--messages",
            "300",
            "--drafts",
            "1",
        ],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "the 10 best gems" in result.stdout
    found = result.stdout.split("gems found:")[1].split("the 10 best gems")[0]
    for gem_type in (
        "dormant_warm_thread",
        "unanswered_ask",
        "partner_program",
        "renewal_leverage",
        "co_marketing",
    ):
        assert gem_type in found
    assert (work / "demo-output" / "demo.db").is_file()
