"""The one YAML validator (research.core.schema): messages name file, line, key and what is
allowed, word for word."""

import pytest

from research.core import yamlfile
from research.core.errors import UserError
from research.core.schema import (Bool, Check, Float, Int, Invalid, Key, ListOf, Map, OneOf,
                                  Text, Words, validate)

SCHEMA = Map({
    "name": Text(),
    "size": Key(Int(), 3),
    "share": Key(Float(), 0.5),
    "strict": Key(Bool(), False),
    "method": Key(OneOf(("minmax", "zscore")), "minmax"),
    "title": Key(Words(), {"fi": "", "en": ""}),
    "themes": Key(ListOf(Map({"id": Text(), "terms": Key(ListOf(Text()), [])}),
                         unique="id", label="theme '{id}'"), []),
    "even": Key(Check(lambda v: v if isinstance(v, int) and v % 2 == 0
                      else (_ for _ in ()).throw(Invalid(f"expected an even number, got {v!r}"))),
                0),
})


def load(tmp_path, text, rows=True):
    path = tmp_path / "f.yml"
    path.write_text(text, encoding="utf-8")
    return path, validate(SCHEMA, yamlfile.load(path), path, rows=rows)


def error(tmp_path, text, rows=True):
    with pytest.raises(UserError) as exc:
        load(tmp_path, text, rows)
    return str(exc.value).replace(str(tmp_path / "f.yml"), "F")


def test_defaults_filled_and_values_converted(tmp_path):
    _, out = load(tmp_path, "name: 1.5\nshare: 1\nthemes:\n  - {id: a}\n")
    assert out == {"name": "1.5", "size": 3, "share": 1.0, "strict": False, "method": "minmax",
                   "title": {"fi": "", "en": ""}, "themes": [{"id": "a", "terms": []}],
                   "even": 0}
    assert isinstance(out["share"], float)


def test_unknown_key_suggests_the_closest_and_lists_valid_keys(tmp_path):
    assert error(tmp_path, "name: x\nsizes: 3\n") == (
        "F, row 2: key 'sizes': is not a known key; did you mean 'size'? (valid keys here: "
        "even, method, name, share, size, strict, themes, title)")
    assert error(tmp_path, "name: x\nzzz: 3\n", rows=False).startswith(
        "F: key 'zzz': is not a known key (valid keys here: even,")


def test_required_type_and_allowed_values(tmp_path):
    assert error(tmp_path, "size: 3\n") == "F, row 1: key 'name': is required but missing"
    assert error(tmp_path, "name: x\nsize: three\n") == (
        "F, row 2: key 'size': expected a whole number, got 'three'")
    assert error(tmp_path, "name: x\nstrict: 1\n") == (
        "F, row 2: key 'strict': expected true or false, got 1")
    assert error(tmp_path, "name: x\nsize: true\n") == (
        "F, row 2: key 'size': expected a whole number, got True")
    assert error(tmp_path, "name: x\nmethod: zscor\n") == (
        "F, row 2: key 'method': expected one of minmax, zscore, got 'zscor'; did you mean "
        "'zscore'?")
    assert error(tmp_path, "name: x\ntitle: {fi: a}\n") == (
        "F, row 2: key 'title': expected a mapping with 'fi' and 'en' texts, got {'fi': 'a'}")
    assert error(tmp_path, "name: x\neven: 3\n") == (
        "F, row 2: key 'even': expected an even number, got 3")


def test_list_items_named_by_label_and_unique_ids(tmp_path):
    assert error(tmp_path, "name: x\nthemes:\n  - id: a\n  - id: b\n    term: [x]\n") == (
        "F, row 5: theme 'b': key 'term': is not a known key; did you mean 'terms'? "
        "(valid keys here: id, terms)")
    assert error(tmp_path, "name: x\nthemes:\n  - id: a\n  - id: a\n") == (
        "F, row 4: theme 'a': id 'a' is used more than once")
    assert error(tmp_path, "name: x\nthemes: {id: a}\n") == (
        "F, row 2: key 'themes': expected a list, got {'id': 'a'}")
    assert error(tmp_path, "name: x\nthemes:\n  - 3\n") == (
        "F, row 2: key 'themes[0]': expected a mapping of keys, got 3")
