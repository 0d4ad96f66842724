#!/usr/bin/env python3
"""Synthesizes a realistic Rosetta IDL and the equivalent proto3, for the compiler benchmark.

    python3 bench/compiler/synth.py --types 2000 --services 200 --out DIR

writes DIR/idl/*.idl and DIR/proto/*.proto describing the same API:

  types_K.idl   structs (5-15 fields: scalars, optional, list, map<string,_>, references to
                structs, enums and unions, some constraints and docs), enums, unions, errors.
                Each file imports the two before it and refers to their types by plain name
                (a few by qualified `bench.v1.Name`), so lookups cross files.
  services_K.idl  services with 5-10 rpcs each: a message input, a parameter list or nothing;
                struct, list, scalar or no result; `throws`; about half with a unique `@http`
                route. Imports every types file.
  api.idl       the root: imports every services file and declares a few topics.

The .proto side mirrors it: messages, enums with a zero value (`<ENUM>_UNSPECIFIED = 0` when
the IDL has none, values prefixed with the enum name as proto scoping needs), a `oneof` per union,
errors as messages, and per rpc the synthesized `<Rpc>Request` (parameter list) and
`<Rpc>Response { result = 1; }` (non-struct result) messages, `google.protobuf.Empty` for no
input or output. Topics have no proto equivalent (their value types are already messages).

The file count stays fixed (default 10 types files, 4 services files) whatever the size, so a
10x larger API means 10x larger files. Output is deterministic for a given --seed.
"""

import argparse
import os
import random
import re

PACKAGE = "bench.v1"

ADJ = [
    "Active", "Archived", "Billing", "Bulk", "Cached", "Daily", "Draft", "External", "Global",
    "Internal", "Legacy", "Linked", "Local", "Monthly", "Nested", "Pending", "Primary", "Public",
    "Remote", "Secure", "Shared", "Signed", "Staged", "Tagged", "Trusted", "Verified", "Weekly",
]
NOUN = [
    "Account", "Address", "Asset", "Audit", "Batch", "Booking", "Budget", "Cart", "Catalog",
    "Channel", "Claim", "Contract", "Coupon", "Customer", "Device", "Discount", "Document",
    "Invoice", "Ledger", "License", "Listing", "Message", "Meter", "Order", "Parcel", "Payment",
    "Policy", "Price", "Product", "Profile", "Quote", "Refund", "Region", "Report", "Review",
    "Route", "Schedule", "Session", "Shipment", "Sku", "Store", "Subscription", "Tariff", "Team",
    "Ticket", "Token", "Vendor", "Voucher", "Wallet", "Warehouse",
]
FIELD_WORDS = [
    "amount", "code", "count", "created", "currency", "deleted", "description", "email", "expires",
    "flag", "hash", "label", "level", "limit", "name", "note", "owner", "phone", "priority", "rank",
    "ratio", "score", "size", "slug", "source", "state", "status", "target", "title", "total",
    "updated", "url", "version", "weight", "zone",
]
ENUM_WORDS = [
    "ACTIVE", "ARCHIVED", "BLOCKED", "CANCELLED", "CLOSED", "DONE", "DRAFT", "EXPIRED", "FAILED",
    "HIDDEN", "LOCKED", "NEW", "OPEN", "PAUSED", "PENDING", "REJECTED", "RUNNING", "SENT",
]
VERBS = ["Get", "List", "Create", "Update", "Delete", "Search", "Sync", "Approve", "Export", "Count"]
ERROR_KINDS = [
    "not_found", "already_exists", "invalid_argument", "permission_denied", "failed_precondition",
    "unavailable", "resource_exhausted", "aborted", "unauthenticated", "internal",
]
SCALARS = ["bool", "i32", "i64", "u32", "u64", "f64", "string", "string", "string", "bytes",
           "timestamp"]
