//! A REST route as generated code describes it: method, path template, where each input comes
//! from. The server ([`super::handle`]) and the client ([`super::Client`]) read the same static
//! table, so both sides agree on every route by construction.

use http::Method;

/// How a path variable or query parameter's text becomes a JSON value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `string`, `bytes` (base64), `timestamp` (RFC 3339) or an enum (its name): kept as text.
    Str,
    /// `true` or `false`.
    Bool,
    /// A decimal integer (range-checked when the request struct decodes).
    Int,
    /// A finite decimal number.
    Float,
}

impl Kind {
    /// A parameter `name` of this kind that appears once (generated route tables use this).
    pub const fn param(self, name: &'static str) -> Param {
        Param {
            name,
            kind: self,
            list: false,
        }
    }

    /// A `list<_>` query parameter `name` of this kind: the key may repeat.
    pub const fn list_param(self, name: &'static str) -> Param {
        Param {
            name,
            kind: self,
            list: true,
        }
    }
}

/// A path variable or query parameter of a route.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    /// The field or parameter name, as on the wire.
    pub name: &'static str,
    /// How its text is read.
    pub kind: Kind,
    /// A `list<_>`: the query key may repeat (`?tag=a&tag=b`).
    pub list: bool,
}

/// Everything the runtime needs to know about one generated route.
#[derive(Debug)]
pub struct Route {
    /// The IDL method, `Catalog.GetProduct` (what `Context::method` reports).
    pub rpc: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// The path template, `/products/{id}`.
    pub path: &'static str,
    /// True for GET and DELETE: inputs not in the path come from the query string.
    pub query: bool,
    /// True when some input travels in the JSON body (false when the path holds them all).
    pub body: bool,
    /// Every path variable and query parameter.
    pub params: &'static [Param],
    /// True for an rpc with no result: `204 No Content`.
    pub no_content: bool,
}

impl Route {
    #[cfg(feature = "server")]
    pub(super) fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }
}
