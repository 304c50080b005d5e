"""Requests checked against AWS's own service models (botocore's), for tests.

moto accepts requests AWS refuses (a permission set name with a space, a
MaxResults of 1000, an unknown enum value...). This module parses a raw
request the way AWS does and checks it the way AWS does, so the fault proxy
(tests/faultproxy.py --validate) can refuse it before moto sees it.

    model = AwsModel()
    service = model.service_for(scope, headers)      # "sso-admin", "iam", ...
    op, params = model.parse(service, headers, body, query_string)
    problems = model.check(service, op, params, exempt)

Checks: botocore.validate.ParamValidator (required members, types, tagged
unions, unknown members are reported separately), plus what it leaves out:
string length (min and max, in UTF-16 code units as AWS's Java counts),
integer/long/float ranges, list and map sizes, enum membership, and the
`pattern`, matched against the whole value (Java's String.matches) after
translating Java regex syntax: \\w \\d \\s are ASCII in Java, \\p{Alpha}-style
POSIX classes are ASCII, \\p{L}-style Unicode classes need the `regex`
module.

`exempt(member_name, shape_name, value)` returning True skips the length and
pattern checks of one string value (not the required, type or enum checks):
the proxy uses it for identifiers moto issued, which do not have AWS's form.
"""

import json
import urllib.parse

import botocore.session
from botocore.validate import ParamValidator

try:
    import regex as _re  # \p{L} and friends

    _HAVE_REGEX = True
except ImportError:  # pragma: no cover - the venv has it (cfn-lint needs it)
    import re as _re

    _HAVE_REGEX = False

# SigV4 credential scope (signing name) -> botocore service name. "sso" is
# also the signing name of the SSO portal and OIDC in other contexts; here
# it is sso-admin only when the X-Amz-Target says so (see service_for).
SCOPE_TO_SERVICE = {
    "sso": "sso-admin",
    "identitystore": "identitystore",
    "organizations": "organizations",
    "iam": "iam",
    "sts": "sts",
}

# Java's \w \d \s are ASCII unless UNICODE_CHARACTER_CLASS is set.
_ASCII_CLASSES = {
    "w": "a-zA-Z0-9_",
    "d": "0-9",
    "s": " \\t\\n\\x0B\\f\\r",
}
# Java's POSIX classes (ASCII only).
_POSIX = {
    "Lower": "a-z",
    "Upper": "A-Z",
    "ASCII": "\\x00-\\x7F",
    "Alpha": "a-zA-Z",
    "Digit": "0-9",
    "Alnum": "a-zA-Z0-9",
    "Punct": "!-/:-@\\[-`{-~",
    "Graph": "!-~",
    "Print": " -~",
    "Blank": " \\t",
    "Cntrl": "\\x00-\\x1F\\x7F",
    "XDigit": "0-9a-fA-F",
    "Space": " \\t\\n\\x0B\\f\\r",
}


def java_regex(pattern):
    """A Java regular expression in the syntax of Python's `regex` module."""
    out = []
    i = 0
    in_class = False
    n = len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            e = pattern[i + 1]
            if e in "wds":
                body = _ASCII_CLASSES[e]
                out.append(body if in_class else "[" + body + "]")
                i += 2
                continue
            if e in "WDS" and not in_class:
                out.append("[^" + _ASCII_CLASSES[e.lower()] + "]")
                i += 2
                continue
            if e in "pP" and i + 2 < n and pattern[i + 2] == "{":
                close = pattern.find("}", i + 3)
                name = pattern[i + 3 : close] if close > 0 else ""
                posix = _POSIX.get(name[2:] if name.startswith("Is") else name)
                if close > 0 and posix:
                    if in_class and e == "p":
                        out.append(posix)
                    elif e == "p":
                        out.append("[" + posix + "]")
                    elif not in_class:
                        out.append("[^" + posix + "]")
                    else:
                        out.append(pattern[i : close + 1])
                    i = close + 1
                    continue
                if close > 0 and name.startswith("Is") and len(name) > 2:
                    # \p{IsL}, \p{IsAlphabetic}: the "Is" prefix is Java's.
                    out.append("\\" + e + "{" + name[2:] + "}")
                    i = close + 1
                    continue
            if e == "Q":
                end = pattern.find("\\E", i + 2)
                end = n if end < 0 else end
                out.append(_re.escape(pattern[i + 2 : end]))
                i = end + 2
                continue
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if c == "[" and not in_class:
            in_class = True
            out.append(c)
            i += 1
            if i < n and pattern[i] == "^":
                out.append("^")
                i += 1
            if i < n and pattern[i] == "]":  # a leading ] is literal
                out.append("\\]")
                i += 1
            continue
        if c == "]" and in_class:
            in_class = False
        elif c == "[" and in_class:
            out.append("\\[")  # Java nests classes; none of the models do
            i += 1
            continue
        out.append(c)
        i += 1
    return "".join(out)


