//! A misspelt key gets a suggestion.
#[derive(rosetta::Validate)]
struct User {
    #[rosetta(lenght(max = 3))]
    name: String,
}

fn main() {}
