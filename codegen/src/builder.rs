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

use std::fmt;
use std::path::{Path, PathBuf};

use crate::driver::{Options, compile};
use crate::emit::rust;

/// Configures and runs the compiler for a build script.
#[derive(Debug, Clone)]
pub struct Builder {
    out_dir: Option<PathBuf>,
    include_dirs: Vec<PathBuf>,
    rust: rust::Config,
    rerun_if_changed: bool,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            out_dir: None,
            include_dirs: Vec::new(),
            rust: rust::Config::default(),
            rerun_if_changed: true,
        }
    }
}

/// Compilation failed: the rendered diagnostics, or an I/O or generation error.
#[derive(Debug)]
pub struct Error {
    message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl Builder {
    /// A builder with the defaults: output to `$OUT_DIR`, crate path `::rosetta`, every protocol
    /// on, `cargo:rerun-if-changed` printed for every file read.
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

    /// Generates the XML-RPC glue (`#[derive(XmlRpc)]` on every type). On by default; needs the
    /// `rosetta` crate's `xmlrpc` feature (a default feature).
    pub fn xmlrpc(&mut self, on: bool) -> &mut Self {
        self.rust.xmlrpc = on;
        self
    }

    /// Generates the REST glue (axum routes, OpenAPI). On by default; needs the `rest` feature.
    pub fn rest(&mut self, on: bool) -> &mut Self {
        self.rust.rest = on;
        self
    }

    /// Generates the gRPC glue (.proto, tonic adapter). On by default; needs the `grpc` feature.
    pub fn grpc(&mut self, on: bool) -> &mut Self {
        self.rust.grpc = on;
        self
    }

    /// Generates Kafka producers and consumers for the topics. On by default; needs the `kafka`
    /// feature.
    pub fn kafka(&mut self, on: bool) -> &mut Self {
        self.rust.kafka = on;
        self
    }

    /// Adds an attribute to every type whose full name starts with `path` (`shop.v1.Product`,
    /// `shop.v1` for a package, `.` for everything), e.g. `#[derive(Hash)]`.
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

    /// Whether to print `cargo:rerun-if-changed` for every file read (default on).
    pub fn emit_rerun_if_changed(&mut self, on: bool) -> &mut Self {
        self.rerun_if_changed = on;
        self
    }

    /// Compiles `files` (and their imports) and writes one `.rs` file per package plus
    /// `_include.rs`. Warnings are printed as `cargo:warning`; errors fail with every diagnostic.
    pub fn compile(&self, files: &[impl AsRef<Path>]) -> Result<(), Error> {
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
        let rendered = c.render_diagnostics();
        let Some(ir) = c.ir else {
            return Err(Error {
                message: format!("IDL compilation failed:\n{rendered}"),
            });
        };
        for line in rendered.lines().filter(|l| l.starts_with("warning")) {
            println!("cargo:warning={line}");
        }
        let out_dir = match &self.out_dir {
            Some(d) => d.clone(),
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or_else(|| Error {
                    message:
                        "OUT_DIR is not set: call Builder::compile from build.rs, or set out_dir"
                            .into(),
                })?,
        };
        let files = rust::generate(&ir, &self.rust).map_err(|message| Error { message })?;
        if self.rust.grpc {
            self.compile_grpc(&ir, &out_dir)?;
        }
        write_all(
            &out_dir,
            files.iter().map(|f| (f.name.as_str(), f.contents.as_str())),
        )
    }

    /// gRPC: writes the emitted `.proto` files to `$OUT_DIR/rosetta-proto/`, compiles them with
    /// protox (no `protoc`), writes the encoded `FileDescriptorSet` beside them (for reflection),
    /// and runs tonic-prost-build once per package into `$OUT_DIR/rosetta-prost/<package>.rs`
    /// (a folder of its own: prost's `_.rs` for files without a package would clash with
    /// Rosetta's). Each package's prost code refers to the other packages' prost types through
    /// relative extern paths (`super::super::common::proto::Money`), the layout the generated
    /// `proto` modules have; prost, prost-types and tonic are reached through the `rosetta`
    /// crate, so a user's crate needs no dependency but `rosetta`.
    fn compile_grpc(&self, ir: &crate::ir::Ir, out_dir: &Path) -> Result<(), Error> {
        use crate::emit::proto;
        use crate::emit::proto::{DESCRIPTOR_FILE, PROST_DIR, PROTO_DIR, prost_file_name};
        let err = |message: String| Error { message };
        let protos = proto::generate(ir).map_err(err)?;
        let proto_dir = out_dir.join(PROTO_DIR);
        write_all(
            &proto_dir,
            protos
                .iter()
                .map(|f| (f.name.as_str(), f.contents.as_str())),
        )?;
        let fds = proto::compile_descriptors(&protos).map_err(err)?;
        write_bytes(
            &proto_dir.join(DESCRIPTOR_FILE),
            &prost::Message::encode_to_vec(&fds),
        )?;

        let prost_dir = out_dir.join(PROST_DIR);
        std::fs::create_dir_all(&prost_dir).map_err(|e| Error {
            message: format!("cannot create `{}`: {e}", prost_dir.display()),
        })?;
        let krate = &self.rust.crate_path;
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
            let mut builder = tonic_prost_build::configure()
                .build_server(true)
                .build_client(true)
                .build_transport(true)
                .emit_rerun_if_changed(false)
                .out_dir(&scratch)
                .codec_path(format!("{krate}::__private::rosetta_runtime::grpc::Codec"));
            // Exact paths are used verbatim; a prefix match would snake-case `__private`.
            for wkt in ["Timestamp", "Any"] {
                builder = builder.extern_path(
                    format!(".google.protobuf.{wkt}"),
                    format!("{krate}::__private::prost_types::{wkt}"),
                );
            }
            for (proto_path, rust_path) in externs {
                builder = builder.extern_path(proto_path, rust_path);
            }
            let mut config = tonic_prost_build::Config::new();
            config
                .prost_path(format!("{krate}::__private::prost"))
                .prost_types_path(format!("{krate}::__private::prost_types"));
            builder
                .compile_fds_with_config(set, config)
                .map_err(|e| Error {
                    message: format!("tonic-prost-build failed: {e}"),
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
            let generated = std::fs::read_to_string(scratch.join(&prost_name)).unwrap_or_default();
            let text = plain_enum_maps(&qualify_tonic_paths(
                &generated,
                &format!("{krate}::__private::tonic"),
            ));
            write_all(&prost_dir, std::iter::once((name.as_str(), text.as_str())))?;
        }
        Ok(())
    }
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

/// tonic-build writes `tonic::…` paths, which need `tonic` among the user's dependencies; they
/// are pointed at the copy `rosetta` re-exports instead. Only paths that start a path (not
/// `x::tonic::`, not `my_tonic::`) are rewritten.
fn qualify_tonic_paths(code: &str, tonic: &str) -> String {
    let mut out = String::with_capacity(code.len() + code.len() / 8);
    let mut rest = code;
    while let Some(i) = rest.find("tonic::") {
        let before = &rest[..i];
        let starts_path = !before
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':');
        out.push_str(before);
        if starts_path {
            out.push_str(tonic);
            out.push_str("::");
        } else {
            out.push_str("tonic::");
        }
        rest = &rest[i + "tonic::".len()..];
    }
    out.push_str(rest);
    out
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
        if std::fs::read_to_string(&path).is_ok_and(|old| old == contents) {
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

    #[test]
    fn tonic_paths_point_at_the_reexport() {
        assert_eq!(
            qualify_tonic_paths(
                "use tonic::codegen::*; x: tonic::Request<T>, my_tonic::a, ::tonic::b",
                "::rosetta::__private::tonic"
            ),
            "use ::rosetta::__private::tonic::codegen::*; \
             x: ::rosetta::__private::tonic::Request<T>, my_tonic::a, ::tonic::b"
        );
    }
}
