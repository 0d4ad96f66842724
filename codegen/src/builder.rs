//! [`Builder`]: compile IDL files from `build.rs`, the way `prost-build` and `tonic-build` do.
//!
//! ```no_run
//! // build.rs
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     rosetta_codegen::Builder::new().compile(&["idl/shop.idl"])?;
//!     Ok(())
//! }
//! ```
//! and in the crate: `rosetta::include_idl!("shop.v1");`.
//!
//! Which protocols are generated follows the features of the `rosetta` dependency, which the
//! facade's build script reports through its `links` metadata (see [`FEATURES_ENV`]); explicit
//! `Builder::grpc(…)` and friends override it, and asking for a protocol the dependency lacks is
//! one clear error here rather than many in the generated code.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::diagnostics::Severity;
use crate::driver::{Options, compile};
use crate::emit::rust;
use crate::ir::{Input, Ir};

/// The variable cargo gives a build script whose crate depends on the `rosetta` facade
/// (package `rosetta-rpc`, `links = "rosetta_rpc"`): the facade's enabled features, comma
/// separated (`derive,xmlrpc,rest,server`).
pub const FEATURES_ENV: &str = "DEP_ROSETTA_RPC_FEATURES";

/// The protocols the Builder can generate, with the facade feature each one needs.
const PROTOCOLS: [(&str, &str); 4] = [
    ("xmlrpc", "XML-RPC"),
    ("rest", "REST"),
    ("grpc", "gRPC"),
    ("kafka", "Kafka"),
];

/// Configures and runs the compiler for a build script.
#[derive(Debug, Clone)]
pub struct Builder {
    out_dir: Option<PathBuf>,
    include_dirs: Vec<PathBuf>,
    rust: rust::Config,
    /// What the user set with `xmlrpc(…)`, `rest(…)`, `grpc(…)`, `kafka(…)`, in [`PROTOCOLS`]
    /// order; `None` follows the facade's features.
    explicit: [Option<bool>; 4],
    /// What the user set with `build_server(…)`; `None` follows the facade's `server` feature.
    explicit_server: Option<bool>,
    /// Warning codes not to print (`allow`).
    allowed: Vec<String>,
    rerun_if_changed: bool,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            out_dir: None,
            include_dirs: Vec::new(),
            rust: rust::Config::default(),
            explicit: [None; 4],
            explicit_server: None,
            allowed: Vec::new(),
            rerun_if_changed: true,
        }
    }
}

/// Compilation failed: the rendered diagnostics, or an I/O or generation error.
///
/// `Debug` prints the message itself (as anyhow and miette do), because `fn main() -> Result<…>`
/// in a build script prints the error with `Debug`: the diagnostics must arrive as the CLI shows
/// them, not as an escaped string.
pub struct Error {
    message: String,
}

