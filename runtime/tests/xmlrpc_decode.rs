//! Decoder tests: documents as Python's `xmlrpc.client` writes them, text handling, structure
//! errors with their fault codes, and the XML safety rules (DTD, entities, depth, size).
#![cfg(feature = "xmlrpc")]

use rosetta_runtime::xmlrpc::{
    self, DecodeErrorKind, Fault, INVALID_CHARACTER, INVALID_REQUEST, Limits, MethodCall,
    PARSE_ERROR, Timestamp, UNSUPPORTED_ENCODING, Value,
};

fn call(doc: &str) -> Result<MethodCall, Fault> {
    xmlrpc::decode_method_call(doc.as_bytes(), &Limits::default())
}

fn param(doc_value: &str) -> Result<Value, Fault> {
    let doc = format!(
        "<?xml version='1.0'?><methodCall><methodName>m</methodName><params><param>{doc_value}</param></params></methodCall>"
    );
    call(&doc).map(|mut c| c.params.remove(0))
}

fn fault_code(r: Result<impl std::fmt::Debug, Fault>) -> i32 {
    match r {
        Ok(v) => panic!("expected a fault, got {v:?}"),
        Err(f) => f.code,
    }
}

// Produced by: xmlrpc.client.dumps((1, "a", True, 2.5, b"hello world"*10,
//   DateTime(datetime(2024,1,2,3,4,5)), [1, 2], {"k": "v", "n": None}), "m", allow_none=True)
const PY_CALL: &str = "<?xml version='1.0'?>\n<methodCall>\n<methodName>m</methodName>\n<params>\n<param>\n<value><int>1</int></value>\n</param>\n<param>\n<value><string>a</string></value>\n</param>\n<param>\n<value><boolean>1</boolean></value>\n</param>\n<param>\n<value><double>2.5</double></value>\n</param>\n<param>\n<value><base64>\naGVsbG8gd29ybGRoZWxsbyB3b3JsZGhlbGxvIHdvcmxkaGVsbG8gd29ybGRoZWxsbyB3b3JsZGhl\nbGxvIHdvcmxkaGVsbG8gd29ybGRoZWxsbyB3b3JsZGhlbGxvIHdvcmxkaGVsbG8gd29ybGQ=\n</base64></value>\n</param>\n<param>\n<value><dateTime.iso8601>20240102T03:04:05</dateTime.iso8601></value>\n</param>\n<param>\n<value><array><data>\n<value><int>1</int></value>\n<value><int>2</int></value>\n</data></array></value>\n</param>\n<param>\n<value><struct>\n<member>\n<name>k</name>\n<value><string>v</string></value>\n</member>\n<member>\n<name>n</name>\n<value><nil/></value></member>\n</struct></value>\n</param>\n</params>\n</methodCall>\n";

// Produced by: xmlrpc.client.dumps(({"a": [1, "x"]},), methodresponse=True)
const PY_RESPONSE: &str = "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><struct>\n<member>\n<name>a</name>\n<value><array><data>\n<value><int>1</int></value>\n<value><string>x</string></value>\n</data></array></value>\n</member>\n</struct></value>\n</param>\n</params>\n</methodResponse>\n";

// Produced by: xmlrpc.client.dumps(xmlrpc.client.Fault(4, "Too many <params>"), methodresponse=True)
const PY_FAULT: &str = "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n<value><int>4</int></value>\n</member>\n<member>\n<name>faultString</name>\n<value><string>Too many &lt;params&gt;</string></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n";

#[test]
fn python_method_call() {
    let c = call(PY_CALL).unwrap();
    assert_eq!(c.name, "m");
    let when = Timestamp::from_ymd_hms(2024, 1, 2, 3, 4, 5).unwrap();
    assert_eq!(
        c.params,
        vec![
            Value::Int(1),
            Value::String("a".into()),
            Value::Bool(true),
            Value::Double(2.5),
            Value::Base64(b"hello world".repeat(10)),
            Value::DateTime(when),
            Value::Array(vec![Value::Int(1), Value::Int(2)]),
            Value::structure([("k", Value::from("v")), ("n", Value::Nil)]),
        ]
    );
}

#[test]
fn python_response_and_fault() {
    let limits = Limits::default();
    let r = xmlrpc::decode_method_response(PY_RESPONSE.as_bytes(), &limits).unwrap();
    assert_eq!(
        r,
        Ok(Value::structure([(
            "a",
            Value::Array(vec![Value::Int(1), Value::from("x")])
        )]))
    );
    let f = xmlrpc::decode_method_response(PY_FAULT.as_bytes(), &limits).unwrap();
    assert_eq!(f, Err(Fault::new(4, "Too many <params>")));
}

