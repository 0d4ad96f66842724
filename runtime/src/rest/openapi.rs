//! The OpenAPI 3.1 document a server serves at `/openapi.json`, assembled from the services it
//! actually mounts.
//!
//! The compiler renders each service's share of the document (its operations and tag) as JSON
//! text at build time: a [`Fragment`]. Component schemas are rendered once per type, as shared
//! [`Schema`] statics that name the schemas they refer to, and a fragment names only the schemas
//! its operations refer to directly; the generated code therefore grows with services + types,
//! never services × types. Mounting a service adds its fragment to the [`Registry`]; the server
//! joins the fragments once, when it is built, walking the schema references. The join follows
//! the rules of [`crate::openapi_join`], the one join `rosetta generate --target openapi` calls
//! too, so a server that mounts every service of a compilation serves the document the CLI writes.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::response::Response;
use http::{HeaderValue, header};

use super::problem::Problem;
use crate::error::ErrorKind;
use crate::openapi_join::{Part, join};

/// One component schema, rendered by the compiler once per type and shared by every service
/// that reaches it.
#[derive(Debug)]
pub struct Schema {
    /// The name under `#/components/schemas/` (`shop.v1.Product`).
    pub name: &'static str,
    /// The schema object, as JSON.
    pub json: &'static str,
    /// The schemas this one refers to (`$ref`) directly.
    pub refs: &'static [&'static Schema],
}

/// One service's share of the OpenAPI document, rendered by the compiler.
#[derive(Debug)]
pub struct Fragment {
    /// The API name: the service's package, or the service's name without one.
    pub api: &'static str,
    /// The package's version segment (`v1`), or empty.
    pub version: &'static str,
    /// The package's docs, or empty.
    pub description: &'static str,
    /// The service's tag object, as JSON.
    pub tag: &'static str,
    /// `(path, lower-case method, operation object as JSON)`, in IDL order.
    pub operations: &'static [(&'static str, &'static str, &'static str)],
    /// The schemas the operations refer to directly; the document holds these and every
    /// schema they reach.
    pub schemas: &'static [&'static Schema],
}

/// The fragments of the mounted services, which the server turns into `/openapi.json`, and
/// their generated routes.
#[derive(Debug, Default)]
pub struct Registry {
    fragments: Vec<&'static Fragment>,
    /// The generated routes, kept apart from the routes mounted by hand (`Parts::http`) until
    /// the server starts: then it knows whether any route may read the peer's `ConnectInfo`
    /// (generated routes take the peer from the server directly).
    routes: Router,
    /// The same generated routes, as the one-port server answers them without the router.
    table: super::table::RouteTable,
}

impl Registry {
    /// Adds a service's fragment (once, however often the service is mounted).
    pub fn add(&mut self, fragment: &'static Fragment) {
        if !self.fragments.iter().any(|f| std::ptr::eq(*f, fragment)) {
            self.fragments.push(fragment);
        }
    }

    /// Adds a generated route: `service` to the router, `endpoint` to the server's own table
    /// ([`super::table`]).
    pub(crate) fn route(
        &mut self,
        route: &'static super::Route,
        service: axum::routing::MethodRouter,
        endpoint: super::table::Endpoint,
    ) {
        self.routes = std::mem::take(&mut self.routes).route(route.path, service);
        self.table.add(route, endpoint);
    }

    /// The generated routes' table, for the one-port server (the routes stay in the router).
    pub(crate) fn take_table(&mut self) -> super::table::RouteTable {
        std::mem::take(&mut self.table)
    }

    /// True when no REST service is mounted.
    pub fn is_empty(&self) -> bool {
        self.fragments.is_empty()
    }

