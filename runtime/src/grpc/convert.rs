//! Domain ↔ prost conversions, the runtime half of the generated ones.
//!
//! Generated code implements [`FromProto`] and [`IntoProto`] for every IDL struct, union, error and
//! enum, and for the wrapper messages .proto nests for containers inside containers, by naming
//! one [`Kind`] per field (the facade's `__grpc_message!` expands it); the kinds and the impls
//! here for timestamps and for `Vec`, `BTreeMap`, `Option` and `Box` of any of those do the
//! work, so each field's conversion is one call whatever its shape. Going from prost to the
//! domain can fail — proto3 cannot say "required" — and every failure is a [`Violation`] with
//! the field path, which the adapter answers with `INVALID_ARGUMENT`.

// Generic code here is instantiated per type of a generated API: a `match` costs less to
// compile than `Option::map` with a closure (issue 17).
#![allow(clippy::manual_map)]

use std::collections::{BTreeMap, HashMap};

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

impl FromProto<prost_types::Timestamp> for Timestamp {
    #[inline]
    fn from_proto(proto: prost_types::Timestamp, path: &Path<'_>) -> Result<Self, Violation> {
        timestamp_from_proto(proto, path)
    }
}

impl IntoProto<prost_types::Timestamp> for Timestamp {
    #[inline]
    fn into_proto(self) -> prost_types::Timestamp {
        timestamp_into_proto(self)
    }
}

// The containers, so that a generated field conversion is one call whatever the field's shape
// (prost-derive's habit): the element conversion is the element type's own impl, and a failing
// element is reported under its index or key.
//
// Written as plain loops and matches, not iterator chains, closures and `collect`: each of
// these is instantiated once per element type of a generated API, and an adapter chain
// instantiates a dozen std functions each time (`collect` into a `BTreeMap` even a stable sort),
// which was a large part of the generated crate's build (issue 17).

impl<T: FromProto<P>, P> FromProto<Vec<P>> for Vec<T> {
    fn from_proto(proto: Vec<P>, path: &Path<'_>) -> Result<Self, Violation> {
        let mut out = Vec::with_capacity(proto.len());
        for (i, x) in proto.into_iter().enumerate() {
            out.push(T::from_proto(x, &path.index(i))?);
        }
        Ok(out)
    }
}

impl<T: IntoProto<P>, P> IntoProto<Vec<P>> for Vec<T> {
    #[inline]
    fn into_proto(self) -> Vec<P> {
        let mut out = Vec::with_capacity(self.len());
        for x in self {
            out.push(x.into_proto());
        }
        out
    }
}

/// prost maps are `HashMap`s (its `btree_map` option needs `prost` as a direct dependency of
/// the user's crate), domain maps `BTreeMap`s.
impl<T: FromProto<P>, P> FromProto<HashMap<String, P>> for BTreeMap<String, T> {
    fn from_proto(proto: HashMap<String, P>, path: &Path<'_>) -> Result<Self, Violation> {
        let mut out = BTreeMap::new();
        for (k, x) in proto {
            let v = T::from_proto(x, &path.key(&k))?;
            out.insert(k, v);
        }
        Ok(out)
    }
}

impl<T: IntoProto<P>, P> IntoProto<HashMap<String, P>> for BTreeMap<String, T> {
    #[inline]
    fn into_proto(self) -> HashMap<String, P> {
        let mut out = HashMap::with_capacity(self.len());
        for (k, v) in self {
            out.insert(k, v.into_proto());
        }
        out
    }
}

impl<T: FromProto<P>, P> FromProto<Option<P>> for Option<T> {
    #[inline]
    fn from_proto(proto: Option<P>, path: &Path<'_>) -> Result<Self, Violation> {
        match proto {
            Some(p) => match T::from_proto(p, path) {
                Ok(v) => Ok(Some(v)),
                Err(e) => Err(e),
            },
            None => Ok(None),
        }
    }
}

impl<T: IntoProto<P>, P> IntoProto<Option<P>> for Option<T> {
    #[inline]
    fn into_proto(self) -> Option<P> {
        match self {
            Some(v) => Some(v.into_proto()),
            None => None,
        }
    }
}

impl<T: FromProto<P>, P> FromProto<Box<P>> for Box<T> {
    #[inline]
    fn from_proto(proto: Box<P>, path: &Path<'_>) -> Result<Self, Violation> {
        match T::from_proto(*proto, path) {
            Ok(v) => Ok(Box::new(v)),
            Err(e) => Err(e),
        }
    }
}

impl<T: IntoProto<P>, P> IntoProto<Box<P>> for Box<T> {
    #[inline]
    fn into_proto(self) -> Box<P> {
        Box::new((*self).into_proto())
    }
}

