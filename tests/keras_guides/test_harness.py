"""The guide harness itself: statement splitting, import rewriting, failure naming, fact extraction."""

from tests.keras_guides.harness import missing_name, run_statements, split_statements, to_ember
from tests.keras_guides.report import compare, facts


def test_split_drops_markdown_cells_and_keeps_line_numbers():
    text = '"""\n# Title\n"""\n\nimport keras\n\n"""text"""\nx = (\n    1\n)\nprint(x)\n'
    assert [(lineno, code.splitlines()[0]) for lineno, code in split_statements(text)] == [
        (5, "import keras"), (8, "x = ("), (11, "print(x)")]



def test_split_keeps_decorators_with_their_function_or_class():
    text = "import keras\n\n\n@keras.saving.register_keras_serializable(package='p')\n@other\nclass A:\n    pass\n"
    assert split_statements(text)[1] == (4, "@keras.saving.register_keras_serializable(package='p')\n@other\n"
                                            "class A:\n    pass")

def test_to_ember_rewrites_imports_and_keeps_every_line():
    text = "import keras\n\nfrom keras import layers\nfrom keras.layers import Dense\nimport keras_hub\n"
    out = to_ember(text)
    assert out == ("import ember as keras\n\nfrom ember import layers\nfrom ember.layers import Dense\n"
                   "import keras_hub\n")
    assert out.count("\n") == text.count("\n")


def test_missing_name_reads_attribute_import_and_keyword_errors():
    assert missing_name("AttributeError", "module 'ember.layers' has no attribute 'add'") == "ember.layers.add"
    assert missing_name("AttributeError", "'Sequential' object has no attribute 'inputs'") == "Sequential.inputs"
    message = "Input() got an unexpected keyword argument 'batch_shape'"
    assert missing_name("TypeError", message) == "Input(batch_shape=)"
    assert missing_name("ImportError", "cannot import name 'ops' from 'ember.x'") == "ember.x.ops"
    assert missing_name("ValueError", "bad") == "other ValueError"


def test_failures_are_recorded_and_cascades_charged_to_their_root():
    statements = split_statements("import math\ny = math.no_such_thing\nz = y + 1\nprint(3)\n")
    records = run_statements(statements, "ember")
    assert [r["status"] for r in records] == ["ran", "raised", "raised", "ran"]
    assert records[1]["missing"] == "math.no_such_thing"
    assert records[2]["missing"] == "math.no_such_thing" and records[2]["cascade"]
    assert records[3]["stdout"] == "3\n"


def test_facts_normalise_torch_sizes_and_skip_progress_lines():
    out = "torch.Size([3, 4])\n(None, 64)\nTotal params: 1,234 (4.82 KB)\n1/1 ━━━━ 0s 3ms/step - loss: 0.5\n7 weights\n"
    assert facts(out) == {"shapes": ["(3,4)", "(None,64)"], "params": {"Total": 1234}, "ints": [7]}


def test_compare_reports_a_differing_param_count():
    def result(stdout):
        return {"total": 1, "records": [{"lineno": 1, "code": "m.summary()", "status": "ran", "stdout": stdout}]}

    assert compare(result("Total params: 10"), result("Total params: 10")) == []
    (diff,) = compare(result("Total params: 10"), result("Total params: 12"))
    assert diff["what"] == "params" and diff["ember"] == {"Total": 10} and diff["keras"] == {"Total": 12}
