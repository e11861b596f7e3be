"""Object store of the fake API server: objects kept as pre-serialised JSON, a global resourceVersion shared by
every resource (like etcd's revision), a bounded history of events, consistent paged LIST snapshots.

Every change bumps the global resourceVersion by one and appends exactly one event to the history, so the event
with resourceVersion r sits at index r - history[0].rv.  `floor` is the newest resourceVersion that is no longer
servable: LIST/WATCH from any resourceVersion >= floor can be answered from the history, older ones are 410.
"""

import base64
import bisect
import collections
import copy
import datetime
import json
import re
import threading
import time
import uuid

import field_order


_FIELD_ORDER = object()


class Kind:
    def __init__(self, resource, kind, api_version, namespaced, prefix, order=_FIELD_ORDER, status=False,
                 crd=False, short=()):
        self.resource = resource
        self.kind = kind
        self.api_version = api_version
        self.namespaced = namespaced
        self.prefix = prefix  # /api/v1 or /apis/<group>/<version>
        self.list_kind = kind + "List"
        # Go struct order for built-in kinds; None: a custom resource, kept as unstructured JSON (keys sorted).
        self.order = getattr(field_order, kind) if order is _FIELD_ORDER else order
        self.status = status  # a status subresource: main writes keep status, /status writes change only status
        self.crd = crd  # served only while the CustomResourceDefinition "<resource>.<group>" exists
        self.short = list(short)
        self.group = api_version.split("/")[0] if "/" in api_version else ""
        # Watch events carry kind/apiVersion in front of the list item's fields.
        self.event_head = ('"object":{"kind":"%s","apiVersion":"%s",' % (kind, api_version)).encode()
        self.list_head = ('{"kind":"%s","apiVersion":"%s","metadata":' % (self.list_kind, api_version)).encode()

    @property
    def crd_name(self):
        return f"{self.resource}.{self.group}"

    def qualified(self):
        """How the API server names the resource in messages: services, bgppeers.svcbgp.io."""
        return f"{self.resource}.{self.group}" if self.group else self.resource

    def arrange(self, obj):
        if self.order is not None:
            return ordered(obj, self.order)
        meta = ordered(obj.get("metadata", {}), field_order.ObjectMeta)
        return {"metadata": meta, **{k: _sorted(obj[k]) for k in sorted(obj) if k != "metadata"}}


def _sorted(v):
    if isinstance(v, dict):
        return {k: _sorted(v[k]) for k in sorted(v)}
    if isinstance(v, list):
        return [_sorted(x) for x in v]
    return v


SVCBGP = "svcbgp.io/v1alpha1"
KINDS = {
    "services": Kind("services", "Service", "v1", True, "/api/v1", status=True, short=["svc"]),
    "endpointslices": Kind("endpointslices", "EndpointSlice", "discovery.k8s.io/v1", True,
                           "/apis/discovery.k8s.io/v1"),
    "nodes": Kind("nodes", "Node", "v1", False, "/api/v1", status=True, short=["no"]),
    "secrets": Kind("secrets", "Secret", "v1", True, "/api/v1"),
    "events": Kind("events", "Event", "v1", True, "/api/v1", short=["ev"]),
    "leases": Kind("leases", "Lease", "coordination.k8s.io/v1", True, "/apis/coordination.k8s.io/v1"),
    "customresourcedefinitions": Kind("customresourcedefinitions", "CustomResourceDefinition",
                                      "apiextensions.k8s.io/v1", False, "/apis/apiextensions.k8s.io/v1",
                                      status=True, short=["crd", "crds"]),
    "bgppeers": Kind("bgppeers", "BGPPeer", SVCBGP, False, "/apis/" + SVCBGP, None, crd=True),
    "bgpadvertisements": Kind("bgpadvertisements", "BGPAdvertisement", SVCBGP, False, "/apis/" + SVCBGP, None,
                              crd=True),
    "bgpnodeconfigs": Kind("bgpnodeconfigs", "BGPNodeConfig", SVCBGP, False, "/apis/" + SVCBGP, None, crd=True),
    "bgpnodestatuses": Kind("bgpnodestatuses", "BGPNodeStatus", SVCBGP, False, "/apis/" + SVCBGP, None,
                            status=True, crd=True),
    "loadbalancerippools": Kind("loadbalancerippools", "LoadBalancerIPPool", SVCBGP, False, "/apis/" + SVCBGP,
                                None, status=True, crd=True),
}
BY_KIND = {k.kind: k for k in KINDS.values()}
ALIASES = {"service": "services", "svc": "services", "endpointslice": "endpointslices", "node": "nodes",
           "secret": "secrets", "crd": "customresourcedefinitions"}
