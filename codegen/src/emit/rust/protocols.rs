//! Per-protocol glue inside each service's module, and the `Server` that mounts it.
//!
//! Each protocol's emitter returns [`Glue`]: items for the service module and the statements that
//! mount it into `rosetta::server::Parts`. The `Server<S>` wrapper collects the mounts of every
//! protocol the `Config` turns on.

use proc_macro2::TokenStream;
use quote::quote;

use super::ident::moved;
use super::text::{self, Text};
use super::types::Gen;
use crate::ir::Service;

/// What one protocol adds to a service's module: text at the module's depth.
pub(super) struct Glue {
    /// Items both sides use (route tables, result codecs).
    pub shared: Text,
    /// Server-side items (handlers, method tables, adapters, OpenAPI fragments).
    pub server: Text,
    /// The typed client.
    pub client: Text,
    /// Statements in `Mount::mount(self, parts)`; `self.inner` is the `Arc<S>`.
    pub mount: TokenStream,
}

impl Glue {
    /// Writes the items the `Config` asks for, each in a gate of the protocol's feature
    /// ([`text::gated`]); the server side is gated on `server` as well, so a client-only build
    /// of the facade compiles whatever was generated, and the one error about a missing feature
    /// is `__require_server!()`'s. The mount statements go to `mounts`, for `Server<S>`.
    fn write(self, g: &Gen, out: &mut Text, feature: &'static str, mounts: &mut Mounts) {
        let Glue {
            shared,
            server,
            client,
            mount,
        } = self;
        let path = &g.config.crate_path;
        let item = |out: &mut Text, features: &[&str], text: Text| {
            if !text.is_empty() {
                text::gated(out, path, features, |out| out.out.push_str(&text.out));
            }
        };
        item(out, &[feature], shared);
        if g.config.server {
            item(out, &[feature, "server"], server);
            if !mount.is_empty() {
                mounts.push((feature, mount));
            }
        }
        if g.config.client {
            item(out, &[feature], client);
        }
    }
}

/// Each protocol's statements in `Mount::mount`, by feature.
type Mounts = Vec<(&'static str, TokenStream)>;

/// The marker macro names that open and close a gated block in the token stream.
pub(super) const GATE_BEGIN: &str = "__rosetta_gate_begin";
pub(super) const GATE_END: &str = "__rosetta_gate_end";

/// Marks `tokens` as needing the `rosetta` feature `feature`. After formatting,
/// [`super::apply_gates`] turns the markers into `::rosetta::__if_<feature>! { … }`, which keeps
/// the tokens only when the feature is on: with the feature off, `__require_<feature>!()` is the
/// one error, instead of every path into the missing runtime module failing too. (The wrapping is
/// done on the printed text, so the gated items keep their own layout.)
pub(super) fn gated(feature: &str, tokens: TokenStream) -> TokenStream {
    gated_all(&[feature], tokens)
}

/// Marks `tokens` as needing every feature of `features`: one marker line, which
/// [`super::apply_gates`] turns into nested `__if_<feature>! {` on one line.
pub(super) fn gated_all(features: &[&str], tokens: TokenStream) -> TokenStream {
    if tokens.is_empty() {
        return tokens;
    }
    let begin = quote::format_ident!("{GATE_BEGIN}");
    let end = quote::format_ident!("{GATE_END}");
    let features: Vec<_> = features
        .iter()
        .map(|f| quote::format_ident!("{f}"))
        .collect();
    let tokens = moved(tokens);
    quote!(#begin!(#(#features),*); #tokens #end!(#(#features),*);)
}

/// The protocol glue of one service: every enabled protocol, and `Server<S>` when any mounts.
pub(super) fn service_glue(g: &Gen, out: &mut Text, s: &Service) -> Result<(), String> {
    let mut mounts = Mounts::new();
    let mut any = false;
    if g.config.xmlrpc {
        super::xmlrpc::service(g, s)?.write(g, out, "xmlrpc", &mut mounts);
        any = true;
    }
    if g.config.rest {
        super::rest::service(g, s)?.write(g, out, "rest", &mut mounts);
        any = true;
    }
    if g.config.grpc {
        super::grpc::service(g, s)?.write(g, out, "grpc", &mut mounts);
        any = true;
    }
    // `Server<S>` exists whenever a request/response protocol is on, so user code that mounts it
    // does not depend on which protocols have anything to mount.
    if g.config.server && any {
        let path = &g.config.crate_path;
        // Each rpc's one call of the trait method, which every protocol's server glue makes.
        // `dead_code`: a build of the facade with only some protocols' features uses only some;
        // `manual_async_fn`: an `async fn` would leave its `Send` for every caller to prove.
        if !s.rpcs.is_empty() {
            text::gated(out, path, &["server"], |out| {
                for rpc in &s.rpcs {
                    out.line(&["#[allow(dead_code, clippy::manual_async_fn)]"]);
                    g.invoker(out, s, rpc);
                }
            });
        }
        text::gated(out, path, &["server"], |out| {
            server_wrapper(g, out, s, mounts)
        });
    }
    Ok(())
}

/// `Server<S>`: serves an implementation of the service trait on every generated protocol.
fn server_wrapper(g: &Gen, out: &mut Text, s: &Service, mounts: Mounts) {
    let k = g.k;
    let path = &g.config.crate_path;
    let trait_name = super::ident::type_name(&s.name);
    out.doc(&format!(
        "Serves a [`{0}`](super::{0}) implementation on every protocol generated for it; \
         mount it with `rosetta::server::Server::mount`.",
        s.name
    ));
    out.open(&["pub struct Server<S>"]);
    out.line(&["inner: ::std::sync::Arc<S>,"]);
    out.close("");
    out.open(&["impl<S: super::", &trait_name, "> Server<S>"]);
    out.line(&["/// Wraps an implementation."]);
    out.open(&["pub fn new(service: S) -> Self"]);
    out.line(&["Self::from_arc(::std::sync::Arc::new(service))"]);
    out.close("");
    out.line(&["/// Wraps an implementation that is shared with other code."]);
    out.open(&["pub fn from_arc(service: ::std::sync::Arc<S>) -> Self"]);
    out.open(&["Self"]);
    out.line(&["inner: service"]);
    out.close("");
    out.close("");
    out.line(&["/// The implementation being served."]);
    out.open(&["pub fn inner(&self) -> &::std::sync::Arc<S>"]);
    out.line(&["&self.inner"]);
    out.close("");
    out.close("");
    out.open(&[
        "impl<S: super::",
        &trait_name,
        "> ",
        k,
        "::server::Mount for Server<S>",
    ]);
    out.line(&["#[allow(unused_variables)]"]);
    let mount = ["fn mount(self, parts: &mut ", k, "::server::Parts)"];
    let Ok(()) = out.block(&mount, |out| {
        for (feature, tokens) in mounts {
            text::gated(out, path, &[feature, "server"], |out| {
                out.tokens(tokens, path)
            });
        }
        Ok::<(), std::convert::Infallible>(())
    });
    out.close("");
}
