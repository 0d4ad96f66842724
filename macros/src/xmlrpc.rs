//! `#[derive(XmlRpc)]`: `ToXmlRpc` and `FromXmlRpc` for structs, string enums and unions.
//!
//! Member reading and writing goes through the runtime's helpers (`required_member`,
//! `push_optional_member`, ...), so the expansion holds only names and types, and every error
//! path (`items[2].price`) is built the same way as in generated code.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::DeriveInput;
use syn::spanned::Spanned;

use crate::attr::Ctxt;
use crate::fallback;
use crate::input::{Data, Derive, Field, Input, Variant, impl_header};
use crate::ty;

/// The whole derive: both impls, or every error plus fallback impls.
pub(crate) fn derive(ast: &DeriveInput) -> TokenStream {
    let mut cx = Ctxt::default();
    let input = Input::from_ast(&mut cx, ast, Derive::XmlRpc);
    check_enum_is_one_kind(&mut cx, &input);
    match cx.check() {
        Ok(()) => expand(&input),
        Err(errors) => {
            let errors = errors.into_compile_error();
            let fallback = fallback::xmlrpc(&input);
            quote!(#errors #fallback)
        }
    }
}

/// Rejects an enum that mixes unit variants (a string on the wire) with variants holding a
/// value (a one-member struct): the two forms cannot share one XML-RPC type.
fn check_enum_is_one_kind(cx: &mut Ctxt, input: &Input<'_>) {
    let Data::Enum(variants) = &input.data else {
        return;
    };
    let Some(first) = variants.first() else {
        return;
    };
    let kind = |v: &Variant<'_>| match v.payload {
        None => "is a unit variant",
        Some(_) => "holds a value",
    };
    for v in variants
        .iter()
        .filter(|v| v.payload.is_some() != first.payload.is_some())
    {
        cx.error_spanned(
            v.ast,
            format!(
                "`#[derive(XmlRpc)]` needs every variant to be a unit (the enum is a string) or \
                 every variant to hold one value (the enum is a union): `{}` {} but `{}` {}",
                v.ident,
                kind(v),
                first.ident,
                kind(first),
            ),
        );
    }
}

fn expand(input: &Input<'_>) -> TokenStream {
    let krate = &input.krate;
    // A struct also reads its fields from named members that are not a `<struct>` (an rpc's
    // parameters by position): `FromXmlRpc::from_members`.
    let mut from_members = TokenStream::new();
    let (to, try_to, from) = match &input.data {
        Data::Struct(fields) => {
            let (to, try_to, from, members) = struct_bodies(input, fields);
            from_members = quote! {
                fn from_members(
                    __members: &(impl #krate::xmlrpc::Members + ?::core::marker::Sized),
                ) -> ::core::result::Result<Self, #krate::xmlrpc::ValueError> {
                    #members
                }
            };
            (to, try_to, from)
        }
        Data::Enum(variants) if variants.iter().all(|v| v.payload.is_none()) => {
            string_enum_bodies(input, variants)
        }
        Data::Enum(variants) => union_bodies(input, variants),
        Data::Unsupported => return fallback::xmlrpc(input),
    };
    let to_header = impl_header(input, &syn::parse_quote!(#krate::xmlrpc::ToXmlRpc));
    let from_header = impl_header(input, &syn::parse_quote!(#krate::xmlrpc::FromXmlRpc));
    quote! {
        #to_header {
            fn to_xmlrpc(&self) -> #krate::xmlrpc::Value {
                #to
            }

            fn try_to_xmlrpc(
                &self,
            ) -> ::core::result::Result<#krate::xmlrpc::Value, #krate::xmlrpc::ValueError> {
                #try_to
            }
        }

        #from_header {
            fn from_xmlrpc(
                __value: &#krate::xmlrpc::Value,
            ) -> ::core::result::Result<Self, #krate::xmlrpc::ValueError> {
                #from
            }

            #from_members
        }
    }
}