#[test]
fn python_call_without_params() {
    let doc = "<?xml version='1.0'?>\n<methodCall>\n<methodName>m</methodName>\n<params>\n</params>\n</methodCall>\n";
    assert_eq!(call(doc).unwrap(), MethodCall::new("m", vec![]));
    assert_eq!(
        call("<methodCall><methodName>m</methodName></methodCall>").unwrap(),
        MethodCall::new("m", vec![])
    );
    assert_eq!(
        call("<methodCall><methodName> system.listMethods\n</methodName><params/></methodCall>")
            .unwrap(),
        MethodCall::new("system.listMethods", vec![])
    );
}

#[test]
fn entities_and_character_references_join_the_text() {
    assert_eq!(
        param("<value><string>a&lt;b &amp; c</string></value>").unwrap(),
        Value::from("a<b & c")
    );
    assert_eq!(
        param("<value><string>&quot;&apos;&gt;</string></value>").unwrap(),
        Value::from("\"'>")
    );
    assert_eq!(
        param("<value><string>&#60;&#x3C;&#233;&#x1F600; x</string></value>").unwrap(),
        Value::from("<<é😀 x")
    );
    // Untyped values and member names resolve references too.
    assert_eq!(
        param("<value> a &amp; b </value>").unwrap(),
        Value::from(" a & b ")
    );
    assert_eq!(
        param(
            "<value><struct><member><name>x&lt;y</name><value>1</value></member></struct></value>"
        )
        .unwrap(),
        Value::structure([("x<y", Value::from("1"))])
    );
    assert_eq!(
        call("<methodCall><methodName>a&#46;b</methodName></methodCall>")
            .unwrap()
            .name,
        "a.b"
    );
}

#[test]
fn unicode_cdata_and_comments() {
    assert_eq!(
        param("<value><string>héllo wörld 😀 日本</string></value>").unwrap(),
        Value::from("héllo wörld 😀 日本")
    );
    assert_eq!(
        param("<value><string>a<![CDATA[<b> & ]]>c</string></value>").unwrap(),
        Value::from("a<b> & c")
    );
    assert_eq!(
        param("<value><string>a<!-- note -->b</string></value>").unwrap(),
        Value::from("ab")
    );
    assert_eq!(
        param("<!-- c --><value><!-- c --><int>5</int><!-- c --></value>").unwrap(),
        Value::Int(5)
    );
}

#[test]
fn whitespace_in_strings_is_kept_and_between_elements_ignored() {
    assert_eq!(
        param("<value><string>  two\tspaces\n </string></value>").unwrap(),
        Value::from("  two\tspaces\n ")
    );
    assert_eq!(param("<value>   </value>").unwrap(), Value::from("   "));
    assert_eq!(param("<value></value>").unwrap(), Value::from(""));
    assert_eq!(param("<value/>").unwrap(), Value::from(""));
    assert_eq!(param("<value><string/></value>").unwrap(), Value::from(""));
    assert_eq!(
        param("<value>\n  <int> 7 </int>\n</value>").unwrap(),
        Value::Int(7)
    );
    // A raw CR LF is a line feed in XML; an escaped CR survives.
    assert_eq!(
        param("<value><string>a\r\nb&#13;c</string></value>").unwrap(),
        Value::from("a\nb\rc")
    );
}