/// A message field the IDL requires (a struct, union, error or timestamp): absent is a
/// violation; prost's box, if it has one, is taken off.
#[inline]
pub fn message<T: FromProto<P>, P>(
    field: Option<impl Unbox<P>>,
    path: &Path<'_>,
) -> Result<T, Violation> {
    T::from_proto(required(field, path)?.unbox(), path)
}

/// A message field's prost value: always present, boxed if prost boxed the field.
#[inline]
pub fn into_message<T: IntoProto<P>, P, B: Rebox<P>>(value: T) -> Option<B> {
    Some(B::rebox(value.into_proto()))
}

/// An `any` field: absent is nil (the absent-member rule), present converts.
#[inline]
pub fn any(
    field: Option<super::value::RosettaValue>,
    path: &Path<'_>,
) -> Result<crate::Value, Violation> {
    match field {
        Some(v) => crate::Value::from_proto(v, path),
        None => Ok(crate::Value::Nil),
    }
}

/// How one field (or list element, map value, `oneof` member) of a generated message converts:
/// the generated `FromProto`/`IntoProto` impls (the facade's `__grpc_message!` and friends)
/// name a kind per field, and these impls do the work (prost-derive's one runtime call per
/// field). `D` is the domain type, `P` the prost type; both are inferred from the two structs.
pub trait Kind<D, P> {
    /// prost → domain; `path` names the field.
    fn from_proto(proto: P, path: &Path<'_>) -> Result<D, Violation>;
    /// domain → prost.
    fn into_proto(value: D) -> P;
}

/// The field kinds, glob-imported by the generated impls (only these names, so the glob shadows
/// nothing a field's kind could mean). Nested containers compose: `map<list<T>>` is
/// `Map<Message<ListOfT>>`, the wrapper message .proto needs there being one more
/// `FromProto` impl.
pub mod kinds {
    use std::collections::{BTreeMap, HashMap};
    use std::hash::Hash;
    use std::marker::PhantomData;

    use super::{FromProto, IntoProto, Kind, Rebox, Unbox, any, into_message, message};
    use crate::validate::{Path, Violation};

    /// The same Rust type on both sides (scalars, and lists and optionals of them): moved.
    pub struct Move;

    impl<T> Kind<T, T> for Move {
        #[inline]
        fn from_proto(proto: T, _: &Path<'_>) -> Result<T, Violation> {
            Ok(proto)
        }
        #[inline]
        fn into_proto(value: T) -> T {
            value
        }
    }

    /// A map of scalars: prost's `HashMap` and the domain's `BTreeMap` hold the same entries.
    pub struct Collect;

    impl<K: Ord + Hash + Eq, V> Kind<BTreeMap<K, V>, HashMap<K, V>> for Collect {
        #[inline]
        fn from_proto(proto: HashMap<K, V>, _: &Path<'_>) -> Result<BTreeMap<K, V>, Violation> {
            let mut out = BTreeMap::new();
            for (k, v) in proto {
                out.insert(k, v);
            }
            Ok(out)
        }
        #[inline]
        fn into_proto(value: BTreeMap<K, V>) -> HashMap<K, V> {
            let mut out = HashMap::with_capacity(value.len());
            for (k, v) in value {
                out.insert(k, v);
            }
            out
        }
    }

    /// The value's own `FromProto`/`IntoProto` (enums, timestamps, values, and the runtime's
    /// container impls over them).
    pub struct Convert;

    impl<D: FromProto<P> + IntoProto<P>, P> Kind<D, P> for Convert {
        #[inline]
        fn from_proto(proto: P, path: &Path<'_>) -> Result<D, Violation> {
            D::from_proto(proto, path)
        }
        #[inline]
        fn into_proto(value: D) -> P {
            value.into_proto()
        }
    }

    /// A message field the IDL requires (prost's `Option<M>`, boxed or not): absent is a
    /// violation ([`message`](super::message)).
    pub struct Required<M>(PhantomData<M>);

    impl<D, M, B> Kind<D, Option<B>> for Required<M>
    where
        D: FromProto<M> + IntoProto<M>,
        B: Unbox<M> + Rebox<M>,
    {
        #[inline]
        fn from_proto(proto: Option<B>, path: &Path<'_>) -> Result<D, Violation> {
            message::<D, M>(proto, path)
        }
        #[inline]
        fn into_proto(value: D) -> Option<B> {
            into_message(value)
        }
    }

    /// A message value prost may have boxed (a `oneof` member, an optional's value, a wrapper
    /// message in a list or map): `M` names the message, so the box is taken off or put on
    /// whatever prost's boxing rule decided.
    pub struct Message<M>(PhantomData<M>);

