"""Read flows.json and texts.<lang>.json into a Bundle; anything unexpected is a FlowError."""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import resources
from typing import cast, get_args

from flows.errors import FlowError
from flows.model import Branch, Bundle, Option, ScreenDef, ScreenType, SubmitSpec, Validator
from flows.validate import validate_bundle

_SCREEN_FIELDS = frozenset(
    {
        "type", "text", "answer", "options", "next", "validator", "max_len", "skip", "hint",
        "submit", "check_case", "next_label", "note", "note_unless", "review", "branches",
        "_comment",
    }
)  # fmt: skip
_OPTION_FIELDS = frozenset({"code", "label", "next", "set", "lang", "submit", "branches"})
_BRANCH_FIELDS = frozenset({"if", "next", "submit", "_comment"})
_SUBMIT_FIELDS = frozenset({"kind", "stage", "keep"})


def load_bundle() -> Bundle:
    """Parse and validate the packaged flows and texts; raise FlowError if anything is wrong."""
    flows_data, texts_data = read_packaged_data()
    return build_bundle(flows_data, texts_data)


def read_packaged_data() -> tuple[dict[str, object], dict[str, dict[str, object]]]:
    """Return the raw JSON of flows.json and of each language's texts file."""
    data = resources.files("flows") / "data"
    flows_data = json.loads((data / "flows.json").read_text(encoding="utf-8"))
    languages = flows_data.get("languages", [])
    texts_data = {
        lang: json.loads((data / f"texts.{lang}.json").read_text(encoding="utf-8"))
        for lang in languages
    }
    return flows_data, texts_data


def build_bundle(
    flows_data: Mapping[str, object], texts_data: Mapping[str, Mapping[str, object]]
) -> Bundle:
    """Turn raw JSON into a validated Bundle."""
    languages = tuple(_str_list(flows_data.get("languages"), "languages"))
    lists = _mapping(flows_data.get("option_lists", {}), "option_lists")
    screens_raw = _mapping(flows_data.get("screens"), "screens")
    screens = {sid: _screen(sid, _mapping(raw, sid), lists) for sid, raw in screens_raw.items()}
    texts: dict[str, dict[str, str]] = {}
    for lang in languages:
        if lang not in texts_data:
            raise FlowError(f"no texts file for language {lang!r}")
        table = _mapping(texts_data[lang].get("texts"), f"texts.{lang}")
        texts[lang] = {key: _str(value, f"texts.{lang}:{key}") for key, value in table.items()}
    bundle = Bundle(
        start=_str(flows_data.get("start"), "start"),
        default_lang=_str(flows_data.get("default_lang"), "default_lang"),
        languages=languages,
        screens=screens,
        texts=texts,
    )
    validate_bundle(bundle)
    return bundle


def _screen(sid: str, raw: Mapping[str, object], lists: Mapping[str, object]) -> ScreenDef:
    unknown = set(raw) - _SCREEN_FIELDS
    if unknown:
        raise FlowError(f"screen {sid!r}: unknown fields {sorted(unknown)}")
    kind = raw.get("type")
    if kind not in get_args(ScreenType):
        raise FlowError(f"screen {sid!r}: unknown type {kind!r}")
    validator = raw.get("validator")
    if validator is not None and validator not in get_args(Validator):
        raise FlowError(f"screen {sid!r}: unknown validator {validator!r}")
    options_raw = raw.get("options", [])
    if isinstance(options_raw, str):
        # A named list shared by several screens, e.g. the provinces.
        if options_raw not in lists:
            raise FlowError(f"screen {sid!r}: no option list {options_raw!r}")
        options_raw = lists[options_raw]
    if not isinstance(options_raw, list):
        raise FlowError(f"screen {sid!r}: options must be a list or a list name")
    max_len = raw.get("max_len", 0)
    if type(max_len) is not int:
        raise FlowError(f"screen {sid!r}: max_len must be an integer")
    return ScreenDef(
        id=sid,
        type=cast(ScreenType, kind),
        text=_str(raw.get("text"), f"{sid}.text"),
        answer=_opt_str(raw.get("answer"), f"{sid}.answer"),
        options=tuple(_option(sid, _mapping(o, sid)) for o in options_raw),
        next=_opt_str(raw.get("next"), f"{sid}.next"),
        validator=cast(Validator | None, validator),
        max_len=max_len,
        skip=_opt_str(raw.get("skip"), f"{sid}.skip"),
        hint=_opt_str(raw.get("hint"), f"{sid}.hint"),
        submit=_submit(raw.get("submit"), sid),
        check_case=raw.get("check_case") is True,
        next_label=_opt_str(raw.get("next_label"), f"{sid}.next_label"),
        note=_opt_str(raw.get("note"), f"{sid}.note"),
        note_unless=_opt_str(raw.get("note_unless"), f"{sid}.note_unless"),
        review=_opt_str(raw.get("review"), f"{sid}.review"),
        branches=_branches(raw.get("branches"), sid),
    )