#[test]
fn every_scalar_type() {
    let cases: &[(&str, Value)] = &[
        ("<int>-12</int>", Value::Int(-12)),
        ("<i4>+12</i4>", Value::Int(12)),
        (
            "<i8>9007199254740993</i8>",
            Value::I8(9_007_199_254_740_993),
        ),
        ("<i8>5</i8>", Value::I8(5)),
        ("<int>4294967296</int>", Value::I8(4_294_967_296)),
        ("<ex:i8>-1</ex:i8>", Value::I8(-1)),
        ("<boolean>0</boolean>", Value::Bool(false)),
        ("<boolean> 1 </boolean>", Value::Bool(true)),
        ("<boolean>true</boolean>", Value::Bool(true)),
        ("<double>-1.5e3</double>", Value::Double(-1500.0)),
        ("<double>inf</double>", Value::Double(f64::INFINITY)),
        ("<double>3</double>", Value::Double(3.0)),
        ("<nil/>", Value::Nil),
        ("<nil></nil>", Value::Nil),
        ("<ex:nil/>", Value::Nil),
        ("<base64></base64>", Value::Base64(vec![])),
        (
            "<base64>AAEC/w==</base64>",
            Value::Base64(vec![0, 1, 2, 255]),
        ),
        ("<base64>AAEC/w</base64>", Value::Base64(vec![0, 1, 2, 255])),
        (
            "<base64>\n  AA\r\nEC /w==\n</base64>",
            Value::Base64(vec![0, 1, 2, 255]),
        ),
        (
            "<dateTime.iso8601>2024-01-02T04:04:05+01:00</dateTime.iso8601>",
            Value::DateTime(Timestamp::from_ymd_hms(2024, 1, 2, 3, 4, 5).unwrap()),
        ),
        ("<array/>", Value::Array(vec![])),
        ("<array><data/></array>", Value::Array(vec![])),
        ("<array><data></data></array>", Value::Array(vec![])),
        ("<struct/>", Value::Struct(vec![])),
        ("<struct></struct>", Value::Struct(vec![])),
    ];
    for (inner, want) in cases {
        let got = param(&format!("<value>{inner}</value>"));
        assert_eq!(got.as_ref(), Ok(want), "{inner}");
    }
    let nan = param("<value><double>NaN</double></value>").unwrap();
    assert!(nan.as_f64().is_some_and(f64::is_nan));
}

#[test]
fn bad_scalars_are_invalid_requests() {
    for inner in [
        "<int>x</int>",
        "<int></int>",
        "<int>1.5</int>",
        "<int>99999999999999999999</int>",
        "<i8>1e3</i8>",
        "<boolean>2</boolean>",
        "<boolean/>",
        "<double>one</double>",
        "<double>1,5</double>",
        "<base64>***</base64>",
        "<dateTime.iso8601>yesterday</dateTime.iso8601>",
        "<nil>x</nil>",
        "<int><i4>1</i4></int>",
    ] {
        let r = param(&format!("<value>{inner}</value>"));
        assert_eq!(fault_code(r), INVALID_REQUEST, "{inner}");
    }
}

#[test]
fn nested_values_and_member_order() {
    let v = param(
        "<value><struct>\
           <member><name>z</name><value><array><data>\
             <value><struct><member><name>in</name><value><i4>1</i4></value></member></struct></value>\
             <value><array><data><value>deep</value></data></array></value>\
             <value/>\
           </data></array></value></member>\
           <member><name>a</name><value><boolean>0</boolean></value></member>\
           <member><name>a</name><value><boolean>1</boolean></value></member>\
           <member><name/><value/></member>\
         </struct></value>",
    )
    .unwrap();
    let want = Value::structure([
        (
            "z",
            Value::Array(vec![
                Value::structure([("in", Value::Int(1))]),
                Value::Array(vec![Value::from("deep")]),
                Value::from(""),
            ]),
        ),
        ("a", Value::Bool(false)),
        ("a", Value::Bool(true)),
        ("", Value::from("")),
    ]);
    assert_eq!(v, want);
    // Duplicate members are kept in order; lookups see the last one, as Python's dict would.
    assert_eq!(v.get("a"), Some(&Value::Bool(true)));
}

#[test]
fn structure_errors_are_invalid_requests() {
    for doc in [
        "<methodResponse/>",
        "<methodCall/>",
        "<methodCall></methodCall>",
        "<methodCall><methodName></methodName></methodCall>",
        "<methodCall><methodName>  </methodName></methodCall>",
        "<methodCall><methodName>m</methodName><params><value>1</value></params></methodCall>",
        "<methodCall><methodName>m</methodName><params><param/></params></methodCall>",
        "<methodCall><methodName>m</methodName><params><param><value>1</value><value>2</value></param></params></methodCall>",
        "<methodCall><methodName>m</methodName><params><param><value>a<int>1</int></value></param></params></methodCall>",
        "<methodCall><methodName>m</methodName><params><param><value><int>1</int>x</value></param></params></methodCall>",
        "<methodCall><methodName>m</methodName><params><param><value><foo/></value></param></params></methodCall>",
        "<methodCall><methodName>m</methodName><params><param><value><array><value>1</value></array></value></param></params></methodCall>",
        "<methodCall><methodName>m</methodName><params><param><value><struct><member><value>1</value><name>a</name></member></struct></value></param></params></methodCall>",
        "<methodCall><methodName>m</methodName><params><param><value><struct><member><name>a</name></member></struct></value></param></params></methodCall>",
        "<methodCall><methodName>m</methodName>stray text</methodCall>",
        "<methodCall><methodName>m</methodName></methodCall><methodCall/>",
        "<methodCall><methodName>m</methodName></methodCall>trailing",
        "<methodResponse><methodName>m</methodName></methodResponse>",
        "<foo/>",
        "",
        "   ",
    ] {
        assert_eq!(fault_code(call(doc)), INVALID_REQUEST, "{doc}");
    }
}

