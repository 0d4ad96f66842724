//! Rust items for IR types and services.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::ident::{field_ident, invoker_ident, lit, moved, type_ident, wire_rename};
use super::{Config, package_segments};
use crate::ir::*;

/// Generation context for one package.
pub(super) struct Gen<'a> {
    pub ir: &'a Ir,
    pub config: &'a Config,
    pub krate: TokenStream,
    pub package: Option<String>,
    /// How many modules below the package module the code being generated sits (a service's
    /// module is 1), so paths to types get that many `super::` first.
    pub depth: usize,
    /// The OpenAPI fragment of the service being generated, when the run computed it already
    /// (it has every service's, to know which types need a REST schema).
    pub fragment: Option<&'a crate::emit::openapi::FragmentText>,
}

/// A method's parameters after `&self` (or `ctx`): `, a: A, b: B`, or nothing, so that a
/// method without any has no trailing comma.
pub(super) fn after_self(args: TokenStream) -> TokenStream {
    if args.is_empty() {
        args
    } else {
        quote!(, #args)
    }
}

/// `#[doc = "..."]` lines.
pub(super) fn docs(lines: &[String]) -> TokenStream {
    let lines = lines.iter().map(|l| lit(format!(" {l}")));
    quote!(#(#[doc = #lines])*)
}

impl Gen<'_> {
    /// `#[<crate>::__model(default, xmlrpc)]`: the derives and container attributes every
    /// generated type carries, expanded by the facade's `__model` attribute (one place decides
    /// them; see `rosetta-macros`' `model.rs`). `default` asks for `Default` on a struct.
    fn model_attr(&self, default: bool) -> TokenStream {
        let k = &self.krate;
        let mut args = Vec::new();
        if self.config.crate_path != "::rosetta" {
            let path = &self.config.crate_path;
            args.push(quote!(crate = #path));
        }
        if default {
            args.push(quote!(default));
        }
        if self.config.xmlrpc {
            args.push(quote!(xmlrpc));
        }
        quote!(#[#k::__model(#(#args),*)])
    }

    /// User attributes whose path prefix matches `full` (prost-build's matching rule).
    fn extra_attributes(
        &self,
        rules: &[(String, String)],
        full: &str,
    ) -> Result<TokenStream, String> {
        let mut out = TokenStream::new();
        for (prefix, attr) in rules {
            let prefix = prefix.trim_start_matches('.');
            let matches =
                prefix.is_empty() || full == prefix || full.starts_with(&format!("{prefix}."));
            if matches {
                let t: TokenStream = attr
                    .parse()
                    .map_err(|e| format!("invalid attribute `{attr}` for `{prefix}`: {e}"))?;
                out.extend(t);
            }
        }
        Ok(out)
    }

    /// The path from this package's module to type `id`.
    pub(crate) fn type_path(&self, id: usize) -> TokenStream {
        let t = &self.ir.types[id];
        let name = type_ident(&t.name);
        if t.package == self.package {
            // Most references: no module to go down into, so no package split into segments
            // (two `Vec<String>` per reference) to find that out.
            let supers = (0..self.depth).map(|_| quote!(super::));
            return quote!(#(#supers)* #name);
        }
        let from = package_segments(self.package.as_deref());
        let to = package_segments(t.package.as_deref());
        let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
        let supers = (common..from.len() + self.depth).map(|_| quote!(super::));
        let downs = to[common..].iter().map(|s| {
            let m = field_ident(s);
            quote!(#m::)
        });
        quote!(#(#supers)* #(#downs)* #name)
    }

    /// The Rust type for an IR type; `boxed` wraps the named type in `Box`.
    pub(crate) fn rust_type(&self, t: &Type, boxed: bool) -> TokenStream {
        let k = &self.krate;
        match t {
            Type::Bool => quote!(bool),
            Type::I32 => quote!(i32),
            Type::I64 => quote!(i64),
            Type::U32 => quote!(u32),
            Type::U64 => quote!(u64),
            Type::F64 => quote!(f64),
            Type::String => quote!(::std::string::String),
            Type::Bytes => quote!(::std::vec::Vec<u8>),
            Type::Timestamp => quote!(#k::Timestamp),
            Type::Any => quote!(#k::Value),
            Type::Optional(inner) => {
                let i = self.rust_type(inner, boxed);
                quote!(::std::option::Option<#i>)
            }
            Type::List(inner) => {
                let i = self.rust_type(inner, false);
                quote!(::std::vec::Vec<#i>)
            }
            Type::Map(inner) => {
                let i = self.rust_type(inner, false);
                quote!(::std::collections::BTreeMap<::std::string::String, #i>)
            }
            Type::Named { id, .. } => {
                let p = self.type_path(*id);
                if boxed {
                    quote!(::std::boxed::Box<#p>)
                } else {
                    p
                }
            }
        }
    }

    /// serde attributes for a field's shape (absent optionals skipped, bytes as base64).
    fn serde_field_attrs(&self, t: &Type) -> TokenStream {
        let default = match t {
            Type::Optional(_) => {
                quote!(#[serde(default, skip_serializing_if = "::std::option::Option::is_none")])
            }
            // The absent-member rule (`Type::may_be_absent`): an absent list or map is empty, an
            // absent `any` is nil.
            Type::List(_) | Type::Map(_) | Type::Any => quote!(#[serde(default)]),
            _ => quote!(),
        };
        let with = self.serde_with_attrs(t);
        quote!(#default #with)
    }

    /// serde attributes for how a value of type `t` is encoded (bytes as base64, integers read
    /// exactly), for a field or a union variant.
    fn serde_with_attrs(&self, t: &Type) -> TokenStream {
        let json = format!("{}::__private::json", self.config.crate_path);
        let with = match t {
            // Bytes at any depth of containers: one generic module (`json::bytes`).
            t if holds_bytes(t) => Some("bytes"),
            _ => None,
        }
        .map(|m| {
            let p = format!("{json}::{m}");
            quote!(#[serde(with = #p)])
        })
        .or_else(|| {
            // Integers are read exactly from the number's text (`9007199254740993.0` is that
            // integer, `2.5` an error), never through a float.
            holds_integers(t).then(|| {
                let p = format!("{json}::exact");
                quote!(#[serde(deserialize_with = #p)])
            })
        });
        quote!(#with)
    }

    /// `#[rosetta(range(...))]` and friends; bounds are written as literals of the field's type.
    fn constraint_attrs(c: &Constraints, ty: &Type) -> TokenStream {
        let mut out = TokenStream::new();
        let float = *ty.without_optional() == Type::F64;
        let num = |n: &Number| -> TokenStream {
            match n {
                Number::Int(i) if float => {
                    let lit = proc_macro2::Literal::f64_unsuffixed(*i as f64);
                    quote!(#lit)
                }
                Number::Int(i) => {
                    let lit = proc_macro2::Literal::i64_unsuffixed(*i);
                    quote!(#lit)
                }
                Number::Float(f) => {
                    let lit = proc_macro2::Literal::f64_unsuffixed(*f);
                    quote!(#lit)
                }
            }
        };
        if let Some(r) = &c.range {
            let mut args = Vec::new();
            if let Some(m) = &r.min {
                let v = num(m);
                args.push(quote!(min = #v));
            }
            if let Some(m) = &r.max {
                let v = num(m);
                args.push(quote!(max = #v));
            }
            out.extend(quote!(#[rosetta(range(#(#args),*))]));
        }
        if let Some(l) = &c.length {
            let mut args = Vec::new();
            if let Some(m) = l.min {
                let v = proc_macro2::Literal::u64_unsuffixed(m);
                args.push(quote!(min = #v));
            }
            if let Some(m) = l.max {
                let v = proc_macro2::Literal::u64_unsuffixed(m);
                args.push(quote!(max = #v));
            }
            out.extend(quote!(#[rosetta(length(#(#args),*))]));
        }
        if let Some(p) = &c.pattern {
            out.extend(quote!(#[rosetta(pattern = #p)]));
        }
        out
    }

    /// One struct field with its docs, renames, serde and constraint attributes.
    fn field(&self, owner: &str, f: &Field) -> Result<TokenStream, String> {
        let name = field_ident(&f.name);
        let ty = self.rust_type(&f.ty, f.boxed);
        let mut doc_lines = f.docs.clone();
        if f.deprecated {
            doc_lines.push(String::new());
            doc_lines.push("**Deprecated** in the IDL.".to_string());
        }
        let doc = moved(docs(&doc_lines));
        let rename = wire_rename(&name, &f.name).map(|w| {
            let w = lit(w);
            quote!(#[serde(rename = #w)] #[rosetta(rename = #w)])
        });
        let serde = moved(self.serde_field_attrs(&f.ty));
        let constraints = moved(Self::constraint_attrs(&f.constraints, &f.ty));
        let extra = moved(self.extra_attributes(
            &self.config.field_attributes,
            &format!("{owner}.{}", f.name),
        )?);
        let ty = moved(ty);
        Ok(quote!(#doc #rename #serde #constraints #extra pub #name: #ty,))
    }

    /// A struct (or the body of an error) with derives.
    fn struct_item(&self, id: usize, fields: &[Field]) -> Result<TokenStream, String> {
        let t = &self.ir.types[id];
        let full = t.full_name();
        let name = type_ident(&t.name);
        let doc = moved(docs(&t.docs));
        let fields = moved(
            fields
                .iter()
                .map(|f| self.field(&full, f))
                .collect::<Result<TokenStream, _>>()?,
        );
        let model = moved(self.model_attr(self.ir.types[id].has_zero_value));
        let extra = moved(self.extra_attributes(&self.config.type_attributes, &full)?);
        Ok(quote! {
            #doc
            #model
            #extra
            pub struct #name { #fields }
        })
    }

    /// The item(s) for type `id`.
    pub(crate) fn type_def(&self, id: usize) -> Result<TokenStream, String> {
        let t = &self.ir.types[id];
        match &t.kind {
            TypeKind::Struct(s) => self.struct_item(id, &s.fields),
            TypeKind::Error(e) => self.error_item(id, e),
            TypeKind::Enum(e) => self.enum_item(id, e),
            TypeKind::Union(u) => self.union_item(id, u),
        }
    }

    fn enum_item(&self, id: usize, e: &Enum) -> Result<TokenStream, String> {
        let t = &self.ir.types[id];
        let name = type_ident(&t.name);
        let doc = docs(&t.docs);
        let model = self.model_attr(false);
        let extra = self.extra_attributes(&self.config.type_attributes, &t.full_name())?;
        let variants = e.values.iter().enumerate().map(|(i, v)| {
            let vname = type_ident(&v.name);
            let vdoc = docs(&v.docs);
            let wire = lit(&v.name);
            let number = proc_macro2::Literal::i32_unsuffixed(v.number);
            let default = (i == 0).then(|| quote!(#[default]));
            quote!(#vdoc #default #[serde(rename = #wire)] #[rosetta(rename = #wire)] #vname = #number,)
        });
        let arms_num = e.values.iter().map(|v| {
            let vname = type_ident(&v.name);
            let number = proc_macro2::Literal::i32_unsuffixed(v.number);
            quote!(#number => ::std::option::Option::Some(Self::#vname),)
        });
        let arms_name = e.values.iter().map(|v| {
            let vname = type_ident(&v.name);
            let wire = lit(&v.name);
            quote!(Self::#vname => #wire,)
        });
        let all = e.values.iter().map(|v| {
            let vname = type_ident(&v.name);
            quote!(Self::#vname)
        });
        Ok(quote! {
            #doc
            #model
            #extra
            pub enum #name { #(#variants)* }

            impl #name {
                /// Every value, in declaration order.
                pub const VALUES: &'static [Self] = &[#(#all),*];

                /// The number the IDL gives this value (its protobuf number).
                pub fn number(self) -> i32 {
                    self as i32
                }

                /// The value with this number, if any.
                pub fn from_number(number: i32) -> ::std::option::Option<Self> {
                    match number {
                        #(#arms_num)*
                        _ => ::std::option::Option::None,
                    }
                }

                /// The name as written in the IDL (and on the wire in JSON and XML-RPC).
                pub fn name(self) -> &'static str {
                    match self { #(#arms_name)* }
                }
            }
        })
    }

    fn union_item(&self, id: usize, u: &Union) -> Result<TokenStream, String> {
        let t = &self.ir.types[id];
        let name = type_ident(&t.name);
        let doc = docs(&t.docs);
        let model = self.model_attr(false);
        let extra = self.extra_attributes(&self.config.type_attributes, &t.full_name())?;
        let variants = u.variants.iter().map(|v| {
            let vname = type_ident(&v.name);
            let vdoc = docs(&v.docs);
            let ty = self.rust_type(&v.ty, v.boxed);
            let wire = lit(&v.name);
            // A variant's value is there by definition: no absent-member default (serde has
            // none for variants), only the value's own encoding.
            let serde = self.serde_with_attrs(&v.ty);
            let constraints = Self::constraint_attrs(&v.constraints, &v.ty);
            quote!(#vdoc #[serde(rename = #wire)] #[rosetta(rename = #wire)] #serde #constraints #vname(#ty),)
        });
        Ok(quote! {
            #doc
            #model
            #extra
            pub enum #name { #(#variants)* }
        })
    }

    fn error_item(&self, id: usize, e: &ErrorType) -> Result<TokenStream, String> {
        let t = &self.ir.types[id];
        let k = &self.krate;
        let name = type_ident(&t.name);
        let item = self.struct_item(id, &e.body.fields)?;
        let wire = lit(&t.name);
        let kind = format_ident!("{}", super::ident::upper_camel(e.kind.name()));
        let status = e.http_status;
        let fault = e.fault_code;
        let full_name = t.full_name();
        let grpc = if self.config.grpc {
            super::protocols::gated("grpc", super::grpc::declared_error_methods(self))
        } else {
            TokenStream::new()
        };
        Ok(quote! {
            #item

            #k::__declared_error_display!(#name);

            impl #k::DeclaredError for #name {
                const NAME: &'static str = #wire;
                const FULL_NAME: &'static str = #full_name;
                const KIND: #k::ErrorKind = #k::ErrorKind::#kind;
                const HTTP_STATUS: u16 = #status;
                const FAULT_CODE: i32 = #fault;
                #grpc
            }
        })
    }

    /// The same context, one module deeper (inside a service's module).
    pub(crate) fn nested(&self) -> Gen<'_> {
        Gen {
            ir: self.ir,
            config: self.config,
            krate: self.krate.clone(),
            package: self.package.clone(),
            depth: self.depth + 1,
            fragment: self.fragment,
        }
    }

    /// The error type of an rpc's method: its `<Rpc>Error` enum, or `Status` when it throws
    /// nothing. `from_module` is true inside the service's own module.
    pub(crate) fn rpc_error_type(&self, s: &Service, rpc: &Rpc, from_module: bool) -> TokenStream {
        let k = &self.krate;
        if rpc.throws.is_empty() {
            return quote!(#k::Status);
        }
        let ename = super::ident::rpc_error_ident(&rpc.name);
        if from_module {
            quote!(#ename)
        } else {
            let module = field_ident(&s.name);
            quote!(#module::#ename)
        }
    }

    /// The Rust type of an rpc's request as every protocol decodes it: its message, or the
    /// synthesized `<Rpc>Request` for a parameter list; `None` for an rpc that takes nothing.
    pub(crate) fn request_type(&self, rpc: &Rpc) -> Option<TokenStream> {
        match &rpc.input {
            Input::Unit => None,
            Input::Message(id) => Some(self.type_path(*id)),
            Input::Params(request) => {
                let name = type_ident(&request.name);
                let supers = (0..self.depth).map(|_| quote!(super::));
                Some(quote!(#(#supers)* #name))
            }
        }
    }

    /// The call of an rpc's invoker (`call_<rpc>`, in the service's module, [`Gen::invoker`]) with
    /// the service `svc`, the context and the decoded request `req` (left out when the rpc takes
    /// nothing): `call_add(svc, ctx, req)`. What every protocol's server glue calls.
    pub(crate) fn invoke(
        &self,
        rpc: &Rpc,
        svc: TokenStream,
        ctx: TokenStream,
        req: TokenStream,
    ) -> TokenStream {
        let name = invoker_ident(rpc);
        match self.request_type(rpc) {
            Some(_) => quote!(#name(#svc, #ctx, #req)),
            None => quote!(#name(#svc, #ctx)),
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
    pub(crate) fn invoker(&self, s: &Service, rpc: &Rpc) -> TokenStream {
        let k = &self.krate;
        let trait_name = type_ident(&s.name);
        let name = invoker_ident(rpc);
        let (arg, req) = match self.request_type(rpc) {
            Some(ty) if rpc.client_streaming => {
                (quote!(, requests: #k::Streaming<#ty>), quote!(requests))
            }
            Some(ty) => (quote!(, request: #ty), quote!(request)),
            None => (TokenStream::new(), TokenStream::new()),
        };
        let call = self.call_method(rpc, quote!(svc), quote!(ctx), req);
        let error = self.rpc_error_type(s, rpc, true);
        let output = self.output_type(&rpc.output);
        let output = if rpc.server_streaming {
            quote!(#k::Streaming<#output, #error>)
        } else {
            output
        };
        let (arg, call, output, error) = (moved(arg), moved(call), moved(output), moved(error));
        quote! {
            fn #name<S: super::#trait_name>(svc: ::std::sync::Arc<S>, ctx: #k::Context #arg)
                -> impl ::std::future::Future<Output = ::std::result::Result<#output, #error>>
                    + ::std::marker::Send + 'static
            {
                async move { #call.await }
            }
        }
    }

    /// The call of an rpc's trait method on `svc` with a decoded request value `req` (a `Gen` at
    /// any depth): `svc.add(ctx, req.a, req.b)`.
    pub(crate) fn call_method(
        &self,
        rpc: &Rpc,
        svc: TokenStream,
        ctx: TokenStream,
        req: TokenStream,
    ) -> TokenStream {
        let method = field_ident(&rpc.name);
        match &rpc.input {
            Input::Unit => quote!(#svc.#method(#ctx)),
            Input::Message(_) => quote!(#svc.#method(#ctx, #req)),
            Input::Params(RequestMessage { fields: ps, .. }) => {
                let fields = ps.iter().map(|p| field_ident(&p.name));
                quote!(#svc.#method(#ctx, #(#req.#fields),*))
            }
        }
    }

    /// Request structs for parameter lists, the service trait, and the service's module: the
    /// per-rpc error enums and each protocol's glue with the `Server` that mounts them.
    pub(crate) fn service(&self, s: &Service) -> Result<TokenStream, String> {
        let k = &self.krate;
        let trait_name = type_ident(&s.name);
        let module = field_ident(&s.name);
        let doc = docs(&s.docs);
        let mut items = TokenStream::new();
        let mut module_items = TokenStream::new();
        let mut methods = TokenStream::new();
        let inner = self.nested();
        for rpc in &s.rpcs {
            if let Input::Params(request) = &rpc.input {
                items.extend(self.request_struct(s, rpc, request)?);
            }
            let method = field_ident(&rpc.name);
            let mut doc_lines = rpc.docs.clone();
            if rpc.deprecated {
                doc_lines.push(String::new());
                doc_lines.push("**Deprecated** in the IDL.".to_string());
            }
            let mdoc = docs(&doc_lines);
            let args = match &rpc.input {
                Input::Unit => quote!(),
                Input::Message(id) if rpc.client_streaming => {
                    let p = self.type_path(*id);
                    quote!(requests: #k::Streaming<#p>)
                }
                Input::Message(id) => {
                    let p = self.type_path(*id);
                    quote!(request: #p)
                }
                Input::Params(RequestMessage { fields: params, .. }) => {
                    let ps = params.iter().map(|p| {
                        let mut n = field_ident(&p.name);
                        if n == "ctx" {
                            n = format_ident!("ctx_");
                        }
                        let t = self.rust_type(&p.ty, false);
                        quote!(#n: #t)
                    });
                    quote!(#(#ps),*)
                }
            };
            let output = self.output_type(&rpc.output);
            if !rpc.throws.is_empty() {
                let ename = super::ident::rpc_error_ident(&rpc.name);
                module_items.extend(inner.error_enum(&ename, rpc));
            }
            let error = self.rpc_error_type(s, rpc, false);
            // A server stream is the stream itself once the call is accepted; an error before
            // the first message is the outer `Err`, one later the stream's last item.
            let output = if rpc.server_streaming {
                quote!(#k::Streaming<#output, #error>)
            } else {
                output
            };
            let args = moved(after_self(args));
            let (mdoc, output, error) = (moved(mdoc), moved(output), moved(error));
            methods.extend(quote! {
                #mdoc
                fn #method(&self, ctx: #k::Context #args)
                    -> impl ::std::future::Future<Output = ::std::result::Result<#output, #error>> + ::std::marker::Send;
            });
        }
        module_items.extend(super::protocols::service_glue(&inner, s)?);
        let module_doc = lit(format!(
            " The `{}` service's error enums and protocol glue.",
            s.name
        ));
        let inception = super::inception_allow(self.package.as_deref(), &module);
        let (items, doc) = (moved(items), moved(doc));
        let (methods, module_items) = (moved(methods), moved(module_items));
        Ok(quote! {
            #items
            #doc
            // One parameter per IDL parameter, however many the IDL declares.
            #[allow(clippy::too_many_arguments)]
            pub trait #trait_name: ::std::marker::Send + ::std::marker::Sync + 'static {
                #methods
            }
            #[doc = #module_doc]
            #inception
            pub mod #module {
                #module_items
            }
        })
    }

    /// What an rpc's method returns on success.
    pub(crate) fn output_type(&self, o: &Output) -> TokenStream {
        match o {
            Output::Unit => quote!(()),
            Output::Message(id) => self.type_path(*id),
            Output::Value(t) => self.rust_type(t, false),
        }
    }

    /// `<Rpc>Request`: the parameters of a parameter-list rpc as one struct (the same message gRPC
    /// uses), so every protocol decodes and validates one value.
    fn request_struct(
        &self,
        s: &Service,
        rpc: &Rpc,
        request: &RequestMessage,
    ) -> Result<TokenStream, String> {
        let name = type_ident(&request.name);
        let owner = format!("{}.{}", s.full_name(), request.name);
        let doc = lit(format!(" The parameters of `{}.{}`.", s.name, rpc.name));
        let fields = request
            .fields
            .iter()
            .map(|p| self.field(&owner, p))
            .collect::<Result<TokenStream, _>>()?;
        let fields = moved(fields);
        let default = request
            .fields
            .iter()
            .all(|p| self.ir.field_has_zero_value(&p.ty));
        let model = self.model_attr(default);
        Ok(quote! {
            #[doc = #doc]
            #model
            pub struct #name { #fields }
        })
    }

    /// `<Rpc>Error`: the declared errors an rpc throws, plus any other [`Status`], expanded by the
    /// facade's `__rpc_error!`.
    fn error_enum(&self, name: &proc_macro2::Ident, rpc: &Rpc) -> TokenStream {
        // Called on a `Gen` nested in the service's module.
        let k = &self.krate;
        let variants = rpc.throws.iter().map(|&id| {
            let v = type_ident(&self.ir.types[id].name);
            let p = self.type_path(id);
            quote!(#v(#p))
        });
        let rpc_name = &rpc.name;
        quote!(#k::__rpc_error!(#name, #rpc_name #(, #variants)*);)
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
