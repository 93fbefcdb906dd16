//! The MCP server driven by a real MCP client (rmcp's): over stdio against a `sourcier mcp`
//! child process, and over streamable HTTP against a real server on 127.0.0.1:0. Both run the
//! same conversation: list the tools, search, fetch, ask, trace a figure, list documents, get
//! a context, then errors (unknown id, empty query, bad arguments), each followed by a request
//! that must still work. Raw HTTP requests check what the client hides: no session, any
//! replica answers, the `Host` check.

use std::io::{Read, Write};

use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::{RoleClient, RunningService};
use rmcp::transport::{ConfigureCommandExt, StreamableHttpClientTransport, TokioChildProcess};
use rmcp::ServiceExt;
use serde_json::{json, Value};

use crate::util::{corpus, server, shared_index, ServeProcess};

type Client = RunningService<RoleClient, ()>;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

async fn call(client: &Client, tool: &'static str, args: Value) -> CallToolResult {
    let arguments = args.as_object().cloned().expect("arguments are an object");
    client
        .call_tool(CallToolRequestParams::new(tool).with_arguments(arguments))
        .await
        .unwrap_or_else(|e| panic!("{tool} {args}: {e}"))
}

/// The one text item of a successful result, as JSON; it is also the structured content.
fn json_of(result: &CallToolResult) -> Value {
    assert_ne!(result.is_error, Some(true), "{result:?}");
    assert_eq!(result.content.len(), 1, "{result:?}");
    let text = &result.content[0].as_text().expect("a text item").text;
    let value: Value = serde_json::from_str(text).expect("the text is JSON");
    assert_eq!(result.structured_content.as_ref(), Some(&value));
    value
}

/// The message of a tool error.
fn error_of(result: &CallToolResult) -> String {
    assert_eq!(result.is_error, Some(true), "{result:?}");
    result.content[0].as_text().expect("text").text.clone()
}

