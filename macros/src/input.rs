//! The derive input, checked: named fields and variants with their wire names and attributes.
//!
//! Both derives read the same model, so a struct deriving `Validate` and `XmlRpc` agrees on
//! every name. Shape errors (tuple structs, struct variants, ...) are recorded in the [`Ctxt`]
//! with the derive's name in the message.

use std::collections::HashMap;

use heck::ToSnakeCase;
use proc_macro2::Span;
use quote::quote;
use syn::ext::IdentExt;
use syn::{DeriveInput, Fields, Generics, Ident, Type};

use crate::attr::{self, Attrs, Ctxt, Place};

/// Which derive is reading the input, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Derive {
    Validate,
    XmlRpc,
}

impl Derive {
    fn name(self) -> &'static str {
        match self {
            Derive::Validate => "Validate",
            Derive::XmlRpc => "XmlRpc",
        }
    }

    /// What field names are used for, to explain why they are needed.
    fn fields_name(self) -> &'static str {
        match self {
            Derive::Validate => "paths of violations",
            Derive::XmlRpc => "members of the XML-RPC struct",
        }
    }
}

/// A struct or enum the derive can expand.
pub(crate) struct Input<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) generics: &'a Generics,
    /// The root of every emitted path: `#[rosetta(crate = "...")]`, else `::rosetta`.
    pub(crate) krate: syn::Path,
    pub(crate) data: Data<'a>,
}

/// The shape of the input.
pub(crate) enum Data<'a> {
    /// A struct with named fields.
    Struct(Vec<Field<'a>>),
    /// An enum whose variants are units or hold exactly one value.
    Enum(Vec<Variant<'a>>),
    /// Something no derive supports; an error has been recorded.
    Unsupported,
}

/// A named field.
pub(crate) struct Field<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) ty: &'a Type,
    /// The XML-RPC member name and validation path segment.
    pub(crate) name: String,
    pub(crate) attrs: Attrs,
}

/// An enum variant.
pub(crate) struct Variant<'a> {
    pub(crate) ident: &'a Ident,
    /// For a unit variant, its XML-RPC string; for a union variant, the member name and
    /// validation path segment.
    pub(crate) name: String,
    /// The value a union variant holds; `None` for a unit variant.
    pub(crate) payload: Option<Payload<'a>>,
    /// The variant as written, for spans.
    pub(crate) ast: &'a syn::Variant,
}

/// The single value of a union variant.
pub(crate) struct Payload<'a> {
    pub(crate) ty: &'a Type,
    pub(crate) attrs: Attrs,
}

impl<'a> Input<'a> {
    /// Reads `ast` for `derive`, recording every problem in `cx`.
    pub(crate) fn from_ast(cx: &mut Ctxt, ast: &'a DeriveInput, derive: Derive) -> Input<'a> {
        let container = attr::parse(cx, &ast.attrs, Place::Container);
        let krate = container
            .krate
            .unwrap_or_else(|| syn::parse_quote!(::rosetta));
        let data = match &ast.data {
            syn::Data::Struct(data) => match &data.fields {
                Fields::Named(named) => Data::Struct(fields(cx, named)),
                Fields::Unnamed(unnamed) => {
                    cx.error_spanned(
                        unnamed,
                        format!(
                            "`#[derive({})]` needs named fields: they name the {}; write \
                             `struct {} {{ value: ... }}`",
                            derive.name(),
                            derive.fields_name(),
                            ast.ident
                        ),
                    );
                    Data::Unsupported
                }
                Fields::Unit => {
                    cx.error_spanned(
                        &ast.ident,
                        format!(
                            "`#[derive({})]` needs a struct with named fields; for one without \
                             fields write `struct {} {{}}`",
                            derive.name(),
                            ast.ident
                        ),
                    );
                    Data::Unsupported
                }
            },
            syn::Data::Enum(data) => Data::Enum(variants(cx, data, derive)),
            syn::Data::Union(data) => {
                cx.error_spanned(
                    data.union_token,
                    format!(
                        "`#[derive({})]` does not support unions: use a struct with named fields, \
                         or an enum whose variants each hold one value",
                        derive.name()
                    ),
                );
                Data::Unsupported
            }
        };
        Input {
            ident: &ast.ident,
            generics: &ast.generics,
            krate,
            data,
        }
    }

    /// The type's name as users read it, for messages (`r#` removed).
    pub(crate) fn display_name(&self) -> String {
        self.ident.unraw().to_string()
    }
}

fn fields<'a>(cx: &mut Ctxt, named: &'a syn::FieldsNamed) -> Vec<Field<'a>> {
    let mut seen = Names::default();
    let mut out = Vec::new();
    for field in &named.named {
        let attrs = attr::parse(cx, &field.attrs, Place::Field);
        let Some(ident) = &field.ident else { continue };
        let name = attrs
            .rename
            .as_ref()
            .map_or_else(|| ident.unraw().to_string(), syn::LitStr::value);
        let span = attrs
            .rename
            .as_ref()
            .map_or(ident.span(), syn::LitStr::span);
        seen.check(cx, &name, span, &format!("field `{ident}`"));
        out.push(Field {
            ident,
            ty: &field.ty,
            name,
            attrs,
        });
    }
    out
}

