//! The shop: a catalogue and orders over an in-memory store, implementing the traits generated
//! from `shop.idl`. Events are reported to an optional sink (the binary publishes them to Kafka).
//!
//! `WatchProducts` streams product events from an optional [`ProductFeed`] (the binary's reads
//! the `shop.product-events` topic, so a watcher sees what every shop instance published).
//!
//! The rule for a call that publishes events: the call answers only after its events were
//! acknowledged; if they could not be published, the call's change is undone and the call fails
//! with the sink's status (`resource_exhausted` for a record too large to publish,
//! `unavailable` when the broker did not acknowledge). A caller never gets `200` for a change
//! whose events are missing.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};

use rosetta::{Context, ErrorKind, Status, Streaming, Timestamp};

use crate::shop::common::{Invalid, Money, NotFound, PageRequest};
use crate::shop::v1::{
    AlreadyExists, Catalog, Category, NewProduct, Order, Orders, OutOfStock, Payment,
    PaymentRefused, Product, ProductChange, ProductDeleted, ProductEvent, ProductPage,
    Status as ProductStatus, catalog, orders,
};

/// What an [`EventSink`] returns: completes once the event is published, or says why not.
pub type Published<'a> = Pin<Box<dyn Future<Output = Result<(), Status>> + Send + 'a>>;

/// Receives every product event and placed order (to publish them, say).
///
/// Each method completes when the event (and every record that goes with it) is durably
/// published, or fails with the status the call should fail with; the shop then undoes the
/// change, so nothing is half done.
pub trait EventSink: Send + Sync + 'static {
    /// A product changed.
    fn product_event<'a>(&'a self, event: &'a ProductEvent) -> Published<'a>;
    /// An order was placed.
    fn order_placed<'a>(&'a self, order: &'a Order) -> Published<'a>;
}

/// What a [`ProductFeed`] returns: completes once the watcher is in place, with the stream of
/// every product event published from then on.
pub type Watching = Pin<Box<dyn Future<Output = Result<Streaming<ProductChange>, Status>> + Send>>;

/// Where `WatchProducts` reads product events from (the binary: the `shop.product-events`
/// topic).
pub trait ProductFeed: Send + Sync + 'static {
    /// Starts one watcher.
    fn watch(&self) -> Watching;
}

#[derive(Default)]
struct Store {
    products: BTreeMap<String, Product>,
    orders: BTreeMap<String, Order>,
    next_id: u64,
}

/// The shop's state, shared by both services (`Catalog` and `Orders`).
#[derive(Clone, Default)]
pub struct Shop {
    store: Arc<Mutex<Store>>,
    sink: Option<Arc<dyn EventSink>>,
    feed: Option<Arc<dyn ProductFeed>>,
}

impl Shop {
    /// A shop with two products in stock.
    pub fn new() -> Self {
        let shop = Shop::default();
        {
            let mut s = shop.lock();
            for (name, cents, stock) in [("Teapot", 2_500, 10), ("Kettle", 4_999, 3)] {
                s.next_id += 1;
                let id = format!("p{}", s.next_id);
                s.products.insert(
                    id.clone(),
                    Product {
                        id,
                        name: name.to_string(),
                        price: Money {
                            amount_minor: cents,
                            currency: "EUR".to_string(),
                        },
                        stock,
                        tags: vec!["kitchen".to_string()],
                        ..Product::default()
                    },
                );
            }
        }
        shop
    }

    /// Reports events to `sink`.
    pub fn with_sink(mut self, sink: Arc<dyn EventSink>) -> Self {
        self.sink = Some(sink);
        self
    }

    /// Serves `WatchProducts` from `feed`.
    pub fn with_feed(mut self, feed: Arc<dyn ProductFeed>) -> Self {
        self.feed = Some(feed);
        self
    }

    fn lock(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock leaves plain data behind; keep serving it.
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Publishes `event`; an error means the caller must undo its change and fail.
    async fn emit(&self, event: ProductEvent) -> Result<(), Status> {
        match &self.sink {
            Some(sink) => sink.product_event(&event).await,
            None => Ok(()),
        }
    }
}

fn not_found(resource: &str, id: &str) -> NotFound {
    NotFound {
        resource: resource.to_string(),
        id: id.to_string(),
    }
}

impl Catalog for Shop {
    async fn get_product(
        &self,
        _ctx: Context,
        id: String,
    ) -> Result<Product, catalog::GetProductError> {
        self.lock()
            .products
            .get(&id)
            .cloned()
            .ok_or_else(|| not_found("product", &id).into())
    }

    async fn create_product(
        &self,
        _ctx: Context,
        request: NewProduct,
    ) -> Result<Product, catalog::CreateProductError> {
        if request.price.amount_minor < 0 {
            return Err(Invalid {
                reason: "a price cannot be negative".to_string(),
            }
            .into());
        }
        let product = {
            let mut s = self.lock();
            if let Some(existing) = s.products.values().find(|p| p.name == request.name) {
                return Err(AlreadyExists {
                    id: existing.id.clone(),
                }
                .into());
            }
            s.next_id += 1;
            let id = format!("p{}", s.next_id);
            let product = Product {
                id: id.clone(),
                name: request.name,
                price: request.price,
                tags: request.tags,
                attributes: request.attributes,
                image: request.image,
                ..Product::default()
            };
            s.products.insert(id, product.clone());
            product
        };
        if let Err(status) = self.emit(ProductEvent::Created(product.clone())).await {
            self.lock().products.remove(&product.id);
            return Err(status.into());
        }
        Ok(product)
    }

