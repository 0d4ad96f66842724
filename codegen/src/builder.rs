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
        write_all(
            &out_dir,
            files.iter().map(|f| (f.name.as_str(), f.contents.as_str())),
        )
    }
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