# What /control/state counts even when empty (the built-in kinds svcbgpd watches).
ALWAYS_COUNTED = ("services", "endpointslices", "nodes")


def resource_of(name):
    name = name.lower() if name else name
    name = ALIASES.get(name, name)
    if name not in KINDS:
        raise KeyError(f"unknown resource {name!r} (one of {', '.join(KINDS)})")
    return name


def dumps(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def now_rfc3339():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def ordered(value, tmpl):
    """Reorders dict keys as the API server would emit them (known fields first, in Go struct order)."""
    if isinstance(value, list):
        return [ordered(v, tmpl) for v in value]
    if isinstance(value, dict):
        if tmpl is None:
            return value
        out = {}
        for k, sub in tmpl.items():
            if k in value:
                out[k] = ordered(value[k], sub)
        for k, v in value.items():
            if k not in out:
                out[k] = v
        return out
    if isinstance(value, (datetime.datetime, datetime.date)):  # YAML timestamps
        if isinstance(value, datetime.datetime):
            if value.tzinfo is not None:
                value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
            return value.strftime("%Y-%m-%dT%H:%M:%SZ")
        return value.isoformat()
    return value


def status_obj(code, reason, message, details=None, metadata=None):
    d = {"kind": "Status", "apiVersion": "v1", "metadata": metadata or {}, "status": "Failure",
         "message": message, "reason": reason}
    if details is not None:
        d["details"] = details
    d["code"] = code
    return d


def status_bytes(code, reason, message, details=None, metadata=None):
    """A Status object as the API server writes it (JSON and a newline)."""
    return dumps(status_obj(code, reason, message, details, metadata)) + b"\n"


class ApiError(Exception):
    def __init__(self, code, reason, message, details=None, metadata=None, headers=None):
        super().__init__(message)
        self.code = code
        self.body = status_bytes(code, reason, message, details, metadata)
        self.headers = headers or {}


def bad_request(msg):
    return ApiError(400, "BadRequest", msg)


def conflict(kind, name, why="the object has been modified; please apply your changes to the latest version "
                              "and try again"):
    return ApiError(409, "Conflict", f'Operation cannot be fulfilled on {kind.qualified()} "{name}": {why}',
                    {"name": name, "group": kind.group, "kind": kind.resource})


def _without(obj, *keys):
    return {k: v for k, v in obj.items() if k not in keys}


# ---------------------------------------------------------------------------------------------------------------
# Selectors

_KEY_RE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_VAL_RE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$")
_SET_RE = re.compile(r"^(\S+)\s+(in|notin)\s*\((.*)\)$")


def _split_top(s):
    parts, depth, cur = [], 0, []
    for ch in s:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


def parse_label_selector(s):
    """Returns a list of (op, key, value) requirements; raises ApiError 400 on a syntax error."""
    reqs = []
    if not s or not s.strip():
        return reqs
    for raw in _split_top(s):
        p = raw.strip()
        if not p:
            raise bad_request(f"unable to parse requirement: found '', expected: identifier in {s!r}")
        m = _SET_RE.match(p)
        if m:
            key, op = m.group(1), m.group(2)
            vals = [v.strip() for v in m.group(3).split(",")]
            if not vals or any(not _VAL_RE.match(v) for v in vals):
                raise bad_request(f"unable to parse requirement: invalid values in {p!r}")
            req = (op, key, frozenset(vals))
        elif p.startswith("!"):
            req = ("!", p[1:].strip(), None)
        else:
            m = re.match(r"^([^=!<>\s]+)\s*(==|=|!=|<|>)?\s*(.*)$", p)
            if not m:
                raise bad_request(f"unable to parse requirement: {p!r}")
            key, op, val = m.group(1), m.group(2), m.group(3)
            if op is None:
                if val:
                    raise bad_request(f"unable to parse requirement: {p!r}")
                req = ("exists", key, None)
            else:
                op = "=" if op == "==" else op
                if op in ("<", ">"):
                    try:
                        val = int(val)
                    except ValueError:
                        raise bad_request(f"unable to parse requirement: for 'gt', 'lt' operators, the value must "
                                          f"be an integer: {p!r}") from None
                elif not _VAL_RE.match(val):
                    raise bad_request(f"unable to parse requirement: invalid label value: {val!r}")
                req = (op, key, val)
        if not _KEY_RE.match(req[1]):
            raise bad_request(f"unable to parse requirement: invalid label key {req[1]!r}")
        reqs.append(req)
    return reqs


def labels_match(reqs, labels):
    for op, k, v in reqs:
        if op == "exists":
            if k not in labels:
                return False
        elif op == "!":
            if k in labels:
                return False
        elif op == "=":
            if labels.get(k) != v:
                return False
        elif op == "!=":
            if labels.get(k) == v:
                return False
        elif op == "in":
            if labels.get(k) not in v:
                return False
        elif op == "notin":
            if labels.get(k) in v:
                return False
        else:  # < >
            try:
                n = int(labels[k])
            except (KeyError, ValueError):
                return False
            if (op == "<" and not n < v) or (op == ">" and not n > v):
                return False
    return True


def parse_field_selector(s):
    reqs = []
    if not s or not s.strip():
        return reqs
    for p in s.split(","):
        p = p.strip()
        m = re.match(r"^([^=!]+)(==|=|!=)(.*)$", p)
        if not m:
            raise bad_request(f"invalid selector: '{s}'; can't understand '{p}'")
        field, op, val = m.group(1).strip(), m.group(2), m.group(3).strip()
        if field not in ("metadata.name", "metadata.namespace"):
            raise bad_request(f'field label not supported: {field}')
        reqs.append((field, op != "!=", val))
    return reqs


class Filter:
    """Namespace + label selector + field selector of one request."""

    def __init__(self, namespace=None, label_selector="", field_selector=""):
        self.namespace = namespace
        self.labels = parse_label_selector(label_selector)
        self.fields = parse_field_selector(field_selector)
        self.trivial = not (namespace or self.labels or self.fields)
        self.selectors = bool(self.labels or self.fields)

    def match(self, rec):
        if rec is None:
            return False
        if self.namespace and rec.ns != self.namespace:
            return False
        for field, eq, val in self.fields:
            have = rec.name if field == "metadata.name" else rec.ns
            if (have == val) != eq:
                return False
        return labels_match(self.labels, rec.labels) if self.labels else True


# ---------------------------------------------------------------------------------------------------------------
# Records, events, continue tokens

class Record:
    __slots__ = ("ns", "name", "rv", "labels", "item")

    def __init__(self, ns, name, rv, labels, item):
        self.ns = ns
        self.name = name
        self.rv = rv
        self.labels = labels
        self.item = item  # JSON bytes of the object without kind/apiVersion, starting with {"metadata":

    @property
    def key(self):
        return (self.ns, self.name)

    def with_rv(self, rv):
        obj = json.loads(self.item)
        obj["metadata"]["resourceVersion"] = str(rv)
        return Record(self.ns, self.name, rv, self.labels, dumps(obj))


class Event:
    __slots__ = ("rv", "type", "resource", "rec", "prev")

    def __init__(self, rv, type_, resource, rec, prev):
        self.rv = rv
        self.type = type_
        self.resource = resource
        self.rec = rec    # new state (ADDED/MODIFIED) or last state with the deletion's RV (DELETED)
        self.prev = prev  # state before this event, None for ADDED


def event_bytes(kind, type_, item):
    return b'{"type":"' + type_.encode() + b'",' + kind.event_head + item[1:] + b"}\n"


def encode_continue(rv, ns, name):
    tok = {"v": "meta.k8s.io/v1", "rv": rv, "start": f"{ns}/{name}\x00"}
    return base64.urlsafe_b64encode(json.dumps(tok, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_continue(token):
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        tok = json.loads(raw)
        if tok.get("v") != "meta.k8s.io/v1":
            raise ValueError("unknown version")
        rv = int(tok["rv"])
        start = tok["start"]
        if not start.endswith("\x00") or "/" not in start:
            raise ValueError("bad start key")
        ns, name = start[:-1].split("/", 1)
        return rv, (ns, name)
    except Exception as e:  # noqa: BLE001 - any garbage is a 400
        raise bad_request(f"continue key is not valid: {e}") from None


CONTINUE_EXPIRED = ("The provided continue parameter is too old to display a consistent list result. You can start "
                    "a new list without the continue parameter, or use the continue token in this response to "
                    "retrieve the remainder of the results. Continuing with the provided token results in an "
                    "inconsistent list - objects that were created, modified, or deleted between the time the first "
                    "chunk was returned and now may show up in the list.")


class Store:
    def __init__(self, history=10000):
        self.cond = threading.Condition()
        self.rv = 0
        self.objects = {r: {} for r in KINDS}
        self._sorted = {r: [] for r in KINDS}  # sorted keys, or None when it must be rebuilt
        self.history = collections.deque(maxlen=max(1, history))
        self._compacted = 0

    # -- bookkeeping --------------------------------------------------------------------------------------------
    @property
    def floor(self):
        if self.history:
            return max(self._compacted, self.history[0].rv - 1)
        return self.rv

    def set_history(self, n):
        with self.cond:
            self.history = collections.deque(self.history, maxlen=max(1, n))

    def start_at(self, rv):
        """Start numbering at rv (before any object is stored): a server restarted over a store that kept its
        revision; anything older than rv is outside the history (410)."""
        with self.cond:
            self.rv = max(self.rv, int(rv))
            self._compacted = self.rv

    def compact(self):
        with self.cond:
            self.history.clear()
            self._compacted = self.rv
            self.cond.notify_all()
            return self.rv

    def events_after(self, rv):
        """Events with resourceVersion > rv (caller holds the lock and checked rv >= floor)."""
        h = self.history
        if not h or rv >= self.rv:
            return []
        start = max(0, rv + 1 - h[0].rv)
        if start == 0:
            return list(h)
        return [h[i] for i in range(start, len(h))]

    def sorted_keys(self, resource):
        keys = self._sorted[resource]
        if keys is None:
            keys = sorted(self.objects[resource])
            self._sorted[resource] = keys
        return keys

    def _key_added(self, resource, key):
        keys = self._sorted[resource]
        if keys is not None:
            bisect.insort(keys, key)

    def _key_removed(self, resource, key):
        keys = self._sorted[resource]
        if keys is not None:
            i = bisect.bisect_left(keys, key)
            if i < len(keys) and keys[i] == key:
                del keys[i]

    def _append(self, ev):
        self.history.append(ev)

    # -- writes -------------------------------------------------------------------------------------------------
    def apply(self, obj):
        """Create or update one object (a dict with kind), as the control API does.  Returns a summary dict."""
        if not isinstance(obj, dict):
            raise ValueError("an object must be a JSON/YAML mapping")
        kind = BY_KIND.get(obj.get("kind"))
        if kind is None:
            raise ValueError(f"unsupported kind {obj.get('kind')!r} ({', '.join(BY_KIND)})")
        return self.write(kind, obj, "upsert")[0]

    def write(self, kind, obj, mode, subresource=None, path_ns=None, path_name=None):
        """One write.  mode: upsert (the control API: anything goes), create (POST: 409 when it exists),
        update (PUT: 404 when missing, 409 when metadata.resourceVersion is set and not current).  With a
        status subresource, API writes to the object keep its status and writes to /status change only
        status.  Returns (summary, stored item bytes)."""
        if not isinstance(obj, dict):
            raise bad_request("the body must be a JSON object")
        obj = copy.deepcopy(obj)
        obj.pop("kind", None)
        obj.pop("apiVersion", None)
        meta = obj.get("metadata") or {}
        if not isinstance(meta, dict):
            raise bad_request("metadata must be an object")
        obj["metadata"] = meta
        name = meta.get("name") or path_name
        if not name:
            raise ApiError(422, "Invalid", f"{kind.kind} is invalid: metadata.name: Required value: name or "
                           "generateName is required", {"kind": kind.kind, "causes": [
                               {"reason": "FieldValueRequired", "message": "Required value", "field": "metadata.name"}]})
        if path_name and name != path_name:
            raise bad_request(f"the name of the object ({name}) does not match the name on the URL ({path_name})")
        meta["name"] = name
        if kind.namespaced:
            if path_ns and meta.get("namespace") and meta["namespace"] != path_ns:
                raise bad_request("the namespace of the provided object does not match the namespace sent on the "
                                  "request")
            meta["namespace"] = ns = meta.get("namespace") or path_ns or "default"
        else:
            meta.pop("namespace", None)
            ns = ""
        labels = meta.get("labels") or {}
        if not isinstance(labels, dict):
            raise bad_request("metadata.labels must be a map")
        labels = {str(k): str(v) for k, v in labels.items()}
        if kind.kind == "Secret" and "stringData" in obj:
            data = obj.setdefault("data", {})
            for k, v in (obj.pop("stringData") or {}).items():
                data[k] = base64.b64encode(str(v).encode()).decode()
        key = (ns, name)
        with self.cond:
            objs = self.objects[kind.resource]
            old = objs.get(key)
            if mode == "create" and old is not None:
                raise ApiError(409, "AlreadyExists", f'{kind.qualified()} "{name}" already exists',
                               {"name": name, "group": kind.group, "kind": kind.resource})
            if mode == "update":
                if old is None:
                    raise ApiError(404, "NotFound", f'{kind.qualified()} "{name}" not found',
                                   {"name": name, "group": kind.group, "kind": kind.resource})
                want = meta.get("resourceVersion")
                if want not in (None, "") and str(want) != str(old.rv):
                    raise conflict(kind, name)
            oldobj = json.loads(old.item) if old is not None else None
            if mode != "upsert" and kind.status:
                if subresource == "status":
                    status = obj.get("status")
                    obj = copy.deepcopy(oldobj)
                    if status is None:
                        obj.pop("status", None)
                    else:
                        obj["status"] = status
                    meta = obj["metadata"]
                elif oldobj is not None and "status" in oldobj:
                    obj["status"] = oldobj["status"]
                else:
                    obj.pop("status", None)
            if old is not None:
                oldmeta = oldobj["metadata"]
                meta["uid"] = oldmeta.get("uid")
                meta["creationTimestamp"] = oldmeta.get("creationTimestamp")
                meta["resourceVersion"] = str(old.rv)
                if "generation" in oldmeta:
                    meta["generation"] = oldmeta["generation"]
                if dumps(kind.arrange(obj)) == old.item:
                    return ({"resource": kind.resource, "namespace": ns, "name": name, "type": "UNCHANGED",
                             "resourceVersion": str(old.rv)}, old.item)
                if kind.crd and mode != "upsert" and _without(obj, "metadata", "status") != \
                        _without(oldobj, "metadata", "status"):
                    meta["generation"] = int(oldmeta.get("generation", 1)) + 1  # a spec change
            else:
                meta["uid"] = meta.get("uid") or str(uuid.uuid4())
                meta["creationTimestamp"] = meta.get("creationTimestamp") or now_rfc3339()
                if kind.crd:
                    meta["generation"] = 1
            self.rv += 1
            meta["resourceVersion"] = str(self.rv)
            rec = Record(ns, name, self.rv, labels, dumps(kind.arrange(obj)))
            objs[key] = rec
            if old is None:
                self._key_added(kind.resource, key)
            typ = "ADDED" if old is None else "MODIFIED"
            self._append(Event(self.rv, typ, kind.resource, rec, old))
            self.cond.notify_all()
            return ({"resource": kind.resource, "namespace": ns, "name": name, "type": typ,
                     "resourceVersion": str(self.rv)}, rec.item)

    def current(self, kind, ns, name):
        """The stored object as a dict (for PATCH), or a 404."""
        with self.cond:
            rec = self.objects[kind.resource].get((ns if kind.namespaced else "", name))
        if rec is None:
            raise ApiError(404, "NotFound", f'{kind.qualified()} "{name}" not found',
                           {"name": name, "group": kind.group, "kind": kind.resource})
        return json.loads(rec.item)

    def remove(self, kind, ns, name, precondition_rv=None, precondition_uid=None):
        """DELETE through the API: 404 when missing, 409 when a precondition fails.  Returns the last item."""
        ns = (ns or "default") if kind.namespaced else ""
        with self.cond:
            rec = self.objects[kind.resource].get((ns, name))
            if rec is None:
                raise ApiError(404, "NotFound", f'{kind.qualified()} "{name}" not found',
                               {"name": name, "group": kind.group, "kind": kind.resource})
            if precondition_rv not in (None, "") and str(precondition_rv) != str(rec.rv):
                raise conflict(kind, name, "Precondition failed: ResourceVersion in precondition: "
                               f"{precondition_rv}, ResourceVersion in object meta: {rec.rv}")
            if precondition_uid and precondition_uid != json.loads(rec.item)["metadata"].get("uid"):
                raise conflict(kind, name, f"Precondition failed: UID in precondition: {precondition_uid}")
            self.delete(kind.resource, ns, name)
            return rec.item

    def delete(self, resource, ns, name):
        kind = KINDS[resource]
        ns = (ns or "default") if kind.namespaced else ""
        with self.cond:
            old = self.objects[resource].pop((ns, name), None)
            if old is None:
                return None
            self._key_removed(resource, (ns, name))
            self.rv += 1
            last = old.with_rv(self.rv)
            self._append(Event(self.rv, "DELETED", resource, last, old))
            self.cond.notify_all()
            return {"resource": resource, "namespace": ns, "name": name, "type": "DELETED",
                    "resourceVersion": str(self.rv)}

    def bulk_add(self, rows):
        """rows: iterable of (resource, ns, name, labels, make_item(rv) -> bytes).  Creates or replaces."""
        n = 0
        with self.cond:
            touched = set()
            for resource, ns, name, labels, make_item in rows:
                self.rv += 1
                rec = Record(ns, name, self.rv, labels, make_item(self.rv))
                objs = self.objects[resource]
                old = objs.get((ns, name))
                objs[(ns, name)] = rec
                if old is None:
                    touched.add(resource)
                self._append(Event(self.rv, "ADDED" if old is None else "MODIFIED", resource, rec, old))
                n += 1
            for r in touched:
                self._sorted[r] = None
            self.cond.notify_all()
        return n

    # -- reads --------------------------------------------------------------------------------------------------
    def get(self, resource, ns, name):
        kind = KINDS[resource]
        with self.cond:
            rec = self.objects[resource].get((ns if kind.namespaced else "", name))
        if rec is None:
            raise ApiError(404, "NotFound", f'{resource} "{name}" not found',
                           {"name": name, "kind": resource})
        return kind.event_head[len(b'"object":'):] + rec.item[1:] + b"\n"

    def list(self, resource, flt, limit=0, cont="", rv_param=None, rv_match="", rv0_ignores_limit=False):
        """A LIST response body (bytes), or raises ApiError."""
        kind = KINDS[resource]
        if rv_match not in ("", "Exact", "NotOlderThan"):
            raise ApiError(422, "Invalid", f'resourceVersionMatch: Unsupported value: "{rv_match}"')
        if rv_match and not rv_param:
            raise ApiError(422, "Invalid", "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden "
                                           "unless resourceVersion is provided")
        start = None
        with self.cond:
            cur = self.rv
            if cont:
                if rv_param not in (None, "", "0"):
                    raise bad_request("specifying resource version is not allowed when using continue")
                snap, start = decode_continue(cont)
                if snap == -1:      # an "inconsistent" continuation: the rest at the current revision
                    snap = cur
                elif snap < self.floor:
                    raise ApiError(410, "Expired", CONTINUE_EXPIRED,
                                   metadata={"continue": encode_continue(-1, *start)})
            elif rv_param in (None, ""):
                snap = cur
            elif rv_param == "0":
                snap = cur
                if rv0_ignores_limit:
                    limit = 0
            else:
                try:
                    want = int(rv_param)
                    if want < 0:
                        raise ValueError
                except ValueError:
                    raise ApiError(400, "BadRequest", f"invalid resource version: {rv_param}") from None
                exact = rv_match == "Exact" or (rv_match == "" and limit > 0)
                if want > cur:
                    raise ApiError(504, "Timeout", f"Too large resource version: {want}, current: {cur}",
                                   {"causes": [{"reason": "ResourceVersionTooLarge",
                                                "message": "Too large resource version"}],
                                    "retryAfterSeconds": 1})
                if exact:
                    if want < self.floor:
                        raise ApiError(410, "Expired", "The resourceVersion for the provided list is too old.")
                    snap = want
                else:
                    snap = cur
            items, more_from, remaining = self._collect(resource, flt, limit, start, snap)
        meta = b'{"resourceVersion":"%d"' % snap
        if more_from is not None:
            meta += b',"continue":"' + encode_continue(snap, *more_from).encode() + b'"'
            if remaining is not None and not flt.selectors:
                meta += b',"remainingItemCount":%d' % remaining
        meta += b"}"
        return kind.list_head + meta + b',"items":[' + b",".join(items) + b"]}\n"

    def _collect(self, resource, flt, limit, start, snap):
        objs = self.objects[resource]
        keys = self.sorted_keys(resource)
        overrides = {}
        if snap < self.rv:
            for ev in self.events_after(snap):
                if ev.resource == resource:
                    k = ev.rec.key
                    if k not in overrides:
                        overrides[k] = ev.prev
        extra = sorted(k for k, v in overrides.items() if v is not None and k not in objs)
        lo = (flt.namespace, "") if flt.namespace else None
        if start is not None and (lo is None or start > lo):
            i = bisect.bisect_right(keys, start)
            j = bisect.bisect_right(extra, start)
        elif lo is not None:
            i = bisect.bisect_left(keys, lo)
            j = bisect.bisect_left(extra, lo)
        else:
            i = j = 0

        na, nb = len(keys), len(extra)
        hi_a, hi_b = na, nb
        if flt.namespace:  # only this namespace's key range
            hi_a = bisect.bisect_left(keys, (flt.namespace + "\x00", ""))
            hi_b = bisect.bisect_left(extra, (flt.namespace + "\x00", ""))
        a, b = i, j
        items = []
        last = None
        trivial = flt.trivial
        match = flt.match
        get = objs.get
        full = False
        while a < hi_a or b < hi_b:
            if b >= hi_b or (a < hi_a and keys[a] < extra[b]):
                k = keys[a]
                a += 1
                from_keys = True
            else:
                k = extra[b]
                b += 1
                from_keys = False
            rec = overrides[k] if k in overrides else get(k)
            if rec is None:
                continue
            if trivial or match(rec):
                if full:  # one more matching object exists: a continue token is due
                    if from_keys:
                        a -= 1
                    else:
                        b -= 1
                    remaining = (hi_a - a) + (hi_b - b)
                    return items, last, remaining
                items.append(rec.item)
                last = k
                if limit and len(items) >= limit:
                    full = True
                    if flt.selectors:  # etcd's "more": any key left in range, whether it matches or not
                        more = any((overrides[keys[x]] if keys[x] in overrides else get(keys[x])) is not None
                                   for x in range(a, hi_a)) or any(overrides[extra[x]] is not None
                                                                   for x in range(b, hi_b))
                        return (items, last, None) if more else (items, None, None)
        return items, None, None

    def counts(self):
        with self.cond:
            return {r: len(o) for r, o in self.objects.items() if o or r in ALWAYS_COUNTED}

    def crd_installed(self, kind):
        with self.cond:
            return ("", kind.crd_name) in self.objects["customresourcedefinitions"]

    def snapshot(self, resource, flt):
        """Current matching records and the current RV (for initial watch events)."""
        with self.cond:
            objs = self.objects[resource]
            recs = [objs[k] for k in self.sorted_keys(resource)]
            rv = self.rv
        if not flt.trivial:
            recs = [r for r in recs if flt.match(r)]
        return recs, rv
