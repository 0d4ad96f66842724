//! `#[derive(Event)]`: a hand-written type as a Kafka event, with its topic, key and encoding.
//!
//! The expansion is one `Event` impl (constants, the encoding type and `key`), plus, for
//! `encoding = "string"` or `"bytes"`, an `Encoding` impl that wraps the runtime's
//! `Utf8String`/`RawBytes` for the one-field struct.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{DeriveInput, Fields, Member};

use crate::attr::{self, Ctxt, EventEncoding, Place};
use crate::ty;

/// The whole derive: the impls, or every error plus a fallback impl.
pub(crate) fn derive(ast: &DeriveInput) -> TokenStream {
    let mut cx = Ctxt::default();
    let attrs = attr::parse(&mut cx, &ast.attrs, Place::EventContainer);
    let krate: syn::Path = attrs
        .krate
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(::rosetta));
    let encoding = attrs.encoding.map_or(EventEncoding::Json, |(e, _)| e);

    if attrs.topic.is_none() && !has_bad_topic(ast) {
        cx.error_spanned(
            &ast.ident,
            format!(
                "`#[derive(Event)]` needs a topic: add `#[rosetta(topic = \"{}\")]`",
                heck::ToKebabCase::to_kebab_case(ast.ident.unraw().to_string().as_str())
            ),
        );
    }

    let key = attrs
        .key
        .as_ref()
        .and_then(|key| key_access(&mut cx, ast, key));
    let wrapped = match encoding {
        EventEncoding::Json => None,
        EventEncoding::String | EventEncoding::Bytes => {
            let span = attrs.encoding.map_or_else(Span::call_site, |(_, s)| s);
            single_field(&mut cx, ast, encoding, span)
        }
    };
    if matches!(ast.data, syn::Data::Union(_)) {
        cx.error_spanned(
            ast.ident.clone(),
            "`#[derive(Event)]` does not support unions: use a struct or an enum",
        );
    }

    let header = header(ast, &krate, encoding);
    let topic = attrs
        .topic
        .as_ref()
        .map_or_else(|| quote!(""), |lit| quote!(#lit));
    let type_name = ast.ident.unraw().to_string();
    let encoding_ty = match encoding {
        EventEncoding::Json => quote!(#krate::kafka::Json),
        EventEncoding::String => quote!(#krate::kafka::Utf8String),
        EventEncoding::Bytes => quote!(#krate::kafka::RawBytes),
    };

    if let Err(errors) = cx.check() {
        let errors = errors.into_compile_error();
        let fallback = fallback(ast, &krate);
        return quote!(#errors #fallback);
    }

    let key_body = key.unwrap_or_else(|| quote!(::core::option::Option::None));
    let codec = wrapped.map(|(member, field_ty)| codec(ast, &krate, encoding, &member, &field_ty));
    quote! {
        #header {
            const TOPIC: &'static str = #topic;
            const TYPE_NAME: &'static str = #type_name;
            type Encoding = #encoding_ty;

            fn key(&self) -> ::core::option::Option<&str> {
                #key_body
            }
        }
        #codec
    }
}

/// Whether a `topic` was written but rejected (already reported), so "needs a topic" would be
/// noise.
fn has_bad_topic(ast: &DeriveInput) -> bool {
    let mut found = false;
    for attr in ast.attrs.iter().filter(|a| a.path().is_ident("rosetta")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("topic") {
                found = true;
            }
            while !meta.input.is_empty() && !meta.input.peek(syn::Token![,]) {
                meta.input.parse::<proc_macro2::TokenTree>()?;
            }
            Ok(())
        });
    }
    found
}

/// The body of `key()` for `key = field`, or `None` after recording an error.
fn key_access(cx: &mut Ctxt, ast: &DeriveInput, key: &syn::Ident) -> Option<TokenStream> {
    let name = ast.ident.unraw();
    let fields = match &ast.data {
        syn::Data::Struct(data) => &data.fields,
        syn::Data::Enum(_) => {
            cx.error_spanned(
                key,
                format!(
                    "`key` names a field, but `{name}` is an enum; leave `key` out (records \
                     are sent without a key) or wrap the enum in a struct with a key field"
                ),
            );
            return None;
        }
        syn::Data::Union(_) => return None,
    };
    let Fields::Named(named) = fields else {
        cx.error_spanned(
            key,
            format!(
                "`key` names a field, but `{name}` has no named fields; give the key field a \
                 name (`struct {name} {{ id: String, ... }}`) or leave `key` out"
            ),
        );
        return None;
    };
    let Some(field) = named
        .named
        .iter()
        .find(|f| f.ident.as_ref().is_some_and(|i| i.unraw() == key.unraw()))
    else {
        let names: Vec<String> = named
            .named
            .iter()
            .filter_map(|f| f.ident.as_ref().map(|i| format!("`{}`", i.unraw())))
            .collect();
        let expected = if names.is_empty() {
            format!("`{name}` has no fields")
        } else {
            format!("its fields are {}", names.join(", "))
        };
        cx.error_spanned(
            key,
            format!("`{name}` has no field `{}`: {expected}", key.unraw()),
        );
        return None;
    };
    let ident = field.ident.as_ref().expect("named field");
    let ty = &field.ty;
    Some(match ty::option_inner(ty) {
        Some(inner) => quote_spanned! {inner.span()=>
            ::core::option::Option::map(
                ::core::option::Option::as_ref(&self.#ident),
                |__key| ::core::convert::AsRef::<str>::as_ref(__key),
            )
        },
        None => quote_spanned! {ty.span()=>
            ::core::option::Option::Some(::core::convert::AsRef::<str>::as_ref(&self.#ident))
        },
    })
}

/// For `encoding = "string"`/`"bytes"`: the one field and its type, or `None` after an error.
fn single_field(
    cx: &mut Ctxt,
    ast: &DeriveInput,
    encoding: EventEncoding,
    span: Span,
) -> Option<(Member, syn::Type)> {
    let (value, example) = match encoding {
        EventEncoding::String => ("string", "struct Greeting(String);"),
        _ => ("bytes", "struct Blob(Vec<u8>);"),
    };
    if let syn::Data::Struct(data) = &ast.data
        && data.fields.len() == 1
    {
        let field = data.fields.iter().next().expect("one field");
        let member = field
            .ident
            .clone()
            .map_or_else(|| Member::from(0), Member::Named);
        return Some((member, field.ty.clone()));
    }
    cx.push(syn::Error::new(
        span,
        format!(
            "`encoding = \"{value}\"` needs a struct with exactly one field, holding the value: \
             `{example}`"
        ),
    ));
    None
}

/// `impl Event for Type`, with `Send + Sync + 'static` on type parameters and, for JSON, the
/// encoding's bound on `Self`.
fn header(ast: &DeriveInput, krate: &syn::Path, encoding: EventEncoding) -> TokenStream {
    let mut generics = ast.generics.clone();
    let params: Vec<syn::Ident> = generics.type_params().map(|p| p.ident.clone()).collect();
    if !params.is_empty() {
        let clause = generics.make_where_clause();
        for param in params {
            clause.predicates.push(
                syn::parse_quote!(#param: ::core::marker::Send + ::core::marker::Sync + 'static),
            );
        }
        if encoding == EventEncoding::Json {
            clause
                .predicates
                .push(syn::parse_quote!(#krate::kafka::Json: #krate::kafka::Encoding<Self>));
        }
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let ident = &ast.ident;
    quote! {
        #[automatically_derived]
        impl #impl_generics #krate::kafka::Event for #ident #ty_generics #where_clause
    }
}

/// `Encoding<Type>` for `Utf8String`/`RawBytes`, through the one field.
fn codec(
    ast: &DeriveInput,
    krate: &syn::Path,
    encoding: EventEncoding,
    member: &Member,
    field_ty: &syn::Type,
) -> TokenStream {
    let (codec, inner) = match encoding {
        EventEncoding::String => (
            quote!(#krate::kafka::Utf8String),
            quote!(::std::string::String),
        ),
        _ => (quote!(#krate::kafka::RawBytes), quote!(::std::vec::Vec<u8>)),
    };
    let (impl_generics, ty_generics, where_clause) = ast.generics.split_for_impl();
    let ident = &ast.ident;
    let construct = match member {
        Member::Named(name) => quote!(#ident { #name: __value }),
        Member::Unnamed(_) => quote!(#ident(__value)),
    };
    let borrow = quote_spanned!(field_ty.span()=> {
        let __field: &#inner = &value.#member;
        __field
    });
    quote! {
        #[automatically_derived]
        impl #impl_generics #krate::kafka::Encoding<#ident #ty_generics> for #codec #where_clause {
            const CONTENT_TYPE: &'static str =
                <#codec as #krate::kafka::Encoding<#inner>>::CONTENT_TYPE;

            fn encode(
                value: &#ident #ty_generics,
            ) -> ::core::result::Result<::std::vec::Vec<u8>, #krate::kafka::CodecError> {
                <#codec as #krate::kafka::Encoding<#inner>>::encode(#borrow)
            }

            fn decode(
                bytes: &[u8],
            ) -> ::core::result::Result<#ident #ty_generics, #krate::kafka::CodecError> {
                <#codec as #krate::kafka::Encoding<#inner>>::decode(bytes)
                    .map(|__value| #construct)
            }
        }
    }
}

/// An `Event` impl with unreachable bodies, emitted next to errors so that uses of the type as
/// an event add no follow-on errors. Its encoding is `RawBytes`, through an `Encoding` impl with
/// unreachable bodies: it needs nothing of the type. The bodies never run: the crate does not
/// compile while the errors stand.
fn fallback(ast: &DeriveInput, krate: &syn::Path) -> TokenStream {
    let header = header(ast, krate, EventEncoding::Bytes);
    let (impl_generics, ty_generics, where_clause) = ast.generics.split_for_impl();
    let ident = &ast.ident;
    quote! {
        #header {
            const TOPIC: &'static str = "";
            const TYPE_NAME: &'static str = "";
            type Encoding = #krate::kafka::RawBytes;

            fn key(&self) -> ::core::option::Option<&str> {
                ::core::unreachable!()
            }
        }

        #[automatically_derived]
        impl #impl_generics #krate::kafka::Encoding<#ident #ty_generics> for #krate::kafka::RawBytes
            #where_clause
        {
            const CONTENT_TYPE: &'static str = "";

            fn encode(
                _: &#ident #ty_generics,
            ) -> ::core::result::Result<::std::vec::Vec<u8>, #krate::kafka::CodecError> {
                ::core::unreachable!()
            }

            fn decode(
                _: &[u8],
            ) -> ::core::result::Result<#ident #ty_generics, #krate::kafka::CodecError> {
                ::core::unreachable!()
            }
        }
    }
}
