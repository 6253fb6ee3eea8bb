"""The ``hf`` generator on local JSON, CSV and parquet files (never the hub)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalkit.errors import SuiteError
from evalkit.suite import load_suite

ROWS = [
    {"qid": "q1", "question": "What is 2 + 2?", "answer": "4", "choices": ["3", "4"]},
    {"qid": "q2", "question": "Capital of Peru?", "answer": "Lima", "choices": ["Lima", "Quito"]},
    {"qid": "q3", "question": "Colour of the sky?", "answer": "blue", "choices": ["blue", "red"]},
]
for _row in ROWS:
    _row["sys"] = "Be brief."
MAPPING = 'columns = { id = "qid", prompt = "question", expected = "answer", system = "sys" }'


def _manifest(folder: Path, generator: str, grader: str = "normalized") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = (
        f'kind = "chat"\n[generator]\ntype = "hf"\ncache_dir = "hf-cache"\n{generator}\n'
        f'[defaults]\ngrader = "{grader}"\n'
    )
    path = folder / "manifest.toml"
    path.write_text(text, "utf-8")
    return path


def _write_jsonl(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in ROWS), "utf-8")


def _write_csv(path: Path) -> None:
    lines = ["qid,question,answer,sys"]
    lines += [f'{r["qid"]},"{r["question"]}",{r["answer"]},{r["sys"]}' for r in ROWS]
    path.write_text("\n".join(lines) + "\n", "utf-8")


def _write_parquet(path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist(ROWS), path)


@pytest.mark.parametrize(
    ("filename", "write"),
    [("data.jsonl", _write_jsonl), ("data.csv", _write_csv), ("data.parquet", _write_parquet)],
)
def test_local_file_with_a_column_mapping(filename: str, write: object, tmp_path: Path) -> None:
    assert callable(write)
    write(tmp_path / filename)
    _manifest(tmp_path, f'path = "{filename}"\nsplit = "test"\n{MAPPING}')
    suite = load_suite(tmp_path)
    assert [s.id for s in suite.samples] == ["q1", "q2", "q3"]
    first = suite.samples[0]
    assert first.messages == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What is 2 + 2?"},
    ]
    assert first.expected == "4" and suite.samples[1].expected == "Lima"
    assert first.grader[0].type == "normalized"
    assert first.metadata["row"] == 0


def test_prompt_template_limit_and_default_ids(tmp_path: Path) -> None:
    _write_jsonl(tmp_path / "data" / "part-1.json")
    _manifest(
        tmp_path,
        'path = "data"\nprompt_template = "Q: {question}\\nChoices: {choices}"\n'
        'columns = { expected = "answer" }\nlimit = 2\n',
    )
    suite = load_suite(tmp_path)
    assert [s.id for s in suite.samples] == ["train-0", "train-1"]
    assert suite.samples[1].messages[0]["content"] == "Q: Capital of Peru?\nChoices: Lima, Quito"


def test_missing_column_names_the_column_and_the_manifest(tmp_path: Path) -> None:
    _write_csv(tmp_path / "data.csv")
    manifest = _manifest(
        tmp_path, 'path = "data.csv"\ncolumns = { prompt = "query", expected = "answer" }\n'
    )
    with pytest.raises(SuiteError) as err:
        load_suite(tmp_path)
    text = str(err.value)
    assert str(manifest) in text and "'query'" in text and "columns.prompt" in text
    _manifest(tmp_path, 'path = "data.csv"\nprompt_template = "{question} {nope}"\n')
    with pytest.raises(SuiteError, match="prompt_template: column 'nope'"):
        load_suite(tmp_path)


@pytest.mark.parametrize(
    ("generator", "message"),
    [
        ('columns = { prompt = "question" }', "needs 'path'"),
        ('path = "missing.csv"\ncolumns = { prompt = "question" }', "not found"),
        ('path = "data.csv"', "columns.prompt"),
        ('path = "data.tsv"\ncolumns = { prompt = "question" }', "not found"),
        ('path = "data.csv.txt"\ncolumns = { prompt = "question" }', "reads .json"),
        ('path = "data.csv"\ncolumns = { answer = "answer" }', "unknown key"),
        ('path = "data.csv"\ncolumns = { prompt = "question" }\nlimit = 0', "limit"),
        (
            'path = "data.csv"\ncolumns = { prompt = "question" }\nshuffle = true',
            "unknown hf option",
        ),
    ],
)
def test_bad_manifests(generator: str, message: str, tmp_path: Path) -> None:
    _write_csv(tmp_path / "data.csv")
    _write_csv(tmp_path / "data.csv.txt")
    _manifest(tmp_path, generator)
    with pytest.raises(SuiteError, match=message):
        load_suite(tmp_path)


def _problem_text(folder: Path) -> str:
    with pytest.raises(SuiteError) as err:
        load_suite(folder)
    assert len(err.value.problems) == 1
    return str(err.value.problems[0])


def test_a_bad_row_is_named_by_its_row_and_data_file(tmp_path: Path) -> None:
    # Rows 1-2 are fine; row 3 has an empty question; row 4 repeats row 1's id.
    lines = ["qid,question,answer", "q1,What?,4", "q2,Who?,5", "q3,,6", "q1,Again?,7"]
    (tmp_path / "data.csv").write_text("\n".join(lines) + "\n", "utf-8")
    manifest = _manifest(tmp_path, 'path = "data.csv"\n' + MAPPING.replace(', system = "sys"', ""))
    text = _problem_text(tmp_path)
    assert text == (
        f"{manifest}: [generator] row 3 of data.csv: [prompt] column 'question' is empty; "
        "row 4 of data.csv: [id] duplicate id 'q1' (first at row 1)"
    )
    assert f"{manifest}:3" not in text and f"{manifest}:4" not in text


def test_a_malformed_messages_cell_names_its_row(tmp_path: Path) -> None:
    good = [{"role": "user", "content": "Hi"}]
    bad = [{"role": "robot", "content": "Hi"}]
    rows = [{"m": good, "a": "x"}, {"m": good, "a": "y"}, {"m": bad, "a": "z"}]
    path = tmp_path / "data" / "chats.jsonl"
    path.parent.mkdir()
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    manifest = _manifest(tmp_path, 'path = "data/chats.jsonl"\ncolumns = { messages = "m" }')
    text = _problem_text(tmp_path)
    assert text.startswith(f"{manifest}: [generator] row 3 of data/chats.jsonl: ")
    assert "messages[0].role: 'robot'" in text


def test_many_bad_rows_are_counted_not_all_listed(tmp_path: Path) -> None:
    lines = ["question,answer"] + [f",{i}" for i in range(12)]
    (tmp_path / "data.csv").write_text("\n".join(lines) + "\n", "utf-8")
    _manifest(tmp_path, 'path = "data.csv"\ncolumns = { prompt = "question" }')
    text = _problem_text(tmp_path)
    assert text.count("is empty") == 5 and "row 5 of data.csv" in text
    assert text.endswith("; and 7 more row problem(s)")


def test_rows_carry_their_source_label(tmp_path: Path) -> None:
    _write_csv(tmp_path / "data.csv")
    _manifest(tmp_path, f'path = "data.csv"\n{MAPPING}')
    samples = load_suite(tmp_path).samples
    assert [s.metadata["source"] for s in samples] == [f"row {n} of data.csv" for n in (1, 2, 3)]
    assert [s.metadata["row"] for s in samples] == [0, 1, 2]


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("Q: {question} {}", "name a column in every {field}"),
        ("Q: {0}", "name a column in every {field}"),
        ("Q: {question} ({choices})", "[prompt_template] column(s) ['choices'] are empty"),
    ],
)
def test_template_problems(template: str, message: str, tmp_path: Path) -> None:
    rows = [{"question": "a?", "choices": "x"}, {"question": "b?", "choices": None}]
    (tmp_path / "d.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    _manifest(tmp_path, f'path = "d.jsonl"\nprompt_template = "{template}"')
    assert message in _problem_text(tmp_path)
