"""The generations of data/processed: written whole, read through the pointer, old layout."""

import json

import pandas as pd

from research.core import tables


def _muni(n: int) -> pd.DataFrame:
    return pd.DataFrame({"old_code": [f"{i:03d}" for i in range(n)], "old_name": "x",
                         "new_code": "232", "new_name": "Kauhajoki", "year": 2020})


def test_write_switches_one_pointer_and_keeps_the_previous_generation(tmp_path):
    first = tables.write_tables(tmp_path, {"mergers": _muni(3)})
    gen1 = tables.generation(tmp_path)
    assert gen1.parent == tmp_path and gen1.name.startswith("gen-")
    assert json.loads((gen1 / "digest.json").read_text()) == first
    second = tables.write_tables(tmp_path, {"mergers": _muni(4)})
    gen2 = tables.generation(tmp_path)
    pointer = json.loads((tmp_path / "digest.json").read_text())
    assert pointer == {"generation": gen2.name, "previous": gen1.name, "tables": second,
                       "rows": {"mergers": 4}}
    assert len(tables.read_table(tmp_path, "mergers")) == 4
    tables.write_tables(tmp_path, {"mergers": _muni(5)})
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["digest.json", gen2.name, tables.generation(tmp_path).name])   # gen1 removed


def test_same_tables_leave_the_folder_byte_identical(tmp_path):
    tables.write_tables(tmp_path, {"mergers": _muni(3)})
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    tables.write_tables(tmp_path, {"mergers": _muni(3)})
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_tables_not_written_are_carried_over(tmp_path):
    tables.write_tables(tmp_path, {"mergers": _muni(3), "lemmas": pd.DataFrame(
        {"word": ["kunta"], "lemmas": ["kunta"]})})
    tables.write_tables(tmp_path, {"mergers": _muni(2)})
    assert tables.read_table(tmp_path, "lemmas")["word"].tolist() == ["kunta"]
    assert tables.read_rows(tmp_path) == {"lemmas": 1, "mergers": 2}


def test_flat_layout_of_earlier_versions_is_read_and_replaced(tmp_path):
    _muni(3).to_csv(tmp_path / "mergers.csv", index=False)
    (tmp_path / "digest.json").write_text(json.dumps({"mergers": "abc"}))
    (tmp_path / ".mergers.x1.tmp").write_text("left by a killed run")
    assert tables.generation(tmp_path) == tmp_path
    assert tables.read_table(tmp_path, "mergers")["old_code"].tolist() == ["000", "001", "002"]
    assert tables.read_rows(tmp_path) == {"mergers": 3}
    tables.write_tables(tmp_path, {"lemmas": pd.DataFrame({"word": ["a"], "lemmas": ["a"]})})
    gen = tables.generation(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["digest.json", gen.name]
    assert sorted(p.name for p in gen.iterdir()) == ["digest.json", "lemmas.csv", "mergers.csv"]
    assert tables.read_table(tmp_path, "mergers")["old_code"].tolist() == ["000", "001", "002"]


def test_damaged_pointer_is_reported_to_readers_and_replaced_by_prepare(tmp_path):
    import pytest
    from research.core.errors import UserError
    tables.write_tables(tmp_path, {"mergers": _muni(3)})
    (tmp_path / "digest.json").write_bytes(b"\x00\x01{not json")
    with pytest.raises(UserError) as exc:
        tables.read_table(tmp_path, "mergers")
    assert str(exc.value) == (f"{tmp_path / 'digest.json'}: the digest of the processed tables "
                              "is damaged; run `research prepare` again")
    tables.write_tables(tmp_path, {"mergers": _muni(2)})
    assert len(tables.read_table(tmp_path, "mergers")) == 2
    assert len(list(tmp_path.glob("gen-*"))) == 1
