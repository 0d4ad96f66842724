//! The dead-letter topic convention, written once for both its users: the compiler (every
//! generated topic's `DEAD_LETTER_TOPIC`, and the checks that keep it from colliding with a
//! declared topic or passing Kafka's length limit) and the Kafka runtime (the default of a
//! consumer built by hand, `ConsumerRunner::new`). Outside the `kafka` feature, so the compiler
//! reads it without depending on rdkafka.

/// What Rosetta appends to a topic's name for its dead-letter topic.
pub const DEAD_LETTER_SUFFIX: &str = ".dlq";

/// The dead-letter topic of `topic`: `orders.dlq`.
pub fn dead_letter_topic(topic: &str) -> String {
    format!("{topic}{DEAD_LETTER_SUFFIX}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_dead_letter_topic_is_the_name_and_the_suffix() {
        assert_eq!(super::dead_letter_topic("shop.orders"), "shop.orders.dlq");
    }
}
