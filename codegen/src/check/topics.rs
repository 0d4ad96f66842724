//! Topic checks: properties present once, names unique, keys that are strings, encodings that fit.

use rustc_hash::FxHashMap as HashMap;

use super::{Ctx, Ty, emit};
use crate::conventions::{DEAD_LETTER_SUFFIX, MAX_KEY_UNION_DEPTH, dead_letter_topic};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::ir::Encoding;
use crate::program::{DefId, ParsedFile};
use crate::source::Span;
use crate::syntax::ast::{Ident, ItemKind, TopicDecl, TopicPropKind, TypeRef};

fn topics<'a>(ctx: &Ctx<'a>) -> impl Iterator<Item = (&'a ParsedFile, &'a TopicDecl)> {
    ctx.items().filter_map(|(f, it)| match &it.kind {
        ItemKind::Topic(t) => Some((f, t)),
        _ => None,
    })
}

fn value_of(t: &TopicDecl) -> Option<&TypeRef> {
    t.props.iter().find_map(|p| match &p.kind {
        TopicPropKind::Value(v) => Some(v),
        _ => None,
    })
}

/// E0124: a topic has exactly one `value:`, and at most one `key:` and `encoding:`.
pub(super) fn check_topic_properties(ctx: &Ctx, out: &mut Diagnostics) {
    for (_, t) in topics(ctx) {
        let mut seen: HashMap<&str, Span> = HashMap::default();
        for p in &t.props {
            let what = match p.kind {
                TopicPropKind::KeyType(_) | TopicPropKind::KeyField(_) => "key",
                TopicPropKind::Value(_) => "value",
                TopicPropKind::Encoding(_) => "encoding",
            };
            if let Some(first) = seen.get(what) {
                emit(
                    out,
                    Diagnostic::error("E0124", format!("`{what}:` is given twice"), p.span)
                        .with_label("repeated")
                        .with_secondary(*first, "first given here"),
                );
            } else {
                seen.insert(what, p.span);
            }
        }
        if !seen.contains_key("value") {
            emit(
                out,
                Diagnostic::error(
                    "E0124",
                    format!("topic \"{}\" has no `value:`", t.name.name),
                    t.name.span,
                )
                .with_label("what do its records hold?")
                .with_help("add `value: Type;`"),
            );
        }
    }
}

/// E0121: a topic name is declared once in a compilation.
pub(super) fn check_duplicate_topics(ctx: &Ctx, out: &mut Diagnostics) {
    let mut seen: HashMap<&str, &Ident> = HashMap::default();
    for (_, t) in topics(ctx) {
        if let Some(first) = seen.get(t.name.name.as_str()) {
            emit(
                out,
                Diagnostic::error(
                    "E0121",
                    format!("topic \"{}\" is declared twice", t.name.name),
                    t.name.span,
                )
                .with_label("declared again")
                .with_secondary(first.span, "first declared here"),
            );
        } else {
            seen.insert(&t.name.name, &t.name);
        }
        let valid = !t.name.name.is_empty()
            && dead_letter_topic(&t.name.name).len() <= MAX_TOPIC_NAME
            && t.name
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
        if !valid {
            emit(
                out,
                Diagnostic::error(
                    "E0121",
                    format!("\"{}\" is not a valid Kafka topic name", t.name.name),
                    t.name.span,
                )
                .with_label("invalid topic name")
                .with_help(format!(
                    "use 1 to {} characters from letters, digits, `.`, `_` and `-` (Kafka allows \
                     {MAX_TOPIC_NAME}, and the dead-letter topic `<name>{DEAD_LETTER_SUFFIX}` \
                     must fit too)",
                    MAX_TOPIC_NAME - DEAD_LETTER_SUFFIX.len()
                )),
            );
        }
    }
    // A declared topic must not be where another one's consumers send their dead letters:
    // both would read and write the same records.
    for (_, t) in topics(ctx) {
        let Some(base) = t.name.name.strip_suffix(DEAD_LETTER_SUFFIX) else {
            continue;
        };
        if let Some(owner) = seen.get(base) {
            emit(
                out,
                Diagnostic::error(
                    "E0121",
                    format!(
                        "topic \"{}\" is the dead-letter topic of \"{base}\"",
                        t.name.name
                    ),
                    t.name.span,
                )
                .with_label("declared as a topic of its own")
                .with_secondary(owner.span, "whose consumers send dead letters there")
                .with_help(format!(
                    "rename one of them; Rosetta's consumers send what they cannot handle to \
                     `<topic>{DEAD_LETTER_SUFFIX}`"
                )),
            );
        }
    }
}

/// Kafka's longest topic name.
const MAX_TOPIC_NAME: usize = 249;

