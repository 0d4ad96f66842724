// Reads and writes the REST streams of the stream_demo service (`streams.Demo`) the way Node web
// code does: Server-Sent Events through Node's own `fetch` (the response body read as a stream,
// event by event) and through the `eventsource` package (the WHATWG EventSource for Node, the
// browser's API), and NDJSON uploads as a streamed `fetch` request body, one with a malformed
// line in the middle. Prints one JSON object with what came back; the Rust test asserts on it.
//
//   NODE_PATH=<cache>/node/node_modules node streams.cjs http://127.0.0.1:PORT
"use strict";
const { EventSource } = require("eventsource");

const [url] = process.argv.slice(2);
const SSE = { Accept: "text/event-stream" };

/// SSE events `{event, data}` as they arrive on a fetch response body (the text/event-stream
/// format: `field: value` lines, an event ends at a blank line; data is JSON here).
async function* sseEvents(body) {
  const decoder = new TextDecoder();
  let buffer = "";
  let event = "message";
  let data = [];
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, end).replace(/\r$/, "");
      buffer = buffer.slice(end + 1);
      if (line === "") {
        if (data.length) yield { event, data: JSON.parse(data.join("\n")) };
        event = "message";
        data = [];
      } else if (line.startsWith("event:")) {
        event = line.slice(6).trim();
      } else if (line.startsWith("data:")) {
        data.push(line.slice(5).replace(/^ /, ""));
      }
    }
  }
}

/// Every event of a finite SSE answer, read through `fetch`.
async function fetchAll(path) {
  const res = await fetch(url + path, { headers: SSE });
  const events = [];
  for await (const e of sseEvents(res.body)) events.push(e);
  return { status: res.status, type: res.headers.get("content-type"), events };
}

/// The first `n` events of an endless feed, then the reader goes away: only a body read as it
/// arrives can get them at all.
async function fetchFirst(path, n) {
  const controller = new AbortController();
  const res = await fetch(url + path, { headers: SSE, signal: controller.signal });
  const seqs = [];
  for await (const e of sseEvents(res.body)) {
    seqs.push(e.data.seq);
    if (seqs.length === n) break;
  }
  controller.abort();
  return seqs;
}

/// Events through EventSource until `count` messages and (if `wantError`) the server's `error`
/// event arrived; then it is closed (EventSource would otherwise reconnect when the stream ends).
function eventSource(path, count, wantError) {
  return new Promise((resolve, reject) => {
    const source = new EventSource(url + path);
    const got = { messages: [], error: null, opened: false };
    const timer = setTimeout(() => {
      source.close();
      reject(new Error(`EventSource timed out with ${JSON.stringify(got)}`));
    }, 20000);
    const done = () => {
      if (got.messages.length === count && (!wantError || got.error)) {
        clearTimeout(timer);
        source.close();
        resolve(got);
      }
    };
    source.onopen = () => {
      got.opened = true;
    };
    source.onmessage = (e) => {
      got.messages.push(JSON.parse(e.data));
      done();
    };
    // A server event named `error` arrives as a MessageEvent with data; a connection failure is
    // an event without data.
    source.addEventListener("error", (e) => {
      if (typeof e.data === "string") {
        got.error = JSON.parse(e.data);
        done();
      } else if (!wantError || got.error === null) {
        if (got.messages.length < count) {
          clearTimeout(timer);
          source.close();
          reject(new Error(`EventSource failed: ${e.message || e.code || "connection error"}`));
        }
      }
    });
  });
}

const chunk = (text) => JSON.stringify({ data: Buffer.from(text).toString("base64") }) + "\n";

/// POSTs `lines` to /uploads as a streamed NDJSON body, one line per piece with a pause
/// between pieces, so the server reads the upload while it is still being sent.
async function upload(lines) {
  const encoder = new TextEncoder();
  let i = 0;
  const body = new ReadableStream({
    async pull(controller) {
      if (i === lines.length) {
        controller.close();
        return;
      }
      if (i > 0) await new Promise((r) => setTimeout(r, 20));
      controller.enqueue(encoder.encode(lines[i++]));
    },
  });
  const res = await fetch(url + "/uploads", {
    method: "POST",
    headers: { "Content-Type": "application/x-ndjson" },
    body,
    duplex: "half",
  });
  return { status: res.status, type: res.headers.get("content-type"), body: await res.json() };
}

async function main() {
  const out = {};
  out.fetchSse = await fetchAll("/products/events?prefix=f-&limit=3&fail_after=0");
  out.fetchSseError = await fetchAll("/products/events?prefix=&limit=10&fail_after=2");
  out.fetchEndless = await fetchFirst("/products/events?prefix=&limit=0&fail_after=0", 5);
  out.eventSource = await eventSource("/products/events?prefix=e-&limit=3&fail_after=0", 3, false);
  out.eventSourceError = await eventSource(
    "/products/events?prefix=&limit=10&fail_after=2",
    2,
    true,
  );
  out.upload = await upload([chunk("ab"), chunk("cde"), "\n", chunk("")]);
  out.malformed = await upload([chunk("ok"), chunk("fine"), "{nope\n", chunk("never")]);
  // The server keeps serving: the same upload again, on a new request.
  out.after = await upload([chunk("xyz")]);
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
