//! The Rust target: domain types, declared errors, per-rpc error enums, request structs for
//! parameter lists, and one async trait per service — most of it written as text (`text.rs`), the
//! rest built as tokens and laid out by [`print`] (no syntax tree), in one layout.
//!
//! One file per package (`shop.v1.rs`; `_.rs` for files without a package) plus `_include.rs`,
//! which nests every package module at its path so `include_idl!()` brings in everything.
//! Per-type protocol glue is not generated here: the emitted types derive `rosetta::Validate` and
//! (with XML-RPC on) `rosetta::XmlRpc`, the same derives users put on their own structs.

mod grpc;
pub(crate) mod ident;
mod kafka;
mod print;
mod protobuf;
mod protocols;
mod rest;
mod text;
mod types;
mod xmlrpc;

use std::collections::BTreeMap;
use std::str::FromStr;

use proc_macro2::TokenStream;
use quote::quote;

use super::OutputFile;
use super::openapi as emit_openapi;
use crate::ir::Ir;
pub use ident::{escape, field_ident, type_ident, upper_camel};
use text::Text;

/// Options for the Rust target (set through `Builder`).
#[derive(Debug, Clone)]
pub struct Config {
    /// The path of the `rosetta` facade crate in the generated code.
    pub crate_path: String,
    /// XML-RPC: `#[derive(XmlRpc)]` on every type, method dispatch at `/RPC2`, a client.
    pub xmlrpc: bool,
    /// REST: axum routes, problem+json errors, a client.
    pub rest: bool,
    /// gRPC: the tonic adapter, the types' protobuf encoding, a client.
    pub grpc: bool,
    /// Kafka: typed producers and consumers per topic.
    pub kafka: bool,
    /// With gRPC: prost-build's message structs in each package's `proto` module as well
    /// (`Builder::prost_messages`).
    pub prost_messages: bool,
    /// The server side of XML-RPC, REST and gRPC: handlers, route and method tables, the tonic
    /// adapter, OpenAPI, `Server<S>` (needs the facade's `server` feature).
    pub server: bool,
    /// The typed clients of XML-RPC, REST and gRPC.
    pub client: bool,
    /// Extra attributes per type: (full-name prefix such as `shop.v1.Product`, or `.` for all; attribute).
    pub type_attributes: Vec<(String, String)>,
    /// Extra attributes per field: (`shop.v1.Product.name` prefix; attribute).
    pub field_attributes: Vec<(String, String)>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            crate_path: "::rosetta".to_string(),
            xmlrpc: true,
            rest: true,
            grpc: true,
            kafka: true,
            prost_messages: false,
            server: true,
            client: true,
            type_attributes: Vec::new(),
            field_attributes: Vec::new(),
        }
    }
}

/// The file a package's code goes to: `shop.v1.rs`, or `_.rs` without a package.
pub fn package_file_name(package: Option<&str>) -> String {
    format!("{}.rs", package.unwrap_or("_"))
}

/// Generates every package file and `_include.rs`. MUST be deterministic.
pub fn generate(ir: &Ir, config: &Config) -> Result<Vec<OutputFile>, String> {
    let mut out: Vec<OutputFile> = Vec::new();
    generate_each(ir, config, |name, text| {
        match out.last_mut() {
            Some(f) if f.name == name => f.contents.push_str(text),
            _ => out.push(OutputFile {
                name: name.to_string(),
                contents: text.to_string(),
            }),
        }
        Ok(())
    })?;
    Ok(out)
}

/// The declarations of one package, by index into the IR.
#[derive(Default)]
struct Members {
    types: Vec<usize>,
    services: Vec<usize>,
    topics: Vec<usize>,
}

/// One piece of a package file, built and printed on its own ([`generate_each`]).
#[derive(Clone, Copy)]
enum Job {
    /// The `@generated` line.
    Header,
    /// The `__require_<feature>!()` lines.
    Requirements,
    /// A type with its glue (and its REST schema).
    Type(usize),
    /// A service's trait and module; the first of the package carries the problem schemas.
    Service { index: usize, first: bool },
    /// A topic's module.
    Topic(usize),
    /// The package's `proto` module (the descriptor set).
    GrpcModule,
    /// A type's protobuf encoding (its gRPC message).
    ProtoType(usize),
    /// The protobuf encoding of a service's request structs.
    ProtoRequests(usize),
}

/// What every job of a run reads.
struct Run<'a> {
    ir: &'a Ir,
    config: &'a Config,
    rest_reached: Vec<bool>,
    /// Every service's OpenAPI fragment, by index, when the run has REST servers (computed once
    /// for `rest_reached`, then read by the service's job).
    rest_fragments: Vec<emit_openapi::FragmentText>,
    protobuf_firsts: Vec<Vec<usize>>,
}

