//! validator1 over REST from Python's standard library (`urllib`, `json`): an `any` value
//! round-trips by the documented JSON mapping (`$base64`, `$datetime`, int vs i8 vs double, nil,
//! member order), a struct given an array is 400 at every depth, and absent members follow the
//! one rule (list empty, optional none).
#![cfg(feature = "server")]

use std::time::Duration;

use rosetta_tests::{RunningServer, run_python, stdlib_python};

#[test]
fn any_nested_containers_struct_shapes_and_absent_members_over_rest() {
    let s = RunningServer::start(rosetta_examples::validator1_server());
    let script = r#"
import json, sys, urllib.request, urllib.error
base = sys.argv[1] + '/validator1.Validator/'

def post(method, body):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(base + method, data=data,
                                 headers={'Content-Type': 'application/json'})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()

# `any`: the documented mapping, exactly (the raw text, so member order and 2.0 vs 2 count).
value = ('{"z":1,"big":5000000000,"d":2.0,"s":" < > & \' \\" ","nil":null,'
         '"bytes":{"$base64":"AAH/"},"when":{"$datetime":"2000-04-01T12:00:05Z"},'
         '"list":[1,[true,{"k":[]}]],"a":{}}')
status, text = post('EchoStructTest', ('{"value":' + value + '}').encode())
assert status == 200, (status, text)
back = json.loads(text)
# A `map<string, any>` is a BTreeMap: members come back in key order, nested values exactly.
assert back == json.loads(value), (back, value)
assert back["d"] == 2.0 and isinstance(back["d"], float) and isinstance(back["z"], int), back
status, text = post('ManyTypesTest', {"number": 7, "boolean": True, "text": "x", "double": 1.5,
                    "date_time": "2000-04-01T12:00:05Z", "base64": "AAH/"})
assert status == 200 and json.loads(text) == [7, True, "x", 1.5, {"$datetime": "2000-04-01T12:00:05Z"},
                                             {"$base64": "AAH/"}], (status, text)

# Nested containers: the calendar of maps three deep.
cal = {"2000": {"04": {"01": {"moe": 1, "larry": 2, "curly": 3}, "02": {}}}, "1999": {}}
assert post('NestedStructTest', {"calendar": cal}) == (200, "6")

# A struct decodes only from an object, at every depth.
for method, body in [('EasyStructTest', {"stooges": [1, 2, 3]}),
                     ('ArrayOfStructsTest', {"structs": [{"moe": 1, "larry": 2, "curly": 3}, [1, 2, 3]]}),
                     ('NestedStructTest', {"calendar": {"2000": {"04": {"01": [1, 2, 3]}}}}),
                     ('EasyStructTest', [{"moe": 1, "larry": 2, "curly": 3}])]:
    status, text = post(method, body)
    assert status == 400, (method, body, status, text)

# One rule for absent members: a list is empty, an optional none; a required member is refused.
assert post('ArrayOfStructsTest', {}) == (200, "0")
assert post('NestedStructTest', {"calendar": {"2000": {"04": {"01": {"moe": 5}}}}}) == (200, "5")
status, text = post('EasyStructTest', {"stooges": {"moe": 1, "larry": 2}})
assert status == 400 and "curly" in text, (status, text)
print("ok")
"#;
    let out = run_python(
        &stdlib_python(),
        script,
        &[&s.url()],
        Duration::from_secs(60),
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).trim() == "ok",
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
