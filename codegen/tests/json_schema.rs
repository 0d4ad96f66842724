//! One JSON Schema mapping: every declared type of every example has the same component schema
//! in the OpenAPI document and in the AsyncAPI document (both describe the same JSON codec).
//!
//! Each example's IR gets, for every declared type, a topic whose value is that type and an rpc
//! returning it, so both documents hold every type; then the two `components.schemas` entries of
//! each type are compared, member for member.

mod support;

use rosetta_codegen::emit::{asyncapi, openapi};
use rosetta_codegen::ir::{
    Encoding, HttpMethod, HttpRoute, Input, Ir, Output, Rpc, Service, Topic, TopicKey, Type,
};
use serde_json::Value;

/// Adds a topic and an rpc for every declared type, so both documents describe all of them.
fn expose_every_type(ir: &mut Ir) {
    let mut rpcs = Vec::new();
    for (id, t) in ir.types.iter().enumerate() {
        let ty = Type::Named {
            id,
            name: t.full_name(),
        };
        let name = format!("every-type.{id}");
        ir.topics.push(Topic {
            dead_letter: rosetta_codegen::conventions::dead_letter_topic(&name),
            name,
            package: None,
            file: 0,
            docs: Vec::new(),
            key: TopicKey::Explicit(Type::String),
            value: ty.clone(),
            encoding: Encoding::Json,
        });
        rpcs.push(Rpc {
            name: format!("Get{id}"),
            docs: Vec::new(),
            deprecated: false,
            input: Input::Unit,
            output: Output::Value(ty),
            client_streaming: false,
            server_streaming: false,
            throws: Vec::new(),
            http: HttpRoute {
                method: HttpMethod::Get,
                path: format!("/every-type/{id}"),
                path_params: Vec::new(),
                explicit: true,
            },
            xmlrpc_name: format!("everyType.get{id}"),
        });
    }
    ir.services.push(Service {
        name: "EveryType".to_string(),
        package: None,
        file: 0,
        docs: Vec::new(),
        rpcs,
    });
}

fn schemas(contents: &str) -> serde_json::Map<String, Value> {
    let doc: Value = serde_json::from_str(contents).expect("JSON");
    doc["components"]["schemas"]
        .as_object()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn every_example_type_has_one_schema_in_openapi_and_asyncapi() {
    let mut compared = 0;
    for path in support::examples() {
        let mut ir = support::ir_of(&path);
        expose_every_type(&mut ir);
        let open = schemas(&openapi::generate(&ir).expect("openapi")[0].contents);
        let asy = schemas(&asyncapi::generate(&ir).expect("asyncapi")[0].contents);
        for t in &ir.types {
            let name = t.full_name();
            let (Some(a), Some(b)) = (open.get(&name), asy.get(&name)) else {
                panic!("{}: {name} missing from a document", path.display());
            };
            assert_eq!(a, b, "{}: {name}", path.display());
            compared += 1;
        }
        // Nothing else is a component of the AsyncAPI document, and the OpenAPI one adds only
        // the problem schemas.
        assert_eq!(asy.len(), ir.types.len(), "{}", path.display());
        assert_eq!(open.len(), ir.types.len() + 2, "{}", path.display());
    }
    // Every example together declares dozens of types; an empty loop would prove nothing.
    assert!(compared > 30, "compared {compared} types");
}