    impl<D, M, B> Kind<D, B> for Message<M>
    where
        D: FromProto<M> + IntoProto<M>,
        B: Unbox<M> + Rebox<M>,
    {
        #[inline]
        fn from_proto(proto: B, path: &Path<'_>) -> Result<D, Violation> {
            D::from_proto(proto.unbox(), path)
        }
        #[inline]
        fn into_proto(value: D) -> B {
            B::rebox(value.into_proto())
        }
    }

    /// An `any` field: absent is nil ([`any`](super::any)).
    pub struct Any;

    impl Kind<crate::Value, Option<crate::grpc::value::RosettaValue>> for Any {
        #[inline]
        fn from_proto(
            proto: Option<crate::grpc::value::RosettaValue>,
            path: &Path<'_>,
        ) -> Result<crate::Value, Violation> {
            any(proto, path)
        }
        #[inline]
        fn into_proto(value: crate::Value) -> Option<crate::grpc::value::RosettaValue> {
            into_message(value)
        }
    }

    /// A field the domain boxes (a recursive one): kind `K` of the value inside.
    pub struct Boxed<K>(PhantomData<K>);

    impl<K: Kind<D, P>, D, P> Kind<Box<D>, P> for Boxed<K> {
        #[inline]
        fn from_proto(proto: P, path: &Path<'_>) -> Result<Box<D>, Violation> {
            match K::from_proto(proto, path) {
                Ok(v) => Ok(Box::new(v)),
                Err(e) => Err(e),
            }
        }
        #[inline]
        fn into_proto(value: Box<D>) -> P {
            K::into_proto(*value)
        }
    }

    /// An optional whose value has kind `K`, reported under the field's own path.
    pub struct Opt<K>(PhantomData<K>);

    impl<K: Kind<D, P>, D, P> Kind<Option<D>, Option<P>> for Opt<K> {
        #[inline]
        fn from_proto(proto: Option<P>, path: &Path<'_>) -> Result<Option<D>, Violation> {
            match proto {
                Some(p) => match K::from_proto(p, path) {
                    Ok(v) => Ok(Some(v)),
                    Err(e) => Err(e),
                },
                None => Ok(None),
            }
        }
        #[inline]
        fn into_proto(value: Option<D>) -> Option<P> {
            match value {
                Some(v) => Some(K::into_proto(v)),
                None => None,
            }
        }
    }

    /// A list whose elements have kind `K`; a failing element is reported under its index.
    pub struct List<K>(PhantomData<K>);

    impl<K: Kind<D, P>, D, P> Kind<Vec<D>, Vec<P>> for List<K> {
        fn from_proto(proto: Vec<P>, path: &Path<'_>) -> Result<Vec<D>, Violation> {
            let mut out = Vec::with_capacity(proto.len());
            for (i, x) in proto.into_iter().enumerate() {
                out.push(K::from_proto(x, &path.index(i))?);
            }
            Ok(out)
        }
        #[inline]
        fn into_proto(value: Vec<D>) -> Vec<P> {
            let mut out = Vec::with_capacity(value.len());
            for x in value {
                out.push(K::into_proto(x));
            }
            out
        }
    }

    /// A map whose values have kind `K`; a failing value is reported under its key.
    pub struct Map<K>(PhantomData<K>);

