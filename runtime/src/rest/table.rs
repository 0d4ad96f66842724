//! The generated REST routes' own table: the one-port server answers a REST call whose path and
//! method name a generated route straight from here, not through axum's router.
//!
//! Why: axum's router, per call, clones the matched route's boxed service, inserts the path
//! variables (and, with its `matched-path` feature, which any crate in the build may turn on,
//! the matched path) as request extensions in a hash map, and polls the route through a
//! oneshot future that holds the request. A generated route needs none of that: the table
//! matches the path with the same matcher (`matchit`, as axum 0.8 does, so a path matches here
//! exactly when it matches there) and calls the handler. Everything else goes on to the router:
//! another method on the path (405 with `Allow`), `HEAD`, an unknown path (404), routes mounted
//! by hand, and a path variable that is not UTF-8 once percent-decoded (axum's 400), so those
//! answers stay axum's.

use std::sync::Arc;

use super::{Reply, Request, Route};

/// A generated route's handler, bound to its service.
pub(crate) type Endpoint = Arc<dyn Fn(Request) -> Reply + Send + Sync>;

/// The path variables of a call answered from the table, decoded, for the handler's request
/// decoding (axum's `RawPathParams` reads the router's own extension, which is not there).
#[derive(Clone, Debug)]
pub(crate) struct PathVars(pub(crate) Vec<(&'static str, String)>);

/// The generated routes by path template, each path's routes by method.
#[derive(Default)]
pub(crate) struct RouteTable {
    paths: matchit::Router<usize>,
    /// Per path (the matcher's value), its routes.
    routes: Vec<Vec<(&'static Route, Endpoint)>>,
    /// The index of each template added.
    templates: std::collections::HashMap<&'static str, usize>,
}

impl RouteTable {
    /// Adds a generated route. A template the matcher refuses is left to axum's router, which
    /// gets every generated route too (and says why it refuses).
    pub(crate) fn add(&mut self, route: &'static Route, endpoint: Endpoint) {
        let at = match self.templates.get(route.path) {
            Some(&at) => at,
            None => {
                let at = self.routes.len();
                if self.paths.insert(route.path, at).is_err() {
                    return;
                }
                self.templates.insert(route.path, at);
                self.routes.push(Vec::new());
                at
            }
        };
        self.routes[at].push((route, endpoint));
    }

    /// The handler of `req`'s path and method, with the path variables put in the request
    /// ([`PathVars`]); `None` when the router should answer (see the module's opening).
    pub(crate) fn find(&self, req: &mut Request) -> Option<&Endpoint> {
        let found = self.paths.at(req.uri().path()).ok()?;
        let (route, endpoint) = self.routes[*found.value]
            .iter()
            .find(|(route, _)| route.method == req.method())?;
        let mut vars = Vec::new();
        for (name, raw) in found.params.iter() {
            let value = percent_encoding::percent_decode_str(raw)
                .decode_utf8()
                .ok()?
                .into_owned();
            // The route's own `'static` name of the variable (a template's variables are its
            // parameters).
            let name = route.param(name)?.name;
            vars.push((name, value));
        }
        if !vars.is_empty() {
            req.extensions_mut().insert(PathVars(vars));
        }
        Some(endpoint)
    }
}

impl std::fmt::Debug for RouteTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RouteTable")
            .field("paths", &self.templates.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rest::route::{Kind, Param};

    static GET_ONE: Route = Route {
        rpc: "Shop.Get",
        method: http::Method::GET,
        path: "/items/{id}",
        query: true,
        body: false,
        params: &[Param {
            name: "id",
            kind: Kind::Str,
            list: false,
        }],
        no_content: false,
    };
    static DELETE_ONE: Route = Route {
        rpc: "Shop.Delete",
        method: http::Method::DELETE,
        path: "/items/{id}",
        query: true,
        body: false,
        params: GET_ONE.params,
        no_content: true,
    };
    static LIST: Route = Route {
        rpc: "Shop.List",
        method: http::Method::GET,
        path: "/items",
        query: true,
        body: false,
        params: &[],
        no_content: false,
    };

    fn table() -> RouteTable {
        let mut table = RouteTable::default();
        for (i, route) in [&GET_ONE, &DELETE_ONE, &LIST].into_iter().enumerate() {
            let answer: Endpoint = Arc::new(move |_| {
                Box::pin(async move { super::super::Response::new(i.to_string().into()) })
            });
            table.add(route, answer);
        }
        table
    }

    /// Which route answers `method path` (its index), and the path variables it was given.
    fn find(table: &RouteTable, method: &str, path: &str) -> Option<(String, Vec<String>)> {
        let mut req = http::Request::builder()
            .method(method)
            .uri(path)
            .body(axum::body::Body::empty())
            .unwrap();
        let endpoint = table.find(&mut req)?.clone();
        let vars = req
            .extensions()
            .get::<PathVars>()
            .map(|v| v.0.iter().map(|(n, t)| format!("{n}={t}")).collect())
            .unwrap_or_default();
        let answer = futures_util::FutureExt::now_or_never(endpoint(req)).unwrap();
        let body = futures_util::FutureExt::now_or_never(http_body_util::BodyExt::collect(
            answer.into_body(),
        ))
        .unwrap()
        .unwrap()
        .to_bytes();
        Some((String::from_utf8(body.to_vec()).unwrap(), vars))
    }

    #[test]
    fn a_generated_route_is_found_by_path_and_method_with_its_variables_decoded() {
        let t = table();
        let some = |i: &str, vars: &[&str]| {
            Some((i.to_string(), vars.iter().map(|v| v.to_string()).collect()))
        };
        assert_eq!(find(&t, "GET", "/items"), some("2", &[]));
        assert_eq!(find(&t, "GET", "/items?page=2"), some("2", &[]));
        assert_eq!(find(&t, "GET", "/items/p1"), some("0", &["id=p1"]));
        assert_eq!(find(&t, "DELETE", "/items/p1"), some("1", &["id=p1"]));
        assert_eq!(
            find(&t, "GET", "/items/a%20b%2Fc"),
            some("0", &["id=a b/c"])
        );
        assert_eq!(find(&t, "GET", "/items/%C3%A9"), some("0", &["id=é"]));
    }

    #[test]
    fn what_the_router_answers_is_left_to_it() {
        let t = table();
        // Another method on a known path (405 with `Allow`), HEAD, unknown paths (404), and a
        // variable that is not UTF-8 once decoded (axum's 400).
        for (method, path) in [
            ("POST", "/items"),
            ("PUT", "/items/p1"),
            ("HEAD", "/items"),
            ("GET", "/items/"),
            ("GET", "/items/p1/more"),
            ("GET", "/other"),
            ("GET", "/items/%FF"),
        ] {
            assert_eq!(find(&t, method, path), None, "{method} {path}");
        }
    }
}