# Inside optional/list/map: no u64 (it would need a @range on the field to avoid W0001).
LEAF_SCALARS = [s for s in SCALARS if s != "u64"]
PROTO_SCALAR = {
    "bool": "bool", "i32": "int32", "i64": "int64", "u32": "uint32", "u64": "uint64",
    "f64": "double", "string": "string", "bytes": "bytes", "timestamp": "google.protobuf.Timestamp",
}


def upper_snake(name):
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).upper()


class Type:
    """A declared type: kind is struct, enum, union or error."""

    def __init__(self, index, kind, name, file):
        self.index, self.kind, self.name, self.file = index, kind, name, file
        self.fields = []       # (name, TypeExpr, number, annotations, doc) for struct/union/error
        self.values = []       # (NAME, number) for enums
        self.reserved = []     # reserved numbers (structs)
        self.doc = None
        self.error_kind = None
        self.has_body = True   # errors may have none
        self.string_id = False  # has `id: string = 1`


# A type expression: ("scalar", s) | ("ref", Type, qualified) | ("optional", e) | ("list", e)
# | ("map", e)
def idl_type(e):
    tag = e[0]
    if tag == "scalar":
        return e[1]
    if tag == "ref":
        return f"{PACKAGE}.{e[1].name}" if e[2] else e[1].name
    if tag == "map":
        return f"map<string, {idl_type(e[1])}>"
    return f"{tag}<{idl_type(e[1])}>"


def proto_base(e):
    if e[0] == "scalar":
        return PROTO_SCALAR[e[1]]
    return f".{PACKAGE}.{e[1].name}" if e[2] else e[1].name


def proto_field(e, name, number):
    """A proto3 field line (no indent) for a field of IDL type `e`."""
    tag = e[0]
    if tag == "optional":
        return f"optional {proto_base(e[1])} {name} = {number};"
    if tag == "list":
        return f"repeated {proto_base(e[1])} {name} = {number};"
    if tag == "map":
        return f"map<string, {proto_base(e[1])}> {name} = {number};"
    return f"{proto_base(e)} {name} = {number};"


def uses_timestamp(e):
    return (e[0] == "scalar" and e[1] == "timestamp") or (
        e[0] in ("optional", "list", "map") and uses_timestamp(e[1]))