impl Error {
    fn new(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl Builder {
    /// A builder with the defaults: output to `$OUT_DIR`, crate path `::rosetta`, the protocols
    /// the `rosetta` dependency has features for (every protocol when that is unknown),
    /// `cargo:rerun-if-changed` printed for every file read.
    pub fn new() -> Self {
        Self::default()
    }

    /// Writes into `dir` instead of `$OUT_DIR`.
    pub fn out_dir(&mut self, dir: impl Into<PathBuf>) -> &mut Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// Adds a folder to search for imports (after the importing file's own folder).
    pub fn include(&mut self, dir: impl Into<PathBuf>) -> &mut Self {
        self.include_dirs.push(dir.into());
        self
    }

    /// The path generated code uses for the `rosetta` crate (default `::rosetta`), for crates that
    /// rename or re-export it.
    pub fn crate_path(&mut self, path: impl Into<String>) -> &mut Self {
        self.rust.crate_path = path.into();
        self
    }

    /// Generates the XML-RPC glue (`#[derive(XmlRpc)]` on every type) or not. By default, when
    /// the `rosetta` dependency has its `xmlrpc` feature (a default feature).
    pub fn xmlrpc(&mut self, on: bool) -> &mut Self {
        self.explicit[0] = Some(on);
        self
    }

    /// Generates the REST glue (axum routes, OpenAPI) or not. By default, when the `rosetta`
    /// dependency has its `rest` feature.
    pub fn rest(&mut self, on: bool) -> &mut Self {
        self.explicit[1] = Some(on);
        self
    }

    /// Generates the gRPC glue (.proto, tonic adapter) or not. By default, when the `rosetta`
    /// dependency has its `grpc` feature.
    pub fn grpc(&mut self, on: bool) -> &mut Self {
        self.explicit[2] = Some(on);
        self
    }

    /// Also generates prost-build's message structs for the `.proto` files, in each package's
    /// `proto` module (`shop::v1::proto::Product`), for code that wants prost's types beside
    /// the domain ones: the same wire format, so `prost::Message::decode` reads what the gRPC
    /// glue and protobuf topics write. Off by default: the glue needs none of it (the domain
    /// types encode themselves), and the prost code would double what the crate compiles.
    pub fn prost_messages(&mut self, on: bool) -> &mut Self {
        self.rust.prost_messages = on;
        self
    }

    /// Generates Kafka producers and consumers for the topics or not. By default, when the
    /// `rosetta` dependency has its `kafka` feature.
    pub fn kafka(&mut self, on: bool) -> &mut Self {
        self.explicit[3] = Some(on);
        self
    }

    /// Generates the server side of XML-RPC, REST and gRPC (handlers, the tonic adapter, the
    /// served OpenAPI document, each service's `Server<S>`) or not, as tonic-build's
    /// `build_server`. By default, when the `rosetta` dependency has its `server` feature (a
    /// default feature): a crate that only calls services leaves it off and gets the clients.
    pub fn build_server(&mut self, on: bool) -> &mut Self {
        self.explicit_server = Some(on);
        self
    }

    /// Generates the typed clients (`XmlRpcClient`, `RestClient`, `GrpcClient`) or not (default
    /// on), as tonic-build's `build_client`.
    pub fn build_client(&mut self, on: bool) -> &mut Self {
        self.rust.client = on;
        self
    }

    /// Adds an attribute to every type whose full name starts with `path` (`shop.v1.Product`,
    /// `shop.v1` for a package, `.` for everything), e.g. `#[derive(Hash)]`. A path that matches
    /// no type fails [`compile`](Self::compile), naming the nearest type.
    pub fn type_attribute(
        &mut self,
        path: impl Into<String>,
        attribute: impl Into<String>,
    ) -> &mut Self {
        self.rust
            .type_attributes
            .push((path.into(), attribute.into()));
        self
    }

    /// Adds an attribute to every field whose path (`shop.v1.Product.name`) starts with `path`.
    /// A path that matches no field fails [`compile`](Self::compile), naming the nearest field.
    pub fn field_attribute(
        &mut self,
        path: impl Into<String>,
        attribute: impl Into<String>,
    ) -> &mut Self {
        self.rust
            .field_attributes
            .push((path.into(), attribute.into()));
        self
    }

    /// Does not print warning `code` (`"W0002"`), as `#[allow]` does in Rust: for a warning
    /// whose consequence is intended, such as streaming rpcs left out of XML-RPC. A code that is
    /// not a warning fails [`compile`](Self::compile).
    pub fn allow(&mut self, code: impl Into<String>) -> &mut Self {
        self.allowed.push(code.into());
        self
    }

    /// Whether to print `cargo:rerun-if-changed` for every file read (default on).
    pub fn emit_rerun_if_changed(&mut self, on: bool) -> &mut Self {
        self.rerun_if_changed = on;
        self
    }

    /// Compiles `files` (and their imports) and writes one `.rs` file per package plus
    /// `_include.rs` (and, with gRPC, the prost code and descriptors beside them). Warnings are
    /// printed as `cargo:warning` lines with their `file:line:col`; errors fail with every
    /// diagnostic, rendered.
    pub fn compile(&self, files: &[impl AsRef<Path>]) -> Result<(), Error> {
        let config = self.config(facade_features().as_ref())?;
        if let Some(code) = self.allowed.iter().find(|code| {
            !code.starts_with('W') || !crate::check::CODES.iter().any(|(c, _)| c == code)
        }) {
            return Err(Error::new(format!(
                "Builder::allow(\"{code}\"): not a warning code (warnings are W0001, W0002, …; \
                 errors cannot be allowed)"
            )));
        }
        let roots: Vec<PathBuf> = files.iter().map(|f| f.as_ref().to_path_buf()).collect();
        let options = Options {
            include_dirs: self.include_dirs.clone(),
        };
        let c = compile(&roots, &options);
        if self.rerun_if_changed {
            for f in c.files_read() {
                println!("cargo:rerun-if-changed={}", f.display());
            }
            for r in &roots {
                println!("cargo:rerun-if-changed={}", r.display());
            }
        }
        let Some(ir) = &c.ir else {
            return Err(Error::new(format!(
                "IDL compilation failed:\n{}",
                c.render_diagnostics()
            )));
        };
        for line in warning_lines(&c, config.xmlrpc, &self.allowed) {
            println!("cargo:warning={line}");
        }
        let out_dir = match &self.out_dir {
            Some(d) => d.clone(),
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or_else(|| {
                    Error::new(
                        "OUT_DIR is not set: call Builder::compile from build.rs, or set out_dir",
                    )
                })?,
        };
        write_rust(ir, &config, &out_dir)
    }

    /// The Rust configuration for this build: each protocol as set explicitly, else as the
    /// facade's features say (`features`, from [`FEATURES_ENV`]), else on.
    fn config(&self, features: Option<&BTreeSet<String>>) -> Result<rust::Config, Error> {
        let mut config = self.rust.clone();
        let slots = [
            &mut config.xmlrpc,
            &mut config.rest,
            &mut config.grpc,
            &mut config.kafka,
        ];
        for ((slot, explicit), (feature, protocol)) in
            slots.into_iter().zip(self.explicit).zip(PROTOCOLS)
        {
            let available = features.map(|f| f.contains(feature));
            *slot = match (explicit, available) {
                (Some(true), Some(false)) => {
                    return Err(Error::new(format!(
                        "Builder::{feature}(true) asks for {protocol} code, but the `rosetta` \
                         dependency does not have its `{feature}` feature: add \"{feature}\" to its \
                         `features` in Cargo.toml, or remove `.{feature}(true)`"
                    )));
                }
                (Some(on), _) => on,
                (None, Some(on)) => on,
                (None, None) => true,
            };
        }
        let available = features.map(|f| f.contains("server"));
        config.server = match (self.explicit_server, available) {
            (Some(true), Some(false)) => {
                return Err(Error::new(
                    "Builder::build_server(true) asks for the server side, but the `rosetta` \
                     dependency does not have its `server` feature: add \"server\" to its \
                     `features` in Cargo.toml, or remove `.build_server(true)`",
                ));
            }
            (Some(on), _) | (None, Some(on)) => on,
            (None, None) => true,
        };
        Ok(config)
    }
}

/// The `rosetta` facade's features as its build script reported them to this build script, or
/// `None` when this is not a build script of a crate that depends on it directly.
fn facade_features() -> Option<BTreeSet<String>> {
    let list = std::env::var(FEATURES_ENV).ok()?;
    Some(
        list.split(',')
            .filter(|f| !f.is_empty())
            .map(str::to_string)
            .collect(),
    )
}

/// The warnings about what XML-RPC cannot carry (`u64` above `i64::MAX`, streaming rpcs): noise
/// when the build generates no XML-RPC.
const XMLRPC_WARNINGS: [&str; 2] = ["W0001", "W0002"];

/// One line per warning, `file:line:col: warning[CODE]: message (help: …)`, for
/// `cargo:warning` (which shows one line each, so the full rendering would lose its layout).
/// Without XML-RPC (`xmlrpc` false) its warnings are left out.
fn warning_lines(c: &crate::Compilation, xmlrpc: bool, allowed: &[String]) -> Vec<String> {
    c.diagnostics
        .sorted()
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .filter(|d| xmlrpc || !XMLRPC_WARNINGS.contains(&d.code))
        .filter(|d| !allowed.iter().any(|a| a == d.code))
        .map(|d| {
            let place = d.span.map(|span| {
                let (line, col) = c.program.sources.line_col(span.file, span.start);
                let file = &c.program.sources.get(span.file).name;
                format!("{file}:{line}:{col}: ")
            });
            let help = d.help.as_ref().map(|h| format!(" (help: {h})"));
            format!(
                "{}warning[{}]: {}{}",
                place.unwrap_or_default(),
                d.code,
                d.message,
                help.unwrap_or_default()
            )
        })
        .collect()
}

/// Writes the Rust target for `ir` into `out_dir`: one file per package and `_include.rs` and,
/// with gRPC on, the `.proto` files and descriptor set (`rosetta-proto/`) the package files
/// include by paths relative to themselves. The `Builder` and `rosetta generate --target rust`
/// both write through here, so the CLI's output is complete without a build script.
pub fn write_rust(ir: &Ir, config: &rust::Config, out_dir: &Path) -> Result<(), Error> {
    check_attribute_paths(ir, config)?;
    // The descriptors are built on a thread of their own while the glue is: they read the same
    // IR and write other files, and were a tenth of `generate --target rust` run after it.
    std::thread::scope(|scope| {
        let grpc = config
            .grpc
            .then(|| scope.spawn(|| compile_grpc(ir, config, out_dir)));
        let glue = write_glue(ir, config, out_dir);
        let grpc = grpc.map(|handle| {
            handle.join().unwrap_or_else(|_| {
                Err(Error::new(
                    "internal error: building the gRPC descriptors panicked",
                ))
            })
        });
        glue?;
        grpc.unwrap_or(Ok(()))
    })
}

/// The glue: one file per package and `_include.rs`.
fn write_glue(ir: &Ir, config: &rust::Config, out_dir: &Path) -> Result<(), Error> {
    // Item by item to disk: the package files are never whole in memory (37 MB of Rust for a
    // 2,000-type API), so peak memory follows the largest item.
    let mut files = StreamedFiles::new(out_dir)?;
    let mut failed = None;
    rust::generate_each(ir, config, |name, text| {
        files.write(name, text).map_err(|e| {
            let message = e.message.clone();
            failed = Some(e);
            message
        })
    })
    .map_err(|message| failed.take().unwrap_or_else(|| Error::new(message)))?;
    files.finish()
}

/// Files written piece by piece, one at a time, each into a scratch file that replaces the real
/// one only when its contents differ, so an unchanged file keeps its time stamp (cargo does not
/// rebuild for nothing) and a failed generation leaves the old files whole.
struct StreamedFiles<'a> {
    dir: &'a Path,
    /// The file being written: its final name, its scratch path and the writer.
    open: Option<(String, PathBuf, std::io::BufWriter<std::fs::File>)>,
    /// Files already finished; a name may not come back (pieces of a file arrive together).
    done: BTreeSet<String>,
}

impl<'a> StreamedFiles<'a> {
    fn new(dir: &'a Path) -> Result<Self, Error> {
        std::fs::create_dir_all(dir).map_err(|e| Error {
            message: format!("cannot create `{}`: {e}", dir.display()),
        })?;
        Ok(StreamedFiles {
            dir,
            open: None,
            done: BTreeSet::new(),
        })
    }

