//! The compact `Deserialize` `#[__model]` writes for a struct, in place of serde's derive.
//!
//! serde's derive writes, per struct, a field enum, a field visitor over `u64`, `str` and bytes
//! keys, `visit_seq` (which a struct that only decodes from an object never runs) and
//! `visit_map`: about 500 expanded lines for a struct of ten fields, a quarter of a generated
//! crate's expanded code. This writes one `visit_map` that turns each key into a field index
//! through the runtime's shared `object::Fields` and matches the index to read the field.
//!
//! It keeps serde's semantics and messages for the attributes generated code puts on struct
//! fields: `rename = "..."`, `default` (and `default = "path"`), `with = "..."`,
//! `deserialize_with = "..."`, and the serialize-only `skip_serializing_if` / `serialize_with`;
//! `deny_unknown_fields` on the struct. Anything else (a user's `alias`, `flatten`, `skip`,
//! `rename_all`, generics, tuple structs, ...) makes [`compact`] answer `None`, and the struct
//! keeps serde's derive.
//!
//! The rules it follows, as serde's derive does: a key is read, its field's slot must be empty
//! ("duplicate field `x`", raised before the value is read), then the value is read into it; a
//! key naming no field has its value skipped (or is an error under `deny_unknown_fields`). After
//! the last key, in declaration order, an empty slot is the field's default when it has one,
//! `None` when its type is an `Option` read without `deserialize_with`, and otherwise "missing
//! field `x`".

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::ext::IdentExt;
use syn::{Data, DeriveInput, Fields, LitStr};

/// How an absent field is filled.
enum Missing {
    /// `#[serde(default)]`.
    Default,
    /// `#[serde(default = "path")]`.
    Path(syn::ExprPath),
    /// No default: `None` for an `Option` read plainly, "missing field" otherwise.
    Required,
}

/// How a field's value is read.
enum Read {
    /// Its own `Deserialize`.
    Plain,
    /// `deserialize_with = "path"`, or `with = "module"` (its `deserialize`).
    With(syn::ExprPath),
}

/// One field, as read from its attributes.
struct Field<'a> {
    member: &'a syn::Ident,
    ty: &'a syn::Type,
    wire: String,
    missing: Missing,
    read: Read,
}

/// A serde attribute's string value, parsed as a path.
fn path_value(meta: &syn::meta::ParseNestedMeta) -> syn::Result<syn::ExprPath> {
    let lit: LitStr = meta.value()?.parse()?;
    lit.parse()
}

/// Reads a field's serde attributes; an `Err` means one this module does not handle.
fn field(f: &syn::Field) -> syn::Result<Field<'_>> {
    let member = f
        .ident
        .as_ref()
        .ok_or_else(|| syn::Error::new_spanned(f, "a tuple field"))?;
    let mut out = Field {
        member,
        ty: &f.ty,
        wire: member.unraw().to_string(),
        missing: Missing::Required,
        read: Read::Plain,
    };
    let (mut renamed, mut defaulted, mut read) = (false, false, false);
    for attr in f.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            // Each key once, as serde wants: a repeated one is left to serde to report.
            let once = |seen: &mut bool| {
                if std::mem::replace(seen, true) {
                    Err(meta.error("repeated"))
                } else {
                    Ok(())
                }
            };
            if meta.path.is_ident("rename") {
                once(&mut renamed)?;
                let lit: LitStr = meta.value()?.parse()?;
                out.wire = lit.value();
            } else if meta.path.is_ident("default") {
                once(&mut defaulted)?;
                out.missing = if meta.input.peek(syn::Token![=]) {
                    Missing::Path(path_value(&meta)?)
                } else {
                    Missing::Default
                };
            } else if meta.path.is_ident("deserialize_with") {
                once(&mut read)?;
                out.read = Read::With(path_value(&meta)?);
            } else if meta.path.is_ident("with") {
                once(&mut read)?;
                let mut path = path_value(&meta)?;
                path.path.segments.push(format_ident!("deserialize").into());
                out.read = Read::With(path);
            } else if meta.path.is_ident("skip_serializing_if")
                || meta.path.is_ident("serialize_with")
            {
                // For `Serialize` only; its derive reads them.
                path_value(&meta)?;
            } else {
                return Err(meta.error("not handled by the compact Deserialize"));
            }
            Ok(())
        })?;
    }
    Ok(out)
}

/// Whether a struct carries `#[serde(deny_unknown_fields)]`; an `Err` for any other container
/// attribute but `crate`.
fn deny_unknown_fields(ast: &DeriveInput) -> syn::Result<bool> {
    let mut deny = false;
    for attr in ast.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("deny_unknown_fields") {
                deny = true;
            } else if meta.path.is_ident("crate") {
                let _: LitStr = meta.value()?.parse()?;
            } else {
                return Err(meta.error("not handled by the compact Deserialize"));
            }
            Ok(())
        })?;
    }
    Ok(deny)
}

/// Whether `ty` is written `Option<...>` (at any path): serde fills such a field with `None` when
/// it is absent, through its missing-field deserializer's `deserialize_option`.
fn is_option(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Path(p) if p.qself.is_none() => p.path.segments.last().is_some_and(|s| {
            s.ident == "Option" && matches!(s.arguments, syn::PathArguments::AngleBracketed(_))
        }),
        syn::Type::Group(g) => is_option(&g.elem),
        syn::Type::Paren(p) => is_option(&p.elem),
        _ => false,
    }
}

