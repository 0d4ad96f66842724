//! What a macro can tell about a field's type from its syntax alone.
//!
//! Macros see tokens, not types: `Option<T>` is recognised by its last path segment, so
//! `std::option::Option<T>` counts and a type alias for an `Option` does not.

use syn::{GenericArgument, PathArguments, Type};

/// `T` when `ty` is written `Option<T>` (or `std::option::Option<T>`, ...).
pub(crate) fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ungroup(ty) else {
        return None;
    };
    if path.qself.is_some() {
        return None;
    }
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let mut types = args.args.iter();
    match (types.next(), types.next()) {
        (Some(GenericArgument::Type(inner)), None) => Some(inner),
        _ => None,
    }
}

/// Whether `ty` is written `f32` or `f64`: integer bounds of a `range` on it are written as
/// float literals, so `range(min = 0)` works on an `f64` field.
pub(crate) fn is_float(ty: &Type) -> bool {
    match ungroup(ty) {
        Type::Path(path) => {
            path.qself.is_none() && (path.path.is_ident("f32") || path.path.is_ident("f64"))
        }
        _ => false,
    }
}

/// `ty` without invisible groups (from `macro_rules!` fragments) and parentheses.
fn ungroup(mut ty: &Type) -> &Type {
    loop {
        match ty {
            Type::Group(group) => ty = &group.elem,
            Type::Paren(paren) => ty = &paren.elem,
            _ => return ty,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    #[test]
    fn options_are_recognised_by_their_last_segment() {
        let t: Type = parse_quote!(Option<String>);
        assert!(option_inner(&t).is_some());
        let t: Type = parse_quote!(::std::option::Option<Vec<u8>>);
        assert!(option_inner(&t).is_some());
        let t: Type = parse_quote!(Vec<Option<u8>>);
        assert!(option_inner(&t).is_none());
        let t: Type = parse_quote!(Option);
        assert!(option_inner(&t).is_none());
    }

    #[test]
    fn floats_are_recognised() {
        assert!(is_float(&parse_quote!(f64)));
        assert!(is_float(&parse_quote!(f32)));
        assert!(!is_float(&parse_quote!(u64)));
        assert!(!is_float(&parse_quote!(my::f64)));
    }
}
