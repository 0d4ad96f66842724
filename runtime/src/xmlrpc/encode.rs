//! The XML-RPC encoder: writes calls, responses and faults straight into a byte buffer, no DOM.

use std::io::Write as _;

use base64::Engine as _;

use super::{Fault, MethodCall, Value};

const XML_DECL: &[u8] = b"<?xml version=\"1.0\"?>";

/// Encodes a `<methodCall>` of `method` with positional `params`.
pub fn encode_method_call(method: &str, params: &[Value]) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    write_method_call(&mut out, method, params);
    out
}

/// Appends a `<methodCall>` document to `out`.
pub fn write_method_call(out: &mut Vec<u8>, method: &str, params: &[Value]) {
    out.extend_from_slice(XML_DECL);
    out.extend_from_slice(b"<methodCall><methodName>");
    push_escaped(out, method);
    out.extend_from_slice(b"</methodName><params>");
    for p in params {
        out.extend_from_slice(b"<param>");
        write_value(out, p);
        out.extend_from_slice(b"</param>");
    }
    out.extend_from_slice(b"</params></methodCall>");
}

/// Encodes a successful `<methodResponse>` carrying one value.
pub fn encode_response(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    write_response(&mut out, value);
    out
}

/// Appends a successful `<methodResponse>` document to `out`.
pub fn write_response(out: &mut Vec<u8>, value: &Value) {
    out.extend_from_slice(XML_DECL);
    out.extend_from_slice(b"<methodResponse><params><param>");
    write_value(out, value);
    out.extend_from_slice(b"</param></params></methodResponse>");
}

/// Encodes a `<fault>` response. The struct MUST have exactly `faultCode` and `faultString`:
/// Python builds `Fault(**members)` from it.
pub fn encode_fault(fault: &Fault) -> Vec<u8> {
    let mut out = Vec::with_capacity(256 + fault.string.len());
    write_fault(&mut out, fault);
    out
}

/// Appends a `<fault>` response document to `out`.
pub fn write_fault(out: &mut Vec<u8>, fault: &Fault) {
    out.extend_from_slice(XML_DECL);
    out.extend_from_slice(
        b"<methodResponse><fault><value><struct>\
          <member><name>faultCode</name><value><int>",
    );
    push_int(out, i64::from(fault.code));
    out.extend_from_slice(
        b"</int></value></member>\
          <member><name>faultString</name><value><string>",
    );
    push_escaped(out, &fault.string);
    out.extend_from_slice(
        b"</string></value></member>\
          </struct></value></fault></methodResponse>",
    );
}

/// Encodes a response: the value on success, a `<fault>` otherwise.
pub fn encode_method_response(response: &Result<Value, Fault>) -> Vec<u8> {
    match response {
        Ok(v) => encode_response(v),
        Err(f) => encode_fault(f),
    }
}

impl MethodCall {
    /// Encodes this call as a `<methodCall>` document.
    pub fn encode(&self) -> Vec<u8> {
        encode_method_call(&self.name, &self.params)
    }
}