/// The `Deserialize` impl for `ast`, or `None` when the struct needs serde's derive. `krate` is
/// the facade's path as written (`::rosetta`), whose JSON helpers (`json::exact`, `json::bytes`)
/// are read through the runtime's generic seeds instead of a seed type per field.
pub(super) fn compact(
    ast: &DeriveInput,
    krate: &syn::Path,
    krate_str: &str,
) -> Option<TokenStream> {
    let Data::Struct(data) = &ast.data else {
        return None;
    };
    let Fields::Named(named) = &data.fields else {
        return None;
    };
    if !ast.generics.params.is_empty() || ast.generics.where_clause.is_some() {
        return None;
    }
    let deny = deny_unknown_fields(ast).ok()?;
    let fields = named
        .named
        .iter()
        .map(field)
        .collect::<syn::Result<Vec<_>>>()
        .ok()?;

    let serde = quote!(#krate::__private::serde);
    let json = quote!(#krate::__private::json);
    let exact = format!("{krate_str}::__private::json::exact");
    let bytes = format!("{krate_str}::__private::json::bytes::deserialize");
    let name = &ast.ident;
    let expecting = format!("struct {name}");
    let some = quote!(::core::option::Option::Some);
    let none = quote!(::core::option::Option::None);
    let err = quote!(::core::result::Result::Err);

    let mut slots = Vec::new();
    let mut seeds = Vec::new();
    let mut arms = Vec::new();
    let mut members = Vec::new();
    for (i, f) in fields.iter().enumerate() {
        let slot = format_ident!("__f{i}");
        let (ty, wire, member) = (f.ty, &f.wire, f.member);
        slots.push(quote!(let mut #slot: ::core::option::Option<#ty> = #none;));
        let read = match &f.read {
            Read::Plain => quote!(#serde::de::MapAccess::next_value::<#ty>(&mut __map)?),
            Read::With(path) => {
                let text = quote!(#path).to_string().replace(' ', "");
                let seed = if text == exact {
                    quote!(#json::Exact::<#ty>::new())
                } else if text == bytes {
                    quote!(#json::bytes::Seed::<#ty>::new())
                } else {
                    // Any other function: a seed type of its own, as serde's wrapper type.
                    let seed = format_ident!("__With{i}");
                    seeds.push(quote! {
                        struct #seed;
                        impl<'de> #serde::de::DeserializeSeed<'de> for #seed {
                            type Value = #ty;
                            fn deserialize<__D: #serde::Deserializer<'de>>(
                                self,
                                __d: __D,
                            ) -> ::core::result::Result<#ty, __D::Error> {
                                #path(__d)
                            }
                        }
                    });
                    quote!(#seed)
                };
                quote!(#serde::de::MapAccess::next_value_seed(&mut __map, #seed)?)
            }
        };
        arms.push(quote! {
            #some(#i) => {
                if ::core::option::Option::is_some(&#slot) {
                    return #err(<__A::Error as #serde::de::Error>::duplicate_field(#wire));
                }
                #slot = #some(#read);
            }
        });
        let missing = match (&f.missing, &f.read) {
            (Missing::Default, _) => quote!(::core::default::Default::default()),
            (Missing::Path(path), _) => quote!(#path()),
            (Missing::Required, Read::Plain) if is_option(ty) => none.clone(),
            (Missing::Required, _) => {
                quote!(return #err(<__A::Error as #serde::de::Error>::missing_field(#wire)))
            }
        };
        members.push(quote! {
            #member: match #slot {
                #some(__v) => __v,
                #none => #missing,
            },
        });
    }
    let wires = fields.iter().map(|f| &f.wire);

    Some(quote! {
        #[automatically_derived]
        impl<'de> #serde::Deserialize<'de> for #name {
            fn deserialize<__D: #serde::Deserializer<'de>>(
                __d: __D,
            ) -> ::core::result::Result<Self, __D::Error> {
                struct __Visitor;
                impl<'de> #serde::de::Visitor<'de> for __Visitor {
                    type Value = #name;
                    fn expecting(
                        &self,
                        __f: &mut ::core::fmt::Formatter<'_>,
                    ) -> ::core::fmt::Result {
                        __f.write_str(#expecting)
                    }
                    fn visit_map<__A: #serde::de::MapAccess<'de>>(
                        self,
                        mut __map: __A,
                    ) -> ::core::result::Result<#name, __A::Error> {
                        #(#seeds)*
                        #(#slots)*
                        let mut __keys = #krate::__private::object::Fields::new(&[#(#wires),*], #deny);
                        while let #some(__key) =
                            #serde::de::MapAccess::next_key_seed(&mut __map, &mut __keys)?
                        {
                            match __key {
                                #(#arms)*
                                _ => {
                                    #serde::de::MapAccess::next_value::<#serde::de::IgnoredAny>(
                                        &mut __map,
                                    )?;
                                }
                            }
                        }
                        ::core::result::Result::Ok(#name { #(#members)* })
                    }
                }
                // A map, never a sequence: a struct decodes only from an object.
                #serde::Deserializer::deserialize_map(__d, __Visitor)
            }
        }
    })
}