def _option(sid: str, raw: Mapping[str, object]) -> Option:
    unknown = set(raw) - _OPTION_FIELDS
    if unknown:
        raise FlowError(f"screen {sid!r}: option has unknown fields {sorted(unknown)}")
    sets = _mapping(raw.get("set", {}), f"{sid}.set")
    return Option(
        code=_str(raw.get("code"), f"{sid}.option.code"),
        label=_str(raw.get("label"), f"{sid}.option.label"),
        next=_opt_str(raw.get("next"), f"{sid}.option.next"),
        sets={key: _str(value, f"{sid}.set.{key}") for key, value in sets.items()},
        lang=_opt_str(raw.get("lang"), f"{sid}.option.lang"),
        submit=_submit(raw.get("submit"), sid),
        branches=_branches(raw.get("branches"), sid),
    )


def _branches(raw: object, sid: str) -> tuple[Branch, ...]:
    """Read conditional ways on: [{"if": {"answer": ["code", ...]}, "next": ..., "submit": ...}]."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise FlowError(f"screen {sid!r}: branches must be a list")
    found = []
    for item in raw:
        branch = _mapping(item, f"{sid}.branches")
        unknown = set(branch) - _BRANCH_FIELDS
        if unknown:
            raise FlowError(f"screen {sid!r}: branch has unknown fields {sorted(unknown)}")
        conditions = _mapping(branch.get("if"), f"{sid}.branches.if")
        if not conditions:
            raise FlowError(f"screen {sid!r}: a branch needs at least one condition")
        when = {
            key: frozenset(_str_list(codes, f"{sid}.branches.if.{key}"))
            for key, codes in conditions.items()
        }
        target = _str(branch.get("next"), f"{sid}.branches.next")
        found.append(Branch(when=when, next=target, submit=_submit(branch.get("submit"), sid)))
    return tuple(found)


def _submit(raw: object, sid: str) -> SubmitSpec | None:
    if raw is None:
        return None
    spec = _mapping(raw, f"{sid}.submit")
    unknown = set(spec) - _SUBMIT_FIELDS
    if unknown:
        raise FlowError(f"screen {sid!r}: submit has unknown fields {sorted(unknown)}")
    kind, stage = spec.get("kind"), spec.get("stage")
    if kind not in ("report", "help") or stage not in ("urgent", "alert", "final"):
        raise FlowError(
            f"screen {sid!r}: submit needs kind report|help and stage urgent|alert|final"
        )
    keep = tuple(_str_list(spec["keep"], f"{sid}.submit.keep")) if "keep" in spec else ()
    return SubmitSpec(kind=kind, stage=stage, keep=keep)


def _mapping(value: object, where: str) -> Mapping[str, object]:
    if not isinstance(value, dict):
        raise FlowError(f"{where}: expected an object")
    return cast(Mapping[str, object], value)


def _str(value: object, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise FlowError(f"{where}: expected a non-empty string")
    return value


def _opt_str(value: object, where: str) -> str | None:
    return None if value is None else _str(value, where)


def _str_list(value: object, where: str) -> list[str]:
    if not isinstance(value, list) or not value:
        raise FlowError(f"{where}: expected a non-empty list")
    return [_str(item, where) for item in value]
