//! Rust items for IR types and services.

use proc_macro2::TokenStream;
use quote::quote;

use super::ident::{self, field_name, lit, str_text, type_name, wire_rename};
use super::text::Text;
use super::{Config, package_segments};
use crate::ir::*;

/// Generation context for one package.
pub(super) struct Gen<'a> {
    pub ir: &'a Ir,
    pub config: &'a Config,
    pub krate: TokenStream,
    /// `krate` as printed (`::rosetta`), for the items written as text.
    pub k: &'a str,
    pub package: Option<String>,
    /// How many modules below the package module the code being generated sits (a service's
    /// module is 1), so paths to types get that many `super::` first.
    pub depth: usize,
    /// The OpenAPI fragment of the service being generated, when the run computed it already
    /// (it has every service's, to know which types need a REST schema).
    pub fragment: Option<&'a crate::emit::openapi::FragmentText>,
}

/// `#[doc = "..."]` lines.
pub(super) fn docs(lines: &[String]) -> TokenStream {
    let lines = lines.iter().map(|l| lit(format!(" {l}")));
    quote!(#(#[doc = #lines])*)
}

/// The tokens of generated text (a path or type written as text, for the glue built as tokens).
pub(super) fn parsed(text: &str) -> TokenStream {
    text.parse()
        .unwrap_or_else(|e| panic!("generated Rust `{text}` does not lex: {e}"))
}

impl Gen<'_> {
    /// `#[<crate>::__model(default, xmlrpc)]`: the derives and container attributes every
    /// generated type carries, expanded by the facade's `__model` attribute (one place decides
    /// them; see `rosetta-macros`' `model.rs`). `default` asks for `Default` on a struct.
    fn model_attr(&self, t: &mut Text, default: bool) {
        let mut args = Vec::new();
        if self.config.crate_path != "::rosetta" {
            args.push(format!("crate = {}", str_text(&self.config.crate_path)));
        }
        if default {
            args.push("default".to_string());
        }
        if self.config.xmlrpc {
            args.push("xmlrpc".to_string());
        }
        let out = t.start();
        out.push_str("#[");
        out.push_str(self.k);
        out.push_str("::__model");
        t.list("(", &args, ")]");
        t.end();
    }

    /// User attributes whose path prefix matches `full` (prost-build's matching rule).
    fn extra_attributes(
        &self,
        t: &mut Text,
        rules: &[(String, String)],
        full: &str,
    ) -> Result<(), String> {
        let mut out = TokenStream::new();
        for (prefix, attr) in rules {
            let prefix = prefix.trim_start_matches('.');
            let matches =
                prefix.is_empty() || full == prefix || full.starts_with(&format!("{prefix}."));
            if matches {
                let tokens: TokenStream = attr
                    .parse()
                    .map_err(|e| format!("invalid attribute `{attr}` for `{prefix}`: {e}"))?;
                out.extend(tokens);
            }
        }
        if !out.is_empty() {
            t.tokens(out, &self.config.crate_path);
        }
        Ok(())
    }

    /// The path from this package's module to type `id`.
    pub(crate) fn type_path(&self, id: usize) -> TokenStream {
        parsed(&self.type_path_text(id))
    }

    /// [`type_path`](Self::type_path) as text.
    pub(crate) fn type_path_text(&self, id: usize) -> String {
        let mut out = String::new();
        self.push_type_path(&mut out, id);
        out
    }

    fn push_type_path(&self, out: &mut String, id: usize) {
        let t = &self.ir.types[id];
        self.push_module_path(out, t.package.as_ref());
        out.push_str(&type_name(&t.name));
    }

    /// The path from this module to package `to`'s module, ending in `::` (or nothing).
    pub(crate) fn push_module_path(&self, out: &mut String, to: Option<&String>) {
        if to == self.package.as_ref() {
            // Most references: no module to go down into, so no package split into segments
            // (two `Vec<String>` per reference) to find that out.
            for _ in 0..self.depth {
                out.push_str("super::");
            }
            return;
        }
        let from = package_segments(self.package.as_deref());
        let to = package_segments(to.map(String::as_str));
        let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
        for _ in common..from.len() + self.depth {
            out.push_str("super::");
        }
        for segment in &to[common..] {
            out.push_str(&field_name(segment));
            out.push_str("::");
        }
    }

    /// The Rust type for an IR type; `boxed` wraps the named type in `Box`.
    pub(crate) fn rust_type(&self, t: &Type, boxed: bool) -> TokenStream {
        parsed(&self.rust_type_text(t, boxed))
    }

    /// [`rust_type`](Self::rust_type) as text.
    pub(crate) fn rust_type_text(&self, t: &Type, boxed: bool) -> String {
        let mut out = String::new();
        self.push_rust_type(&mut out, t, boxed);
        out
    }

    fn push_rust_type(&self, out: &mut String, t: &Type, boxed: bool) {
        match t {
            Type::Bool => out.push_str("bool"),
            Type::I32 => out.push_str("i32"),
            Type::I64 => out.push_str("i64"),
            Type::U32 => out.push_str("u32"),
            Type::U64 => out.push_str("u64"),
            Type::F64 => out.push_str("f64"),
            Type::String => out.push_str("::std::string::String"),
            Type::Bytes => out.push_str("::std::vec::Vec<u8>"),
            Type::Timestamp => {
                out.push_str(self.k);
                out.push_str("::Timestamp");
            }
            Type::Any => {
                out.push_str(self.k);
                out.push_str("::Value");
            }
            Type::Optional(inner) => {
                out.push_str("::std::option::Option<");
                self.push_rust_type(out, inner, boxed);
                out.push('>');
            }
            Type::List(inner) => {
                out.push_str("::std::vec::Vec<");
                self.push_rust_type(out, inner, false);
                out.push('>');
            }
            Type::Map(inner) => {
                out.push_str("::std::collections::BTreeMap<::std::string::String, ");
                self.push_rust_type(out, inner, false);
                out.push('>');
            }
            Type::Named { id, .. } => {
                if boxed {
                    out.push_str("::std::boxed::Box<");
                    self.push_type_path(out, *id);
                    out.push('>');
                } else {
                    self.push_type_path(out, *id);
                }
            }
        }
    }

    /// serde attributes for a field's shape (absent optionals skipped, bytes as base64).
    fn serde_field_attrs(&self, out: &mut Text, t: &Type) {
        match t {
            Type::Optional(_) => out.line(&[
                r#"#[serde(default, skip_serializing_if = "::std::option::Option::is_none")]"#,
            ]),
            // The absent-member rule (`Type::may_be_absent`): an absent list or map is empty, an
            // absent `any` is nil.
            Type::List(_) | Type::Map(_) | Type::Any => out.line(&["#[serde(default)]"]),
            _ => {}
        }
        self.serde_with_attrs(out, t);
    }

    /// serde attributes for how a value of type `t` is encoded (bytes as base64, integers read
    /// exactly), for a field or a union variant.
    fn serde_with_attrs(&self, out: &mut Text, t: &Type) {
        // Bytes at any depth of containers: one generic module (`json::bytes`). Integers are
        // read exactly from the number's text (`9007199254740993.0` is that integer, `2.5` an
        // error), never through a float.
        let (key, module) = if holds_bytes(t) {
            ("with", "bytes")
        } else if holds_integers(t) {
            ("deserialize_with", "exact")
        } else {
            return;
        };
        let path = format!("{}::__private::json::{module}", self.config.crate_path);
        out.line(&["#[serde(", key, " = ", &str_text(&path), ")]"]);
    }

    /// `#[rosetta(range(...))]` and friends; bounds are written as literals of the field's type.
    fn constraint_attrs(out: &mut Text, c: &Constraints, ty: &Type) {
        use proc_macro2::Literal;
        let float = *ty.without_optional() == Type::F64;
        let num = |n: &Number| -> String {
            match n {
                Number::Int(i) if float => Literal::f64_unsuffixed(*i as f64).to_string(),
                Number::Int(i) => i.to_string(),
                Number::Float(f) => Literal::f64_unsuffixed(*f).to_string(),
            }
        };
        if let Some(r) = &c.range {
            let mut args = Vec::new();
            if let Some(m) = &r.min {
                args.push(format!("min = {}", num(m)));
            }
            if let Some(m) = &r.max {
                args.push(format!("max = {}", num(m)));
            }
            out.start().push_str("#[rosetta(range");
            out.list("(", &args, "))]");
            out.end();
        }
        if let Some(l) = &c.length {
            let mut args = Vec::new();
            if let Some(m) = l.min {
                args.push(format!("min = {m}"));
            }
            if let Some(m) = l.max {
                args.push(format!("max = {m}"));
            }
            out.start().push_str("#[rosetta(length");
            out.list("(", &args, "))]");
            out.end();
        }
        if let Some(p) = &c.pattern {
            // Escaped as quote escapes an interpolated string (`\s` as `\\s`).
            let p = Literal::string(p).to_string();
            out.line(&["#[rosetta(pattern = ", &p, ")]"]);
        }
    }

    /// `#[serde(rename = "…")] #[rosetta(rename = "…")]` when the wire name of `rust` is not
    /// its Rust spelling.
    fn renames(out: &mut Text, rust: &str, wire: &str) {
        if let Some(wire) = wire_rename(rust, wire) {
            let wire = str_text(&wire);
            out.line(&["#[serde(rename = ", &wire, ")]"]);
            out.line(&["#[rosetta(rename = ", &wire, ")]"]);
        }
    }

    /// One struct field with its docs, renames, serde and constraint attributes.
    fn field(&self, out: &mut Text, owner: &str, f: &Field) -> Result<(), String> {
        let name = field_name(&f.name);
        out.docs(&f.docs);
        if f.deprecated {
            out.doc("");
            out.doc("**Deprecated** in the IDL.");
        }
        Self::renames(out, &name, &f.name);
        self.serde_field_attrs(out, &f.ty);
        Self::constraint_attrs(out, &f.constraints, &f.ty);
        self.extra_attributes(
            out,
            &self.config.field_attributes,
            &format!("{owner}.{}", f.name),
        )?;
        let line = out.start();
        line.push_str("pub ");
        line.push_str(&name);
        line.push_str(": ");
        self.push_rust_type(line, &f.ty, f.boxed);
        line.push(',');
        out.end();
        Ok(())
    }

    /// `pub struct Name { fields }`, the fields from `owner` (for the user's field attributes).
    fn struct_body(
        &self,
        out: &mut Text,
        name: &str,
        owner: &str,
        fields: &[Field],
    ) -> Result<(), String> {
        if fields.is_empty() {
            out.line(&["pub struct ", name, " {}"]);
            return Ok(());
        }
        out.open(&["pub struct ", name]);
        for f in fields {
            self.field(out, owner, f)?;
        }
        out.close("");
        Ok(())
    }

    /// A struct (or the body of an error) with derives.
    fn struct_item(&self, out: &mut Text, id: usize, fields: &[Field]) -> Result<(), String> {
        let t = &self.ir.types[id];
        let full = t.full_name();
        out.docs(&t.docs);
        self.model_attr(out, t.has_zero_value);
        self.extra_attributes(out, &self.config.type_attributes, &full)?;
        self.struct_body(out, &type_name(&t.name), &full, fields)
    }

    /// The item(s) for type `id`, as text.
    pub(crate) fn type_def(&self, out: &mut Text, id: usize) -> Result<(), String> {
        let t = &self.ir.types[id];
        match &t.kind {
            TypeKind::Struct(s) => self.struct_item(out, id, &s.fields),
            TypeKind::Error(e) => self.error_item(out, id, e),
            TypeKind::Enum(e) => self.enum_item(out, id, e),
            TypeKind::Union(u) => self.union_item(out, id, u),
        }
    }

    fn enum_item(&self, out: &mut Text, id: usize, e: &Enum) -> Result<(), String> {
        let t = &self.ir.types[id];
        let name = type_name(&t.name);
        out.docs(&t.docs);
        self.model_attr(out, false);
        self.extra_attributes(out, &self.config.type_attributes, &t.full_name())?;
        let variants: Vec<(std::rc::Rc<str>, String)> = e
            .values
            .iter()
            .map(|v| (type_name(&v.name), str_text(&v.name)))
            .collect();
        if variants.is_empty() {
            out.line(&["pub enum ", &name, " {}"]);
        } else {
            out.open(&["pub enum ", &name]);
            for (i, (v, (vname, wire))) in e.values.iter().zip(&variants).enumerate() {
                out.docs(&v.docs);
                if i == 0 {
                    out.line(&["#[default]"]);
                }
                out.line(&["#[serde(rename = ", wire, ")]"]);
                out.line(&["#[rosetta(rename = ", wire, ")]"]);
                out.line(&[vname, " = ", &v.number.to_string(), ","]);
            }
            out.close("");
        }
        out.open(&["impl ", &name]);
        out.line(&["/// Every value, in declaration order."]);
        out.start()
            .push_str("pub const VALUES: &'static [Self] = &");
        let all: Vec<String> = variants.iter().map(|(v, _)| format!("Self::{v}")).collect();
        out.list("[", &all, "];");
        out.end();
        out.line(&["/// The number the IDL gives this value (its protobuf number)."]);
        out.open(&["pub fn number(self) -> i32"]);
        out.line(&["self as i32"]);
        out.close("");
        out.line(&["/// The value with this number, if any."]);
        out.open(&["pub fn from_number(number: i32) -> ::std::option::Option<Self>"]);
        out.open(&["match number"]);
        for (v, (vname, _)) in e.values.iter().zip(&variants) {
            out.line(&[
                &v.number.to_string(),
                " => ::std::option::Option::Some(Self::",
                vname,
                "),",
            ]);
        }
        out.line(&["_ => ::std::option::Option::None,"]);
        out.close("");
        out.close("");
        out.line(&["/// The name as written in the IDL (and on the wire in JSON and XML-RPC)."]);
        out.open(&["pub fn name(self) -> &'static str"]);
        if variants.is_empty() {
            out.line(&["match self {}"]);
        } else {
            out.open(&["match self"]);
            for (vname, wire) in &variants {
                out.line(&["Self::", vname, " => ", wire, ","]);
            }
            out.close("");
        }
        out.close("");
        out.close("");
        Ok(())
    }

    fn union_item(&self, out: &mut Text, id: usize, u: &Union) -> Result<(), String> {
        let t = &self.ir.types[id];
        let name = type_name(&t.name);
        out.docs(&t.docs);
        self.model_attr(out, false);
        self.extra_attributes(out, &self.config.type_attributes, &t.full_name())?;
        if u.variants.is_empty() {
            out.line(&["pub enum ", &name, " {}"]);
            return Ok(());
        }
        out.open(&["pub enum ", &name]);
        for v in &u.variants {
            out.docs(&v.docs);
            let wire = str_text(&v.name);
            out.line(&["#[serde(rename = ", &wire, ")]"]);
            out.line(&["#[rosetta(rename = ", &wire, ")]"]);
            // A variant's value is there by definition: no absent-member default (serde has
            // none for variants), only the value's own encoding.
            self.serde_with_attrs(out, &v.ty);
            Self::constraint_attrs(out, &v.constraints, &v.ty);
            let line = out.start();
            line.push_str(&type_name(&v.name));
            line.push('(');
            self.push_rust_type(line, &v.ty, v.boxed);
            line.push_str("),");
            out.end();
        }
        out.close("");
        Ok(())
    }

    fn error_item(&self, out: &mut Text, id: usize, e: &ErrorType) -> Result<(), String> {
        let t = &self.ir.types[id];
        let k = self.k;
        let name = type_name(&t.name);
        self.struct_item(out, id, &e.body.fields)?;
        out.line(&[k, "::__declared_error_display!(", &name, ");"]);
        out.open(&["impl ", k, "::DeclaredError for ", &name]);
        out.line(&["const NAME: &'static str = ", &str_text(&t.name), ";"]);
        out.line(&[
            "const FULL_NAME: &'static str = ",
            &str_text(&t.full_name()),
            ";",
        ]);
        let kind = super::ident::upper_camel(e.kind.name());
        out.line(&[
            "const KIND: ",
            k,
            "::ErrorKind = ",
            k,
            "::ErrorKind::",
            &kind,
            ";",
        ]);
        let status = e.http_status.to_string();
        out.line(&["const HTTP_STATUS: u16 = ", &status, "u16;"]);
        let fault = e.fault_code.to_string();
        out.line(&["const FAULT_CODE: i32 = ", &fault, "i32;"]);
        if self.config.grpc {
            super::text::gated(out, &self.config.crate_path, &["grpc"], |out| {
                super::grpc::declared_error_methods(self, out)
            });
        }
        out.close("");
        Ok(())
    }

    /// The same context, one module deeper (inside a service's module).
    pub(crate) fn nested(&self) -> Gen<'_> {
        Gen {
            ir: self.ir,
            config: self.config,
            krate: self.krate.clone(),
            k: self.k,
            package: self.package.clone(),
            depth: self.depth + 1,
            fragment: self.fragment,
        }
    }

    /// The error type of an rpc's method: its `<Rpc>Error` enum, or `Status` when it throws
    /// nothing. `from_module` is true inside the service's own module.
    pub(crate) fn rpc_error_type_text(&self, s: &Service, rpc: &Rpc, from_module: bool) -> String {
        if rpc.throws.is_empty() {
            return format!("{}::Status", self.k);
        }
        let ename = super::ident::rpc_error_name(&rpc.name);
        if from_module {
            ename
        } else {
            format!("{}::{ename}", field_name(&s.name))
        }
    }

    /// The Rust type of an rpc's request as every protocol decodes it: its message, or the
    /// synthesized `<Rpc>Request` for a parameter list; `None` for an rpc that takes nothing.
    pub(crate) fn request_type_text(&self, rpc: &Rpc) -> Option<String> {
        match &rpc.input {
            Input::Unit => None,
            Input::Message(id) => Some(self.type_path_text(*id)),
            Input::Params(request) => {
                let mut path = "super::".repeat(self.depth);
                path.push_str(&type_name(&request.name));
                Some(path)
            }
        }
    }

    /// `fn call_<rpc><S: Trait>(svc: Arc<S>, ctx, request) -> impl Future + Send + 'static`: the
    /// one call of an rpc's trait method, shared by the XML-RPC, REST and gRPC server glue of the
    /// service (a `Gen` nested in the service's module).
    ///
    /// The trait's future borrows the service, so whatever serves a call must own the `Arc` in
    /// a future of its own: one `async` block per rpc here, instead of one in each protocol's
    /// glue (issue 17: with the boxing the runtime now does, the three protocols' rpc glue was a
    /// fifth of what rustc spent type- and borrow-checking a generated crate).
    pub(crate) fn invoker(&self, out: &mut Text, s: &Service, rpc: &Rpc) {
        let k = self.k;
        let mut params = vec![
            "svc: ::std::sync::Arc<S>".to_string(),
            format!("ctx: {k}::Context"),
        ];
        let request = self.request_type_text(rpc);
        let req = match request {
            Some(ty) if rpc.client_streaming => {
                params.push(format!("requests: {k}::Streaming<{ty}>"));
                "requests"
            }
            Some(ty) => {
                params.push(format!("request: {ty}"));
                "request"
            }
            None => "",
        };
        let (output, error) = self.method_result(s, rpc, true);
        let line = out.start();
        line.push_str("fn ");
        line.push_str(&ident::invoker_name(rpc));
        line.push_str("<S: super::");
        line.push_str(&type_name(&s.name));
        line.push('>');
        out.list("(", &params, ")");
        out.open_on(&[
            " -> impl ::std::future::Future<Output = ::std::result::Result<",
            &output,
            ", ",
            &error,
            ">> + ::std::marker::Send + 'static",
        ]);
        out.open(&["async move"]);
        out.start().push_str("svc.");
        out.out.push_str(&field_name(&rpc.name));
        let mut args = vec!["ctx".to_string()];
        match &rpc.input {
            Input::Unit => {}
            Input::Message(_) => args.push(req.to_string()),
            Input::Params(RequestMessage { fields, .. }) => {
                args.extend(
                    fields
                        .iter()
                        .map(|p| format!("{req}.{}", field_name(&p.name))),
                );
            }
        }
        out.list("(", &args, ").await");
        out.end();
        out.close("");
        out.close("");
    }

    /// The service trait and the service's module: the per-rpc error enums and each protocol's
    /// glue with the `Server` that mounts them (the request structs: [`Gen::request_structs`]).
    pub(crate) fn service(&self, out: &mut Text, s: &Service) -> Result<(), String> {
        let trait_name = type_name(&s.name);
        out.docs(&s.docs);
        // One parameter per IDL parameter, however many the IDL declares.
        out.line(&["#[allow(clippy::too_many_arguments)]"]);
        let head = [
            "pub trait ",
            &trait_name,
            ": ::std::marker::Send + ::std::marker::Sync + 'static",
        ];
        out.block(&head, |out| {
            for rpc in &s.rpcs {
                self.trait_method(out, s, rpc);
            }
            Ok::<(), String>(())
        })?;
        out.doc(&format!(
            "The `{}` service's error enums and protocol glue.",
            s.name
        ));
        let module = field_name(&s.name);
        if super::inception(self.package.as_deref(), &module) {
            out.line(&["#[allow(clippy::module_inception)]"]);
        }
        let inner = self.nested();
        out.block(&["pub mod ", &module], |out| {
            for rpc in s.rpcs.iter().filter(|rpc| !rpc.throws.is_empty()) {
                inner.error_enum(out, rpc);
            }
            super::protocols::service_glue(&inner, out, s)
        })
    }

    /// An rpc's method in the service trait.
    fn trait_method(&self, out: &mut Text, s: &Service, rpc: &Rpc) {
        let k = self.k;
        out.docs(&rpc.docs);
        if rpc.deprecated {
            out.doc("");
            out.doc("**Deprecated** in the IDL.");
        }
        let mut params = vec!["&self".to_string(), format!("ctx: {k}::Context")];
        match &rpc.input {
            Input::Unit => {}
            Input::Message(id) if rpc.client_streaming => {
                params.push(format!(
                    "requests: {k}::Streaming<{}>",
                    self.type_path_text(*id)
                ));
            }
            Input::Message(id) => params.push(format!("request: {}", self.type_path_text(*id))),
            Input::Params(RequestMessage { fields, .. }) => {
                for p in fields {
                    let name = field_name(&p.name);
                    let name = if &*name == "ctx" { "ctx_" } else { &name };
                    params.push(format!("{name}: {}", self.rust_type_text(&p.ty, false)));
                }
            }
        }
        let (output, error) = self.method_result(s, rpc, false);
        let line = out.start();
        line.push_str("fn ");
        line.push_str(&field_name(&rpc.name));
        out.list("(", &params, ")");
        out.out
            .push_str(" -> impl ::std::future::Future<Output = ::std::result::Result<");
        out.out.push_str(&output);
        out.out.push_str(", ");
        out.out.push_str(&error);
        out.out.push_str(">> + ::std::marker::Send;");
        out.end();
    }

    /// The success and error types of an rpc's trait method and invoker. A server stream is the
    /// stream itself once the call is accepted; an error before the first message is the outer
    /// `Err`, one later the stream's last item.
    fn method_result(&self, s: &Service, rpc: &Rpc, from_module: bool) -> (String, String) {
        let output = self.output_type_text(&rpc.output);
        let error = self.rpc_error_type_text(s, rpc, from_module);
        if rpc.server_streaming {
            (format!("{}::Streaming<{output}, {error}>", self.k), error)
        } else {
            (output, error)
        }
    }

    /// What an rpc's method returns on success.
    pub(crate) fn output_type_text(&self, o: &Output) -> String {
        match o {
            Output::Unit => "()".to_string(),
            Output::Message(id) => self.type_path_text(*id),
            Output::Value(t) => self.rust_type_text(t, false),
        }
    }

    /// `<Rpc>Request` of each parameter-list rpc of `s`: its parameters as one struct (the same
    /// message gRPC uses), so every protocol decodes and validates one value.
    pub(crate) fn request_structs(&self, out: &mut Text, s: &Service) -> Result<(), String> {
        for rpc in &s.rpcs {
            let Input::Params(request) = &rpc.input else {
                continue;
            };
            let owner = format!("{}.{}", s.full_name(), request.name);
            out.doc(&format!("The parameters of `{}.{}`.", s.name, rpc.name));
            let default = request
                .fields
                .iter()
                .all(|p| self.ir.field_has_zero_value(&p.ty));
            self.model_attr(out, default);
            self.struct_body(out, &type_name(&request.name), &owner, &request.fields)?;
        }
        Ok(())
    }

    /// `<Rpc>Error`: the declared errors an rpc throws, plus any other [`Status`], expanded by the
    /// facade's `__rpc_error!` (on a `Gen` nested in the service's module).
    fn error_enum(&self, out: &mut Text, rpc: &Rpc) {
        let mut args = vec![super::ident::rpc_error_name(&rpc.name), str_text(&rpc.name)];
        for &id in &rpc.throws {
            let variant = type_name(&self.ir.types[id].name);
            args.push(format!("{variant}({})", self.type_path_text(id)));
        }
        out.start().push_str(self.k);
        out.list("::__rpc_error!(", &args, ");");
        out.end();
    }
}

/// True for `bytes`, or an optional, list or map of it (at any depth): the shapes
/// `json::bytes` writes as base64.
pub(super) fn holds_bytes(t: &Type) -> bool {
    match t {
        Type::Bytes => true,
        Type::Optional(i) | Type::List(i) | Type::Map(i) => holds_bytes(i),
        _ => false,
    }
}

/// True for an integer type, or an optional, list or map of one (at any depth): the shapes
/// `json::exact` reads.
fn holds_integers(t: &Type) -> bool {
    match t {
        Type::I32 | Type::I64 | Type::U32 | Type::U64 => true,
        Type::Optional(i) | Type::List(i) | Type::Map(i) => holds_integers(i),
        _ => false,
    }
}
