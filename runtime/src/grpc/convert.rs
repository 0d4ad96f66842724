//! Domain ↔ prost conversions, the runtime half of the generated ones.
//!
//! Generated code implements [`FromProto`] and [`IntoProto`] for every IDL struct, union, error and
//! enum, and spells out the conversion of each field with the helpers here. Going from prost to
//! the domain can fail — proto3 cannot say "required" — and every failure is a [`Violation`] with
//! the field path, which the adapter answers with `INVALID_ARGUMENT`.

use crate::timestamp::Timestamp;
use crate::validate::{Path, Violation};

/// A domain value built from prost message `P`, checking what protobuf cannot express.
pub trait FromProto<P>: Sized {
    /// Converts, or says which field (under `path`) is not a valid domain value.
    fn from_proto(proto: P, path: &Path<'_>) -> Result<Self, Violation>;
}

/// A domain value turned into prost message `P`; never fails.
pub trait IntoProto<P> {
    /// Converts.
    fn into_proto(self) -> P;
}

/// The value of a field prost may or may not have boxed (it boxes recursive message fields by its
/// own rule); generated code calls this so it does not depend on that rule.
pub trait Unbox<T> {
    /// The value, out of its box if it has one.
    fn unbox(self) -> T;
}

impl<T> Unbox<T> for T {
    #[inline]
    fn unbox(self) -> T {
        self
    }
}

impl<T> Unbox<T> for Box<T> {
    #[inline]
    fn unbox(self) -> T {
        *self
    }
}

/// The other direction of [`Unbox`]: a value put in a box when the field has one.
pub trait Rebox<T> {
    /// Wraps `value` as the field's type.
    fn rebox(value: T) -> Self;
}

impl<T> Rebox<T> for T {
    #[inline]
    fn rebox(value: T) -> T {
        value
    }
}

impl<T> Rebox<T> for Box<T> {
    #[inline]
    fn rebox(value: T) -> Box<T> {
        Box::new(value)
    }
}

/// A violation found while converting (rule `proto`), rendered with its path.
pub fn violation(path: &Path<'_>, message: impl Into<String>) -> Violation {
    let field = path.render();
    Violation {
        field: if field.is_empty() {
            "(message)".to_string()
        } else {
            field
        },
        rule: "proto".to_string(),
        message: message.into(),
    }
}

/// A message field the IDL requires: absent is a violation.
#[inline]
pub fn required<T>(value: Option<T>, path: &Path<'_>) -> Result<T, Violation> {
    match value {
        Some(v) => Ok(v),
        None => Err(violation(path, "required field is missing")),
    }
}

/// A `oneof` with no member set (a union must hold one variant).
pub fn oneof_not_set(path: &Path<'_>) -> Violation {
    violation(path, "exactly one variant must be set")
}

/// An enum number the IDL does not declare (including the added `_UNSPECIFIED = 0`).
pub fn unknown_enum(number: i32, enum_name: &str, path: &Path<'_>) -> Violation {
    violation(
        path,
        format!("{number} is not a value of enum `{enum_name}`"),
    )
}

/// `google.protobuf.Timestamp` → [`Timestamp`]; out of range (years 0000–9999) or invalid nanos
/// is a violation.
pub fn timestamp_from_proto(
    t: prost_types::Timestamp,
    path: &Path<'_>,
) -> Result<Timestamp, Violation> {
    u32::try_from(t.nanos)
        .ok()
        .and_then(|nanos| Timestamp::from_unix(t.seconds, nanos))
        .ok_or_else(|| {
            violation(
                path,
                format!(
                    "timestamp {}s {}ns is outside years 0000 to 9999 or not normalized",
                    t.seconds, t.nanos
                ),
            )
        })
}

/// [`Timestamp`] → `google.protobuf.Timestamp`.
#[inline]
pub fn timestamp_into_proto(t: Timestamp) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: t.unix_seconds(),
        // Below one second by the Timestamp invariant, so it fits.
        nanos: i32::try_from(t.subsec_nanos()).unwrap_or(0),
    }
}

impl FromProto<()> for () {
    #[inline]
    fn from_proto(_: (), _: &Path<'_>) -> Result<(), Violation> {
        Ok(())
    }
}

impl IntoProto<()> for () {
    #[inline]
    fn into_proto(self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unbox_and_rebox_either_shape() {
        let a: i32 = Unbox::unbox(Box::new(3));
        let b: i32 = Unbox::unbox(4);
        assert_eq!((a, b), (3, 4));
        let c: Box<i32> = Rebox::rebox(5);
        let d: i32 = Rebox::rebox(6);
        assert_eq!((*c, d), (5, 6));
    }

    #[test]
    fn required_fields_and_paths() {
        let root = Path::Root;
        let order = root.field("order");
        let total = order.field("total");
        let v = required::<i32>(None, &total).unwrap_err();
        assert_eq!(v.field, "order.total");
        assert_eq!(required(Some(1), &total).unwrap(), 1);
        assert_eq!(oneof_not_set(&root).field, "(message)");
    }

    #[test]
    fn timestamps() {
        let t = Timestamp::from_unix(1_700_000_000, 5).unwrap();
        let p = timestamp_into_proto(t);
        assert_eq!(timestamp_from_proto(p, &Path::Root).unwrap(), t);
        let bad = prost_types::Timestamp {
            seconds: i64::MAX,
            nanos: 0,
        };
        assert!(timestamp_from_proto(bad, &Path::Root).is_err());
        let negative_nanos = prost_types::Timestamp {
            seconds: 0,
            nanos: -1,
        };
        assert!(timestamp_from_proto(negative_nanos, &Path::Root).is_err());
    }
}
