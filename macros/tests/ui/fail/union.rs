//! A Rust `union` is not supported.
#[derive(rosetta::Validate)]
union Bits {
    int: u32,
    float: f32,
}

fn main() {}