    async fn delete_product(
        &self,
        _ctx: Context,
        id: String,
    ) -> Result<(), catalog::DeleteProductError> {
        let removed = self.lock().products.remove(&id);
        match removed {
            Some(product) => {
                if let Err(status) = self
                    .emit(ProductEvent::Deleted(ProductDeleted { id }))
                    .await
                {
                    self.lock().products.insert(product.id.clone(), product);
                    return Err(status.into());
                }
                Ok(())
            }
            None => Err(not_found("product", &id).into()),
        }
    }

    async fn search(
        &self,
        _ctx: Context,
        query: String,
        limit: Option<u32>,
        status: Option<ProductStatus>,
    ) -> Result<Vec<Product>, Status> {
        let query = query.to_lowercase();
        let limit = limit.unwrap_or(10) as usize;
        Ok(self
            .lock()
            .products
            .values()
            .filter(|p| p.name.to_lowercase().contains(&query))
            .filter(|p| status.is_none_or(|s| p.status == s))
            .take(limit)
            .cloned()
            .collect())
    }

    async fn list_products(
        &self,
        _ctx: Context,
        request: PageRequest,
    ) -> Result<ProductPage, Status> {
        // A token this server did not give (or one past the end) is simply past the last page:
        // an empty page, not an error, since any string is a valid token by the schema.
        let start: usize = match &request.token {
            None => 0,
            Some(t) => t.parse().unwrap_or(usize::MAX),
        };
        let size = request.size.max(1) as usize;
        let s = self.lock();
        let items: Vec<Product> = s
            .products
            .values()
            .skip(start)
            .take(size)
            .cloned()
            .collect();
        let next = start + items.len();
        Ok(ProductPage {
            next_token: (next < s.products.len()).then(|| next.to_string()),
            items,
        })
    }

    async fn categories(&self, _ctx: Context) -> Result<Vec<Category>, Status> {
        let leaf = |name: &str| Category {
            name: name.to_string(),
            parent: None,
            children: Vec::new(),
        };
        Ok(vec![Category {
            name: "Kitchen".to_string(),
            parent: None,
            children: vec![leaf("Teapots"), leaf("Kettles")],
        }])
    }

    async fn watch_products(&self, _ctx: Context) -> Result<Streaming<ProductChange>, Status> {
        match &self.feed {
            Some(feed) => feed.watch().await,
            None => Err(Status::new(
                ErrorKind::Unavailable,
                "this shop publishes no product events to watch",
            )),
        }
    }
}

impl Orders for Shop {
    async fn place_order(
        &self,
        _ctx: Context,
        order: Order,
        payment: Payment,
    ) -> Result<Order, orders::PlaceOrderError> {
        if let Payment::Invoice(inv) = &payment
            && inv.due_days > 60
            && order.lines.len() > 10
        {
            return Err(PaymentRefused {
                reason: "large orders must be paid within 60 days".to_string(),
            }
            .into());
        }
        let placed = {
            let mut s = self.lock();
            let mut total = 0i64;
            let mut currency = String::from("EUR");
            for line in &order.lines {
                let product = s
                    .products
                    .get(&line.product_id)
                    .ok_or_else(|| not_found("product", &line.product_id))?;
                let wanted = u32::try_from(line.quantity).unwrap_or(0);
                if product.stock < wanted {
                    return Err(OutOfStock {
                        product_id: product.id.clone(),
                        available: product.stock,
                    }
                    .into());
                }
                total = total.saturating_add(
                    product
                        .price
                        .amount_minor
                        .saturating_mul(i64::from(line.quantity)),
                );
                currency = product.price.currency.clone();
            }
            for line in &order.lines {
                if let Some(p) = s.products.get_mut(&line.product_id) {
                    p.stock -= u32::try_from(line.quantity).unwrap_or(0);
                    p.units_sold += u64::try_from(line.quantity).unwrap_or(0);
                }
            }
            s.next_id += 1;
            let placed = Order {
                id: format!("o{}", s.next_id),
                total: Money {
                    amount_minor: total,
                    currency,
                },
                placed_at: Timestamp::now(),
                ..order
            };
            s.orders.insert(placed.id.clone(), placed.clone());
            placed
        };
        if let Some(sink) = &self.sink
            && let Err(status) = sink.order_placed(&placed).await
        {
            // Undo: the order was never placed, so its stock is back.
            let mut s = self.lock();
            s.orders.remove(&placed.id);
            for line in &placed.lines {
                if let Some(p) = s.products.get_mut(&line.product_id) {
                    p.stock += u32::try_from(line.quantity).unwrap_or(0);
                    p.units_sold = p
                        .units_sold
                        .saturating_sub(u64::try_from(line.quantity).unwrap_or(0));
                }
            }
            return Err(status.into());
        }
        Ok(placed)
    }

    async fn get_order(&self, _ctx: Context, id: String) -> Result<Order, orders::GetOrderError> {
        self.lock()
            .orders
            .get(&id)
            .cloned()
            .ok_or_else(|| not_found("order", &id).into())
    }

    async fn count_orders(&self, _ctx: Context, since: Timestamp) -> Result<i64, Status> {
        let n = self
            .lock()
            .orders
            .values()
            .filter(|o| o.placed_at >= since)
            .count();
        Ok(i64::try_from(n).unwrap_or(i64::MAX))
    }

    async fn ping(&self, _ctx: Context) -> Result<(), Status> {
        Ok(())
    }
}