    fn write(&mut self, name: &str, text: &str) -> Result<(), Error> {
        use std::io::Write as _;
        if self.open.as_ref().is_none_or(|(open, _, _)| open != name) {
            self.finish()?;
            if self.done.contains(name) {
                return Err(Error::new(format!(
                    "internal error: the pieces of `{name}` were not generated together"
                )));
            }
            let scratch = self.dir.join(format!("{name}.rosetta-tmp"));
            let file = std::fs::File::create(&scratch).map_err(|e| Error {
                message: format!("cannot write `{}`: {e}", scratch.display()),
            })?;
            self.open = Some((
                name.to_string(),
                scratch,
                std::io::BufWriter::with_capacity(1 << 16, file),
            ));
        }
        let (_, scratch, out) = self.open.as_mut().expect("opened above");
        out.write_all(text.as_bytes()).map_err(|e| Error {
            message: format!("cannot write `{}`: {e}", scratch.display()),
        })
    }

    /// Closes the open file: its scratch copy replaces the real file, or is deleted if the real
    /// file already holds the same bytes.
    fn finish(&mut self) -> Result<(), Error> {
        let Some((name, scratch, out)) = self.open.take() else {
            return Ok(());
        };
        let io = |e: std::io::Error| Error {
            message: format!("cannot write `{}`: {e}", scratch.display()),
        };
        out.into_inner().map_err(|e| io(e.into_error()))?;
        let path = self.dir.join(&name);
        if same_contents(&scratch, &path) {
            std::fs::remove_file(&scratch).map_err(io)?;
        } else {
            std::fs::rename(&scratch, &path).map_err(io)?;
        }
        self.done.insert(name);
        Ok(())
    }
}

/// Whether two files hold the same bytes, read in blocks (neither is loaded whole); a file that
/// cannot be read differs.
fn same_contents(a: &Path, b: &Path) -> bool {
    use std::io::Read as _;
    let (Ok(fa), Ok(fb)) = (std::fs::File::open(a), std::fs::File::open(b)) else {
        return false;
    };
    if fa.metadata().map(|m| m.len()).ok() != fb.metadata().map(|m| m.len()).ok() {
        return false;
    }
    let (mut ra, mut rb) = (
        std::io::BufReader::with_capacity(1 << 16, fa),
        std::io::BufReader::with_capacity(1 << 16, fb),
    );
    let (mut ba, mut bb) = (vec![0u8; 1 << 16], vec![0u8; 1 << 16]);
    loop {
        let Ok(na) = ra.read(&mut ba) else {
            return false;
        };
        if na == 0 {
            return rb.read(&mut bb[..1]).is_ok_and(|n| n == 0);
        }
        if rb.read_exact(&mut bb[..na]).is_err() || ba[..na] != bb[..na] {
            return false;
        }
    }
}

/// Every `type_attribute` path must match a type (or package) and every `field_attribute` path
/// a field; a typo would otherwise be silently ignored.
fn check_attribute_paths(ir: &Ir, config: &rust::Config) -> Result<(), Error> {
    let mut types: Vec<String> = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    for t in &ir.types {
        let full = t.full_name();
        if let Some(p) = &t.package {
            types.push(p.clone());
        }
        fields.extend(t.fields().iter().map(|f| format!("{full}.{}", f.name)));
        types.push(full);
    }
    for s in &ir.services {
        for rpc in &s.rpcs {
            if let Input::Params(request) = &rpc.input {
                let owner = format!("{}.{}", s.full_name(), request.name);
                fields.extend(request.fields.iter().map(|p| format!("{owner}.{}", p.name)));
            }
        }
    }
    let checks = [
        ("type_attribute", "type", &config.type_attributes, &types),
        (
            "field_attribute",
            "field",
            &config.field_attributes,
            &fields,
        ),
    ];
    for (method, what, rules, names) in checks {
        for (path, _) in rules {
            let prefix = path.trim_start_matches('.');
            let matches = prefix.is_empty()
                || names
                    .iter()
                    .any(|n| n == prefix || n.starts_with(&format!("{prefix}.")));
            if !matches {
                let hint = match crate::program::closest(prefix, names.iter().map(String::as_str)) {
                    Some(near) => format!("; the nearest is `{near}`"),
                    None => String::new(),
                };
                return Err(Error::new(format!(
                    "Builder::{method}(\"{path}\", …) names no {what} of this compilation{hint}"
                )));
            }
        }
    }
    Ok(())
}

/// gRPC: writes the emitted `.proto` files to `<out>/rosetta-proto/` (for users; nothing here
/// reads them back), builds the `FileDescriptorSet` from the IR (`emit::descriptor`, no `protoc`
/// and no parse of the text) and writes it encoded beside them (for reflection). No message
/// code is generated from them: the domain types are the messages (`__proto!`).
fn compile_grpc(ir: &Ir, config: &rust::Config, out_dir: &Path) -> Result<(), Error> {
    use crate::emit::proto;
    use crate::emit::proto::{DESCRIPTOR_FILE, PROTO_DIR};
    let err = |message: String| Error { message };
    let protos = proto::generate(ir).map_err(err)?;
    let proto_dir = out_dir.join(PROTO_DIR);
    write_all(
        &proto_dir,
        protos
            .iter()
            .map(|f| (f.name.as_str(), f.contents.as_str())),
    )?;
    // Built from the IR, not compiled from the text just written (the two agree: tests/proto.rs).
    let fds = crate::emit::descriptor::file_descriptor_set(ir).map_err(err)?;
    drop(protos);
    write_bytes(
        &proto_dir.join(DESCRIPTOR_FILE),
        &prost::Message::encode_to_vec(&fds),
    )?;
    if config.prost_messages {
        compile_prost(ir, fds, config, out_dir)?;
    }
    Ok(())
}

/// With [`Builder::prost_messages`]: prost-build's messages for the `.proto` files, once per
/// package into `<out>/rosetta-prost/<package>.rs` (a folder of its own: prost's `_.rs` for
/// files without a package would clash with Rosetta's), for code that wants prost's types
/// beside the domain ones (the same wire format). Each package's prost code refers to the
/// other packages' prost types through relative extern paths
/// (`super::super::common::proto::Money`), the layout the generated `proto` modules have;
/// prost and prost-types are reached through the `rosetta` crate, so a user's crate needs no
/// dependency but `rosetta`.
fn compile_prost(
    ir: &Ir,
    fds: prost_types::FileDescriptorSet,
    config: &rust::Config,
    out_dir: &Path,
) -> Result<(), Error> {
    use crate::emit::proto::{PROST_DIR, prost_file_name};
    let krate = config.crate_path.as_str();
    let prost_dir = out_dir.join(PROST_DIR);
    std::fs::create_dir_all(&prost_dir).map_err(|e| Error {
        message: format!("cannot create `{}`: {e}", prost_dir.display()),
    })?;
    let packages: std::collections::BTreeSet<Option<String>> =
        ir.files.iter().map(|f| f.package.clone()).collect();
    for package in &packages {
        // prost needs every file for its message graph; the other packages' services are
        // dropped and their messages made extern, so only this package's code is generated.
        let own = |f: &prost_types::FileDescriptorProto| {
            f.package.as_deref().filter(|p| !p.is_empty()) == package.as_deref()
        };
        let mut set = fds.clone();
        let mut externs = Vec::new();
        for f in &mut set.file {
            if own(f) || f.package() == "google.protobuf" {
                continue;
            }
            f.service.clear();
            let names = f.message_type.iter().map(|m| m.name().to_string());
            let enums = f.enum_type.iter().map(|e| e.name().to_string());
            for name in names.chain(enums) {
                let pkg = f.package.as_deref().filter(|p| !p.is_empty());
                let full = match pkg {
                    Some(p) => format!(".{p}.{name}"),
                    None => format!(".{name}"),
                };
                externs.push((full, extern_rust_path(package.as_deref(), pkg, &name)));
            }
        }
        // Generate into a scratch folder, then copy only if changed (cargo rebuilds less).
        let scratch = out_dir.join(format!("{PROST_DIR}.tmp"));
        std::fs::create_dir_all(&scratch).map_err(|e| Error {
            message: format!("cannot create `{}`: {e}", scratch.display()),
        })?;
        let mut builder = prost_build::Config::new();
        // prost writes its messages already indented; its `format` pass (a default feature, off
        // here) would parse and print the whole package file at once, which held 4.9 GB at
        // 20,000 types. No service generator: the adapters and clients are Rosetta's own
        // (`__grpc_adapter!`, `__grpc_client!`).
        builder
            .out_dir(&scratch)
            .prost_path(format!("{krate}::__private::prost"))
            .prost_types_path(format!("{krate}::__private::prost_types"));
        // Exact paths are used verbatim; a prefix match would snake-case `__private`.
        for wkt in ["Timestamp", "Any"] {
            builder.extern_path(
                format!(".google.protobuf.{wkt}"),
                format!("{krate}::__private::prost_types::{wkt}"),
            );
        }
        for (proto_path, rust_path) in externs {
            builder.extern_path(proto_path, rust_path);
        }
        builder.compile_fds(set).map_err(|e| Error {
            message: format!("prost-build failed: {e}"),
        })?;
        let name = prost_file_name(package.as_deref());
        // prost names the file after its module path (`obstacle.r#type.self_.rs`).
        let prost_name = match package {
            Some(p) => {
                let segments: Vec<String> = p
                    .split('.')
                    .map(|s| crate::emit::proto::prost_field(s).to_string())
                    .collect();
                format!("{}.rs", segments.join("."))
            }
            None => "_.rs".to_string(),
        };
        // prost's file is the largest text of the build (about 100 MB at 20,000 types): each
        // rewrite drops the text before it.
        let generated = std::fs::read_to_string(scratch.join(&prost_name)).unwrap_or_default();
        let text = plain_enum_maps(&generated);
        drop(generated);
        write_all(&prost_dir, std::iter::once((name.as_str(), text.as_str())))?;
    }
    // The scratch folder is rewritten on every run; it must not be left in a CLI's output.
    let _ = std::fs::remove_dir_all(out_dir.join(format!("{PROST_DIR}.tmp")));
    Ok(())
}

/// The Rust path, from package `from`'s `proto` module, of the prost type `name` of package `to`.
fn extern_rust_path(from: Option<&str>, to: Option<&str>, name: &str) -> String {
    let seg = |p: Option<&str>| -> Vec<String> {
        p.map(|p| p.split('.').map(str::to_string).collect())
            .unwrap_or_default()
    };
    let (from, to) = (seg(from), seg(to));
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["super".to_string()];
    parts.extend((common..from.len()).map(|_| "super".to_string()));
    parts.extend(
        to[common..]
            .iter()
            .map(|s| rust::field_ident(s).to_string()),
    );
    parts.push("proto".to_string());
    parts.push(crate::emit::proto::prost_type(name).to_string());
    parts.join("::")
}

/// prost-derive builds accessor names for maps of enums from the field name, which fails for a
/// raw identifier (`get_r#match`); such maps are declared as maps of `int32` instead — the same
/// wire format and Rust type (`BTreeMap<String, i32>`), without the accessors Rosetta does not use.
fn plain_enum_maps(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(i) = rest.find("map = \"string, enumeration(") {
        let (head, tail) = rest.split_at(i);
        out.push_str(head);
        match tail.find(")\"") {
            Some(end) => {
                out.push_str(&tail[.."map = \"string, ".len()]);
                out.push_str("int32\"");
                rest = &tail[end + 2..];
            }
            None => {
                out.push_str(tail);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Writes bytes unless the file already holds them.
fn write_bytes(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    if std::fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(());
    }
    std::fs::write(path, bytes).map_err(|e| Error {
        message: format!("cannot write `{}`: {e}", path.display()),
    })
}

/// Writes files into `dir`, leaving files whose contents are unchanged untouched (so cargo does
/// not rebuild for nothing).
pub(crate) fn write_all<'a>(
    dir: &Path,
    files: impl Iterator<Item = (&'a str, &'a str)>,
) -> Result<(), Error> {
    std::fs::create_dir_all(dir).map_err(|e| Error {
        message: format!("cannot create `{}`: {e}", dir.display()),
    })?;
    for (name, contents) in files {
        let path = dir.join(name);
        // Read the old file only when it could be equal (a large file is compared only then).
        let same_size = std::fs::metadata(&path).is_ok_and(|m| m.len() == contents.len() as u64);
        if same_size && std::fs::read(&path).is_ok_and(|old| old == contents.as_bytes()) {
            continue;
        }
        std::fs::write(&path, contents).map_err(|e| Error {
            message: format!("cannot write `{}`: {e}", path.display()),
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn features(list: &str) -> BTreeSet<String> {
        list.split(',').map(str::to_string).collect()
    }

    /// Streamed files land whole, an unchanged file is left untouched (its time stamp too), a
    /// changed one is replaced, and no scratch file is left behind.
    #[test]
    fn streamed_files_replace_only_what_changed() {
        let dir =
            std::env::temp_dir().join(format!("rosetta-builder-stream-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let write = |pieces: &[(&str, &str)]| {
            let mut files = StreamedFiles::new(&dir).unwrap();
            for (name, text) in pieces {
                files.write(name, text).unwrap();
            }
            files.finish().unwrap();
        };
        write(&[("a.rs", "one "), ("a.rs", "two"), ("b.rs", "bee")]);
        assert_eq!(
            std::fs::read_to_string(dir.join("a.rs")).unwrap(),
            "one two"
        );
        let stamp = |n: &str| std::fs::metadata(dir.join(n)).unwrap().modified().unwrap();
        let (a0, b0) = (stamp("a.rs"), stamp("b.rs"));
        std::thread::sleep(std::time::Duration::from_millis(20));
        write(&[("a.rs", "one two"), ("b.rs", "bee!")]);
        assert_eq!(stamp("a.rs"), a0, "unchanged contents keep the file");
        assert_ne!(stamp("b.rs"), b0);
        assert_eq!(std::fs::read_to_string(dir.join("b.rs")).unwrap(), "bee!");
        let mut left: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["a.rs", "b.rs"]);
        // The pieces of one file must come together: a name that comes back is a bug, reported.
        let mut files = StreamedFiles::new(&dir).unwrap();
        files.write("a.rs", "x").unwrap();
        files.write("b.rs", "y").unwrap();
        assert!(files.write("a.rs", "z").is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// `fn main() -> Result<(), Box<dyn Error>>` prints the error with `Debug`: it must read as
    /// the diagnostics, with real line breaks, not as `Error { message: "…\n…" }`.
    #[test]
    fn a_failed_build_prints_its_diagnostics_not_a_debug_string() {
        let dir =
            std::env::temp_dir().join(format!("rosetta-builder-debug-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let idl = dir.join("hello.idl");
        std::fs::write(&idl, "struct Hello {\n  name: strin = 1;\n}\n").unwrap();
        let err = Builder::new()
            .emit_rerun_if_changed(false)
            .out_dir(dir.join("out"))
            .compile(&[&idl])
            .unwrap_err();
        let boxed: Box<dyn std::error::Error> = Box::new(err);
        let debug = format!("{boxed:?}");
        assert_eq!(debug, boxed.to_string());
        assert!(
            debug.starts_with("IDL compilation failed:\nerror[E0100]: "),
            "{debug}"
        );
        assert!(
            debug.contains(&format!("--> {}:2:9\n", idl.display())),
            "{debug}"
        );
        assert!(
            !debug.contains("\\n") && !debug.contains("Error {"),
            "{debug}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn protocols_follow_the_facade_features_unless_set() {
        let b = Builder::new();
        let c = b
            .config(Some(&features("derive,server,xmlrpc,rest")))
            .unwrap();
        assert_eq!(
            (c.xmlrpc, c.rest, c.grpc, c.kafka),
            (true, true, false, false)
        );
        // Unknown features (not a build script of a dependent crate): everything, as before.
        let c = b.config(None).unwrap();
        assert_eq!(
            (c.xmlrpc, c.rest, c.grpc, c.kafka),
            (true, true, true, true)
        );
        // Explicitly off wins; explicitly on with the feature present is fine.
        let c = Builder::new()
            .rest(false)
            .kafka(true)
            .config(Some(&features("xmlrpc,rest,kafka")))
            .unwrap();
        assert_eq!(
            (c.xmlrpc, c.rest, c.grpc, c.kafka),
            (true, false, false, true)
        );
    }

    #[test]
    fn asking_for_a_protocol_whose_feature_is_off_is_one_clear_error() {
        let err = Builder::new()
            .grpc(true)
            .config(Some(&features("derive,server,xmlrpc")))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "Builder::grpc(true) asks for gRPC code, but the `rosetta` dependency does not have \
             its `grpc` feature: add \"grpc\" to its `features` in Cargo.toml, or remove \
             `.grpc(true)`"
        );
    }

    fn ir(text: &str) -> Ir {
        let c = crate::compile_str("shop.idl", text);
        let rendered = c.render_diagnostics();
        c.ir.unwrap_or_else(|| panic!("{rendered}"))
    }

    #[test]
    fn attribute_paths_that_name_nothing_are_errors_with_the_nearest_name() {
        let ir = ir("package shop.v1;\nstruct Product { name: string = 1; }\n\
                     service Catalog { rpc Find(query: string) -> Product; }\n");
        let with = |types: &[&str], fields: &[&str]| {
            let config = rust::Config {
                type_attributes: types
                    .iter()
                    .map(|p| (p.to_string(), "#[x]".into()))
                    .collect(),
                field_attributes: fields
                    .iter()
                    .map(|p| (p.to_string(), "#[x]".into()))
                    .collect(),
                ..rust::Config::default()
            };
            check_attribute_paths(&ir, &config).map_err(|e| e.to_string())
        };
        // Every form that matches something: a type, a package, everything, a field, a parameter.
        assert_eq!(
            with(
                &["shop.v1.Product", "shop.v1", "shop", "."],
                &["shop.v1.Product.name", ".shop.v1.Catalog.FindRequest.query"]
            ),
            Ok(())
        );
        assert_eq!(
            with(&["shop.v1.Prodcut"], &[]),
            Err(
                "Builder::type_attribute(\"shop.v1.Prodcut\", …) names no type of this \
                 compilation; the nearest is `shop.v1.Product`"
                    .to_string()
            )
        );
        assert_eq!(
            with(&[], &["shop.v1.Product.nam"]),
            Err(
                "Builder::field_attribute(\"shop.v1.Product.nam\", …) names no field of this \
                 compilation; the nearest is `shop.v1.Product.name`"
                    .to_string()
            )
        );
        // A prefix must end at a dot: `shop.v1.Prod` is not `shop.v1.Product`.
        assert!(with(&["shop.v1.Prod"], &[]).is_err());
    }

    #[test]
    fn warnings_carry_their_file_line_and_column() {
        let c = crate::compile_str("w.idl", "struct Big {\n  n: u64 = 1;\n}\n");
        let lines = warning_lines(&c, true, &[]);
        assert_eq!(lines.len(), 1, "{}", c.render_diagnostics());
        assert!(lines[0].starts_with("w.idl:2:"), "{}", lines[0]);
        assert!(lines[0].contains(": warning[W0001]: "), "{}", lines[0]);
        assert!(!lines[0].contains('\n'));
    }

    #[test]
    fn streaming_rpcs_warn_that_xmlrpc_leaves_them_out_when_xmlrpc_is_generated() {
        let c = crate::compile_str(
            "s.idl",
            "struct M { a: string = 1; }\nservice Feed {\n  rpc Watch(M) -> stream M;\n  \
             rpc Get(M) -> M;\n  rpc Talk(stream M) -> stream M;\n}\n",
        );
        assert!(c.ir.is_some(), "{}", c.render_diagnostics());
        let lines = warning_lines(&c, true, &[]);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(
            lines[0].starts_with("s.idl:3:7: warning[W0002]: "),
            "{}",
            lines[0]
        );
        assert!(
            lines[0].contains("`Feed.Watch` is not served over XML-RPC"),
            "{}",
            lines[0]
        );
        assert!(
            lines[1].contains("`Feed.Talk` is not served over XML-RPC"),
            "{}",
            lines[1]
        );
        assert!(
            warning_lines(&c, false, &[]).is_empty(),
            "no XML-RPC, no XML-RPC warning"
        );
        assert!(
            warning_lines(&c, true, &["W0002".to_string()]).is_empty(),
            "allowed"
        );
    }

    #[test]
    fn only_warning_codes_can_be_allowed() {
        let dir = std::env::temp_dir().join(format!("rosetta-allow-{}", std::process::id()));
        for code in ["E0101", "W9999", "warning"] {
            let err = Builder::new()
                .out_dir(&dir)
                .emit_rerun_if_changed(false)
                .allow(code)
                .compile(&["no-such.idl"])
                .expect_err("refused before compiling");
            assert!(
                err.to_string()
                    .starts_with(&format!("Builder::allow(\"{code}\"): not a warning code")),
                "{err}"
            );
        }
    }

    #[test]
    fn extern_paths_mirror_the_package_modules() {
        assert_eq!(
            extern_rust_path(Some("shop.v1"), Some("shop.common"), "Money"),
            "super::super::common::proto::Money"
        );
        assert_eq!(
            extern_rust_path(None, Some("a.b"), "T"),
            "super::a::b::proto::T"
        );
        assert_eq!(
            extern_rust_path(Some("obstacle.type.self"), Some("x"), "Self"),
            "super::super::super::super::x::proto::Self_"
        );
    }

    #[test]
    fn enum_maps_become_int32_maps() {
        assert_eq!(
            plain_enum_maps(
                r#"#[prost(btree_map = "string, enumeration(Box)", tag = "6")] #[prost(map = "string, enumeration(a::B)", tag = "7")] x"#
            ),
            r#"#[prost(btree_map = "string, int32", tag = "6")] #[prost(map = "string, int32", tag = "7")] x"#
        );
    }
}
