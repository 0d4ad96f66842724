//! The benchmark's Rust server: the seed's `add` and the shop's catalogue, generated from the
//! example IDLs (XML-RPC glue only), over the same two products as `py_server.py`.
//!
//! `server` prints the port it listens on (127.0.0.1), then serves on one worker thread until
//! killed.

use std::collections::BTreeMap;

use rosetta::{Context, Status};

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

impl seed::Calculator for Bench {
    async fn add(&self, _: Context, a: i32, b: i32) -> Result<i32, Status> {
        a.checked_add(b)
            .ok_or_else(|| Status::invalid_argument("overflow"))
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
        query: String,
        limit: Option<u32>,
        status: Option<ProductStatus>,
    ) -> Result<Vec<Product>, Status> {
        let query = query.to_lowercase();
        Ok(self
            .products
            .values()
            .filter(|p| p.name.to_lowercase().contains(&query))
            .filter(|p| status.is_none_or(|s| p.status == s))
            .take(limit.unwrap_or(10) as usize)
            .cloned()
            .collect())
    }

    async fn list_products(&self, _: Context, _: PageRequest) -> Result<ProductPage, Status> {
        Err(Status::unimplemented("read-only benchmark"))
    }

    async fn categories(&self, _: Context) -> Result<Vec<Category>, Status> {
        Ok(Vec::new())
    }

    async fn watch_products(
        &self,
        _: Context,
    ) -> Result<rosetta::Streaming<shop::v1::ProductChange>, Status> {
        Err(Status::unimplemented("the benchmark publishes no events"))
    }
}

fn main() {
    rosetta_bench_support::serve_one_thread(|listener| async move {
        rosetta::server::Server::new()
            .mount(seed::calculator::Server::new(Bench::new()))
            .mount(catalog::Server::new(Bench::new()))
            .serve(listener)
            .await
            .expect("serve");
    });
}
