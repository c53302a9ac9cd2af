import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from aivitals.errors import InputError
from aivitals.io import FieldMapping, load_dataset

ROWS = [
    {
        "id": "q1",
        "question": "What is 2+2?",
        "answer": ["4", "four"],
        "intent": "math",
        "source": "x",
    },
    {
        "id": "q2",
        "question": "Capital of France?",
        "answer": "Paris",
        "intent": "geo",
        "source": "y",
    },
]
MAPPING = FieldMapping(input="question", expected="answer", tags=["intent"])


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_jsonl_with_mapping(tmp_path: Path) -> None:
    ds = load_dataset(write_jsonl(tmp_path / "qa.jsonl", ROWS), mapping=MAPPING)
    assert ds.name == "qa"
    first = ds.cases[0]
    assert (first.id, first.input, first.expected) == ("q1", "What is 2+2?", ("4", "four"))
    assert first.tags == {"intent": "math"}
    assert first.metadata == {"source": "x"}


def test_default_field_names_are_recognised(tmp_path: Path) -> None:
    ds = load_dataset(write_jsonl(tmp_path / "qa.jsonl", ROWS))
    assert ds.cases[1].input == "Capital of France?"
    assert ds.cases[1].expected == ("Paris",)


def test_every_format_gives_the_same_version(tmp_path: Path) -> None:
    flat = [
        {**r, "answer": r["answer"] if isinstance(r["answer"], str) else "; ".join(r["answer"])}
        for r in ROWS
    ]
    mapping = MAPPING.model_copy(update={"list_separator": ";"})
    jsonl = load_dataset(write_jsonl(tmp_path / "a.jsonl", flat), name="qa", mapping=mapping)
    (tmp_path / "a.csv").write_text(
        "id,question,answer,intent,source\n"
        + "".join(
            f'{r["id"]},"{r["question"]}",{r["answer"]},{r["intent"]},{r["source"]}\n' for r in flat
        ),
        encoding="utf-8",
    )
    csv = load_dataset(tmp_path / "a.csv", name="qa", mapping=mapping)
    pq.write_table(pa.Table.from_pylist(flat), tmp_path / "a.parquet")
    parquet = load_dataset(tmp_path / "a.parquet", name="qa", mapping=mapping)
    (tmp_path / "a.yaml").write_text(
        "cases:\n"
        + "".join(
            f'  - id: {r["id"]}\n    question: "{r["question"]}"\n    answer: "{r["answer"]}"\n'
            f"    intent: {r['intent']}\n    source: {r['source']}\n"
            for r in flat
        ),
        encoding="utf-8",
    )
    yaml_ds = load_dataset(tmp_path / "a.yaml", name="qa", mapping=mapping)
    (tmp_path / "a.json").write_text(json.dumps(flat), encoding="utf-8")
    json_ds = load_dataset(tmp_path / "a.json", name="qa", mapping=mapping)
    assert jsonl.cases[0].expected == ("4", "four")
    assert {jsonl.version, csv.version, parquet.version, yaml_ds.version, json_ds.version} == {
        jsonl.version
    }


def test_version_changes_with_content(tmp_path: Path) -> None:
    a = load_dataset(write_jsonl(tmp_path / "a.jsonl", ROWS), mapping=MAPPING)
    changed = [ROWS[0], {**ROWS[1], "answer": "Paris, France"}]
    b = load_dataset(write_jsonl(tmp_path / "a.jsonl", changed), mapping=MAPPING)
    assert a.version != b.version


def test_chat_messages_are_an_input(tmp_path: Path) -> None:
    rows = [
        {
            "id": "c",
            "messages": [
                {"role": "system", "content": "be brief"},
                {"role": "user", "content": "hi"},
            ],
        }
    ]
    ds = load_dataset(write_jsonl(tmp_path / "chat.jsonl", rows))
    assert isinstance(ds.cases[0].input, list)


def test_missing_ids_get_content_hashes(tmp_path: Path) -> None:
    ds = load_dataset(write_jsonl(tmp_path / "n.jsonl", [{"input": "a"}, {"input": "b"}]))
    assert len({c.id for c in ds.cases}) == 2


def test_every_problem_is_reported_with_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(
        '{"id": "1", "question": "ok"}\n'
        "{not json\n"
        '{"id": "2"}\n'
        '{"id": "1", "question": "dup"}\n'
        '{"id": "3", "question": 42}\n'
        '{"id": "4", "question": "x", "answer": {"a": 1}}\n'
        "[1, 2]\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as err:
        load_dataset(path, mapping={"input": "question"})
    text = str(err.value)
    assert [p.line for p in err.value.problems] == [2, 3, 4, 5, 6, 7]
    assert f"{path}:2: invalid JSON" in text
    assert f"{path}:3, field 'question': missing input" in text
    assert "duplicate id '1' (first on line 1)" in text
    assert f"{path}:5, field 'question': input must be text" in text
    assert f"{path}:6, field 'answer'" in text
    assert f"{path}:7: expected an object" in text


def test_csv_problems_name_rows(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("id,question\n1,hello\n2,\n3,a,extra\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_dataset(path)
    assert [(p.line, p.field) for p in err.value.problems] == [(3, "question"), (4, None)]


def test_yaml_problems_name_lines(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("- id: a\n  input: fine\n- id: b\n  input: [1, 2]\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_dataset(path)
    assert err.value.problems[0].line == 3


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.jsonl", "", "no cases"),
        ("latin.jsonl", None, "not valid UTF-8"),
        ("data.txt", "x", "cannot tell the format"),
    ],
)
def test_unusable_files(tmp_path: Path, name: str, content: str | None, message: str) -> None:
    path = tmp_path / name
    if content is None:
        path.write_bytes('{"input": "caf\xe9"}\n'.encode("latin-1"))
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_dataset(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_dataset(tmp_path / "nope.jsonl")


def test_real_xquad_loads_with_a_mapping(shared_data: Path, tmp_path: Path) -> None:
    squad = json.loads(
        (shared_data / "xquad_en" / "xquad.en.visible.json").read_text(encoding="utf-8")
    )
    rows = [
        {
            "id": qa["id"],
            "question": qa["question"],
            "answers": [a["text"] for a in qa["answers"]],
            "context": p["context"],
            "title": art["title"],
        }
        for art in squad["data"]
        for p in art["paragraphs"]
        for qa in p["qas"]
    ]
    ds = load_dataset(
        write_jsonl(tmp_path / "xquad.jsonl", rows),
        mapping={"expected": "answers", "tags": ["title"]},
    )
    assert len(ds.cases) == len(rows) > 500
    assert ds.cases[0].context
