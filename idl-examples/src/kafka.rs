//! The examples' Kafka side: the seed's `my-topic` record and the shop's event topics, on the
//! embedded broker unless bootstrap servers are given. (Filled in by the Kafka work; until then
//! these start nothing.)

use crate::shop_service::Shop;

/// What keeps the Kafka side alive (the embedded broker, consumer tasks); drop it to stop.
#[derive(Default)]
pub struct KafkaGuard;

/// Starts the seed's Kafka side: sends `("my-topic", "key", "value")` and prints every record
/// the consumer handles as `my-topic key=<key> value=<value>`.
pub async fn start_seed(
    _bootstrap: Option<&str>,
) -> Result<KafkaGuard, Box<dyn std::error::Error>> {
    Ok(KafkaGuard)
}

/// Starts the shop's Kafka side and returns the shop wired to publish its events.
pub async fn start_shop(
    _bootstrap: Option<&str>,
) -> Result<(Shop, KafkaGuard), Box<dyn std::error::Error>> {
    Ok((Shop::new(), KafkaGuard))
}
