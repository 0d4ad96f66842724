//! The validator1 suite's eight methods (`validator1.idl`), as the public validator1 description
//! specifies them. The same implementation answers XML-RPC (what validator1 clients speak), REST
//! and gRPC.

use std::collections::BTreeMap;

use rosetta::{Context, ErrorKind, Status, Timestamp, Value};

use crate::validator1::{Day, EntityCounts, Multiples, Stooges, Validator};

/// The validator1 service: it holds no state.
#[derive(Debug, Clone, Copy, Default)]
pub struct Validator1Service;

/// `a + b + …` as an `<i4>`, or `out_of_range` when the sum does not fit.
fn sum(numbers: impl IntoIterator<Item = i32>) -> Result<i32, Status> {
    let total: i64 = numbers.into_iter().map(i64::from).sum();
    i32::try_from(total).map_err(|_| {
        Status::new(
            ErrorKind::OutOfRange,
            format!("the sum {total} does not fit a 32-bit <i4>"),
        )
    })
}

/// How many times `c` occurs in `text`, as an `<i4>`.
fn count(text: &str, c: char) -> i32 {
    // A string of more than 2^31 characters is far above the request body limit.
    i32::try_from(text.chars().filter(|&x| x == c).count()).unwrap_or(i32::MAX)
}

impl Validator for Validator1Service {
    async fn array_of_structs_test(
        &self,
        _ctx: Context,
        structs: Vec<Stooges>,
    ) -> Result<i32, Status> {
        sum(structs.iter().map(|s| s.curly))
    }

    async fn count_the_entities(
        &self,
        _ctx: Context,
        text: String,
    ) -> Result<EntityCounts, Status> {
        Ok(EntityCounts {
            ct_left_angle_brackets: count(&text, '<'),
            ct_right_angle_brackets: count(&text, '>'),
            ct_ampersands: count(&text, '&'),
            ct_apostrophes: count(&text, '\''),
            ct_quotes: count(&text, '"'),
        })
    }

    async fn easy_struct_test(&self, _ctx: Context, stooges: Stooges) -> Result<i32, Status> {
        sum([stooges.moe, stooges.larry, stooges.curly])
    }

    async fn echo_struct_test(
        &self,
        _ctx: Context,
        value: BTreeMap<String, Value>,
    ) -> Result<BTreeMap<String, Value>, Status> {
        Ok(value)
    }

    async fn many_types_test(
        &self,
        _ctx: Context,
        number: i32,
        boolean: bool,
        text: String,
        double: f64,
        date_time: Timestamp,
        base64: Vec<u8>,
    ) -> Result<Vec<Value>, Status> {
        Ok(vec![
            Value::from(number),
            Value::from(boolean),
            Value::from(text),
            Value::from(double),
            Value::from(date_time),
            Value::from(base64),
        ])
    }

    async fn moderate_size_array_check(
        &self,
        _ctx: Context,
        strings: Vec<String>,
    ) -> Result<String, Status> {
        // `@length(100, 200)` was checked before this is called, so both ends exist.
        let first = strings.first().map_or("", String::as_str);
        let last = strings.last().map_or("", String::as_str);
        Ok(format!("{first}{last}"))
    }

    async fn nested_struct_test(
        &self,
        _ctx: Context,
        calendar: BTreeMap<String, BTreeMap<String, BTreeMap<String, Day>>>,
    ) -> Result<i32, Status> {
        let day = calendar
            .get("2000")
            .and_then(|year| year.get("04"))
            .and_then(|month| month.get("01"))
            .ok_or_else(|| Status::invalid_argument("the calendar has no entry for 2000-04-01"))?;
        sum([
            day.moe.unwrap_or(0),
            day.larry.unwrap_or(0),
            day.curly.unwrap_or(0),
        ])
    }

    async fn simple_struct_return_test(
        &self,
        _ctx: Context,
        number: i32,
    ) -> Result<Multiples, Status> {
        // `@range` keeps `number * 1000` inside an `<i4>`.
        Ok(Multiples {
            times10: number * 10,
            times100: number * 100,
            times1000: number * 1000,
        })
    }
}
