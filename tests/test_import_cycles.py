"""The import-linter contract behind `make lint`'s "no import cycle" rule finds a cycle hidden in a
function and does not count imports that only a type checker sees."""

import textwrap

import grimp
import pytest

from tools.import_cycles import AcyclicModulesContract


def write_package(root, name, modules):
    package = root / name
    package.mkdir()
    (package / "__init__.py").write_text("")
    for module, source in modules.items():
        (package / f"{module}.py").write_text(textwrap.dedent(source))


def check(package):
    contract = AcyclicModulesContract(
        name="no cycles", session_options={"root_packages": [package]}, contract_options={}
    )
    return contract.check(grimp.build_graph(package, cache_dir=None), verbose=False)


@pytest.fixture
def packages(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_a_cycle_through_an_import_inside_a_function_breaks_the_contract(packages):
    write_package(
        packages,
        "hidden_cycle",
        {
            "types": """
                def client():
                    from hidden_cycle import reads
                    return reads.client()
            """,
            "reads": "from hidden_cycle import types\n",
            "leaf": "from hidden_cycle import reads\n",
        },
    )

    result = check("hidden_cycle")

    assert not result.kept
    [cycle] = result.metadata["cycles"]
    assert cycle["modules"] == ["hidden_cycle.reads", "hidden_cycle.types"]
    assert cycle["cycle"] == [
        ("hidden_cycle.reads", "hidden_cycle.types", [1]),
        ("hidden_cycle.types", "hidden_cycle.reads", [3]),
    ]


def test_imports_under_type_checking_are_not_a_cycle(packages):
    write_package(
        packages,
        "typed_only",
        {
            "clients": """
                from typing import TYPE_CHECKING
                if TYPE_CHECKING:
                    from typed_only.sessions import Session
            """,
            "sessions": "from typed_only import clients\n",
        },
    )

    assert check("typed_only").kept