#[test]
fn malformed_xml_is_a_parse_error() {
    for doc in [
        "<methodCall><methodName>m</methodName></methodCal>",
        "<methodCall><methodName>m</methodName>",
        "<methodCall><methodName>m</methodName><params><param><value><string>a & b</string></value></param></params></methodCall>",
        "<methodCall><methodName>m</methodName><params><param><value><string>&#0;</string></value></param></params></methodCall>",
        "<methodCall><methodName>m</methodName><params><param><value><string>&#xD800;</string></value></param></params></methodCall>",
        "<methodCall><methodName>m</methodName><params><param><value><string>&#xZZ;</string></value></param></params></methodCall>",
        "<methodCall><methodName>m</methodName><!-- unclosed",
        "<methodCall",
        "</methodCall>",
    ] {
        let code = fault_code(call(doc));
        assert!(
            code == PARSE_ERROR || code == INVALID_REQUEST,
            "{doc}: {code}"
        );
    }
    assert_eq!(
        fault_code(call("<methodCall><methodName>m</methodName></methodCal>")),
        PARSE_ERROR
    );
    assert_eq!(fault_code(call("<methodCall")), PARSE_ERROR);
}

#[test]
fn responses() {
    let limits = Limits::default();
    let decode = |doc: &str| xmlrpc::decode_method_response(doc.as_bytes(), &limits);
    assert_eq!(
        decode("<methodResponse><params/></methodResponse>").unwrap(),
        Ok(Value::Nil)
    );
    assert_eq!(
        decode("<methodResponse><params></params></methodResponse>").unwrap(),
        Ok(Value::Nil)
    );
    let two = decode(
        "<methodResponse><params><param><value>1</value></param><param><value>2</value></param></params></methodResponse>",
    );
    assert_eq!(two.unwrap_err().kind(), DecodeErrorKind::Structure);
    // A fault needs an int faultCode and a string faultString; extra members are tolerated on input.
    let extra = decode(
        "<methodResponse><fault><value><struct>\
         <member><name>faultString</name><value>boom</value></member>\
         <member><name>faultCode</name><value><i8>-32601</i8></value></member>\
         <member><name>extra</name><value>x</value></member>\
         </struct></value></fault></methodResponse>",
    );
    assert_eq!(extra.unwrap(), Err(Fault::new(-32601, "boom")));
    for bad in [
        "<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>1</int></value></member></struct></value></fault></methodResponse>",
        "<methodResponse><fault><value><string>x</string></value></fault></methodResponse>",
        "<methodResponse><fault><value><struct><member><name>faultCode</name><value>1</value></member><member><name>faultString</name><value>x</value></member></struct></value></fault></methodResponse>",
        "<methodResponse><fault></fault></methodResponse>",
    ] {
        assert_eq!(
            decode(bad).unwrap_err().kind(),
            DecodeErrorKind::Structure,
            "{bad}"
        );
    }
}

#[test]
fn decode_value_reads_a_bare_value() {
    let v = xmlrpc::decode_value(b"<value><i4>3</i4></value>", &Limits::default()).unwrap();
    assert_eq!(v, Value::Int(3));
}