/// E0111: a key is a `string`, either given on send (`key: string;`) or read from a string field
/// of the value (`key: value.id;`, present in every variant of a union value).
pub(super) fn check_topic_keys(ctx: &Ctx, out: &mut Diagnostics) {
    for (f, t) in topics(ctx) {
        for p in &t.props {
            match &p.kind {
                TopicPropKind::KeyType(kt) => {
                    let ty = ctx.ty(f.id, kt);
                    if ty != Ty::Builtin("string") && ty != Ty::Error {
                        emit(
                            out,
                            Diagnostic::error(
                                "E0111",
                                format!("topic keys are strings, found `{}`", ctx.describe(&ty)),
                                kt.span(),
                            )
                            .with_label("not a string")
                            .with_help("write `key: string;`, or `key: value.<field>;` to key by a string field of the value"),
                        );
                    }
                }
                TopicPropKind::KeyField(field) => {
                    let Some(vt) = value_of(t) else { continue };
                    if let Err(why) =
                        key_field_ok(ctx, &ctx.ty(f.id, vt), &field.name, &mut Vec::new())
                    {
                        emit(
                            out,
                            Diagnostic::error(
                                "E0111",
                                format!("`value.{}` is not a string field of the value: {why}", field.name),
                                field.span,
                            )
                            .with_label("not a string field")
                            .with_help("key by a `string` field, or write `key: string;` and pass the key on send"),
                        );
                    }
                }
                _ => {}
            }
        }
    }
}

/// Whether `field` is a string field of the value type (of each variant, for a union).
///
/// The generated key reader matches through the unions inline, so the unions on the way may not
/// contain themselves (the reader would never end; this check once overflowed its own stack on
/// them) and may nest at most [`MAX_KEY_UNION_DEPTH`] deep. `unions` holds the unions being
/// looked through.
fn key_field_ok(ctx: &Ctx, value: &Ty, field: &str, unions: &mut Vec<DefId>) -> Result<(), String> {
    let Ty::Def(d) = value else {
        return match value {
            Ty::Error => Ok(()),
            other => Err(format!("`{}` has no fields", ctx.describe(other))),
        };
    };
    let item = ctx.program.item(*d);
    match &item.kind {
        ItemKind::Struct(s) => match s.fields().find(|x| x.name.name == field) {
            None => Err(format!("`{}` has no field `{field}`", s.name.name)),
            Some(x) => match ctx.ty(d.file, &x.ty) {
                Ty::Builtin("string") | Ty::Error => Ok(()),
                other => Err(format!("it is `{}`", ctx.describe(&other))),
            },
        },
        ItemKind::Union(u) => {
            if unions.contains(d) {
                return Err(format!(
                    "union `{}` contains itself, so its key cannot be read",
                    u.name.name
                ));
            }
            if unions.len() >= MAX_KEY_UNION_DEPTH {
                return Err(format!(
                    "the key is read through more than {MAX_KEY_UNION_DEPTH} nested unions"
                ));
            }
            unions.push(*d);
            for v in u.fields() {
                key_field_ok(ctx, &ctx.ty(d.file, &v.ty), field, unions)
                    .map_err(|why| format!("variant `{}`: {why}", v.name.name))?;
            }
            unions.pop();
            Ok(())
        }
        _ => Err(format!("`{}` has no fields", item.name().name)),
    }
}

/// E0122: the encoding is known and fits the value: `string` needs a string value, `bytes` a bytes
/// value, `protobuf` a struct or union (a message).
pub(super) fn check_topic_encodings(ctx: &Ctx, out: &mut Diagnostics) {
    for (f, t) in topics(ctx) {
        for p in &t.props {
            let TopicPropKind::Encoding(e) = &p.kind else {
                continue;
            };
            let Some(enc) = Encoding::parse(&e.name) else {
                emit(
                    out,
                    Diagnostic::error("E0122", format!("unknown encoding `{}`", e.name), e.span)
                        .with_label("unknown encoding")
                        .with_help("encodings are json, protobuf, string and bytes"),
                );
                continue;
            };
            let Some(vt) = value_of(t) else { continue };
            let ty = ctx.ty(f.id, vt);
            let fits = match (&ty, enc) {
                (Ty::Error, _) | (_, Encoding::Json) => true,
                (Ty::Builtin(b), Encoding::String) => *b == "string",
                (Ty::Builtin(b), Encoding::Bytes) => *b == "bytes",
                (Ty::Def(d), Encoding::Protobuf) => {
                    matches!(
                        ctx.program.item(*d).kind,
                        ItemKind::Struct(_) | ItemKind::Union(_)
                    )
                }
                _ => false,
            };
            if !fits {
                let needs = match enc {
                    Encoding::String => "a `string` value",
                    Encoding::Bytes => "a `bytes` value",
                    _ => "a struct or union value",
                };
                emit(
                    out,
                    Diagnostic::error(
                        "E0122",
                        format!("encoding `{}` cannot carry `{}`", e.name, ctx.describe(&ty)),
                        e.span,
                    )
                    .with_label(format!("needs {needs}"))
                    .with_secondary(vt.span(), "the value type")
                    .with_help(if enc == Encoding::Protobuf {
                        // A field of a struct can be any type (`any`, nested containers: the
                        // .proto lowers them), so wrapping always works.
                        "a protobuf record is one message: wrap the value in a struct (any type, \
                         `any` and nested containers included, can be a field), or use \
                         `encoding: json;`, which carries any type"
                    } else {
                        "use `encoding: json;`, which carries any type"
                    }),
                );
            }
        }
    }
}

