//! Impls emitted next to a derive's errors, so rustc reports only those errors.
//!
//! Without them, every use of the type as `Validate` or `ToXmlRpc` elsewhere in the crate would
//! add a "trait not implemented" error on top of the real one (thiserror's `fallback.rs` does the
//! same). The bodies never run: the crate does not compile while the errors stand.

use proc_macro2::TokenStream;
use quote::quote;

use crate::input::Input;

fn header(input: &Input<'_>, trait_path: TokenStream) -> TokenStream {
    let ident = input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    quote! {
        #[automatically_derived]
        impl #impl_generics #trait_path for #ident #ty_generics #where_clause
    }
}

/// `Validate` with an unreachable body.
pub(crate) fn validate(input: &Input<'_>) -> TokenStream {
    let krate = &input.krate;
    let header = header(input, quote!(#krate::Validate));
    quote! {
        #header {
            fn validate_at(
                &self,
                _: &#krate::validate::Path<'_>,
                _: &mut ::std::vec::Vec<#krate::validate::Violation>,
            ) {
                ::core::unreachable!()
            }
        }
    }
}

/// `ToXmlRpc` and `FromXmlRpc` with unreachable bodies.
pub(crate) fn xmlrpc(input: &Input<'_>) -> TokenStream {
    let krate = &input.krate;
    let to = header(input, quote!(#krate::xmlrpc::ToXmlRpc));
    let from = header(input, quote!(#krate::xmlrpc::FromXmlRpc));
    quote! {
        #to {
            fn to_xmlrpc(&self) -> #krate::xmlrpc::Value {
                ::core::unreachable!()
            }
        }

        #from {
            fn from_xmlrpc(
                _: &#krate::xmlrpc::Value,
            ) -> ::core::result::Result<Self, #krate::xmlrpc::ValueError> {
                ::core::unreachable!()
            }
        }
    }
}
