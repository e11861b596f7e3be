"""PATCH bodies as kube-apiserver applies them: JSON merge patch (RFC 7386), JSON patch (RFC 6902), and
strategic merge patch taken as a merge patch (lists are replaced whole: the kinds served here have no list
whose patch strategy is merge that a test patches)."""

import copy

from store import ApiError, bad_request

MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
TYPES = (MERGE, JSON_PATCH, STRATEGIC)


def merge_patch(target, patch):
    """RFC 7386 §2."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


def _pointer(path):
    if path == "":
        return []
    if not path.startswith("/"):
        raise bad_request(f"json patch path {path!r} does not start with /")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _parent(doc, parts, path):
    cur = doc
    for p in parts[:-1]:
        if isinstance(cur, list):
            try:
                cur = cur[int(p)]
            except (ValueError, IndexError):
                raise _unprocessable(f"json patch path {path!r}: no element {p}") from None
        elif isinstance(cur, dict) and p in cur:
            cur = cur[p]
        else:
            raise _unprocessable(f"json patch path {path!r}: missing {p!r}")
    return cur


def _unprocessable(msg):
    return ApiError(422, "Invalid", f"the server rejected our request due to an error in our request: {msg}")


def _get(doc, path):
    parts = _pointer(path)
    if not parts:
        return doc
    parent = _parent(doc, parts, path)
    last = parts[-1]
    try:
        return parent[int(last)] if isinstance(parent, list) else parent[last]
    except (KeyError, ValueError, IndexError, TypeError):
        raise _unprocessable(f"json patch path {path!r} does not exist") from None


def _remove(doc, path):
    parts = _pointer(path)
    parent = _parent(doc, parts, path)
    last = parts[-1]
    try:
        if isinstance(parent, list):
            return parent.pop(int(last))
        return parent.pop(last)
    except (KeyError, ValueError, IndexError, TypeError):
        raise _unprocessable(f"json patch path {path!r} does not exist") from None


def _add(doc, path, value):
    parts = _pointer(path)
    if not parts:
        return value
    parent = _parent(doc, parts, path)
    last = parts[-1]
    if isinstance(parent, list):
        if last == "-":
            parent.append(value)
        else:
            try:
                i = int(last)
            except ValueError:
                raise _unprocessable(f"json patch path {path!r}: {last!r} is not an index") from None
            if not 0 <= i <= len(parent):
                raise _unprocessable(f"json patch path {path!r}: index {i} out of range")
            parent.insert(i, value)
    elif isinstance(parent, dict):
        parent[last] = value
    else:
        raise _unprocessable(f"json patch path {path!r}: parent is not a container")
    return doc


def json_patch(target, ops):
    """RFC 6902 §4: every operation or none."""
    if not isinstance(ops, list):
        raise bad_request("a json patch is a list of operations")
    doc = copy.deepcopy(target)
    for op in ops:
        if not isinstance(op, dict) or "op" not in op or "path" not in op:
            raise bad_request(f"json patch operation {op!r} lacks op or path")
        kind, path = op["op"], op["path"]
        if kind == "add":
            doc = _add(doc, path, copy.deepcopy(op.get("value")))
        elif kind == "remove":
            _remove(doc, path)
        elif kind == "replace":
            _get(doc, path)
            parts = _pointer(path)
            if not parts:
                doc = copy.deepcopy(op.get("value"))
            else:
                parent = _parent(doc, parts, path)
                key = int(parts[-1]) if isinstance(parent, list) else parts[-1]
                parent[key] = copy.deepcopy(op.get("value"))
        elif kind == "move":
            value = _remove(doc, op.get("from", ""))
            doc = _add(doc, path, value)
        elif kind == "copy":
            doc = _add(doc, path, copy.deepcopy(_get(doc, op.get("from", ""))))
        elif kind == "test":
            if _get(doc, path) != op.get("value"):
                raise _unprocessable(f"json patch test at {path!r} failed")
        else:
            raise bad_request(f"json patch operation {kind!r} is not one of add, remove, replace, move, copy, test")
    return doc


def apply(content_type, target, body):
    ctype = (content_type or "").split(";")[0].strip()
    if ctype in (MERGE, STRATEGIC):
        if not isinstance(body, dict):
            raise bad_request("a merge patch is a JSON object")
        return merge_patch(target, body)
    if ctype == JSON_PATCH:
        return json_patch(target, body)
    raise ApiError(415, "UnsupportedMediaType", f"the body of the request was in an unknown format - accepted media "
                   f"types include: {', '.join(TYPES)}")