impl Run<'_> {
    /// The printed text of `job` (`g` is at its package's module).
    fn text(&self, g: &types::Gen, job: Job) -> Result<String, String> {
        let ir = self.ir;
        let config = self.config;
        let openapi = config.rest && config.server;
        // Written as text: the types and their REST schemas and protobuf calls ([`text`]).
        let mut text = Text::default();
        // Built as tokens and printed: the `__require_*` lines, a topic's module, the package's
        // `proto` module.
        let mut items: Vec<TokenStream> = Vec::new();
        // Written as text after the printed items.
        let mut after = Text::default();
        match job {
            Job::Header => {
                return Ok(format!(
                    "// @generated by rosetta-codegen from the `{}` package. Do not edit.\n",
                    g.package.as_deref().unwrap_or("(none)")
                ));
            }
            Job::Requirements => {
                items.push(feature_requirements(
                    ir,
                    config,
                    g.package.as_ref(),
                    &g.krate,
                ));
            }
            Job::Type(id) => {
                g.type_def(&mut text, id)?;
                if self.rest_reached.get(id).copied().unwrap_or(false) {
                    text::gated(&mut text, &config.crate_path, &["rest", "server"], |out| {
                        rest::schema_static(g, out, emit_openapi::Component::Type(id))
                    });
                }
            }
            Job::Service { index, first } => {
                let s = &ir.services[index];
                g.request_structs(&mut text, s)?;
                g.service(&mut text, s)?;
                if openapi && first {
                    text::gated(&mut after, &config.crate_path, &["rest", "server"], |out| {
                        rest::schema_static(g, out, emit_openapi::Component::Problem);
                        rest::schema_static(g, out, emit_openapi::Component::Violation);
                    });
                }
            }
            Job::Topic(i) => {
                if config.kafka {
                    items.push(protocols::gated("kafka", kafka::topic(g, &ir.topics[i])?));
                    let firsts = self.protobuf_firsts.get(i).map_or(&[][..], Vec::as_slice);
                    for &id in firsts {
                        text::gated(&mut after, &config.crate_path, &["kafka"], |out| {
                            protobuf::type_impl(g, out, id)
                        });
                    }
                }
            }
            Job::GrpcModule => items.push(protocols::gated("grpc", grpc::proto_module(g))),
            Job::ProtoType(id) => {
                text::gated(&mut text, &config.crate_path, &["grpc"], |out| {
                    protobuf::type_impl(g, out, id)
                });
            }
            Job::ProtoRequests(i) => protobuf::request_impls(g, &mut text, &ir.services[i]),
        }
        let mut out = text.out;
        out.push_str(&print_items(items, config)?);
        out.push_str(&after.out);
        Ok(out)
    }
}

/// The printed text of token `items` ([`print::print`]), their gate markers made gates.
fn print_items(items: Vec<TokenStream>, config: &Config) -> Result<String, String> {
    let mut text = String::new();
    for tokens in items {
        if tokens.is_empty() {
            continue;
        }
        #[cfg(test)]
        let original = tokens.clone();
        let printed = format_tokens(tokens);
        #[cfg(test)]
        print::assert_same_tokens(&original, &printed);
        // Most items have no gate: their text is kept as printed, not gone over line by line.
        if printed.contains(protocols::GATE_BEGIN) {
            text.push_str(&apply_gates(&printed, &config.crate_path));
        } else {
            text.push_str(&printed);
        }
    }
    Ok(text)
}

/// How many threads build and print the jobs of a run (the writer is the caller's thread).
const WORKERS: usize = 2;

