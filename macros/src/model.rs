//! `#[__model(...)]`: the derives and container attributes every IDL-generated type carries,
//! written once here instead of in each generated item.
//!
//! A generated type used to spell out, per type, a derive list of eight paths, serde's and
//! Rosetta's `crate` attributes, `#[serde(remote = "Self")]` and the `__object_only_serde!` call
//! (16 lines after formatting). The code generator now writes one line,
//! `#[::rosetta::__model(default, xmlrpc)]`, and this attribute expands it the same way for every
//! type, so the set of derives a generated type has is decided in one place.
//!
//! What a type gets depends on its shape:
//! - a struct: `Debug, Clone, PartialEq`, `Default` when asked, serde's `Serialize` derive, a
//!   compact `Deserialize` written here ([`de`]: one `visit_map` over the runtime's shared key
//!   reader `object::Fields`, reading a map only, so a struct decodes only from an object; a
//!   quarter of the generated crate's expanded code was serde's derived `Deserialize`), `Validate`,
//!   and `XmlRpc` when asked. A struct carrying serde attributes the compact impl does not handle
//!   (a user's `alias`, `flatten`, ... added through the Builder's `field_attribute`) keeps
//!   serde's derives as inherent functions (`remote = "Self"`) with the facade's
//!   `__object_only_serde!` impls over them, as every struct had before;
//! - an enum whose variants all carry no data (an IDL enum): also `Copy, Eq, Hash, PartialOrd,
//!   Ord, Default` and `#[repr(i32)]` (its values are protobuf numbers);
//! - an enum with data (an IDL union): `Debug, Clone, PartialEq`, serde's derives, `Validate`
//!   and `XmlRpc` when asked.

mod de;

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Data, DeriveInput, Fields, Meta, Token};

/// The arguments: `crate = "::path"` (default `::rosetta`), `default`, `xmlrpc`.
struct Args {
    krate: String,
    default: bool,
    xmlrpc: bool,
}

fn parse_args(args: TokenStream) -> syn::Result<Args> {
    let mut out = Args {
        krate: "::rosetta".to_string(),
        default: false,
        xmlrpc: false,
    };
    let metas = Punctuated::<Meta, Token![,]>::parse_terminated.parse2(args)?;
    for meta in metas {
        match &meta {
            Meta::Path(p) if p.is_ident("default") => out.default = true,
            Meta::Path(p) if p.is_ident("xmlrpc") => out.xmlrpc = true,
            Meta::NameValue(nv) if nv.path.is_ident("crate") => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => out.krate = s.value(),
                other => return Err(syn::Error::new_spanned(other, "expected a string")),
            },
            other => {
                return Err(syn::Error::new_spanned(
                    other,
                    "expected `crate = \"::path\"`, `default` or `xmlrpc`",
                ));
            }
        }
    }
    Ok(out)
}

/// Expands `#[__model(args)] item`.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let args = parse_args(args)?;
    let ast: DeriveInput = syn::parse2(item.clone())?;
    let krate: syn::Path = syn::parse_str(&args.krate)?;
    let serde_path = format!("{}::__private::serde", args.krate);
    let rosetta_path = &args.krate;
    let serde = quote!(#krate::__private::serde);
    let xmlrpc = args.xmlrpc.then(|| quote!(, #krate::XmlRpc));
    let glue = quote!(#serde::Serialize, #serde::Deserialize, #krate::Validate #xmlrpc);
    let crates = quote! {
        #[serde(crate = #serde_path)]
        #[rosetta(crate = #rosetta_path)]
    };
    let name = &ast.ident;
    let out = match &ast.data {
        Data::Struct(_) => {
            let default = args.default.then(|| quote!(Default,));
            match de::compact(&ast, &krate, &args.krate) {
                Some(deserialize) => quote! {
                    #[derive(Debug, Clone, PartialEq, #default #serde::Serialize, #krate::Validate #xmlrpc)]
                    #crates
                    #item
                    #deserialize
                },
                // Serde attributes the compact impl does not handle: serde's derive, as
                // inherent functions, with the object-only impls over them.
                None => quote! {
                    #[derive(Debug, Clone, PartialEq, #default #glue)]
                    #crates
                    #[serde(remote = "Self")]
                    #item
                    #krate::__object_only_serde!(#name);
                },
            }
        }
        Data::Enum(e) if e.variants.iter().all(|v| matches!(v.fields, Fields::Unit)) => quote! {
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, #glue)]
            #crates
            #[repr(i32)]
            #item
        },
        Data::Enum(_) => quote! {
            #[derive(Debug, Clone, PartialEq, #glue)]
            #crates
            #item
        },
        Data::Union(_) => {
            return Err(syn::Error::new_spanned(
                name,
                "`__model` goes on a struct or an enum",
            ));
        }
    };
    Ok(out)
}