    /// The OpenAPI 3.1 document of every mounted service, as compact JSON. MUST be
    /// deterministic: the same fragments in the same order give the same bytes. The join is
    /// [`crate::openapi_join::join`], the one the compiler's `openapi` target calls too.
    pub fn document(&self) -> String {
        let parts: Vec<Part<'static>> = self
            .fragments
            .iter()
            .map(|f| Part {
                api: f.api,
                version: f.version,
                description: f.description,
                tag: f.tag,
                operations: f.operations,
            })
            .collect();
        // Every schema reachable from the fragments, once; an explicit stack, so a long chain
        // of references cannot overflow the call stack.
        let mut seen: std::collections::HashSet<&str> = Default::default();
        let mut schemas: Vec<(&str, &str)> = Vec::new();
        let mut stack: Vec<&'static Schema> = Vec::new();
        for f in &self.fragments {
            stack.extend(f.schemas.iter().rev());
            while let Some(schema) = stack.pop() {
                if seen.insert(schema.name) {
                    schemas.push((schema.name, schema.json));
                    stack.extend(schema.refs.iter().rev());
                }
            }
        }
        join(&parts, schemas)
    }

    /// The REST part of the server's HTTP router: `/openapi.json` (when a REST service is
    /// mounted) and problem+json answers for an unknown route (404) and a method the path does
    /// not serve (405, with axum's `Allow` header). Call it once, after every route is added.
    pub fn finish(mut self, http: Router) -> Router {
        let http = std::mem::take(&mut self.routes).merge(http);
        let http = if self.is_empty() {
            http
        } else {
            let doc = Bytes::from(self.document());
            http.route(
                "/openapi.json",
                axum::routing::get(move || {
                    let doc = doc.clone();
                    async move { openapi_response(doc) }
                }),
            )
        };
        http.method_not_allowed_fallback(method_not_allowed)
            .fallback(not_found)
    }
}

fn openapi_response(doc: Bytes) -> Response {
    let mut resp = Response::new(Body::from(doc));
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

async fn not_found(uri: http::Uri) -> Response {
    Problem::new(ErrorKind::NotFound, format!("no route for {}", uri.path())).into_http()
}

async fn method_not_allowed(method: http::Method, uri: http::Uri) -> Response {
    // axum adds the `Allow` header to whatever this returns.
    Problem::with_status(
        405,
        ErrorKind::Unimplemented,
        format!("{} does not serve {method}", uri.path()),
    )
    .into_http()
}

#[cfg(test)]
mod tests {
    use super::*;

    static PROBLEM: Schema = Schema {
        name: "rosetta.Problem",
        json: "{}",
        refs: &[],
    };
    static T: Schema = Schema {
        name: "shop.v1.T",
        json: r#"{"type":"object"}"#,
        refs: &[&LOOP, &PROBLEM],
    };
    // Refers to itself and back to `T`: each is still listed once.
    static LOOP: Schema = Schema {
        name: "a.Loop",
        json: "true",
        refs: &[&LOOP, &T],
    };
    static A: Fragment = Fragment {
        api: "shop.v1",
        version: "v1",
        description: "The shop.",
        tag: r#"{"name":"shop.v1.A"}"#,
        operations: &[
            ("/x/{id}", "get", r#"{"operationId":"a"}"#),
            ("/y", "post", r#"{"operationId":"b"}"#),
        ],
        schemas: &[&T, &PROBLEM],
    };
    static B: Fragment = Fragment {
        api: "shop.v1",
        version: "v1",
        description: "The shop.",
        tag: r#"{"name":"shop.v1.B"}"#,
        operations: &[("/x/{id}", "delete", r#"{"operationId":"c"}"#)],
        schemas: &[&PROBLEM, &LOOP],
    };

    #[test]
    fn fragments_join_into_one_document() {
        let mut r = Registry::default();
        r.add(&A);
        r.add(&B);
        r.add(&A);
        let doc: serde_json::Value = serde_json::from_str(&r.document()).unwrap();
        assert_eq!(
            doc,
            serde_json::json!({
                "openapi": "3.1.0",
                "info": {"title": "shop.v1", "version": "v1", "description": "The shop."},
                "tags": [{"name": "shop.v1.A"}, {"name": "shop.v1.B"}],
                "paths": {
                    "/x/{id}": {"get": {"operationId": "a"}, "delete": {"operationId": "c"}},
                    "/y": {"post": {"operationId": "b"}}
                },
                "components": {"schemas": {
                    "a.Loop": true, "rosetta.Problem": {}, "shop.v1.T": {"type": "object"}
                }}
            })
        );
        let empty: serde_json::Value =
            serde_json::from_str(&Registry::default().document()).unwrap();
        assert_eq!(empty["info"]["title"], "API");
    }
}
