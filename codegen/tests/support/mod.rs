//! What the compiler's integration tests share: the example IDL files and their compiled IR.
//! Each test file includes this module with `mod support;`, so not every item is used by each.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use rosetta_codegen::ir::Ir;
use rosetta_codegen::{Options, compile};

/// Every `idl-examples/*.idl` file, sorted, so snapshots come in a stable order.
pub(crate) fn examples() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../idl-examples");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("idl-examples/ exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "idl"))
        .collect();
    v.sort();
    v
}

/// The IR of one IDL file; panics with the rendered diagnostics if it does not compile.
pub(crate) fn ir_of(path: &Path) -> Ir {
    let c = compile(&[path.to_path_buf()], &Options::default());
    let rendered = c.render_diagnostics();
    c.ir.unwrap_or_else(|| panic!("{}: {rendered}", path.display()))
}

/// The stem naming an example in snapshot names (`shop` for `idl-examples/shop.idl`).
pub(crate) fn stem(path: &Path) -> String {
    path.file_stem()
        .expect("a file name")
        .to_string_lossy()
        .into_owned()
}
