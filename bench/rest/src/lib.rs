//! What the REST benchmark's two servers share: the seed's and the shop's generated code (REST
//! only), the benchmark's two products, and the service implementation the generated side
//! serves (`src/bin/server.rs`; the plain axum baseline, `src/bin/axum.rs`, uses the types only).

use std::collections::BTreeMap;

use rosetta::{Context, Status};

/// `seed.idl`.
#[allow(dead_code, missing_docs)]
pub mod seed {
    rosetta::include_idl!("_");
}

/// `shop.idl` and `common.idl`.
#[allow(dead_code, missing_docs)]
pub mod shop {
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

/// The benchmark's two products, by id.
pub fn products() -> BTreeMap<String, Product> {
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
    products
}

/// The data document `GET /data` answers.
pub fn data() -> Data {
    Data {
        message: "Hello from Rosetta".to_string(),
        protocols: ["XML-RPC", "REST", "gRPC", "Kafka"]
            .map(String::from)
            .to_vec(),
    }
}

/// The generated side's service implementation: the two products, read only.
pub struct Bench {
    /// The products, by id.
    pub products: BTreeMap<String, Product>,
}

impl DataService for Bench {
    async fn get_data(&self, _: Context) -> Result<Data, Status> {
        Ok(data())
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