/// A struct is a `<struct>` with one member per field; `None` optionals are left out. The
/// bodies of `to_xmlrpc`, `try_to_xmlrpc`, `from_xmlrpc` and `from_members` (which
/// `from_xmlrpc` calls with the struct's members).
fn struct_bodies(
    input: &Input<'_>,
    fields: &[Field<'_>],
) -> (TokenStream, TokenStream, TokenStream, TokenStream) {
    let krate = &input.krate;
    let type_name = input.display_name();
    if fields.is_empty() {
        return (
            quote!(#krate::xmlrpc::Value::Struct(::std::vec::Vec::new())),
            quote!(::core::result::Result::Ok(#krate::xmlrpc::Value::Struct(::std::vec::Vec::new()))),
            quote! {
                #krate::xmlrpc::struct_members(__value, #type_name)?;
                ::core::result::Result::Ok(Self {})
            },
            quote! {
                let _ = __members;
                ::core::result::Result::Ok(Self {})
            },
        );
    }
    let mut members = Vec::new();
    let mut reads = Vec::new();
    for field in fields {
        let (ident, name) = (field.ident, &field.name);
        // Writing: a table of `&dyn ToXmlRpc` handed to one runtime function, so nothing
        // sizeable is instantiated per field type (generic helpers per field were a large part
        // of a generated crate's build, issue 17). `member::<T>` / `optional::<T>` are casts
        // naming the type, spanned at it, so a type without `ToXmlRpc` is reported at the
        // field; reading calls a helper with the type spelt out, spanned the same way. The
        // field access keeps the derive's own span (`self` resolves, and no lint such as
        // `deprecated` fires on the user's field).
        let access = quote!(&self.#ident);
        let (member, read) = match ty::option_inner(field.ty) {
            Some(inner) => (
                quote_spanned!(inner.span()=> #krate::xmlrpc::optional::<#inner>),
                quote_spanned!(inner.span()=> #krate::xmlrpc::optional_member::<#inner>),
            ),
            None => {
                let ty = field.ty;
                (
                    quote_spanned!(ty.span()=> #krate::xmlrpc::member::<#ty>),
                    quote_spanned!(ty.span()=> #krate::xmlrpc::required_member::<#ty>),
                )
            }
        };
        let member = quote!(#member(#access));
        members.push(quote!((#name, #member),));
        reads.push(quote!(#ident: #read(__members, #name)?,));
    }
    (
        quote!(#krate::xmlrpc::struct_value(&[#(#members)*])),
        quote!(#krate::xmlrpc::try_struct_value(&[#(#members)*])),
        quote! {
            let __members = #krate::xmlrpc::struct_members(__value, #type_name)?;
            <Self as #krate::xmlrpc::FromXmlRpc>::from_members(__members)
        },
        quote! {
            ::core::result::Result::Ok(Self { #(#reads)* })
        },
    )
}

/// `"A", "B"`: the names a value could have had, for error messages.
fn name_list(variants: &[Variant<'_>]) -> String {
    variants
        .iter()
        .map(|v| format!("{:?}", v.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A unit-only enum is a `<string>` holding the variant's name.
fn string_enum_bodies(
    input: &Input<'_>,
    variants: &[Variant<'_>],
) -> (TokenStream, TokenStream, TokenStream) {
    let krate = &input.krate;
    let type_name = input.display_name();
    let idents: Vec<_> = variants.iter().map(|v| v.ident).collect();
    let names: Vec<_> = variants.iter().map(|v| &v.name).collect();
    let to = if variants.is_empty() {
        quote!(match *self {})
    } else {
        quote! {
            #krate::xmlrpc::Value::String(::std::string::String::from(match self {
                #(Self::#idents => #names,)*
            }))
        }
    };
    let try_to = quote!(::core::result::Result::Ok(#krate::xmlrpc::ToXmlRpc::to_xmlrpc(self)));
    let unknown = format!("unknown {type_name} {{:?}}; expected one of {{}}");
    let list = name_list(variants);
    let expected = format!("a {type_name} name (string)");
    let from = quote! {
        match #krate::xmlrpc::Value::as_str(__value) {
            #(::core::option::Option::Some(#names) => ::core::result::Result::Ok(Self::#idents),)*
            ::core::option::Option::Some(__other) => ::core::result::Result::Err(
                #krate::xmlrpc::ValueError::new(::std::format!(#unknown, __other, #list)),
            ),
            ::core::option::Option::None => ::core::result::Result::Err(
                #krate::xmlrpc::ValueError::expected(#expected, __value),
            ),
        }
    };
    (to, try_to, from)
}

/// An enum whose variants each hold one value is a `<struct>` with exactly one member, named
/// after the active variant.
fn union_bodies(
    input: &Input<'_>,
    variants: &[Variant<'_>],
) -> (TokenStream, TokenStream, TokenStream) {
    let krate = &input.krate;
    let type_name = input.display_name();
    let list = name_list(variants);
    let mut members = Vec::new();
    let mut reads = Vec::new();
    for v in variants {
        let Some(payload) = &v.payload else { continue };
        let (ident, name, ty) = (v.ident, &v.name, payload.ty);
        // As for a struct's fields: one `&dyn` member, spanned at the variant's type.
        let member = quote_spanned! {ty.span()=>
            (#name, ::core::option::Option::Some(__payload as &dyn #krate::xmlrpc::ToXmlRpc))
        };
        let read = quote_spanned!(ty.span()=> <#ty as #krate::xmlrpc::FromXmlRpc>::from_xmlrpc);
        members.push(quote!(Self::#ident(__payload) => #member,));
        reads.push(quote! {
            #name => #read(__member)
                .map(Self::#ident)
                .map_err(|__e| __e.in_field(#name)),
        });
    }
    let unknown = format!("unknown {type_name} member {{:?}}; expected one of {{}}");
    let arity = format!("a {type_name} needs exactly one member (one of {{}}), found {{}}");
    (
        quote! {
            let __member: #krate::xmlrpc::Member<'_> = match self { #(#members)* };
            #krate::xmlrpc::struct_value(&[__member])
        },
        quote! {
            let __member: #krate::xmlrpc::Member<'_> = match self { #(#members)* };
            #krate::xmlrpc::try_struct_value(&[__member])
        },
        quote! {
            let __members = #krate::xmlrpc::struct_members(__value, #type_name)?;
            match __members {
                [(__name, __member)] => match ::std::string::String::as_str(__name) {
                    #(#reads)*
                    __other => ::core::result::Result::Err(
                        #krate::xmlrpc::ValueError::new(::std::format!(#unknown, __other, #list)),
                    ),
                },
                _ => ::core::result::Result::Err(#krate::xmlrpc::ValueError::new(
                    ::std::format!(#arity, #list, __members.len()),
                )),
            }
        },
    )
}