fn variants<'a>(cx: &mut Ctxt, data: &'a syn::DataEnum, derive: Derive) -> Vec<Variant<'a>> {
    let mut seen = Names::default();
    let mut out = Vec::new();
    for variant in &data.variants {
        let attrs = attr::parse(cx, &variant.attrs, Place::Variant);
        let ident = &variant.ident;
        let payload = match &variant.fields {
            Fields::Unit => None,
            Fields::Unnamed(unnamed) if unnamed.unnamed.len() == 1 => {
                let field = &unnamed.unnamed[0];
                Some(Payload {
                    ty: &field.ty,
                    attrs: attr::parse(cx, &field.attrs, Place::Payload),
                })
            }
            Fields::Unnamed(unnamed) => {
                let n = unnamed.unnamed.len();
                let message = if n == 0 {
                    format!("variant `{ident}` holds no value: write `{ident}` for a unit variant")
                } else {
                    format!(
                        "variant `{ident}` holds {n} values, but `#[derive({})]` needs each \
                         variant to be a unit or hold exactly one value: put them in a struct",
                        derive.name()
                    )
                };
                cx.error_spanned(unnamed, message);
                continue;
            }
            Fields::Named(named) => {
                cx.error_spanned(
                    named,
                    format!(
                        "`#[derive({})]` does not support variants with named fields: make \
                         `{ident}` hold one value, `{ident}({ident}Payload)`, with the fields in \
                         a struct",
                        derive.name()
                    ),
                );
                continue;
            }
        };
        let name = match (&attrs.rename, &payload) {
            (Some(lit), _) => lit.value(),
            (None, None) => ident.unraw().to_string(),
            (None, Some(_)) => ident.unraw().to_string().to_snake_case(),
        };
        let span = attrs
            .rename
            .as_ref()
            .map_or(ident.span(), syn::LitStr::span);
        seen.check(cx, &name, span, &format!("variant `{ident}`"));
        out.push(Variant {
            ident,
            name,
            payload,
            ast: variant,
        });
    }
    out
}

/// The wire names given so far, to report a name given twice.
#[derive(Default)]
struct Names {
    owners: HashMap<String, String>,
}

impl Names {
    /// Records `name` for `owner`; reports at `span` if another field or variant has it.
    fn check(&mut self, cx: &mut Ctxt, name: &str, span: Span, owner: &str) {
        if let Some(first) = self.owners.get(name) {
            cx.push(syn::Error::new(
                span,
                format!(
                    "the name \"{name}\" of {owner} is already used by {first}; \
                     give one of them another `#[rosetta(rename = \"...\")]`"
                ),
            ));
        } else {
            self.owners.insert(name.to_owned(), owner.to_owned());
        }
    }
}

/// `impl` generics with `T: bound` added for every type parameter, as the std derives do.
pub(crate) fn bounded_generics(generics: &Generics, bound: &syn::Path) -> Generics {
    let mut generics = generics.clone();
    let params: Vec<Ident> = generics.type_params().map(|p| p.ident.clone()).collect();
    if !params.is_empty() {
        let clause = generics.make_where_clause();
        for param in params {
            clause.predicates.push(syn::parse_quote!(#param: #bound));
        }
    }
    generics
}

/// The impl header pieces for `trait_path` on `input`, with bounds on type parameters.
pub(crate) fn impl_header(input: &Input<'_>, trait_path: &syn::Path) -> proc_macro2::TokenStream {
    let generics = bounded_generics(input.generics, trait_path);
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let ident = input.ident;
    quote! {
        #[automatically_derived]
        impl #impl_generics #trait_path for #ident #ty_generics #where_clause
    }
}
