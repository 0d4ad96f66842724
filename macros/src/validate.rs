//! `#[derive(Validate)]`: the constraint checks of every field, then a descent into it.
//!
//! The expansion is thin on purpose: each check is one call to a tested runtime function
//! (`validate::range`, `length`, `pattern`), and each field's own constraints come from its
//! type's `Validate` impl, so nested structs, lists and maps report paths like `lines[2].qty`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{DeriveInput, LitFloat, Type};

use crate::attr::{Attrs, Ctxt, Number, NumberLit};
use crate::fallback;
use crate::input::{Data, Derive, Input, impl_header};
use crate::ty;

/// The whole derive: the impl, or every error plus a fallback impl.
pub(crate) fn derive(ast: &DeriveInput) -> TokenStream {
    let mut cx = Ctxt::default();
    let input = Input::from_ast(&mut cx, ast, Derive::Validate);
    match cx.check() {
        Ok(()) => expand(&input),
        Err(errors) => {
            let errors = errors.into_compile_error();
            let fallback = fallback::validate(&input);
            quote!(#errors #fallback)
        }
    }
}

fn expand(input: &Input<'_>) -> TokenStream {
    let krate = &input.krate;
    let body = match &input.data {
        Data::Struct(fields) => {
            let checks = fields.iter().map(|f| {
                let ident = f.ident;
                check_value(krate, &quote!(&self.#ident), f.ty, &f.name, &f.attrs)
            });
            quote!(#(#checks)*)
        }
        Data::Enum(variants) if variants.is_empty() => quote!(match *self {}),
        Data::Enum(variants) => {
            let arms = variants.iter().map(|v| {
                let ident = v.ident;
                match &v.payload {
                    None => quote!(Self::#ident => {}),
                    Some(p) => {
                        let check = check_value(krate, &quote!(__payload), p.ty, &v.name, &p.attrs);
                        quote!(Self::#ident(__payload) => { #check })
                    }
                }
            });
            quote!(match self { #(#arms)* })
        }
        Data::Unsupported => return fallback::validate(input),
    };
    let header = impl_header(input, &syn::parse_quote!(#krate::Validate));
    quote! {
        #header {
            #[allow(unused_variables)]
            fn validate_at(
                &self,
                __path: &#krate::validate::Path<'_>,
                __out: &mut ::std::vec::Vec<#krate::validate::Violation>,
            ) {
                #body
            }
        }
    }
}

/// The checks of one value (`value` is an expression of type `&ty`) under the path segment
/// `name`: its constraints (inside `Some` for an `Option`), then its own `Validate`.
fn check_value(
    krate: &syn::Path,
    value: &TokenStream,
    ty: &Type,
    name: &str,
    attrs: &Attrs,
) -> TokenStream {
    let option_inner = ty::option_inner(ty);
    let constraints = constraints(krate, option_inner.unwrap_or(ty), attrs);
    // Spanned at the field's type, so "`Money: Validate` is not satisfied" points at `Money`.
    let validate_at = quote_spanned!(ty.span()=> <#ty as #krate::Validate>::validate_at);
    match (constraints.is_empty(), attrs.skip.is_some()) {
        (true, true) => quote!(),
        (true, false) => quote! {
            #validate_at(#value, &__path.field(#name), __out);
        },
        (false, skip) => {
            let constraints = match option_inner {
                Some(_) => quote! {
                    if let ::core::option::Option::Some(__value) =
                        ::core::option::Option::as_ref(#value)
                    {
                        #constraints
                    }
                },
                None => quote! {
                    let __value = #value;
                    #constraints
                },
            };
            let descend = (!skip).then(|| quote!(#validate_at(#value, &__field, __out);));
            quote! {
                {
                    let __field = __path.field(#name);
                    #constraints
                    #descend
                }
            }
        }
    }
}

/// The `range`, `length` and `pattern` checks of `__value: &ty` at `__field`.
///
/// Each runtime function is called with `ty` spelt out and spanned at the field's type, so a
/// type the check does not fit ("`String: Copy` is not satisfied" for a `range`) is reported
/// at the field, with a note naming the check.
fn constraints(krate: &syn::Path, ty: &Type, attrs: &Attrs) -> TokenStream {
    let mut out = TokenStream::new();
    let span = ty.span();
    if let Some(range) = &attrs.range {
        let float = ty::is_float(ty);
        let min = bound(range.min.as_ref(), float);
        let max = bound(range.max.as_ref(), float);
        let call = quote_spanned!(span=> #krate::validate::range::<#ty>);
        out.extend(quote!(#call(*__value, #min, #max, &__field, __out);));
    }
    if let Some(length) = &attrs.length {
        let count = |b: Option<(usize, proc_macro2::Span)>| match b {
            Some((n, span)) => {
                let mut lit = proc_macro2::Literal::usize_unsuffixed(n);
                lit.set_span(span);
                quote!(::core::option::Option::Some(#lit))
            }
            None => quote!(::core::option::Option::None),
        };
        let (min, max) = (count(length.min), count(length.max));
        let call = quote_spanned!(span=> #krate::validate::length::<#ty>);
        out.extend(quote!(#call(__value, #min, #max, &__field, __out);));
    }
    if let Some(pattern) = &attrs.pattern {
        let regex = &pattern.regex;
        let as_str = quote_spanned!(span=> <#ty as ::core::convert::AsRef<str>>::as_ref);
        out.extend(quote! {
            {
                static __PATTERN: #krate::validate::LazyRegex =
                    #krate::validate::LazyRegex::new(#regex);
                #krate::validate::pattern(#as_str(__value), &__PATTERN, &__field, __out);
            }
        });
    }
    out
}

/// `Some(bound)` or `None`; an unsuffixed integer on a float field is written as a float.
fn bound(number: Option<&Number>, float: bool) -> TokenStream {
    let Some(number) = number else {
        return quote!(::core::option::Option::None);
    };
    match &number.lit {
        NumberLit::Int(lit) if float && lit.suffix().is_empty() => {
            let minus = &number.minus;
            let lit = LitFloat::new(&format!("{}.0", lit.base10_digits()), lit.span());
            quote!(::core::option::Option::Some(#minus #lit))
        }
        _ => quote!(::core::option::Option::Some(#number)),
    }
}
