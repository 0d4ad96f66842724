//! The REST fixture (`tests/idl/rest_fixture.idl`): every shape a route can take, served by a
//! service that never refuses what its schema allows — so schemathesis with every check tests
//! the REST layer alone — plus the typed client over query lists, path-bound message fields,
//! PATCH, unions, maps, bytes and timestamps.

use std::collections::BTreeMap;
use std::sync::Mutex;

use rosetta::server::Server;
use rosetta::{Context, Status, Timestamp};
use rosetta_tests::RunningServer;

#[allow(dead_code)]
mod fixture {
    rosetta::include_idl!("rest.fixture");
}

use fixture::{Circle, Colour, Missing, Part, Shape, Taken, Thing, Things, things};

#[derive(Default)]
struct Store {
    things: Mutex<BTreeMap<i64, Thing>>,
}

impl Store {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<i64, Thing>> {
        self.things.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Things for Store {
    async fn get_thing(&self, _: Context, id: i64) -> Result<Thing, things::GetThingError> {
        self.lock()
            .get(&id)
            .cloned()
            .ok_or_else(|| Missing { id }.into())
    }

    async fn put_thing(&self, _: Context, thing: Thing) -> Result<Thing, Status> {
        self.lock().insert(thing.id, thing.clone());
        Ok(thing)
    }

    async fn delete_thing(&self, _: Context, id: i64) -> Result<(), things::DeleteThingError> {
        match self.lock().remove(&id) {
            Some(_) => Ok(()),
            None => Err(Missing { id }.into()),
        }
    }

    async fn find(
        &self,
        _: Context,
        name: Option<String>,
        colours: Vec<Colour>,
        min_score: Option<f64>,
        ok: Option<bool>,
        limit: u32,
        ids: Vec<i64>,
    ) -> Result<Vec<Thing>, Status> {
        Ok(self
            .lock()
            .values()
            .filter(|t| name.as_ref().is_none_or(|n| t.name.contains(n.as_str())))
            .filter(|t| colours.is_empty() || colours.contains(&t.colour))
            .filter(|t| min_score.is_none_or(|m| t.score >= m))
            .filter(|t| ok.is_none_or(|o| t.ok == o))
            .filter(|t| ids.is_empty() || ids.contains(&t.id))
            .take(limit as usize)
            .cloned()
            .collect())
    }

    async fn rename(
        &self,
        _: Context,
        id: i64,
        name: String,
    ) -> Result<Thing, things::RenameError> {
        let mut all = self.lock();
        if all.values().any(|t| t.name == name && t.id != id) {
            return Err(Taken { name }.into());
        }
        let thing = all.get_mut(&id).ok_or(Missing { id })?;
        thing.name = name;
        Ok(thing.clone())
    }

    async fn echo(&self, _: Context, thing: Thing) -> Result<Thing, Status> {
        Ok(thing)
    }

    async fn count(&self, _: Context) -> Result<i64, Status> {
        Ok(i64::try_from(self.lock().len()).unwrap_or(i64::MAX))
    }

    async fn nothing(&self, _: Context) -> Result<(), Status> {
        Ok(())
    }
}

fn server() -> Server {
    Server::new().mount(things::Server::new(Store::default()))
}

fn thing(id: i64, name: &str) -> Thing {
    Thing {
        id,
        name: name.to_string(),
        colour: Colour::Green,
        tags: vec!["a".into(), "b c".into()],
        labels: [("x".to_string(), -3)].into(),
        blob: Some(vec![0xff, 0, 7]),
        seen_at: Some(Timestamp::now()),
        score: 0.25,
        ok: true,
        shape: Some(Shape::Circle(Circle { radius: 1.5 })),
        count: u32::MAX,
        code: Some("ab 12".into()),
        parts: vec![Part {
            label: "lid".into(),
            weight: Some(10),
        }],
    }
}

#[tokio::test]
async fn the_client_covers_every_route_shape() {
    let s = RunningServer::start(server());
    let c = things::RestClient::new(s.url());

    let t = thing(-42, "teapot");
    assert_eq!(c.put_thing(t.clone()).await.unwrap(), t);
    assert_eq!(c.get_thing(-42).await.unwrap(), t);
    c.put_thing(thing(7, "kettle")).await.unwrap();
    assert_eq!(c.count().await.unwrap(), 2);

    let found = c
        .find(
            Some("tea".into()),
            vec![Colour::Green, Colour::Red],
            Some(0.1),
            Some(true),
            10,
            vec![-42, 99],
        )
        .await
        .unwrap();
    assert_eq!(found, vec![t.clone()]);
    let none = c
        .find(None, vec![Colour::Blue], None, None, 10, vec![])
        .await
        .unwrap();
    assert!(none.is_empty());

    let renamed = c.rename(7, "pot".into()).await.unwrap();
    assert_eq!(renamed.name, "pot");
    assert!(matches!(
        c.rename(7, "teapot".into()).await,
        Err(things::RenameError::Taken(Taken { name })) if name == "teapot"
    ));
    assert!(matches!(
        c.rename(8, "x".into()).await,
        Err(things::RenameError::Missing(Missing { id: 8 }))
    ));

    assert_eq!(c.echo(t.clone()).await.unwrap(), t);
    c.nothing().await.unwrap();
    c.delete_thing(7).await.unwrap();
    assert!(matches!(
        c.delete_thing(7).await,
        Err(things::DeleteThingError::Missing(_))
    ));

    let mut bad = thing(1, "");
    bad.parts.clear();
    let err = c.echo(bad).await.unwrap_err();
    let fields: Vec<&str> = err.violations().iter().map(|v| v.field.as_str()).collect();
    assert_eq!(fields, ["name", "parts"]);
}

/// The path variable wins over the body's `id`; the query's repeated keys make lists.
#[tokio::test]
async fn path_variables_bind_message_fields() {
    let s = RunningServer::start(server());
    let mut body = serde_json::to_value(thing(1, "cup")).unwrap();
    body["id"] = serde_json::json!(999);
    let resp = rosetta::rest::reqwest::Client::new()
        .put(format!("{}/things/5", s.url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let stored: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(stored["id"], 5);
    let listed: serde_json::Value = rosetta::rest::reqwest::get(format!(
        "{}/things?limit=5&colours=GREEN&colours=BLUE&ids=5&ids=6&ok=true&min_score=0.0",
        s.url()
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(listed[0]["name"], "cup");
}

#[test]
fn schemathesis_finds_nothing_on_the_fixture() {
    let s = RunningServer::start(server());
    let report = rosetta_tests::schemathesis(&s.url());
    // The fixture has data for every operation, so not even a warning is expected.
    assert!(report.contains("No issues found"), "{report}");
}