_COMPILED = {}


def compiled(pattern):
    """The compiled form of a model pattern, or None if it cannot be used."""
    if pattern not in _COMPILED:
        try:
            _COMPILED[pattern] = _re.compile(java_regex(pattern))
        except Exception:  # noqa: BLE001 - an untranslatable pattern is skipped
            _COMPILED[pattern] = None
    return _COMPILED[pattern]


def utf16_len(s):
    return len(s.encode("utf-16-le")) // 2


def excerpt(value, limit=40):
    s = value if isinstance(value, str) else json.dumps(value, default=str)
    return s if len(s) <= limit else s[: limit - 3] + "..."


def lower_camel(name):
    return name[:1].lower() + name[1:]


class Problem:
    """One broken rule: where, which rule, and the value."""

    def __init__(self, kind, path, rule, value=None, constraint=None, sensitive=False):
        self.kind = kind  # "required", "type", "length", "range", "size", "enum", "pattern", "unknown"
        self.path = path  # botocore style: Tags[0].Key
        self.rule = rule  # short: "pattern [\w+=,.@-]+"
        self.value = value
        self.constraint = constraint  # AWS's wording: "Member must ..."
        self.sensitive = sensitive

    def aws_path(self):
        """AWS's wording of the path: tags.1.member.key."""
        parts = []
        for seg in self.path.replace("]", "").split("."):
            if "[" in seg:
                name, idx = seg.split("[", 1)
                parts.append(lower_camel(name))
                for i in idx.split("["):
                    parts.append("%d.member" % (int(i) + 1) if i.isdigit() else i)
            elif seg:
                parts.append(lower_camel(seg))
        return ".".join(parts)

    def aws_message(self):
        if self.kind == "required":
            return "Value null at '%s' failed to satisfy constraint: Member must not be null" % self.aws_path()
        if self.kind in ("type", "unknown", "syntax"):
            return "%s: %s" % (self.aws_path() or "input", self.rule)
        shown = "" if self.sensitive else " '%s'" % excerpt(self.value, 100)
        return "Value%s at '%s' failed to satisfy constraint: %s" % (shown, self.aws_path(), self.constraint)

    def why(self, op):
        s = "%s %s: %s" % (op, self.path or "input", self.rule)
        if self.value is not None:
            s += ": " + repr(excerpt(self.value, 30))
        return s if len(s) <= 110 else s[:107] + "..."


