#!/usr/bin/env python3
"""A validator1 client written from the public validator1 description (xmlrpc.com), using only
Python's standard library (xmlrpc.client), as the classic validator ran it: random inputs, several
rounds, each of the eight methods checked against the answer the description specifies.

    python3 scripts/validator1-client.py http://127.0.0.1:8080/RPC2 [ROUNDS] [SEED]

Prints one line per method and `validator1: 8/8 passed`; exits 1 if any method failed.
Strings carry all five XML predefined entities with spaces next to them (< > & ' "); one extra
check per round sends a hand-written body spelling them as entities (&lt; &gt; &amp; &apos;
&quot;), which Python's marshaller never writes for the last two, plus <i8> and <nil/>.
"""

import datetime
import random
import sys
import urllib.request
import xmlrpc.client

ENTITY_CHARS = "<>&'\""


def text(rng, lo=0, hi=20):
    """Random text with each predefined entity character, some next to spaces."""
    alphabet = "abcxyz XYZ 019 éß€ \t" + ENTITY_CHARS
    body = "".join(rng.choice(alphabet) for _ in range(rng.randint(lo, hi)))
    return " < > & ' \" " + body + " &amp; "


def stooges(rng, extra=False):
    s = {name: rng.randint(-1000, 1000) for name in ("moe", "larry", "curly")}
    if extra:  # "at least three elements": more members are allowed and ignored
        s["shemp"] = text(rng)
    return s


def when(rng):
    return datetime.datetime(
        rng.randint(1900, 2100), rng.randint(1, 12), rng.randint(1, 28),
        rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59))


def any_value(rng, depth=0):
    kinds = ["int", "bool", "str", "float", "date", "bytes", "none"]
    if depth < 3:
        kinds += ["list", "dict"]
    kind = rng.choice(kinds)
    if kind == "int":
        return rng.randint(-2**31, 2**31 - 1)
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "str":
        return text(rng)
    if kind == "float":
        return rng.uniform(-1e9, 1e9)
    if kind == "date":
        return when(rng)
    if kind == "bytes":
        return bytes(rng.randrange(256) for _ in range(rng.randint(0, 40)))
    if kind == "none":
        return None
    if kind == "list":
        return [any_value(rng, depth + 1) for _ in range(rng.randint(0, 5))]
    return {text(rng, 1, 8).strip() or "k": any_value(rng, depth + 1)
            for _ in range(rng.randint(0, 5))}


def check_array_of_structs(p, rng):
    structs = [stooges(rng, extra=rng.random() < 0.3) for _ in range(rng.randint(0, 30))]
    want = sum(s["curly"] for s in structs)
    got = p.validator1.arrayOfStructsTest(structs)
    assert got == want, (got, want)


def check_count_the_entities(p, rng):
    s = text(rng, 0, 200)
    want = {
        "ctLeftAngleBrackets": s.count("<"),
        "ctRightAngleBrackets": s.count(">"),
        "ctAmpersands": s.count("&"),
        "ctApostrophes": s.count("'"),
        "ctQuotes": s.count('"'),
    }
    got = p.validator1.countTheEntities(s)
    assert got == want, (got, want, s)


def check_easy_struct(p, rng):
    s = stooges(rng, extra=rng.random() < 0.5)
    got = p.validator1.easyStructTest(s)
    assert got == s["moe"] + s["larry"] + s["curly"], (got, s)


def check_echo_struct(p, rng):
    s = {text(rng, 1, 10).strip() or "k": any_value(rng) for _ in range(rng.randint(0, 10))}
    s["stooges"] = stooges(rng)
    got = p.validator1.echoStructTest(s)
    assert got == s, (got, s)


def check_many_types(p, rng):
    args = [rng.randint(-2**31, 2**31 - 1), rng.random() < 0.5, text(rng),
            rng.uniform(-1e12, 1e12), when(rng),
            bytes(rng.randrange(256) for _ in range(rng.randint(0, 64)))]
    got = p.validator1.manyTypesTest(*args)
    assert got == args, (got, args)
    assert [type(x) for x in got] == [type(x) for x in args], got


