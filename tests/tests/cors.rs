//! CORS on the one-port server: preflights are answered before authentication, an origin not on
//! the list gets no CORS headers, and every protocol's answer (REST, XML-RPC, gRPC-Web, Connect,
//! refusals included) carries the allow-origin and exposed headers a browser needs to read it.

use rosetta::rest::reqwest;
use rosetta::web::cors::Cors;
use rosetta_tests::RunningServer;

const ALLOWED: &str = "http://allowed.test:5173";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

async fn preflight(url: &str, origin: &str, headers: &str) -> reqwest::Response {
    reqwest::Client::new()
        .request(reqwest::Method::OPTIONS, url)
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", headers)
        .send()
        .await
        .unwrap()
}

fn header(resp: &reqwest::Response, name: &str) -> String {
    resp.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_ascii_lowercase())
        .unwrap_or_default()
}

#[test]
fn preflights_skip_authentication_and_only_listed_origins_are_allowed() {
    let server = rosetta_examples::shop_server()
        .authenticate(rosetta::server::bearer_token("secret"))
        .cors(Cors::origins([ALLOWED]).unwrap());
    let s = RunningServer::start(server);
    let url = s.url();
    runtime().block_on(async {
        for path in ["/products", "/RPC2", "/shop.v1.Catalog/GetProduct"] {
            let r = preflight(
                &format!("{url}{path}"),
                ALLOWED,
                "authorization,content-type,connect-protocol-version,x-grpc-web",
            )
            .await;
            assert!(r.status().is_success(), "{path}: {}", r.status());
            assert_eq!(header(&r, "access-control-allow-origin"), ALLOWED);
            let allowed = header(&r, "access-control-allow-headers");
            for h in ["authorization", "connect-protocol-version", "x-grpc-web"] {
                assert!(allowed.contains(h), "{path}: {allowed}");
            }
            assert!(header(&r, "access-control-allow-methods").contains("post"));
            // Another origin: answered, but without permission.
            let r = preflight(&format!("{url}{path}"), "http://evil.test", "content-type").await;
            assert_eq!(header(&r, "access-control-allow-origin"), "");
        }
        // A refusal (no token) is readable by the page, so it can show the error.
        let refused = reqwest::Client::new()
            .get(format!("{url}/products"))
            .header("origin", ALLOWED)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 401);
        assert_eq!(header(&refused, "access-control-allow-origin"), ALLOWED);
        let exposed = header(&refused, "access-control-expose-headers");
        for h in [
            "grpc-status",
            "grpc-message",
            "grpc-status-details-bin",
            "www-authenticate",
        ] {
            assert!(exposed.contains(h), "{exposed}");
        }
    });
}

#[test]
fn every_protocol_answer_carries_the_cors_headers() {
    // The seed allows any origin.
    let s = RunningServer::start(rosetta_examples::seed_server());
    let url = s.url();
    let origin = "http://page.test";
    runtime().block_on(async {
        let client = reqwest::Client::new();
        let answers = [
            ("rest", client.get(format!("{url}/data"))),
            (
                "xmlrpc",
                client
                    .post(format!("{url}/RPC2"))
                    .header("content-type", "text/xml")
                    .body(
                        "<methodCall><methodName>add</methodName><params><param><value><int>2\
                         </int></value></param><param><value><int>3</int></value></param>\
                         </params></methodCall>",
                    ),
            ),
            (
                "grpc-web",
                client
                    .post(format!("{url}/Greeter/SayHello"))
                    .header("content-type", "application/grpc-web+proto")
                    .body(vec![0u8, 0, 0, 0, 0]),
            ),
        ];
        for (name, req) in answers {
            let r = req.header("origin", origin).send().await.unwrap();
            assert_eq!(r.status(), 200, "{name}");
            assert_eq!(header(&r, "access-control-allow-origin"), "*", "{name}");
            assert!(
                header(&r, "access-control-expose-headers").contains("grpc-status"),
                "{name}"
            );
        }
    });
}
