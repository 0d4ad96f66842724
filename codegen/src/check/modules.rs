//! Rust module checks: in one package's Rust module, the modules Rosetta generates (one per
//! service, one per topic, one per sub-package segment) have distinct names.

use rustc_hash::FxHashMap as HashMap;

use super::{Ctx, emit};
use crate::conventions::{service_module_name, topic_module_name};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::source::Span;
use crate::syntax::ast::ItemKind;

/// One generated module: what it is for (for messages) and where that is declared.
struct Module {
    what: String,
    span: Span,
    /// Sub-package modules of one package are one module, however many files declare it.
    package: bool,
}

/// E0136: two generated Rust modules of one package have the same name, e.g. topics `a.b` and
/// `a_b` (both `mod a_b`), a topic `catalog` and a service `Catalog`, or a service `V1` in
/// package `shop` next to package `shop.v1`. Reported on the later declaration.
pub(super) fn check_module_names(ctx: &Ctx, out: &mut Diagnostics) {
    // (package, module name) -> the first module of that name.
    let mut seen: HashMap<(Option<String>, String), Module> = HashMap::default();
    let mut add = |package: Option<String>, name: String, m: Module, out: &mut Diagnostics| {
        match seen.get(&(package.clone(), name.clone())) {
            // One package named by several files; or a duplicate service or topic, which E0101
            // and E0121 report.
            Some(first) if (first.package && m.package) || first.what == m.what => {}
            Some(first) => emit(
                out,
                Diagnostic::error(
                    "E0136",
                    format!(
                        "the Rust module of {} (`{name}`) collides with {}",
                        m.what, first.what
                    ),
                    m.span,
                )
                .with_label(format!("generates `mod {name}`"))
                .with_secondary(first.span, format!("also generates `mod {name}`"))
                .with_help("rename one of them"),
            ),
            None => {
                seen.insert((package, name), m);
            }
        }
    };
    // Sub-package segments first: a package is there whichever file mentions it first.
    for f in ctx.files() {
        let (Some(package), Some(decl)) = (&f.package, &f.ast.package) else {
            continue;
        };
        let segments: Vec<&str> = package.split('.').collect();
        for i in 0..segments.len() {
            let parent = (i > 0).then(|| segments[..i].join("."));
            let module = Module {
                what: format!("package `{}`", segments[..=i].join(".")),
                span: decl.name.span,
                package: true,
            };
            add(parent, crate::case::snake(segments[i]), module, out);
        }
    }
    for (f, item) in ctx.items() {
        let (name, what, span) = match &item.kind {
            ItemKind::Service(s) => (
                service_module_name(&s.name.name),
                format!("service `{}`", s.name.name),
                s.name.span,
            ),
            ItemKind::Topic(t) => (
                topic_module_name(&t.name.name),
                format!("topic \"{}\"", t.name.name),
                t.name.span,
            ),
            _ => continue,
        };
        let module = Module {
            what,
            span,
            package: false,
        };
        add(f.package.clone(), name, module, out);
    }
}