/// The largest record value a generated producer sends: the runtime's
/// `rosetta::kafka::PRODUCER_MESSAGE_MAX_BYTES` (16 MiB; `tests/tests/kafka_publish.rs` checks
/// the two agree).
pub const PRODUCER_MESSAGE_MAX_BYTES: u64 = 16 * 1024 * 1024;

/// E0139: a topic's value type does not force every value above the producer's message limit.
///
/// A lower bound of a value's encoded size is the sum of what `@length` minimums force (a string
/// of n characters is at least n bytes, `bytes` n bytes, a list n items) over the fields every
/// value has; any encoding (JSON, protobuf, string, bytes) needs at least that many bytes. When
/// even that is above the limit, no value of the topic can ever be published: every call that
/// publishes one would fail at run time.
pub(super) fn check_topic_value_sizes(ctx: &Ctx, out: &mut Diagnostics) {
    let mut sizes = MinSizes {
        defs: vec![Size::Unknown; ctx.program.item_count()],
    };
    for (f, t) in topics(ctx) {
        let Some(vt) = value_of(t) else { continue };
        let min = sizes.of(ctx, &ctx.ty(f.id, vt), 0);
        if min > PRODUCER_MESSAGE_MAX_BYTES {
            emit(
                out,
                Diagnostic::error(
                    "E0139",
                    format!(
                        "no value of topic \"{}\" can be published: each is at least {min} bytes",
                        t.name.name
                    ),
                    vt.span(),
                )
                .with_label(format!(
                    "its `@length` minimums make every value at least {min} bytes"
                ))
                .with_help(format!(
                    "a producer sends records of at most {PRODUCER_MESSAGE_MAX_BYTES} bytes \
                     (16 MiB); lower the `@length` minimums, or publish a reference to the \
                     content instead of the content"
                )),
            );
        }
    }
}

/// Lower bounds of encoded sizes, per definition, computed once each.
struct MinSizes {
    /// By [`crate::program::Program::item_index`]: a dense table, not a map hashed at every
    /// type reference.
    defs: Vec<Size>,
}

/// What [`MinSizes`] knows of one definition.
#[derive(Clone, Copy)]
enum Size {
    Unknown,
    /// Being computed: a recursive reference counts 0, which keeps the bound a lower bound.
    Computing,
    Known(u64),
}

impl MinSizes {
    /// At least how many bytes a value of `ty` needs, `length_min` being the `@length` minimum
    /// on the field or list that holds it.
    fn of(&mut self, ctx: &Ctx, ty: &Ty, length_min: u64) -> u64 {
        match ty {
            Ty::Builtin("string" | "bytes") => length_min,
            Ty::List(item) => length_min
                .saturating_mul(self.of(ctx, item, 0))
                .max(length_min),
            Ty::Map(key, value) => {
                let entry = self.of(ctx, key, 0).saturating_add(self.of(ctx, value, 0));
                length_min.saturating_mul(entry).max(length_min)
            }
            Ty::Def(d) => self.def(ctx, *d),
            Ty::Builtin(_) | Ty::Optional(_) | Ty::Error => 0,
        }
    }

    fn def(&mut self, ctx: &Ctx, d: crate::program::DefId) -> u64 {
        let slot = ctx.program.item_index(d);
        match self.defs[slot] {
            Size::Known(known) => return known,
            Size::Computing => return 0,
            Size::Unknown => {}
        }
        self.defs[slot] = Size::Computing;
        let item = ctx.program.item(d);
        let field_min = |this: &mut Self, field: &crate::syntax::ast::Field| {
            let length_min = field
                .annotations
                .iter()
                .find(|a| a.name.name == "length")
                .and_then(|a| match a.args.first() {
                    Some(crate::syntax::ast::AnnotationArg::Int(i)) => i.value,
                    _ => None,
                })
                .and_then(|v| u64::try_from(v).ok())
                .unwrap_or(0);
            this.of(ctx, &ctx.ty(d.file, &field.ty), length_min)
        };
        let min = match &item.kind {
            ItemKind::Struct(s) => s.fields().fold(0u64, |sum, field| {
                sum.saturating_add(field_min(self, field))
            }),
            ItemKind::Union(u) => u.fields().map(|v| field_min(self, v)).min().unwrap_or(0),
            _ => 0,
        };
        self.defs[slot] = Size::Known(min);
        min
    }
}