/// The conversation both transports hold; `links` is the base URL the links must start with.
async fn conversation(client: &Client, links: &str) {
    let tools = client.list_all_tools().await.expect("tools/list");
    let mut names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    names.sort();
    let expected = [
        "ask",
        "context",
        "fetch",
        "list_documents",
        "search",
        "trace_figure",
    ];
    assert_eq!(names, expected);
    assert!(tools.iter().all(|t| t
        .description
        .as_deref()
        .is_some_and(|d| d.contains("Returns"))));

    let found = json_of(&call(client, "search", json!({"query": "taux de féminisation"})).await);
    let first = &found["results"][0];
    let url = first["url"].as_str().expect("url");
    assert_eq!(
        url,
        format!("{links}/api/documents/cop-imt-2023-2027/file#page=19")
    );
    let title = first["title"].as_str().expect("title");
    assert!(
        title.starts_with("Contrat d’objectifs") && title.ends_with(" · p. 19"),
        "{title}"
    );
    assert_eq!(found["truncated"], false);

    let id = first["id"].as_str().expect("id");
    let passage = json_of(&call(client, "fetch", json!({"id": id})).await);
    assert_eq!(passage["id"], id);
    assert_eq!(passage["url"], url);
    assert!(passage["text"]
        .as_str()
        .is_some_and(|t| t.contains("taux de féminisation")));
    let meta = &passage["metadata"];
    assert_eq!(meta["doc_id"], "cop-imt-2023-2027");
    assert_eq!(
        (meta["page_start"].as_u64(), meta["language"].as_str()),
        (Some(19), Some("fr"))
    );
    assert!(
        meta["prev_id"].is_string() && meta["next_id"].is_string(),
        "{meta}"
    );
    assert!(meta["char_end"].as_u64() > meta["char_start"].as_u64());

    let answer = json_of(
        &call(
            client,
            "ask",
            json!({"question": "Combien d'étudiants compte l'IMT ?"}),
        )
        .await,
    );
    assert_eq!(answer["answered"], true, "{answer}");
    assert!(answer["answers"][0]["text"]
        .as_str()
        .is_some_and(|t| t.starts_with("13 600 étudiants")));
    assert!(answer["answers"][0]["url"]
        .as_str()
        .is_some_and(|u| u.contains("#page=")));
    let unanswered = json_of(
        &call(
            client,
            "ask",
            json!({"question": "Quel est le prix du kérosène à Lima ?"}),
        )
        .await,
    );
    assert_eq!(unanswered["answered"], false, "{unanswered}");

    let figure = json_of(&call(client, "trace_figure", json!({"value": "13600"})).await);
    assert!(figure["total"].as_u64() >= Some(1), "{figure}");
    assert_eq!(figure["places"][0]["figure"], "13 600");
    assert!(figure["places"][0]["sentence"]
        .as_str()
        .is_some_and(|s| s.contains("13 600")));

    let page = json_of(&call(client, "list_documents", json!({"limit": 2})).await);
    assert_eq!(page["documents"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        (page["total"].as_u64(), page["next_cursor"].as_str()),
        (Some(5), Some("2"))
    );
    let rest = json_of(&call(client, "list_documents", json!({"cursor": "2"})).await);
    assert_eq!(rest["documents"].as_array().map(Vec::len), Some(3));
    assert!(rest["next_cursor"].is_null());
    let web = rest["documents"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|d| d["kind"] == "html");
    assert!(web.is_some_and(|d| d["url"]
        .as_str()
        .is_some_and(|u| u.starts_with("https://www.telecom-paris.fr/"))));

    let context = json_of(
        &call(
            client,
            "context",
            json!({"query": "taux de féminisation", "max_tokens": 500}),
        )
        .await,
    );
    assert!(
        context["tokens"]
            .as_u64()
            .is_some_and(|t| t > 0 && t <= 500),
        "{context}"
    );
    assert_eq!(context["citations"][0]["url"], url);

    // a budget too small for every result: the list is cut, and says so
    let cut = json_of(
        &call(
            client,
            "search",
            json!({"query": "formation", "limit": 50, "max_tokens": 300}),
        )
        .await,
    );
    assert_eq!(cut["truncated"], true);
    let kept = cut["results"].as_array().map_or(0, Vec::len);
    assert!(kept > 0 && kept < 50, "{kept}");
    assert!(sourcier::context::tokens::count(&cut.to_string()) <= 300);

    // errors are tool errors with a clear message; the next request is served
    assert!(
        error_of(&call(client, "fetch", json!({"id": "nope"})).await).contains("not found: nope")
    );
    assert!(error_of(&call(client, "search", json!({"query": "  "})).await).contains("empty"));
    assert!(
        error_of(&call(client, "search", json!({"query": "x", "lang": "de"})).await)
            .contains("`lang`")
    );
    assert!(
        error_of(&call(client, "context", json!({"query": "x", "max_tokens": 0})).await)
            .contains("max_tokens")
    );
    // arguments that do not match the schema: a tool error naming the field
    let bad = call(client, "search", json!({"qery": "taux"})).await;
    assert!(error_of(&bad).contains("missing field `query`"), "{bad:?}");
    // an unknown tool: a JSON-RPC error, not a dropped connection
    let unknown = client
        .call_tool(CallToolRequestParams::new("no_such_tool"))
        .await;
    assert!(
        unknown
            .as_ref()
            .is_err_and(|e| e.to_string().contains("tool not found")),
        "{unknown:?}"
    );
    let again = json_of(&call(client, "search", json!({"query": "taux de féminisation"})).await);
    assert_eq!(again["results"][0]["id"], id);
}

#[test]
fn stdio_transport_serves_the_tools() {
    runtime().block_on(async {
        let index = shared_index().to_path_buf();
        let command =
            tokio::process::Command::new(env!("CARGO_BIN_EXE_sourcier")).configure(|cmd| {
                cmd.arg("mcp")
                    .arg("--index")
                    .arg(&index)
                    .arg("--corpus")
                    .arg(corpus())
                    .args(["--public-url", "https://search.example.org/"]);
            });
        let transport = TokioChildProcess::new(command).expect("sourcier mcp starts");
        let client = ().serve(transport).await.expect("initialize over stdio");
        conversation(&client, "https://search.example.org").await;
        client.cancel().await.expect("close");
    });
}

#[test]
fn streamable_http_transport_serves_the_tools() {
    runtime().block_on(async {
        let base = server();
        let transport = StreamableHttpClientTransport::from_uri(format!("{base}/mcp"));
        let client = ().serve(transport).await.expect("initialize over HTTP");
        conversation(&client, base).await;
        client.cancel().await.expect("close");
    });
}

/// POSTs one JSON-RPC message to `/mcp` by hand; returns the status, the headers (lowercase)
/// and the body.
fn post_mcp(address: &str, host: &str, body: &Value) -> (u16, String, String) {
    let body = body.to_string();
    let mut stream = std::net::TcpStream::connect(address).expect("connect");
    write!(
        stream,
        "POST /mcp HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         Accept: application/json, text/event-stream\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head.to_lowercase(), body.to_string())
}

fn initialize() -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "raw", "version": "1"}}})
}