#[test]
fn doctype_is_refused_and_never_expanded() {
    let billion_laughs = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<methodCall><methodName>m</methodName><params><param><value><string>&lol9;</string></value></param></params></methodCall>"#;
    let external = r#"<?xml version="1.0"?>
<!DOCTYPE foo [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<methodCall><methodName>&xxe;</methodName></methodCall>"#;
    let external_dtd = r#"<?xml version="1.0"?>
<!DOCTYPE methodCall SYSTEM "http://127.0.0.1:1/evil.dtd">
<methodCall><methodName>m</methodName></methodCall>"#;
    let late_doctype = "<methodCall><methodName>m</methodName><!DOCTYPE x></methodCall>";
    // Refused before any entity is read, so nothing is expanded (no time bound needed).
    for doc in [billion_laughs, external, external_dtd, late_doctype] {
        let err = MethodCall::decode(doc.as_bytes(), &Limits::default()).unwrap_err();
        assert!(
            matches!(
                err.kind(),
                DecodeErrorKind::Refused | DecodeErrorKind::Syntax
            ),
            "{err}"
        );
        assert_eq!(err.fault_code(), PARSE_ERROR);
    }
    let err = MethodCall::decode(billion_laughs.as_bytes(), &Limits::default()).unwrap_err();
    assert_eq!(err.kind(), DecodeErrorKind::Refused);
    assert!(err.message().contains("DOCTYPE"), "{err}");
}

#[test]
fn undeclared_and_html_entities_are_refused() {
    for entity in ["&lol9;", "&xxe;", "&nbsp;", "&copy;", "&AMP;"] {
        let doc = format!(
            "<methodCall><methodName>m</methodName><params><param><value><string>a{entity}b</string></value></param></params></methodCall>"
        );
        let err = MethodCall::decode(doc.as_bytes(), &Limits::default()).unwrap_err();
        assert_eq!(err.kind(), DecodeErrorKind::Refused, "{entity}");
        assert_eq!(err.fault_code(), PARSE_ERROR);
    }
}

fn deep_array(depth: usize) -> String {
    let mut doc = String::from("<methodCall><methodName>m</methodName><params><param>");
    doc.push_str(&"<value><array><data>".repeat(depth));
    doc.push_str("<value><int>1</int></value>");
    doc.push_str(&"</data></array></value>".repeat(depth));
    doc.push_str("</param></params></methodCall>");
    doc
}

fn deep_struct(depth: usize) -> String {
    let mut doc = String::from("<methodCall><methodName>m</methodName><params><param>");
    doc.push_str(&"<value><struct><member><name>a</name>".repeat(depth));
    doc.push_str("<value/>");
    doc.push_str(&"</member></struct></value>".repeat(depth));
    doc.push_str("</param></params></methodCall>");
    doc
}

#[test]
fn nesting_up_to_the_limit_is_accepted() {
    let limits = Limits::default();
    assert_eq!(limits.max_depth, 64);
    for doc in [deep_array(64), deep_struct(64)] {
        let c = xmlrpc::decode_method_call(doc.as_bytes(), &limits).unwrap();
        let mut v = &c.params[0];
        let mut depth = 0;
        while let Some(inner) = v.as_array().and_then(|a| a.first()).or_else(|| v.get("a")) {
            v = inner;
            depth += 1;
        }
        assert_eq!(depth, 64);
    }
    for doc in [deep_array(65), deep_struct(65)] {
        let err = MethodCall::decode(doc.as_bytes(), &limits).unwrap_err();
        assert_eq!(err.kind(), DecodeErrorKind::TooDeep);
        assert_eq!(err.fault_code(), INVALID_REQUEST);
    }
    let tight = Limits::default().with_max_depth(2);
    assert!(xmlrpc::decode_method_call(deep_array(2).as_bytes(), &tight).is_ok());
    assert!(xmlrpc::decode_method_call(deep_array(3).as_bytes(), &tight).is_err());
}

#[test]
fn hundred_thousand_deep_nesting_is_refused_fast() {
    let no_depth_limit = Limits::default()
        .with_max_depth(usize::MAX)
        .with_max_body_size(usize::MAX);
    for (doc, limits) in [
        (deep_array(100_000), Limits::default()),
        (deep_struct(100_000), Limits::default()),
        // Unknown elements stop the parse at the first one.
        (
            format!(
                "<methodCall><methodName>m</methodName><params><param><value>{}",
                "<a>".repeat(100_000)
            ),
            Limits::default(),
        ),
        // Even with no depth limit the decoder keeps nesting on the heap: no stack overflow.
        (deep_array(100_000), no_depth_limit),
    ] {
        let r = xmlrpc::decode_method_call(doc.as_bytes(), &limits);
        if limits.max_depth == 64 {
            assert_eq!(fault_code(r), INVALID_REQUEST);
        } else {
            // Deep values are dropped recursively by Rust; leak this one rather than recurse
            // 100,000 frames deep in `Drop` (that is exactly why the depth limit exists).
            std::mem::forget(r.expect("no limit: decodes"));
        }
    }
}

#[test]
fn body_size_limit() {
    let limits = Limits::default().with_max_body_size(64);
    let doc = format!(
        "<methodCall><methodName>m</methodName><params><param><value>{}</value></param></params></methodCall>",
        "x".repeat(100)
    );
    let err = MethodCall::decode(doc.as_bytes(), &limits).unwrap_err();
    assert_eq!(err.kind(), DecodeErrorKind::TooLarge);
    assert_eq!(err.fault_code(), INVALID_REQUEST);
    assert!(limits.check_body_size(64).is_ok());
    assert_eq!(
        limits.check_body_size(65).unwrap_err().code,
        INVALID_REQUEST
    );
    assert_eq!(Limits::default().max_body_size, 16 * 1024 * 1024);
}

#[test]
fn encodings() {
    // Python with ServerProxy(..., encoding="iso-8859-1") declares it and sends Latin-1 bytes.
    let mut latin1 = b"<?xml version='1.0' encoding='iso-8859-1'?>\n<methodCall><methodName>m</methodName><params><param><value><string>caf".to_vec();
    latin1.push(0xE9);
    latin1.extend_from_slice(b"</string></value></param></params></methodCall>");
    let c = xmlrpc::decode_method_call(&latin1, &Limits::default()).unwrap();
    assert_eq!(c.params, vec![Value::from("café")]);

    // A UTF-8 byte-order mark is skipped.
    let bom = [b"\xEF\xBB\xBF".as_slice(), PY_CALL.as_bytes()].concat();
    assert_eq!(
        xmlrpc::decode_method_call(&bom, &Limits::default())
            .unwrap()
            .name,
        "m"
    );

    // Invalid UTF-8 without a declaration.
    let mut bad = b"<methodCall><methodName>m".to_vec();
    bad.push(0xFF);
    bad.extend_from_slice(b"</methodName></methodCall>");
    assert_eq!(
        fault_code(xmlrpc::decode_method_call(&bad, &Limits::default())),
        INVALID_CHARACTER
    );

    // Encodings this decoder does not read.
    assert_eq!(
        fault_code(xmlrpc::decode_method_call(
            b"<?xml version='1.0' encoding='Shift_JIS'?><methodCall/>",
            &Limits::default()
        )),
        UNSUPPORTED_ENCODING
    );
    // UTF-16 with its BOM is read (the charset rule every HTTP body follows).
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(
        "<methodCall><methodName>m</methodName><params><param><value>é</value></param></params></methodCall>"
            .encode_utf16()
            .flat_map(u16::to_le_bytes),
    );
    let call = xmlrpc::decode_method_call(&utf16, &Limits::default()).unwrap();
    assert_eq!(call.params, vec![Value::String("é".into())]);
    // Raw characters XML 1.0 forbids are refused like their references are.
    for c in ['\u{0}', '\u{1}', '\u{1B}', '\u{FFFE}', '\u{FFFF}'] {
        let doc = format!(
            "<methodCall><methodName>m</methodName><params><param><value><string>a{c}b</string></value></param></params></methodCall>"
        );
        assert_eq!(
            fault_code(xmlrpc::decode_method_call(
                doc.as_bytes(),
                &Limits::default()
            )),
            INVALID_CHARACTER,
            "{c:?}"
        );
    }
    for reference in ["&#3;", "&#x1F;", "&#xFFFE;"] {
        let doc = format!(
            "<methodCall><methodName>m</methodName><params><param><value><string>a{reference}b</string></value></param></params></methodCall>"
        );
        assert_eq!(
            fault_code(xmlrpc::decode_method_call(
                doc.as_bytes(),
                &Limits::default()
            )),
            PARSE_ERROR,
            "{reference}"
        );
    }
    let tabs = "<methodCall><methodName>m</methodName><params><param><value><string>\t\r\n\u{FFFD}</string></value></param></params></methodCall>";
    assert!(xmlrpc::decode_method_call(tabs.as_bytes(), &Limits::default()).is_ok());
}

#[test]
fn decode_errors_render_with_their_offset() {
    let err = MethodCall::decode(
        b"<methodCall><methodName>m</methodName><params><foo/></params></methodCall>",
        &Limits::default(),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("expected <param> or </params>, found <foo/>"),
        "{text}"
    );
    assert!(text.contains("at byte"), "{text}");
    let fault = err.to_fault();
    assert_eq!(fault.code, INVALID_REQUEST);
    assert_eq!(fault.string, text);
}
