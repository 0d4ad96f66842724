//! The seed's services: `add` over XML-RPC, `GET /data` over REST, `Greeter.SayHello` over gRPC.
//! Every one answers on every protocol, because they implement the generated traits.

use rosetta::{Context, Status};

use crate::seed::{Calculator, Data, DataService, Greeter, HelloRequest, HelloResponse};

/// The seed's services, in one struct: they hold no state.
#[derive(Debug, Clone, Copy, Default)]
pub struct Seed;

impl Calculator for Seed {
    async fn add(&self, _ctx: Context, a: i32, b: i32) -> Result<i32, Status> {
        a.checked_add(b).ok_or_else(|| {
            Status::new(
                rosetta::ErrorKind::OutOfRange,
                format!("{a} + {b} overflows i32"),
            )
        })
    }
}

impl DataService for Seed {
    async fn get_data(&self, _ctx: Context) -> Result<Data, Status> {
        Ok(Data {
            message: "Hello from Rosetta".to_string(),
            protocols: ["XML-RPC", "REST", "gRPC", "Kafka"]
                .map(String::from)
                .to_vec(),
        })
    }
}

impl Greeter for Seed {
    async fn say_hello(
        &self,
        _ctx: Context,
        request: HelloRequest,
    ) -> Result<HelloResponse, Status> {
        Ok(HelloResponse {
            message: format!("Hello, {}!", request.name),
        })
    }
}
