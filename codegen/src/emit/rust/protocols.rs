//! Per-protocol glue inside each service's module, and the `Server` that mounts it.
//!
//! Each protocol's emitter returns [`Glue`]: items for the service module and the statements that
//! mount it into `rosetta::server::Parts`. The `Server<S>` wrapper collects the mounts of every
//! protocol the `Config` turns on.

use proc_macro2::TokenStream;
use quote::quote;

use super::ident::moved;
use super::types::Gen;
use crate::ir::Service;

/// What one protocol adds to a service's module.
#[derive(Default)]
pub(super) struct Glue {
    /// Items both sides use (route tables, result codecs).
    pub shared: TokenStream,
    /// Server-side items (handlers, method tables, adapters, OpenAPI fragments).
    pub server: TokenStream,
    /// The typed client.
    pub client: TokenStream,
    /// Statements in `Mount::mount(self, parts)`; `self.inner` is the `Arc<S>`.
    pub mount: TokenStream,
}

impl Glue {
    /// The items and mount statements the `Config` asks for, each wrapped in a [`gated`] block
    /// of the protocol's feature; the server side is gated on `server` as well, so a
    /// client-only build of the facade compiles whatever was generated, and the one error
    /// about a missing feature is `__require_server!()`'s.
    fn select(self, g: &Gen, feature: &str) -> (TokenStream, TokenStream) {
        let Glue {
            shared,
            server,
            client,
            mount,
        } = self;
        let mut items = gated(feature, shared);
        let mut mounts = TokenStream::new();
        if g.config.server {
            items.extend(gated_all(&[feature, "server"], server));
            mounts = gated_all(&[feature, "server"], mount);
        }
        if g.config.client {
            items.extend(gated(feature, client));
        }
        (items, mounts)
    }
}

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
pub(super) fn service_glue(g: &Gen, s: &Service) -> Result<TokenStream, String> {
    let mut parts: Vec<(TokenStream, TokenStream)> = Vec::new();
    if g.config.xmlrpc {
        parts.push(super::xmlrpc::service(g, s)?.select(g, "xmlrpc"));
    }
    if g.config.rest {
        parts.push(super::rest::service(g, s)?.select(g, "rest"));
    }
    if g.config.grpc {
        parts.push(super::grpc::service(g, s)?.select(g, "grpc"));
    }
    let any = !parts.is_empty();
    let (items, mounts): (TokenStream, TokenStream) = parts.into_iter().unzip();
    // `Server<S>` exists whenever a request/response protocol is on, so user code that mounts it
    // does not depend on which protocols have anything to mount.
    let mut out = items;
    if g.config.server && any {
        // Each rpc's one call of the trait method, which every protocol's server glue makes.
        // `dead_code`: a build of the facade with only some protocols' features uses only some;
        // `manual_async_fn`: an `async fn` would leave its `Send` for every caller to prove.
        let invokers = s.rpcs.iter().map(|rpc| moved(g.invoker(s, rpc)));
        out.extend(gated(
            "server",
            quote!(#(#[allow(dead_code, clippy::manual_async_fn)] #invokers)*),
        ));
        out.extend(gated("server", server_wrapper(g, s, mounts)));
    }
    Ok(out)
}

/// `Server<S>`: serves an implementation of the service trait on every generated protocol.
fn server_wrapper(g: &Gen, s: &Service, mounts: TokenStream) -> TokenStream {
    let k = &g.krate;
    let trait_name = super::ident::type_ident(&s.name);
    let doc = format!(
        " Serves a [`{0}`](super::{0}) implementation on every protocol generated for it; \
         mount it with `rosetta::server::Server::mount`.",
        s.name
    );
    quote! {
        #[doc = #doc]
        pub struct Server<S> {
            inner: ::std::sync::Arc<S>,
        }

        impl<S: super::#trait_name> Server<S> {
            /// Wraps an implementation.
            pub fn new(service: S) -> Self {
                Self::from_arc(::std::sync::Arc::new(service))
            }

            /// Wraps an implementation that is shared with other code.
            pub fn from_arc(service: ::std::sync::Arc<S>) -> Self {
                Self { inner: service }
            }

            /// The implementation being served.
            pub fn inner(&self) -> &::std::sync::Arc<S> {
                &self.inner
            }
        }

        impl<S: super::#trait_name> #k::server::Mount for Server<S> {
            #[allow(unused_variables)]
            fn mount(self, parts: &mut #k::server::Parts) {
                #mounts
            }
        }
    }
}