    impl<K: Kind<D, P>, D, P> Kind<BTreeMap<String, D>, HashMap<String, P>> for Map<K> {
        fn from_proto(
            proto: HashMap<String, P>,
            path: &Path<'_>,
        ) -> Result<BTreeMap<String, D>, Violation> {
            let mut out = BTreeMap::new();
            for (k, x) in proto {
                let v = K::from_proto(x, &path.key(&k))?;
                out.insert(k, v);
            }
            Ok(out)
        }
        #[inline]
        fn into_proto(value: BTreeMap<String, D>) -> HashMap<String, P> {
            let mut out = HashMap::with_capacity(value.len());
            for (k, v) in value {
                out.insert(k, K::into_proto(v));
            }
            out
        }
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
    fn containers_convert_whole_and_name_the_failing_element() {
        let t = Timestamp::from_unix(1_700_000_000, 5).unwrap();
        let bad = prost_types::Timestamp {
            seconds: i64::MAX,
            nanos: 0,
        };
        let list: Vec<Timestamp> = vec![t, t];
        let proto: Vec<prost_types::Timestamp> = list.clone().into_proto();
        assert_eq!(
            Vec::<Timestamp>::from_proto(proto, &Path::Root).unwrap(),
            list
        );
        let root = Path::Root;
        let err =
            Vec::<Timestamp>::from_proto(vec![timestamp_into_proto(t), bad], &root.field("at"))
                .unwrap_err();
        assert_eq!(err.field, "at[1]");

        let map: BTreeMap<String, Timestamp> = [("a".to_string(), t)].into();
        let proto: HashMap<String, prost_types::Timestamp> = map.clone().into_proto();
        assert_eq!(
            BTreeMap::<String, Timestamp>::from_proto(proto, &Path::Root).unwrap(),
            map
        );
        let err = BTreeMap::<String, Timestamp>::from_proto(
            [("k".to_string(), bad)].into(),
            &root.field("m"),
        )
        .unwrap_err();
        assert!(err.field.starts_with("m"), "{}", err.field);
        assert!(err.field.contains('k'), "{}", err.field);

        let some: Option<Box<Timestamp>> = Some(Box::new(t));
        let proto: Option<Box<prost_types::Timestamp>> = some.clone().into_proto();
        assert_eq!(
            Option::<Box<Timestamp>>::from_proto(proto, &Path::Root).unwrap(),
            some
        );
        assert_eq!(
            Option::<Timestamp>::from_proto(None, &Path::Root).unwrap(),
            None
        );

        let required: Result<Timestamp, _> = message::<Timestamp, prost_types::Timestamp>(
            None::<prost_types::Timestamp>,
            &root.field("at"),
        );
        assert_eq!(required.unwrap_err().field, "at");
        let boxed: Option<Box<prost_types::Timestamp>> = into_message(t);
        assert_eq!(
            message::<Timestamp, prost_types::Timestamp>(boxed, &Path::Root).unwrap(),
            t
        );
    }

    /// The field kinds the generated impls name: each converts its whole shape and reports a
    /// failure under the field, index or key that holds it.
    #[test]
    fn field_kinds_convert_and_name_the_failing_part() {
        use kinds::*;
        let t = Timestamp::from_unix(1_700_000_000, 5).unwrap();
        let pt = timestamp_into_proto(t);
        let bad = prost_types::Timestamp {
            seconds: i64::MAX,
            nanos: 0,
        };
        let root = Path::Root;
        let at = root.field("at");

        assert_eq!(<Move as Kind<u32, u32>>::from_proto(7, &at).unwrap(), 7);
        let map: BTreeMap<String, i32> = [("a".to_string(), 1)].into();
        let proto: HashMap<String, i32> = <Collect as Kind<_, _>>::into_proto(map.clone());
        let back: BTreeMap<String, i32> = <Collect as Kind<_, _>>::from_proto(proto, &at).unwrap();
        assert_eq!(back, map);

        // A required message: absent is a violation at the field; boxed or not by prost.
        let missing: Result<Timestamp, _> =
            <Required<_> as Kind<_, Option<prost_types::Timestamp>>>::from_proto(None, &at);
        assert_eq!(missing.unwrap_err().field, "at");
        let boxed: Option<Box<prost_types::Timestamp>> =
            <Required<prost_types::Timestamp> as Kind<Timestamp, _>>::into_proto(t);
        let back: Timestamp =
            <Required<prost_types::Timestamp> as Kind<_, _>>::from_proto(boxed, &at).unwrap();
        assert_eq!(back, t);

        // A value prost boxed, in a domain box.
        let b: Box<Timestamp> =
            <Boxed<Message<prost_types::Timestamp>> as Kind<_, _>>::from_proto(Box::new(pt), &at)
                .unwrap();
        assert_eq!(*b, t);
        let p: Box<prost_types::Timestamp> =
            <Boxed<Message<prost_types::Timestamp>> as Kind<_, _>>::into_proto(b);
        assert_eq!(*p, pt);

        // Containers name the element that fails.
        let err =
            <List<Convert> as Kind<Vec<Timestamp>, _>>::from_proto(vec![pt, bad], &at).unwrap_err();
        assert_eq!(err.field, "at[1]");
        let err = <Map<Convert> as Kind<BTreeMap<String, Timestamp>, _>>::from_proto(
            [("k".to_string(), bad)].into(),
            &at,
        )
        .unwrap_err();
        assert!(
            err.field.starts_with("at") && err.field.contains('k'),
            "{}",
            err.field
        );
        let err =
            <Opt<Convert> as Kind<Option<Timestamp>, _>>::from_proto(Some(bad), &at).unwrap_err();
        assert_eq!(err.field, "at");
        assert_eq!(
            <Opt<Convert> as Kind<Option<Timestamp>, _>>::from_proto(None, &at).unwrap(),
            None
        );

        // `any`: absent is nil.
        let nil = <Any as Kind<_, _>>::from_proto(None, &at).unwrap();
        assert_eq!(nil, crate::Value::Nil);
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