/// Nesting state of the iterative encoder.
enum Frame<'a> {
    Array(std::slice::Iter<'a, Value>),
    /// The bool says whether a `<member>` is open and awaits its `</member>`.
    Struct(std::slice::Iter<'a, (String, Value)>, bool),
}

/// Appends one `<value>…</value>` element to `out`.
///
/// The walk is iterative, so a deeply nested value cannot overflow the stack here.
/// `Value::I8` is written as `<int>` when it fits 32 bits and as `<i8>` otherwise.
pub fn write_value(out: &mut Vec<u8>, value: &Value) {
    let mut stack: Vec<Frame<'_>> = Vec::new();
    let mut next = Some(value);
    loop {
        if let Some(v) = next.take() {
            out.extend_from_slice(b"<value>");
            match v {
                Value::Array(items) => {
                    out.extend_from_slice(b"<array><data>");
                    stack.push(Frame::Array(items.iter()));
                }
                Value::Struct(members) => {
                    out.extend_from_slice(b"<struct>");
                    stack.push(Frame::Struct(members.iter(), false));
                }
                scalar => {
                    write_scalar(out, scalar);
                    out.extend_from_slice(b"</value>");
                }
            }
        }
        match stack.last_mut() {
            None => return,
            Some(Frame::Array(items)) => match items.next() {
                Some(v) => next = Some(v),
                None => {
                    out.extend_from_slice(b"</data></array></value>");
                    stack.pop();
                }
            },
            Some(Frame::Struct(members, open)) => {
                if *open {
                    out.extend_from_slice(b"</member>");
                }
                match members.next() {
                    Some((name, v)) => {
                        out.extend_from_slice(b"<member><name>");
                        push_escaped(out, name);
                        out.extend_from_slice(b"</name>");
                        *open = true;
                        next = Some(v);
                    }
                    None => {
                        out.extend_from_slice(b"</struct></value>");
                        stack.pop();
                    }
                }
            }
        }
    }
}

/// Writes the typed element of a non-container value.
fn write_scalar(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Int(i) => {
            out.extend_from_slice(b"<int>");
            push_int(out, i64::from(*i));
            out.extend_from_slice(b"</int>");
        }
        Value::I8(i) => {
            if i32::try_from(*i).is_ok() {
                out.extend_from_slice(b"<int>");
                push_int(out, *i);
                out.extend_from_slice(b"</int>");
            } else {
                out.extend_from_slice(b"<i8>");
                push_int(out, *i);
                out.extend_from_slice(b"</i8>");
            }
        }
        Value::Bool(b) => out.extend_from_slice(if *b {
            b"<boolean>1</boolean>"
        } else {
            b"<boolean>0</boolean>"
        }),
        Value::Double(d) => {
            out.extend_from_slice(b"<double>");
            // Display never uses an exponent (the spec forbids one) and prints the shortest
            // digits that read back to the same f64. Non-finite values come out as `NaN`,
            // `inf` and `-inf`, which Python's `float()` and this decoder both read.
            let _ = write!(out, "{d}");
            out.extend_from_slice(b"</double>");
        }
        Value::String(s) => {
            out.extend_from_slice(b"<string>");
            push_escaped(out, s);
            out.extend_from_slice(b"</string>");
        }
        Value::DateTime(t) => {
            out.extend_from_slice(b"<dateTime.iso8601>");
            t.write_xmlrpc(out);
            out.extend_from_slice(b"</dateTime.iso8601>");
        }
        Value::Base64(bytes) => {
            out.extend_from_slice(b"<base64>");
            push_base64(out, bytes);
            out.extend_from_slice(b"</base64>");
        }
        Value::Nil => out.extend_from_slice(b"<nil/>"),
        // Containers are handled by the iterative walk in `write_value`.
        Value::Array(_) | Value::Struct(_) => {}
    }
}

/// Appends `s` with `&`, `<`, `>` and `\r` escaped. `\r` is escaped because XML parsers turn a
/// raw carriage return into a line feed; as `&#13;` it survives.
fn push_escaped(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let rep: &[u8] = match b {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'\r' => b"&#13;",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(rep);
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
}

/// Appends the decimal form of `n`.
fn push_int(out: &mut Vec<u8>, n: i64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut u = n.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (u % 10) as u8;
        u /= 10;
        if u == 0 {
            break;
        }
    }
    if n < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&buf[i..]);
}

/// Appends standard padded base64 (one line; any decoder accepts that).
fn push_base64(out: &mut Vec<u8>, bytes: &[u8]) {
    let engine = &base64::engine::general_purpose::STANDARD;
    let start = out.len();
    let len = base64::encoded_len(bytes.len(), true).unwrap_or(0);
    out.resize(start + len, 0);
    if engine.encode_slice(bytes, &mut out[start..]).is_err() {
        // Only reachable if the length computation overflowed; fall back to allocating.
        out.truncate(start);
        out.extend_from_slice(engine.encode(bytes).as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_carriage_returns() {
        let mut out = Vec::new();
        push_escaped(&mut out, "a<b & c>\r\n\"'");
        assert_eq!(out, b"a&lt;b &amp; c&gt;&#13;\n\"'");
    }

    #[test]
    fn writes_integers() {
        for n in [0, 1, -1, 42, i64::from(i32::MIN), i64::MAX, i64::MIN] {
            let mut out = Vec::new();
            push_int(&mut out, n);
            assert_eq!(out, n.to_string().as_bytes());
        }
    }
}