/// Generates what [`generate`] does, handing the text to `write(file name, text)` piece by
/// piece: every piece of a file in order, then the next file. Each piece (a type with its glue,
/// a service with its module, a topic, a type's protobuf encoding) is built and printed on its
/// own by one of [`WORKERS`] threads (the token trees some pieces build are not `Send`: each
/// thread builds its own),
/// and handed over in order through bounded channels, so memory follows a few pieces, not the
/// package; a caller that writes to disk keeps no more than that. The text is the same as one
/// thread printing the whole file. MUST be deterministic.
pub fn generate_each(
    ir: &Ir,
    config: &Config,
    mut write: impl FnMut(&str, &str) -> Result<(), String>,
) -> Result<(), String> {
    // Checked once here; each worker parses its own copy (token trees are not `Send`).
    TokenStream::from_str(&config.crate_path)
        .map_err(|e| format!("invalid crate path `{}`: {e}", config.crate_path))?;
    let mut packages: BTreeMap<Option<String>, Members> = BTreeMap::new();
    for (id, t) in ir.types.iter().enumerate() {
        packages
            .entry(t.package.clone())
            .or_default()
            .types
            .push(id);
    }
    for (i, s) in ir.services.iter().enumerate() {
        packages
            .entry(s.package.clone())
            .or_default()
            .services
            .push(i);
    }
    for (i, t) in ir.topics.iter().enumerate() {
        packages
            .entry(t.package.clone())
            .or_default()
            .topics
            .push(i);
    }
    for f in &ir.files {
        packages.entry(f.package.clone()).or_default();
    }
    // REST: one `Schema` static per type some service reaches, and the problem schemas once
    // per package with a service (see `rest.rs`); they make the served OpenAPI document, so
    // only the server side has them.
    let (rest_reached, rest_fragments) = if config.rest && config.server {
        rest::reached_types(ir)
    } else {
        (Vec::new(), Vec::new())
    };
    let run = Run {
        ir,
        config,
        rest_reached,
        rest_fragments,
        // With gRPC every type has its protobuf encoding already (`Job::ProtoType`).
        protobuf_firsts: if config.kafka && !config.grpc {
            kafka::protobuf_firsts(ir)
        } else {
            Vec::new()
        },
    };
    // Every piece of every file, in file order.
    let mut jobs: Vec<(&Option<String>, Job)> = Vec::new();
    for (package, members) in &packages {
        let mut push = |job| jobs.push((package, job));
        push(Job::Header);
        push(Job::Requirements);
        members.types.iter().for_each(|&id| push(Job::Type(id)));
        for (n, &index) in members.services.iter().enumerate() {
            push(Job::Service {
                index,
                first: n == 0,
            });
        }
        members.topics.iter().for_each(|&i| push(Job::Topic(i)));
        if config.grpc {
            push(Job::GrpcModule);
            members
                .types
                .iter()
                .for_each(|&id| push(Job::ProtoType(id)));
            members
                .services
                .iter()
                .for_each(|&i| push(Job::ProtoRequests(i)));
        }
    }
    std::thread::scope(|scope| -> Result<(), String> {
        let mut pieces = Vec::new();
        for worker in 0..WORKERS {
            // A few pieces ahead of the writer, no more.
            let (tx, rx) = std::sync::mpsc::sync_channel::<Result<String, String>>(8);
            pieces.push(rx);
            let (jobs, run) = (&jobs, &run);
            scope.spawn(move || {
                let Ok(krate) = TokenStream::from_str(&config.crate_path) else {
                    return;
                };
                let k = print::print(krate.clone());
                let k = k.trim_end();
                for &(package, job) in jobs.iter().skip(worker).step_by(WORKERS) {
                    let g = types::Gen {
                        ir,
                        config,
                        krate: krate.clone(),
                        k,
                        package: package.clone(),
                        depth: 0,
                        fragment: match job {
                            Job::Service { index, .. } => run.rest_fragments.get(index),
                            _ => None,
                        },
                    };
                    let text = run.text(&g, job);
                    let failed = text.is_err();
                    // The writer stopped (an error): so does this thread.
                    if tx.send(text).is_err() || failed {
                        return;
                    }
                }
            });
        }
        for (i, (package, _)) in jobs.iter().enumerate() {
            let text = pieces[i % WORKERS]
                .recv()
                .map_err(|_| "internal error: a generator thread stopped".to_string())??;
            if !text.is_empty() {
                write(&package_file_name(package.as_deref()), &text)?;
            }
        }
        // Returning drops the receivers first, so a worker still sending stops.
        Ok(())
    })?;
    write(
        "_include.rs",
        &include_file(packages.keys().map(|p| p.as_deref()))?,
    )
}