class Synth:
    def __init__(self, n_types, n_services, type_files, service_files, seed):
        self.r = random.Random(seed)
        self.n_types, self.n_services = n_types, n_services
        self.type_files = max(1, min(type_files, n_types))
        self.service_files = max(1, min(service_files, n_services))
        self.types = []
        self.by_file = [[] for _ in range(self.type_files)]
        self.make_types()
        self.services = []
        self.make_services()

    # ---- types -------------------------------------------------------------------------------

    def make_types(self):
        r = self.r
        names = set()
        for i in range(self.n_types):
            kind = r.choices(["struct", "enum", "union", "error"], [65, 15, 10, 10])[0]
            file = i * self.type_files // self.n_types
            suffix = {"struct": "", "enum": "Kind", "union": "Choice", "error": "Error"}[kind]
            name = f"{r.choice(ADJ)}{r.choice(NOUN)}{suffix}{i}"
            assert name not in names
            names.add(name)
            t = Type(i, kind, name, file)
            if r.random() < 0.5:
                t.doc = f"The {kind} {name}: synthesized for the compiler benchmark."
            self.types.append(t)
            self.by_file[file].append(t)
        for t in self.types:
            getattr(self, "fill_" + t.kind)(t)

    def visible(self, t):
        """Types visible from t's file by plain name: its own file and the two it imports."""
        lo = self.by_file[max(0, t.file - 2)][0].index
        hi = self.by_file[t.file][-1].index
        return lo, hi

    def pick_ref(self, t, kinds, below=False):
        """A visible type of one of `kinds`; strictly below t's index when `below` (no cycles
        through required fields). None if there is none."""
        lo, hi = self.visible(t)
        if below:
            hi = t.index - 1
        if hi < lo:
            return None
        for _ in range(12):
            c = self.types[self.r.randint(lo, hi)]
            if c.kind in kinds and c is not t:
                return ("ref", c, self.r.random() < 0.1)
        return None

    def leaf(self, t, allow_ref=True):
        r = self.r
        if allow_ref and r.random() < 0.4:
            ref = self.pick_ref(t, ("struct", "enum", "union"))
            if ref:
                return ref
        return ("scalar", r.choice(LEAF_SCALARS))

    def field_type(self, t):
        r = self.r
        roll = r.random()
        if roll < 0.40:
            return ("scalar", r.choice(SCALARS))
        if roll < 0.52:
            return ("optional", self.leaf(t))
        if roll < 0.64:
            return ("list", self.leaf(t))
        if roll < 0.72:
            return ("map", self.leaf(t))
        # A required reference: enums anywhere visible; structs and unions declared earlier.
        ref = self.pick_ref(t, ("enum",)) if r.random() < 0.3 else None
        return ref or self.pick_ref(t, ("struct", "union"), below=True) or ("scalar", "string")

    def annotations_for(self, e):
        r = self.r
        if e[0] == "scalar" and e[1] == "u64":
            return " @range(0, 9223372036854775807)"
        if r.random() > 0.15:
            return ""
        if e[0] == "scalar" and e[1] == "string":
            return r.choice([" @length(1, 200)", ' @pattern("^[a-z0-9-]+$")', " @length(0, 64)"])
        if e[0] == "scalar" and e[1] in ("i32", "i64", "u32"):
            return r.choice([" @range(0, 1000)", " @range(1, ..)"])
        if e[0] == "scalar" and e[1] == "f64":
            return " @range(0.0, 1.0)"
        if e[0] in ("list", "map"):
            return " @length(0, 100)"
        return ""

    def fill_struct(self, t):
        r = self.r
        n = r.randint(5, 15)
        number = 1
        used = set()
        if r.random() < 0.7:
            t.string_id = True
            t.fields.append(("id", ("scalar", "string"), 1, "", None))
            used.add("id")
            number = 2
        while len(t.fields) < n:
            name = r.choice(FIELD_WORDS)
            if name in used:
                name = f"{name}_{len(t.fields)}"
            used.add(name)
            if r.random() < 0.05:
                t.reserved.append(number)
                number += 1
            e = self.field_type(t)
            doc = f"The {name.replace('_', ' ')}." if r.random() < 0.3 else None
            t.fields.append((name, e, number, self.annotations_for(e), doc))
            number += 1
        if r.random() < 0.05:
            t.reserved_name = f"old_{r.choice(FIELD_WORDS)}"

    def fill_enum(self, t):
        r = self.r
        words = r.sample(ENUM_WORDS, r.randint(3, 8))
        start = 0 if r.random() < 0.3 else 1
        t.values = [(w, start + k) for k, w in enumerate(words)]

    def fill_union(self, t):
        r = self.r
        n = r.randint(2, 5)
        for k in range(n):
            e = self.pick_ref(t, ("struct",)) if r.random() < 0.7 else None
            if e is None or any(f[1] == e for f in t.fields):
                e = ("scalar", r.choice(["string", "i64", "bool", "bytes"]))
            t.fields.append((f"variant_{k}", e, k + 1, "", None))

    def fill_error(self, t):
        r = self.r
        t.error_kind = r.choice(ERROR_KINDS)
        if r.random() < 0.4:
            t.has_body = False
            return
        for k, name in enumerate(r.sample(["resource", "id", "reason", "field", "limit"],
                                          r.randint(1, 4))):
            ty = "u32" if name == "limit" else "string"
            t.fields.append((name, ("scalar", ty), k + 1, "", None))

    # ---- services ----------------------------------------------------------------------------

    def make_services(self):
        r = self.r
        structs = [t for t in self.types if t.kind == "struct"]
        enums = [t for t in self.types if t.kind == "enum"]
        errors = [t for t in self.types if t.kind == "error"]
        rpc_no = 0
        for j in range(self.n_services):
            noun = r.choice(NOUN)
            svc = {"name": f"{noun}Service{j}", "file": j * self.service_files // self.n_services,
                   "rpcs": [], "doc": f"Manages {noun.lower()} records (service {j})."}
            for k in range(r.randint(5, 10)):
                rpc_no += 1
                verb = r.choice(VERBS)
                name = f"{verb}{r.choice(NOUN)}{rpc_no}"
                rpc = {"name": name, "input": None, "params": [], "output": None, "throws": [],
                       "http": None, "doc": None, "deprecated": r.random() < 0.02}
                if r.random() < 0.4:
                    rpc["doc"] = f"{verb}s things (rpc {rpc_no})."
                roll = r.random()
                if roll < 0.35:
                    rpc["input"] = ("ref", r.choice(structs), False)
                elif roll < 0.9:
                    used = set()
                    for p in range(r.randint(1, 4)):
                        pname = r.choice(FIELD_WORDS)
                        if pname in used:
                            pname = f"{pname}_{p}"
                        used.add(pname)
                        kind = r.random()
                        if kind < 0.6:
                            e = ("scalar", r.choice(["string", "i32", "i64", "bool", "u32"]))
                        elif kind < 0.75:
                            e = ("ref", r.choice(enums), False)
                        elif kind < 0.85:
                            e = ("optional", ("scalar", r.choice(["string", "u32"])))
                        elif kind < 0.92:
                            e = ("list", ("scalar", "string"))
                        else:
                            e = ("ref", r.choice(structs), r.random() < 0.1)
                        rpc["params"].append((pname, e))
                # else: no input
                roll = r.random()
                if roll < 0.5:
                    rpc["output"] = ("ref", r.choice(structs), False)
                elif roll < 0.65:
                    rpc["output"] = ("list", ("ref", r.choice(structs), False))
                elif roll < 0.75:
                    rpc["output"] = ("scalar", r.choice(["i64", "bool", "string"]))
                if r.random() < 0.4:
                    rpc["throws"] = r.sample(errors, min(len(errors), r.randint(1, 2)))
                if r.random() < 0.5:
                    self.add_route(rpc, j, rpc_no)
                svc["rpcs"].append(rpc)
            self.services.append(svc)

    def add_route(self, rpc, j, no):
        """A unique route. GET/DELETE only when every non-path input is a query-able scalar."""
        r = self.r
        base = f"/s{j}/r{no}"
        simple = lambda e: e[0] == "scalar" and e[1] != "bytes" or (
            e[0] == "ref" and e[1].kind == "enum")
        queryable = all(
            simple(e) or (e[0] in ("optional", "list") and simple(e[1]))
            for _, e in rpc["params"])
        if rpc["input"] is None and queryable:
            method = r.choice(["GET", "GET", "DELETE", "POST"])
        else:
            method = r.choice(["POST", "PUT", "PATCH"])
        path = base
        # Bind a path variable to a simple parameter, or to a string field of the message.
        if rpc["params"]:
            cand = [n for n, e in rpc["params"] if simple(e)]
            if cand:
                path += "/{" + r.choice(cand) + "}"
        elif rpc["input"] is not None and rpc["input"][1].string_id:
            path += "/{id}"
        rpc["http"] = (method, path)

    # ---- output ------------------------------------------------------------------------------

    def write(self, out):
        os.makedirs(os.path.join(out, "idl"), exist_ok=True)
        os.makedirs(os.path.join(out, "proto"), exist_ok=True)
        for k in range(self.type_files):
            self.write_types(out, k)
        for k in range(self.service_files):
            self.write_services(out, k)
        self.write_root(out)

    def imports_of(self, k):
        return [k2 for k2 in (k - 2, k - 1) if k2 >= 0]

    def write_types(self, out, k):
        idl, proto = [], []
        idl.append(f"// Synthesized types, part {k} (rosetta compiler benchmark).\n")
        idl.append(f"/// Benchmark types, part {k}.\npackage {PACKAGE};\n")
        proto.append(f'// Synthesized types, part {k} (rosetta compiler benchmark).\n')
        proto.append(f'syntax = "proto3";\n\npackage {PACKAGE};\n')
        for k2 in self.imports_of(k):
            idl.append(f'import "types_{k2}.idl";')
            proto.append(f'import "types_{k2}.proto";')
        if any(uses_timestamp(f[1]) for t in self.by_file[k] for f in t.fields):
            proto.append('import "google/protobuf/timestamp.proto";')
        idl.append("")
        proto.append("")
        for t in self.by_file[k]:
            self.emit_type(t, idl, proto)
        write(out, f"idl/types_{k}.idl", idl)
        write(out, f"proto/types_{k}.proto", proto)

    def emit_type(self, t, idl, proto):
        if t.doc:
            idl.append(f"/// {t.doc}")
            proto.append(f"// {t.doc}")
        if t.kind == "enum":
            idl.append(f"enum {t.name} {{")
            proto.append(f"enum {t.name} {{")
            prefix = upper_snake(t.name)
            if t.values[0][1] != 0:
                proto.append(f"  {prefix}_UNSPECIFIED = 0;")
            for v, n in t.values:
                idl.append(f"  {v} = {n};")
                proto.append(f"  {prefix}_{v} = {n};")
            idl.append("}\n")
            proto.append("}\n")
            return
        if t.kind == "error":
            if not t.has_body:
                idl.append(f"error {t.name}: {t.error_kind};\n")
                proto.append(f"message {t.name} {{}}\n")
                return
            idl.append(f"error {t.name}: {t.error_kind} {{")
        else:
            idl.append(f"{t.kind} {t.name} {{")
        proto.append(f"message {t.name} {{")
        indent = "  "
        if t.kind == "union":
            proto.append("  oneof value {")
            indent = "    "
        for name, e, number, ann, doc in t.fields:
            if doc:
                idl.append(f"  /// {doc}")
                proto.append(f"{indent}// {doc}")
            idl.append(f"  {name}: {idl_type(e)} = {number}{ann};")
            proto.append(indent + proto_field(e, name, number))
        if t.kind == "union":
            proto.append("  }")
        if t.reserved:
            nums = ", ".join(map(str, t.reserved))
            idl.append(f"  reserved {nums};")
            proto.append(f"  reserved {nums};")
        if getattr(t, "reserved_name", None):
            idl.append(f'  reserved "{t.reserved_name}";')
            proto.append(f'  reserved "{t.reserved_name}";')
        idl.append("}\n")
        proto.append("}\n")

    def write_services(self, out, k):
        idl, proto = [], []
        idl.append(f"// Synthesized services, part {k} (rosetta compiler benchmark).\n")
        idl.append(f"package {PACKAGE};\n")
        proto.append(f'// Synthesized services, part {k} (rosetta compiler benchmark).\n')
        proto.append(f'syntax = "proto3";\n\npackage {PACKAGE};\n')
        proto.append('import "google/protobuf/empty.proto";')
        for k2 in range(self.type_files):
            idl.append(f'import "types_{k2}.idl";')
            proto.append(f'import "types_{k2}.proto";')
        idl.append("")
        proto.append("")
        messages = []
        for svc in (s for s in self.services if s["file"] == k):
            idl.append(f"/// {svc['doc']}")
            idl.append(f"service {svc['name']} {{")
            proto.append(f"// {svc['doc']}")
            proto.append(f"service {svc['name']} {{")
            for rpc in svc["rpcs"]:
                self.emit_rpc(rpc, idl, proto, messages)
            idl.append("}\n")
            proto.append("}\n")
        proto.extend(messages)
        write(out, f"idl/services_{k}.idl", idl)
        write(out, f"proto/services_{k}.proto", proto)

    def emit_rpc(self, rpc, idl, proto, messages):
        name = rpc["name"]
        if rpc["doc"]:
            idl.append(f"  /// {rpc['doc']}")
            proto.append(f"  // {rpc['doc']}")
        if rpc["http"]:
            idl.append(f'  @http({rpc["http"][0]}, "{rpc["http"][1]}")')
        if rpc["deprecated"]:
            idl.append("  @deprecated")
        # Input.
        if rpc["input"] is not None:
            arg = idl_type(rpc["input"])
            preq = proto_base(rpc["input"])
        elif rpc["params"]:
            arg = ", ".join(f"{n}: {idl_type(e)}" for n, e in rpc["params"])
            preq = f"{name}Request"
            messages.append(f"message {name}Request {{")
            for num, (n, e) in enumerate(rpc["params"], 1):
                messages.append("  " + proto_field(e, n, num))
            messages.append("}\n")
        else:
            arg = ""
            preq = "google.protobuf.Empty"
        # Output.
        out = rpc["output"]
        if out is None:
            ret, presp = "", "google.protobuf.Empty"
        elif out[0] == "ref":
            ret, presp = f" -> {idl_type(out)}", proto_base(out)
        else:
            ret, presp = f" -> {idl_type(out)}", f"{name}Response"
            messages.append(f"message {name}Response {{\n  {proto_field(out, 'result', 1)}\n}}\n")
        throws = ""
        if rpc["throws"]:
            throws = " throws " + ", ".join(t.name for t in rpc["throws"])
        idl.append(f"  rpc {name}({arg}){ret}{throws};")
        opts = " { option deprecated = true; }" if rpc["deprecated"] else ";"
        proto.append(f"  rpc {name}({preq}) returns ({presp}){opts}")

    def write_root(self, out):
        r = self.r
        idl = ["// The root of the synthesized API: every services file, and the topics.\n",
               f"package {PACKAGE};\n"]
        idl += [f'import "services_{k}.idl";' for k in range(self.service_files)]
        last = self.type_files - 1
        idl += [f'import "types_{k}.idl";' for k in range(max(0, last - 1), last + 1)]
        idl.append("")
        keyed = [t for t in self.types if t.string_id and t.file >= last - 1]
        plain = [t for t in self.types if t.kind == "struct" and t.file >= last - 1]
        for i in range(max(3, self.n_services // 40)):
            roll = r.random()
            idl.append(f"/// Synthesized topic {i}.")
            if roll < 0.6 and keyed:
                enc = r.choice(["json", "json", "protobuf"])
                idl.append(f'topic "bench.events-{i}" {{\n  key: value.id;\n'
                           f"  value: {r.choice(keyed).name};\n  encoding: {enc};\n}}\n")
            elif roll < 0.8 and plain:
                idl.append(f'topic "bench.records-{i}" {{\n  key: string;\n'
                           f"  value: {r.choice(plain).name};\n}}\n")
            else:
                idl.append(f'topic "bench.audit-{i}" {{\n  key: string;\n  value: string;\n'
                           "  encoding: string;\n}\n")
        write(out, "idl/api.idl", idl)


def write(out, rel, lines):
    with open(os.path.join(out, rel), "w") as f:
        f.write("\n".join(lines).rstrip("\n") + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--types", type=int, default=2000)
    ap.add_argument("--services", type=int, default=200)
    ap.add_argument("--type-files", type=int, default=10)
    ap.add_argument("--service-files", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    s = Synth(a.types, a.services, a.type_files, a.service_files, a.seed)
    s.write(a.out)
    rpcs = sum(len(v["rpcs"]) for v in s.services)
    kinds = {k: sum(t.kind == k for t in s.types) for k in ("struct", "enum", "union", "error")}
    print(f"{a.out}: {a.types} types {kinds}, {a.services} services, {rpcs} rpcs")


if __name__ == "__main__":
    main()
