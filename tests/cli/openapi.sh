#!/usr/bin/env bash
# docs/api/openapi.yaml and the route table in code (waybilld --routes)
# agree: the same operations, each with the same roles, and every
# operation documents 200/201 and names its roles; the document has no
# value lost to YAML, its $refs resolve, and every operation lists the
# shared generic error answers.
. "$(dirname "$0")/lib.bash"
: "${WAYBILLD:?set WAYBILLD to the waybilld binary}"
expect 0 "$WAYBILLD" --routes
cp "$T/out" "$T/routes"
expect 0 /usr/bin/python3 - "$WB_SRC/docs/api/openapi.yaml" "$T/routes" <<'PY'
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
order = ["operator", "compliance", "maintainer", "auditor", "admin"]
spec = {}
for path, ops in doc["paths"].items():
    for method, op in ops.items():
        roles = op.get("x-roles")
        if roles is None:
            sys.exit("%s %s: no x-roles" % (method, path))
        if not any(k in op.get("responses", {}) for k in ("200", "201")):
            sys.exit("%s %s: no success response" % (method, path))
        if not roles and op.get("security") != []:
            sys.exit("%s %s: public but not security: []" % (method, path))
        spec[(method.upper(), path)] = ",".join(sorted(roles, key=order.index)) or "-"
code = {}
for line in open(sys.argv[2]):
    method, pattern, roles = line.split()
    code[(method, pattern)] = roles
bad = 0
for k in sorted(set(spec) | set(code)):
    if spec.get(k) != code.get(k):
        print("%s %s: openapi %s, code %s" % (k[0], k[1], spec.get(k), code.get(k)))
        bad = 1
print("%d operations" % len(code))
sys.exit(bad)
PY
has "$T/out" "36 operations"
# the document itself: no value lost to YAML (an unquoted ", " in a flow
# mapping makes a key of null), every $ref resolves, and every operation
# lists the generic answers every path gives (docs/api/access.md,
# "Malformed requests") as the shared responses
cat >"$T/lint.py" <<'PY'
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
generic = {"400": "BadRequest", "413": "TooLarge", "414": "URITooLong",
           "431": "HeaderFieldsTooLarge", "501": "UnknownTransferCoding"}
bad = []
def walk(o, path):
    if isinstance(o, dict):
        for k, v in o.items():
            if v is None:
                bad.append("%s: null (a comma in a flow mapping?)" % "/".join(map(str, path + [k])))
            if k == "$ref":
                node = doc
                for part in v.lstrip("#/").split("/"):
                    node = node.get(part) if isinstance(node, dict) else None
                if node is None:
                    bad.append("%s: $ref %s does not resolve" % ("/".join(map(str, path)), v))
            walk(v, path + [k])
    elif isinstance(o, list):
        for i, v in enumerate(o):
            walk(v, path + [i])
walk(doc, [])
for path, ops in doc["paths"].items():
    for method, op in ops.items():
        rs = op.get("responses", {})
        for code, name in generic.items():
            if rs.get(code) != {"$ref": "#/components/responses/" + name}:
                bad.append("%s %s: %s is not the shared %s" % (method, path, code, name))
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
expect 0 /usr/bin/python3 "$T/lint.py" "$WB_SRC/docs/api/openapi.yaml"
# the lint can fail: a generic answer dropped, an unquoted comma
awk '/"414": \{\$ref/ && !done {done=1; next} {print}' \
    "$WB_SRC/docs/api/openapi.yaml" >"$T/no414.yaml"
expect 1 /usr/bin/python3 "$T/lint.py" "$T/no414.yaml"
has "$T/out" "414 is not the shared URITooLong"
sed 's/description: "erased, or never had a payload"/description: erased, or never had a payload/' \
    "$WB_SRC/docs/api/openapi.yaml" >"$T/comma.yaml"
expect 1 /usr/bin/python3 "$T/lint.py" "$T/comma.yaml"
has "$T/out" "or never had a payload: null"
# the check can fail: a role dropped from one operation is found
sed 's/x-roles: \[operator, admin\]/x-roles: [admin]/' \
    "$WB_SRC/docs/api/openapi.yaml" >"$T/changed.yaml"
expect 1 /usr/bin/python3 - "$T/changed.yaml" "$T/routes" <<'PY'
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
order = ["operator", "compliance", "maintainer", "auditor", "admin"]
spec = {(m.upper(), p): ",".join(sorted(o["x-roles"], key=order.index)) or "-"
        for p, ops in doc["paths"].items() for m, o in ops.items()}
code = {tuple(l.split()[:2]): l.split()[2] for l in open(sys.argv[2])}
sys.exit(0 if spec == code else 1)
PY
finish