def check_moderate_size_array(p, rng):
    strings = [text(rng) for _ in range(rng.randint(100, 200))]
    got = p.validator1.moderateSizeArrayCheck(strings)
    assert got == strings[0] + strings[-1], (got, strings[0], strings[-1])


def check_nested_struct(p, rng):
    calendar = {}
    for year in ("1999", "2000", "2001"):
        calendar[year] = {}
        for month in range(1, 13):
            m = calendar[year]["%02d" % month] = {}
            for day in range(1, 29):
                m["%02d" % day] = {}  # "most of the days are empty"
    s = stooges(rng, extra=True)
    calendar["2000"]["04"]["01"] = s
    got = p.validator1.nestedStructTest(calendar)
    assert got == s["moe"] + s["larry"] + s["curly"], (got, s)


def check_simple_struct_return(p, rng):
    n = rng.randint(-2147483, 2147483)
    got = p.validator1.simpleStructReturnTest(n)
    want = {"times10": n * 10, "times100": n * 100, "times1000": n * 1000}
    assert got == want, (got, want)


RAW = """<?xml version="1.0"?>
<methodCall><methodName>validator1.{method}</methodName><params>{params}</params></methodCall>"""


def raw_call(url, method, params):
    body = RAW.format(method=method, params=params).encode("utf-8")
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "text/xml"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.read().decode("utf-8")


def check_raw_entities(url, rng):
    """The five entities spelled as entities, spaces beside them; <i8> and <nil/> echoed exactly."""
    n = rng.randint(1, 5)
    s = " &lt; &gt; &amp; &apos; &quot; " * n
    answer = raw_call(url, "countTheEntities",
                      "<param><value><string>%s</string></value></param>" % s)
    got = xmlrpc.client.loads(answer.encode("utf-8"))[0][0]
    assert got == {"ctLeftAngleBrackets": n, "ctRightAngleBrackets": n, "ctAmpersands": n,
                   "ctApostrophes": n, "ctQuotes": n}, got
    big = rng.randint(2**32, 2**62)
    answer = raw_call(url, "echoStructTest",
                      "<param><value><struct>"
                      "<member><name>big</name><value><i8>%d</i8></value></member>"
                      "<member><name>nothing</name><value><nil/></value></member>"
                      "<member><name>text</name><value>%s</value></member>"
                      "</struct></value></param>" % (big, s))
    assert "<i8>%d</i8>" % big in answer, answer
    assert "<nil/>" in answer, answer
    got = xmlrpc.client.loads(answer.encode("utf-8"), use_builtin_types=True)[0][0]
    assert got == {"big": big, "nothing": None, "text": " < > & ' \" " * n}, got


CHECKS = [
    ("arrayOfStructsTest", check_array_of_structs),
    ("countTheEntities", check_count_the_entities),
    ("easyStructTest", check_easy_struct),
    ("echoStructTest", check_echo_struct),
    ("manyTypesTest", check_many_types),
    ("moderateSizeArrayCheck", check_moderate_size_array),
    ("nestedStructTest", check_nested_struct),
    ("simpleStructReturnTest", check_simple_struct_return),
]


def main():
    url = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else random.randrange(2**32)
    rng = random.Random(seed)
    proxy = xmlrpc.client.ServerProxy(url, allow_none=True, use_builtin_types=True)
    passed = 0
    for name, check in CHECKS:
        try:
            for _ in range(rounds):
                check(proxy, rng)
            print("%-24s ok (%d rounds)" % (name, rounds))
            passed += 1
        except Exception as e:  # report every method, not just the first failure
            print("%-24s FAILED: %r" % (name, e))
    try:
        for _ in range(rounds):
            check_raw_entities(url, rng)
        print("%-24s ok" % "entities, <i8>, <nil/>")
        raw_ok = True
    except Exception as e:
        print("%-24s FAILED: %r" % ("entities, <i8>, <nil/>", e))
        raw_ok = False
    print("validator1: %d/%d passed (seed %d)" % (passed, len(CHECKS), seed))
    sys.exit(0 if passed == len(CHECKS) and raw_ok else 1)


if __name__ == "__main__":
    main()
