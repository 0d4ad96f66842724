//! The benchmark's server: the seed's `GET /data`, `POST /Greeter/SayHello` and the shop's
//! `GET /products/{id}` as generated routes, and the same three handlers written by hand in axum
//! under `/hand/...`, calling the same service implementation, on one `rosetta::server::Server`
//! (so both go through the same listener, HTTP stack and layers; only the per-route glue differs).
//!
//! `server [ADDR]` (default `127.0.0.1:0`) prints the port it listens on, then serves until
//! SIGTERM or Ctrl-C, on one worker thread (the load generator has the other core).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rosetta::{Context, Protocol, Status, Validate};

/// `seed.idl`.
#[allow(dead_code)]
mod seed {
    rosetta::include_idl!("_");
}

/// `shop.idl` and `common.idl`.
#[allow(dead_code)]
mod shop {
    pub mod common {
        rosetta::include_idl!("shop.common");
    }
    pub mod v1 {
        rosetta::include_idl!("shop.v1");
    }
}

use seed::{Data, DataService, Greeter, HelloRequest, HelloResponse};
use shop::common::{Money, NotFound, PageRequest};
use shop::v1::{
    Catalog, Category, NewProduct, Product, ProductPage, Status as ProductStatus, catalog,
};

/// The benchmark's state: two products, read only.
struct Bench {
    products: BTreeMap<String, Product>,
}

impl Bench {
    fn new() -> Self {
        let mut products = BTreeMap::new();
        for (id, name, cents, stock) in [("p1", "Teapot", 2_500, 10), ("p2", "Kettle", 4_999, 3)] {
            products.insert(
                id.to_string(),
                Product {
                    id: id.to_string(),
                    name: name.to_string(),
                    price: Money {
                        amount_minor: cents,
                        currency: "EUR".to_string(),
                    },
                    tags: vec!["kitchen".to_string()],
                    stock,
                    ..Product::default()
                },
            );
        }
        Bench { products }
    }
}

impl DataService for Bench {
    async fn get_data(&self, _: Context) -> Result<Data, Status> {
        Ok(Data {
            message: "Hello from Rosetta".to_string(),
            protocols: ["XML-RPC", "REST", "gRPC", "Kafka"]
                .map(String::from)
                .to_vec(),
        })
    }
}

impl Greeter for Bench {
    async fn say_hello(&self, _: Context, r: HelloRequest) -> Result<HelloResponse, Status> {
        Ok(HelloResponse {
            message: format!("Hello, {}!", r.name),
        })
    }
}

impl Catalog for Bench {
    async fn get_product(
        &self,
        _: Context,
        id: String,
    ) -> Result<Product, catalog::GetProductError> {
        self.products.get(&id).cloned().ok_or_else(|| {
            NotFound {
                resource: "product".into(),
                id,
            }
            .into()
        })
    }
    async fn create_product(
        &self,
        _: Context,
        _: NewProduct,
    ) -> Result<Product, catalog::CreateProductError> {
        Err(Status::unimplemented("read-only benchmark").into())
    }
    async fn delete_product(
        &self,
        _: Context,
        _: String,
    ) -> Result<(), catalog::DeleteProductError> {
        Err(Status::unimplemented("read-only benchmark").into())
    }
    async fn search(
        &self,
        _: Context,
        _: String,
        _: Option<u32>,
        _: Option<ProductStatus>,
    ) -> Result<Vec<Product>, Status> {
        Err(Status::unimplemented("read-only benchmark"))
    }
    async fn list_products(&self, _: Context, _: PageRequest) -> Result<ProductPage, Status> {
        Err(Status::unimplemented("read-only benchmark"))
    }
    async fn categories(&self, _: Context) -> Result<Vec<Category>, Status> {
        Err(Status::unimplemented("read-only benchmark"))
    }

    async fn watch_products(
        &self,
        _: Context,
    ) -> Result<rosetta::Streaming<shop::v1::ProductChange>, Status> {
        Err(Status::unimplemented("the benchmark publishes no events"))
    }
}

/// What a careful hand-written axum handler does on failure: a problem+json body.
fn problem(status: StatusCode, detail: String) -> Response {
    let body = serde_json::json!({
        "type": "about:blank", "title": status.canonical_reason(), "status": status.as_u16(),
        "detail": detail,
    });
    (
        status,
        [("content-type", "application/problem+json")],
        body.to_string(),
    )
        .into_response()
}

/// The context a REST handler hands the service (the generated glue builds the same one).
fn context(method: &str, headers: HeaderMap) -> Context {
    Context::new(Protocol::Rest, method).with_headers(headers)
}

async fn hand_data(State(b): State<Arc<Bench>>, headers: HeaderMap) -> Response {
    match b.get_data(context("DataService.GetData", headers)).await {
        Ok(d) => Json(d).into_response(),
        Err(e) => problem(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

async fn hand_say_hello(
    State(b): State<Arc<Bench>>,
    headers: HeaderMap,
    Json(req): Json<HelloRequest>,
) -> Response {
    if let Err(v) = req.validate() {
        return problem(StatusCode::BAD_REQUEST, format!("{v:?}"));
    }
    match b.say_hello(context("Greeter.SayHello", headers), req).await {
        Ok(r) => Json(r).into_response(),
        Err(e) => problem(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

async fn hand_get_product(
    State(b): State<Arc<Bench>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    match b
        .get_product(context("Catalog.GetProduct", headers), id)
        .await
    {
        Ok(p) => Json(p).into_response(),
        Err(e) => problem(StatusCode::NOT_FOUND, e.to_string()),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:0".to_string());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let bench = Arc::new(Bench::new());
        let hand = axum::Router::new()
            .route("/hand/data", get(hand_data))
            .route("/hand/Greeter/SayHello", post(hand_say_hello))
            .route("/hand/products/{id}", get(hand_get_product))
            .with_state(Arc::clone(&bench));
        let server = rosetta::server::Server::new()
            .mount(seed::data_service::Server::from_arc(Arc::clone(&bench)))
            .mount(seed::greeter::Server::from_arc(Arc::clone(&bench)))
            .mount(shop::v1::catalog::Server::from_arc(bench))
            .routes(hand);
        let listener = tokio::net::TcpListener::bind(&addr).await?;
        println!("{}", listener.local_addr()?.port());
        server.serve(listener).await
    })?;
    Ok(())
}