class Refusal(Exception):
    """A request AWS would refuse: the error code, message and status."""

    def __init__(self, code, message, why, status=400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.why = why
        self.status = status


class AwsModel:
    def __init__(self):
        self._session = botocore.session.get_session()
        self._models = {}
        self._validator = ParamValidator()

    def model(self, service):
        if service not in self._models:
            self._models[service] = self._session.get_service_model(service)
        return self._models[service]

    def protocol(self, service):
        return self.model(service).protocol

    def service_for(self, scope, headers):
        """The botocore service name of a request, or None if not one of ours."""
        service = SCOPE_TO_SERVICE.get(scope)
        if not service:
            return None
        m = self.model(service)
        target = headers.get("X-Amz-Target")
        if m.protocol == "json":
            prefix = m.metadata.get("targetPrefix")
            if not target or target.rsplit(".", 1)[0] != prefix:
                return None  # e.g. scope "sso" for the portal or OIDC
        elif target:
            return None
        return service

    # ---- parsing ---------------------------------------------------------

    def parse(self, service, headers, body, query_string=""):
        """(operation name, params) of a raw request; Refusal if unreadable."""
        m = self.model(service)
        if m.protocol == "json":
            op = headers.get("X-Amz-Target", "").rsplit(".", 1)[-1]
            if op not in m.operation_names:
                raise Refusal("UnknownOperationException", "Unknown operation %s" % op, "unknown operation %s" % op)
            try:
                params = json.loads(body.decode("utf-8")) if body and body.strip() else {}
            except (ValueError, UnicodeDecodeError) as e:
                raise Refusal("SerializationException", "Malformed JSON body", "%s body: not JSON (%s)" % (op, e))
            if not isinstance(params, dict):
                raise Refusal("SerializationException", "Start of structure or map expected", "%s body: not an object" % op)
            return op, _strip_nulls(params)
        # query protocol: form body (and the URL's query string)
        pairs = urllib.parse.parse_qsl(query_string or "", keep_blank_values=True)
        ctype = headers.get("Content-Type", "")
        if body and ("x-www-form-urlencoded" in ctype or not ctype):
            pairs += urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        flat = dict(pairs)
        op = flat.pop("Action", "")
        flat.pop("Version", None)
        if op not in m.operation_names:
            raise Refusal("InvalidAction", "Could not find operation %s for version %s" % (op, m.api_version), "unknown action %r" % op)
        shape = m.operation_model(op).input_shape
        params = {}
        if shape is not None:
            params = _decode_query(flat, shape, "") or {}
        return op, params

    # ---- checking --------------------------------------------------------

    def check(self, service, op, params, exempt=None):
        """Problems of a request: a list, empty when AWS would accept it."""
        shape = self.model(service).operation_model(op).input_shape
        if shape is None:
            return []
        problems = []
        report = self._validator.validate(params, shape)
        for reason, name, extra in report._errors:  # noqa: SLF001 - a stable, plain list
            path = name[1:] if name.startswith(".") else name
            if reason == "missing required field":
                req = extra["required_name"]
                problems.append(Problem("required", (path + "." if path else "") + req, "required"))
            elif reason == "unknown field":
                problems.append(
                    Problem("unknown", (path + "." if path else "") + extra["unknown_param"], "unknown member")
                )
            elif reason in ("invalid type", "invalid type for document"):
                problems.append(
                    Problem("type", path, "type: %s" % type(extra.get("param")).__name__, extra.get("param"))
                )
            elif reason in ("more than one input", "empty input"):
                problems.append(Problem("type", path, "union: exactly one of %s" % ", ".join(extra["members"])))
            elif reason == "unable to encode to json":
                problems.append(Problem("type", path, "not JSON"))
            # "invalid length"/"invalid range" are redone below, with exemptions
        # (the walk also refuses True as an integer, which ParamValidator lets by)
        self._walk(params, shape, "", None, problems, exempt)
        return problems

    def _walk(self, value, shape, path, member_name, problems, exempt):
        t = shape.type_name
        meta = shape.metadata
        if t == "structure":
            if not isinstance(value, dict) or shape.is_document_type:
                return
            for k, v in value.items():
                if k in shape.members:
                    self._walk(v, shape.members[k], (path + "." if path else "") + k, k, problems, exempt)
        elif t == "list":
            if not isinstance(value, (list, tuple)):
                return
            self._size(len(value), meta, path, problems, "list")
            for i, v in enumerate(value):
                self._walk(v, shape.member, "%s[%d]" % (path, i), member_name, problems, exempt)
        elif t == "map":
            if not isinstance(value, dict):
                return
            self._size(len(value), meta, path, problems, "map")
            for k, v in value.items():
                self._walk(k, shape.key, "%s(key)" % path, member_name, problems, exempt)
                self._walk(v, shape.value, "%s.%s" % (path, k), member_name, problems, exempt)
        elif t == "string":
            if not isinstance(value, str):
                return
            sensitive = bool(meta.get("sensitive"))
            enum = meta.get("enum")
            if enum and value not in enum:
                problems.append(
                    Problem(
                        "enum",
                        path,
                        "enum [%s]" % ", ".join(enum),
                        value,
                        "Member must satisfy enum value set: [%s]" % ", ".join(enum),
                        sensitive,
                    )
                )
                return
            if exempt and exempt(member_name, shape.name, value):
                return
            n = utf16_len(value)
            if "max" in meta and n > meta["max"]:
                problems.append(
                    Problem(
                        "length",
                        path,
                        "max length %d (is %d)" % (meta["max"], n),
                        value,
                        "Member must have length less than or equal to %d" % meta["max"],
                        sensitive,
                    )
                )
                return
            if "min" in meta and n < meta["min"]:
                problems.append(
                    Problem(
                        "length",
                        path,
                        "min length %d (is %d)" % (meta["min"], n),
                        value,
                        "Member must have length greater than or equal to %d" % meta["min"],
                        sensitive,
                    )
                )
                return
            pattern = meta.get("pattern")
            if pattern:
                rx = compiled(pattern)
                if rx is not None and rx.fullmatch(value) is None:
                    problems.append(
                        Problem(
                            "pattern",
                            path,
                            "pattern %s" % pattern,
                            value,
                            "Member must satisfy regular expression pattern: %s" % pattern,
                            sensitive,
                        )
                    )
        elif t in ("integer", "long", "float", "double"):
            if isinstance(value, bool):
                problems.append(Problem("type", path, "type: bool", value))
                return
            if not isinstance(value, (int, float)):
                return
            if "max" in meta and value > meta["max"]:
                problems.append(
                    Problem(
                        "range",
                        path,
                        "max %s" % meta["max"],
                        value,
                        "Member must have value less than or equal to %s" % meta["max"],
                    )
                )
            elif "min" in meta and value < meta["min"]:
                problems.append(
                    Problem(
                        "range",
                        path,
                        "min %s" % meta["min"],
                        value,
                        "Member must have value greater than or equal to %s" % meta["min"],
                    )
                )

    @staticmethod
    def _size(n, meta, path, problems, what):
        if "max" in meta and n > meta["max"]:
            problems.append(
                Problem(
                    "size",
                    path,
                    "%s of at most %d (has %d)" % (what, meta["max"], n),
                    None,
                    "Member must have length less than or equal to %d" % meta["max"],
                )
            )
        elif "min" in meta and n < meta["min"]:
            problems.append(
                Problem(
                    "size",
                    path,
                    "%s of at least %d (has %d)" % (what, meta["min"], n),
                    None,
                    "Member must have length greater than or equal to %d" % meta["min"],
                )
            )

    def refusal(self, service, op, problems):
        """The Refusal AWS would answer for these problems (not "unknown" ones)."""
        query = self.protocol(service) == "query"
        first = problems[0]
        if first.kind in ("type", "syntax") and not query:
            return Refusal("SerializationException", first.aws_message(), first.why(op))
        msgs = [p.aws_message() for p in problems]
        n = len(msgs)
        message = "%d validation error%s detected: %s" % (n, "" if n == 1 else "s", "; ".join(msgs))
        return Refusal("ValidationError" if query else "ValidationException", message, first.why(op))


def _strip_nulls(v):
    """JSON null is an absent member to AWS."""
    if isinstance(v, dict):
        return {k: _strip_nulls(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [_strip_nulls(x) for x in v]
    return v


def _serialized_name(shape, default):
    return shape.serialization.get("name", default)


def _indices(flat, prefix):
    """The N of every key prefix.N or prefix.N.rest, sorted."""
    found = set()
    start = prefix + "."
    for key in flat:
        if key.startswith(start):
            head = key[len(start) :].split(".", 1)[0]
            if head.isdigit():
                found.add(int(head))
    return sorted(found)


_MISSING = object()


def _decode_query(flat, shape, prefix):
    """The value at `prefix` of a query-protocol form, guided by `shape`;
    None when absent. Scalars that do not convert are kept as strings so the
    type check reports them."""
    t = shape.type_name
    if t == "structure":
        out = {}
        for name, member in shape.members.items():
            key = _serialized_name(member, name)
            key = prefix + "." + key if prefix else key
            v = _decode_query(flat, member, key)
            if v is not None:
                out[name] = v
        return out if (out or not prefix) else None
    if t == "list":
        if flat.get(prefix, _MISSING) == "":
            return []
        if shape.serialization.get("flattened"):
            list_prefix = prefix
            if shape.member.serialization.get("name"):
                list_prefix = ".".join(prefix.split(".")[:-1] + [shape.member.serialization["name"]])
        else:
            list_prefix = prefix + "." + shape.member.serialization.get("name", "member")
        items = []
        for i in _indices(flat, list_prefix):
            v = _decode_query(flat, shape.member, "%s.%d" % (list_prefix, i))
            if v is not None:
                items.append(v)
        return items if items else None
    if t == "map":
        full = prefix if shape.serialization.get("flattened") else prefix + ".entry"
        ks = _serialized_name(shape.key, "key")
        vs = _serialized_name(shape.value, "value")
        out = {}
        for i in _indices(flat, full):
            k = _decode_query(flat, shape.key, "%s.%d.%s" % (full, i, ks))
            v = _decode_query(flat, shape.value, "%s.%d.%s" % (full, i, vs))
            if k is not None:
                out[k] = v
        return out if out else None
    raw = flat.get(prefix, _MISSING)
    if raw is _MISSING:
        return None
    if t in ("integer", "long"):
        try:
            return int(raw)
        except ValueError:
            return raw
    if t in ("float", "double"):
        try:
            return float(raw)
        except ValueError:
            return raw
    if t == "boolean":
        low = raw.lower()
        return True if low == "true" else False if low == "false" else raw
    return raw  # string, timestamp (as given), blob (base64 text)