/// `::rosetta::__require_<feature>!();` for each `rosetta` feature the package's code needs: a
/// feature that is off then fails the build with one line naming it (and the switch that
/// generates without it) instead of many errors inside the generated code.
fn feature_requirements(
    ir: &Ir,
    config: &Config,
    package: Option<&String>,
    krate: &TokenStream,
) -> TokenStream {
    let here = |p: &Option<String>| p.as_ref() == package;
    let types = ir.types.iter().any(|t| here(&t.package));
    let services = ir.services.iter().any(|s| here(&s.package));
    let topics = ir.topics.iter().any(|t| here(&t.package));
    let needs = [
        ("__require_derive", types || services),
        ("__require_xmlrpc", config.xmlrpc && (types || services)),
        ("__require_rest", config.rest && services),
        ("__require_grpc", config.grpc),
        (
            "__require_server",
            config.server && services && (config.xmlrpc || config.rest || config.grpc),
        ),
        ("__require_kafka", config.kafka && topics),
    ];
    needs
        .into_iter()
        .filter(|(_, needed)| *needed)
        .map(|(name, _)| {
            let name = quote::format_ident!("{name}");
            quote!(#krate::#name!();)
        })
        .collect()
}

/// Turns the formatted marker lines of [`protocols::gated`] blocks into
/// `<crate>::__if_<feature>! {` and `}`; every other line is kept as [`print`] wrote it.
pub(super) fn apply_gates(text: &str, crate_path: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        let marker = |name: &str| {
            trimmed
                .strip_prefix(name)
                .and_then(|rest| rest.strip_prefix("!("))
                .and_then(|rest| rest.strip_suffix(");"))
                .map(str::to_string)
        };
        if let Some(features) = marker(protocols::GATE_BEGIN) {
            // One line for several features: `__if_rest! { __if_server! {`.
            out.push_str(indent);
            for feature in features.split(", ") {
                out.push_str(&format!("{crate_path}::__if_{feature}! {{ "));
            }
            out.pop();
            out.push('\n');
        } else if let Some(features) = marker(protocols::GATE_END) {
            out.push_str(indent);
            out.push_str(&"}".repeat(features.split(", ").count()));
            out.push('\n');
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// Lays out generated tokens as Rust text ([`print::print`]: whitespace only, no syntax tree;
/// the generated crates building in the tests are what holds the tokens valid).
pub fn format_tokens(tokens: TokenStream) -> String {
    print::print(tokens)
}

/// `_include.rs`: a module per package segment, each including its package file.
fn include_file<'a>(packages: impl Iterator<Item = Option<&'a str>>) -> Result<String, String> {
    #[derive(Default)]
    struct Node {
        file: Option<String>,
        children: BTreeMap<String, Node>,
    }
    let mut root = Node::default();
    for p in packages {
        let mut node = &mut root;
        for seg in p
            .map(|p| p.split('.').collect::<Vec<_>>())
            .unwrap_or_default()
        {
            node = node.children.entry(seg.to_string()).or_default();
        }
        node.file = Some(package_file_name(p));
    }
    fn emit(node: &Node) -> TokenStream {
        let inc = node.file.as_ref().map(|f| quote!(include!(#f);));
        let children = node.children.iter().map(|(name, child)| {
            let m = field_ident(name);
            let body = emit(child);
            quote!(pub mod #m { #body })
        });
        quote!(#inc #(#children)*)
    }
    let header =
        "// @generated by rosetta-codegen: every package at its module path. Do not edit.\n";
    Ok(header.to_string() + &format_tokens(emit(&root)))
}

/// The Rust module path of a package, from the root of `_include.rs`.
fn package_segments(package: Option<&str>) -> Vec<String> {
    package
        .map(|p| p.split('.').map(str::to_string).collect())
        .unwrap_or_default()
}

/// `#[allow(clippy::module_inception)]` on a service's or topic's module that has the name of the
/// package module it sits in (topic `nested` in package `edge.nested`): a valid IDL, and clippy
/// would otherwise fail a user's `-D warnings` build on generated code.
pub(super) fn inception_allow(package: Option<&str>, module: &proc_macro2::Ident) -> TokenStream {
    if inception(package, &module.to_string()) {
        quote::quote!(#[allow(clippy::module_inception)])
    } else {
        TokenStream::new()
    }
}

/// Whether module `module` (its identifier's text) has the name of the package module it sits in.
pub(super) fn inception(package: Option<&str>, module: &str) -> bool {
    let last = package.and_then(|p| p.rsplit('.').next());
    last.is_some_and(|last| *ident::field_name(last) == *module)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every example generated with the printer's check on (`print::assert_same_tokens` runs
    /// on each printed item in test builds: the text is the emitted tokens, only laid out) and
    /// every list written as text measured the printer's way too (`text::long`).
    #[test]
    fn every_example_prints_its_tokens_unchanged() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../idl-examples");
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir)
            .expect("idl-examples/ exists")
            .flatten()
        {
            let path = entry.path();
            if path.extension().is_none_or(|e| e != "idl") {
                continue;
            }
            let c = crate::compile(std::slice::from_ref(&path), &crate::Options::default());
            let ir = c.ir.unwrap_or_else(|| panic!("{}", path.display()));
            let files = generate(&ir, &Config::default()).expect("generates");
            assert!(!files.is_empty());
            seen += 1;
        }
        assert!(seen >= 5, "only {seen} examples found");
    }
}
