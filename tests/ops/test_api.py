"""The public op API is listed by hand (STYLE.md rule 10): ``ember.ops.__all__`` equals the checked-in list,
every name exists, and every public function has a docstring."""

import inspect
from pathlib import Path

import ember

LISTED = Path(__file__).with_name("ops_api.txt").read_text().split()


def test_all_matches_checked_in_list():
    assert sorted(ember.ops.__all__) == LISTED, "update tests/ops/ops_api.txt together with ember/ops/__init__.py"


def test_every_listed_name_exists_and_is_documented():
    for name in LISTED:
        obj = getattr(ember.ops, name)
        assert inspect.getdoc(obj), f"ember.ops.{name} has no docstring"


def test_issue_one_exports_still_work():
    for name in (
        "add subtract multiply divide power negative exp log sqrt abs square maximum minimum where sum mean "
        "max min argmax argmin reshape transpose getitem matmul sigmoid tanh relu leaky_relu softmax "
        "log_softmax sparse_softmax_cross_entropy softmax_cross_entropy sigmoid_cross_entropy dropout"
    ).split():
        assert name in ember.ops.__all__


def test_public_modules_have_docstrings():
    import ember.debug
    import ember.random
    import ember.testing

    for module in (ember.random, ember.debug, ember.testing):
        for name in module.__all__:
            assert inspect.getdoc(getattr(module, name)), f"{module.__name__}.{name} has no docstring"
