//! A tuple struct or an enum has no field to key by.
#[derive(rosetta::Event)]
#[rosetta(topic = "greetings", encoding = "string", key = 0)]
struct Greeting(String);

#[derive(rosetta::Event)]
#[rosetta(topic = "codes", key = code)]
struct Code(String);

#[derive(rosetta::Event)]
#[rosetta(topic = "audit", key = user)]
enum Audit {
    Login,
}

fn main() {}
