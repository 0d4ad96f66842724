//! Authentication on the shop server (issue 16): one `Authorization` header only, and the
//! explicit rule for what skips it (`Server::public`), over XML-RPC and REST.

use rosetta::rest::reqwest;
use rosetta::server::Public;
use rosetta::xmlrpc::{self, Fault, Limits, Value};
use rosetta_tests::RunningServer;

async fn xmlrpc_call(
    s: &RunningServer,
    method: &str,
    params: &[Value],
    auth: &[&str],
) -> Result<Value, Fault> {
    let mut req = reqwest::Client::new()
        .post(format!("{}/RPC2", s.url()))
        .header("content-type", "text/xml")
        .body(xmlrpc::encode_method_call(method, params));
    for a in auth {
        req = req.header("authorization", *a);
    }
    let body = req.send().await.unwrap().bytes().await.unwrap();
    xmlrpc::decode_method_response(&body, &Limits::default()).unwrap()
}

async fn openapi_status(s: &RunningServer, auth: Option<&str>) -> u16 {
    let mut req = reqwest::Client::new().get(format!("{}/openapi.json", s.url()));
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    req.send().await.unwrap().status().as_u16()
}

fn unauthenticated(r: Result<Value, Fault>) -> bool {
    matches!(r, Err(f) if f.code == 16)
}

#[tokio::test]
async fn by_default_only_health_skips_the_token() {
    let s = RunningServer::start(
        rosetta_examples::shop_server().authenticate(rosetta_examples::bearer_auth("secret")),
    );
    assert!(unauthenticated(
        xmlrpc_call(&s, "system.listMethods", &[], &[]).await
    ));
    assert!(unauthenticated(
        xmlrpc_call(&s, "orders.ping", &[], &[]).await
    ));
    assert_eq!(openapi_status(&s, None).await, 401);
    assert_eq!(openapi_status(&s, Some("Bearer secret")).await, 200);
    assert_eq!(
        xmlrpc_call(&s, "orders.ping", &[], &["Bearer secret"]).await,
        Ok(Value::Nil)
    );
    // Two headers are refused whichever comes first.
    for pair in [
        ["Bearer wrong", "Bearer secret"],
        ["Bearer secret", "Bearer wrong"],
    ] {
        assert!(unauthenticated(
            xmlrpc_call(&s, "orders.ping", &[], &pair).await
        ));
    }
}

#[tokio::test]
async fn discovery_can_be_made_public_and_calls_stay_guarded() {
    let s = RunningServer::start(
        rosetta_examples::shop_server()
            .authenticate(rosetta_examples::bearer_auth("secret"))
            .public(Public::DISCOVERY),
    );
    let methods = xmlrpc_call(&s, "system.listMethods", &[], &[])
        .await
        .unwrap();
    let Value::Array(methods) = methods else {
        panic!("{methods:?}")
    };
    assert!(methods.contains(&Value::String("orders.ping".into())));
    assert!(
        xmlrpc_call(
            &s,
            "system.methodHelp",
            &[Value::String("orders.ping".into())],
            &[]
        )
        .await
        .is_ok()
    );
    assert_eq!(openapi_status(&s, None).await, 200);
    // Everything else still needs the token, multicall included.
    assert!(unauthenticated(
        xmlrpc_call(&s, "orders.ping", &[], &[]).await
    ));
    assert!(unauthenticated(
        xmlrpc_call(&s, "orders.ping", &[], &["Bearer wrong"]).await
    ));
    assert!(unauthenticated(
        xmlrpc_call(&s, "system.multicall", &[Value::Array(vec![])], &[]).await
    ));
    // Two headers are refused even for introspection.
    assert!(unauthenticated(
        xmlrpc_call(
            &s,
            "system.listMethods",
            &[],
            &["Bearer secret", "Bearer secret"]
        )
        .await
    ));
}