fn search_call() -> Value {
    json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
        "name": "search", "arguments": {"query": "taux de féminisation"}}})
}

/// No session is kept: initialize on one server, call a tool on another (as behind a load
/// balancer, or after a restart), and each answer is plain JSON without a session id.
#[test]
fn http_needs_no_session_and_any_replica_answers() {
    let one = server().trim_start_matches("http://").to_string();
    let index = shared_index().to_str().expect("utf-8").to_string();
    let corpus = corpus();
    let other = ServeProcess::start(
        &[
            "--index",
            &index,
            "--corpus",
            corpus.to_str().expect("utf-8"),
        ],
        &[],
    );
    let two = other.url.trim_start_matches("http://").to_string();
    let (status, head, body) = post_mcp(&one, &one, &initialize());
    assert_eq!(status, 200, "{head}{body}");
    assert!(head.contains("content-type: application/json"), "{head}");
    assert!(!head.contains("mcp-session-id"), "{head}");
    let init: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(init["result"]["serverInfo"]["name"], "sourcier");
    let (status, head, body) = post_mcp(&two, &two, &search_call());
    assert_eq!(status, 200, "{head}{body}");
    let answer: Value = serde_json::from_str(&body).expect("JSON");
    let text = answer["result"]["content"][0]["text"]
        .as_str()
        .expect("text");
    assert!(text.contains("#page=19"), "{text}");
}

/// The `Host` check against DNS rebinding: a name the server was not given is refused; the
/// host of `--public-url` is accepted, and links are written with that URL.
#[test]
fn http_accepts_the_public_host_only() {
    let address = server().trim_start_matches("http://").to_string();
    let (status, _, _) = post_mcp(&address, "attacker.example", &initialize());
    assert_eq!(status, 403);
    let index = shared_index().to_str().expect("utf-8").to_string();
    let corpus = corpus();
    let public = ServeProcess::start(
        &[
            "--index",
            &index,
            "--corpus",
            corpus.to_str().expect("utf-8"),
            "--public-url",
            "https://search.example.org",
        ],
        &[],
    );
    let address = public.url.trim_start_matches("http://").to_string();
    let (status, head, body) = post_mcp(&address, "search.example.org", &search_call());
    assert_eq!(status, 200, "{head}{body}");
    assert!(
        body.contains("https://search.example.org/api/documents/cop-imt-2023-2027/file#page=19"),
        "{body}"
    );
    let (status, _, _) = post_mcp(&address, "attacker.example", &search_call());
    assert_eq!(status, 403);
}
