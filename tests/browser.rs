//! The search page in a real browser: Debian's headless Chromium, driven over WebDriver by
//! chromedriver (started here on a free port), against the real `sourcier serve` on
//! 127.0.0.1:0 over the shared index of the default corpus.
//!
//! Without `chromium` and `chromedriver` on the PATH each test prints that it was SKIPPED and
//! passes, unless `SOURCIER_REQUIRE_BROWSER=1` (set by `.ci/run`), where a missing browser is
//! a failure. Screenshots go to `target/screenshots/`.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

use crate::util;

const QUERY: &str = "taux de féminisation";
const WAIT: Duration = Duration::from_secs(20);
/// `DEBOUNCE_MS` in `src/http/ui/app.js`.
const DEBOUNCE: u32 = 150;

/// One browser at a time: the machine has two cores and Chromium is heavy.
static BROWSER_LOCK: Mutex<()> = Mutex::new(());

/// Says why a test did not run, on the real stderr so `cargo test` shows it even on success.
fn skip(test: &str, why: &str) {
    let required = std::env::var("SOURCIER_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
    assert!(!required, "{test}: {why}, and SOURCIER_REQUIRE_BROWSER=1");
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED browser test {test}: {why} (apt-get install chromium chromium-driver)"
    );
}

fn on_path(name: &str) -> Option<PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free local port")
        .port()
}

/// A child process in its own process group; dropping it kills the group (chromedriver's
/// Chromium processes included).
struct Group(Child);

impl Drop for Group {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.0.id())])
            .status();
        let _ = self.0.wait();
    }
}

fn spawn_group(command: &mut Command) -> Group {
    use std::os::unix::process::CommandExt;
    Group(
        command
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}")),
    )
}

/// `sourcier serve` on 127.0.0.1:0; its base URL is read from the line it prints.
fn start_server() -> (Group, String) {
    let index = util::shared_index();
    let corpus = util::corpus();
    let mut server = spawn_group(
        util::bin()
            .args(["serve", "--addr", "127.0.0.1:0", "--corpus"])
            .arg(&corpus)
            .arg("--index")
            .arg(index)
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
    );
    let stdout = server.0.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    let url = loop {
        match lines.next() {
            Some(Ok(line)) => {
                if let Some(url) = line.strip_prefix("listening on ") {
                    break url.to_string();
                }
            }
            _ => panic!("`sourcier serve` exited before listening"),
        }
    };
    (server, url)
}

/// A fresh headless Chromium session and the server it talks to.
struct Browser {
    client: Client,
    base: String,
    _profile: tempfile::TempDir,
    // Dropped after the client: the group kill ends chromedriver and Chromium.
    _driver: Group,
    _server: Group,
}

impl Browser {
    /// `None` (after saying SKIPPED) when Chromium or chromedriver is not installed.
    async fn start(test: &str) -> Option<Browser> {
        let (Some(chromium), Some(chromedriver)) = (on_path("chromium"), on_path("chromedriver"))
        else {
            skip(test, "chromium or chromedriver is not installed");
            return None;
        };
        let (server, base) = start_server();
        let port = free_port();
        let driver = spawn_group(
            Command::new(chromedriver)
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        );
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < WAIT, "chromedriver did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        let profile = tempfile::tempdir().expect("temp dir");
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1280,900",
            &format!("--user-data-dir={}", profile.path().display()),
        ];
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": args},
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!("a JSON object literal")
        };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a Chromium session");
        Some(Browser {
            client,
            base,
            _profile: profile,
            _driver: driver,
            _server: server,
        })
    }

    async fn open(&self, path_and_query: &str) {
        self.client
            .goto(&format!("{}{path_and_query}", self.base))
            .await
            .expect("page loads");
    }

    /// Waits until the page has rendered the results of `q`.
    async fn rendered(&self, q: &str) {
        let selector = format!(r#"body[data-state="done"][data-q="{q}"]"#);
        if let Err(e) = self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(&selector))
            .await
        {
            let state = self.js("return document.body.dataset.state + ' ' + document.body.dataset.q + ' | ' + document.body.innerText.slice(0, 400)").await;
            panic!("results of {q:?} never rendered ({e}); page: {state}");
        }
    }

    async fn js(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}: {script}"))
    }

    async fn text(&self, selector: &str) -> String {
        self.client
            .find(Locator::Css(selector))
            .await
            .unwrap_or_else(|e| panic!("no {selector}: {e}"))
            .text()
            .await
            .expect("element text")
    }

    async fn attr(&self, selector: &str, name: &str) -> String {
        self.client
            .find(Locator::Css(selector))
            .await
            .unwrap_or_else(|e| panic!("no {selector}: {e}"))
            .attr(name)
            .await
            .expect("attribute")
            .unwrap_or_default()
    }

    /// Waits until an element matching `selector` is on the page; `what` names it on failure.
    async fn shown(&self, selector: &str, what: &str) {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(selector))
            .await
            .unwrap_or_else(|e| panic!("{what} ({selector}): {e}"));
    }

    async fn click(&self, selector: &str) {
        self.client
            .find(Locator::Css(selector))
            .await
            .unwrap_or_else(|e| panic!("no {selector}: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("cannot click {selector}: {e}"));
    }

    /// The current URL's path and query, e.g. `/?q=…`.
    async fn location(&self) -> String {
        let url = self.client.current_url().await.expect("current URL");
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        }
    }

    async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("screenshot");
        let dir = util::root().join("target").join("screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot folder");
        let path = dir.join(name);
        std::fs::write(&path, png).expect("screenshot written");
        path
    }

    async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

/// Runs one browser scenario on a single-threaded runtime, one browser at a time.
fn run<F: std::future::Future<Output = ()>>(scenario: impl FnOnce() -> F) {
    let _guard = BROWSER_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(scenario());
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

#[test]
fn typing_a_query_shows_cited_highlighted_results_and_pdf_links_open_at_the_page() {
    run(|| async {
        let Some(b) = Browser::start("typing_a_query_shows_cited_highlighted_results").await else {
            return;
        };
        b.open("/").await;
        assert_eq!(b.attr("html", "lang").await, "fr", "French by default");
        b.client
            .find(Locator::Css("#q"))
            .await
            .expect("search box")
            .send_keys(QUERY)
            .await
            .expect("typing");
        b.rendered(QUERY).await;

        // The first result is the API's first hit, with its title, page link and marks.
        let api = &util::search(QUERY)[0]["source"];
        let page = api["page_start"].as_u64().expect("page");
        assert_eq!(
            b.text(".hit .hit-title").await,
            api["title"].as_str().expect("title")
        );
        let href = b.attr(".hit .hit-link", "href").await;
        let expected = format!(
            "/api/documents/{}/file#page={page}",
            api["doc_id"].as_str().expect("doc id")
        );
        assert!(
            href.ends_with(&expected),
            "{href} should end with {expected}"
        );
        let marks = b
            .js("return [...document.querySelectorAll('.hit:first-child .passage mark')].map(m => m.textContent.toLowerCase())")
            .await;
        assert!(
            marks
                .as_array()
                .expect("array")
                .iter()
                .any(|m| m.as_str().is_some_and(|m| m.contains("féminisation"))),
            "first passage marks {marks}"
        );
        assert!(b.text(".hit .meta").await.contains(&format!("p. {page}")));

        // The query is in the URL, so the search can be shared.
        assert_eq!(b.location().await, "/?q=taux+de+f%C3%A9minisation");

        let desktop = b.screenshot("desktop.png").await;
        b.client
            .set_window_size(390, 844)
            .await
            .expect("phone width");
        let width = b.js("return window.innerWidth").await;
        let overflow = b
            .js("return document.documentElement.scrollWidth - window.innerWidth")
            .await;
        assert!(
            overflow.as_i64() <= Some(0),
            "horizontal scroll at {width}px: {overflow}px"
        );
        let phone = b.screenshot("phone.png").await;
        let _ = writeln!(
            std::io::stderr(),
            "browser screenshots: {} and {} ({width}px wide)",
            desktop.display(),
            phone.display()
        );
        b.client
            .set_window_size(1280, 900)
            .await
            .expect("desktop width");

        // The link opens the PDF at the page; back returns to the results.
        b.click(".hit .hit-link").await;
        let started = Instant::now();
        let url = loop {
            let url = b.client.current_url().await.expect("url");
            if url.path().ends_with("/file") || started.elapsed() > WAIT {
                break url;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert!(url.path().starts_with("/api/documents/"), "{url}");
        assert_eq!(url.fragment(), Some(format!("page={page}").as_str()));
        b.client.back().await.expect("back");
        b.rendered(QUERY).await;
        let typed = b.js("return document.querySelector('#q').value").await;
        assert_eq!(typed, json!(QUERY));
        b.close().await;
    });
}

#[test]
fn document_filter_narrows_results_keeps_url_state_and_back_undoes_it() {
    run(|| async {
        let Some(b) = Browser::start("document_filter_narrows_results").await else {
            return;
        };
        let q = "Télécom Paris";
        b.open("/?q=T%C3%A9l%C3%A9com+Paris").await;
        b.rendered(q).await;
        // Facets list each document with its count; pick the second document.
        let options = b
            .js("return [...document.querySelectorAll('#f-doc input')].map(i => [i.value, i.nextElementSibling.querySelector('.count').textContent])")
            .await;
        let options = options.as_array().expect("array").clone();
        assert!(
            options.len() >= 3,
            "'all' and at least two documents: {options:?}"
        );
        b.screenshot("several-documents.png").await;
        let doc = options[2][0].as_str().expect("doc id").to_string();
        let count: usize = options[2][1]
            .as_str()
            .expect("count")
            .parse()
            .expect("number");
        b.click(&format!("label[for='doc-{doc}']")).await;
        b.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(&format!(
                "body[data-state='done'] .hit[data-doc='{doc}']"
            )))
            .await
            .expect("filtered results");
        assert_eq!(
            b.location().await,
            format!("/?q=T%C3%A9l%C3%A9com+Paris&doc={doc}")
        );
        let docs = b
            .js("return [...new Set([...document.querySelectorAll('.hit')].map(h => h.dataset.doc))]")
            .await;
        assert_eq!(docs, json!([doc]), "only the chosen document");
        let status = b.text("#status").await;
        assert!(
            status.starts_with(&format!("{count} passage")),
            "{status} vs facet {count}"
        );

        b.client.back().await.expect("back");
        b.rendered(q).await;
        assert_eq!(b.location().await, "/?q=T%C3%A9l%C3%A9com+Paris");
        let checked = b
            .js("return document.querySelector('#f-doc input:checked').value")
            .await;
        assert_eq!(checked, json!(""), "'all documents' is chosen again");
        b.close().await;
    });
}

#[test]
fn empty_states_offer_to_remove_the_filter_and_api_errors_are_shown() {
    run(|| async {
        let Some(b) = Browser::start("empty_states_offer_to_remove_the_filter").await else {
            return;
        };
        // A document that does not contain the words: say so and offer to drop the filter.
        b.open("/?q=taux+de+f%C3%A9minisation&doc=telecom-paris-ecosysteme")
            .await;
        b.rendered(QUERY).await;
        let empty = b.text("#empty").await;
        assert!(
            empty.contains("Aucun passage ne correspond à « taux de féminisation »"),
            "{empty}"
        );
        assert!(
            empty.contains("Le filtre « Écosystème » est actif"),
            "{empty}"
        );
        b.click("#empty .remove-filters").await;
        b.shown("body[data-state='done'] .hit", "results without the filter")
            .await;
        assert_eq!(b.location().await, "/?q=taux+de+f%C3%A9minisation");

        // Nothing anywhere: say so, with spelling advice rather than a blank page.
        b.open("/?q=zzqxv").await;
        b.rendered("zzqxv").await;
        assert!(b.text("#empty h2").await.contains("Aucun passage"));

        // An API error (unknown document) is a message, not a blank page.
        b.open("/?q=taux&doc=no-such-document").await;
        b.shown("body[data-state='error'] [role='alert']", "error message")
            .await;
        assert!(b.text("[role='alert']").await.contains("no-such-document"));
        b.close().await;
    });
}

#[test]
fn keyboard_context_and_english_interface() {
    run(|| async {
        let Some(b) = Browser::start("keyboard_context_and_english_interface").await else {
            return;
        };
        b.open("/?q=taux+de+f%C3%A9minisation").await;
        b.rendered(QUERY).await;
        // Arrow down from the search box walks the result links.
        let input = b.client.find(Locator::Css("#q")).await.expect("search box");
        input.send_keys("\u{E015}").await.expect("arrow down");
        let focused = b.js("return document.activeElement.className").await;
        assert_eq!(focused, json!("hit-link"));

        // "Show context" brings the neighbouring passages.
        b.click(".hit .context-toggle").await;
        b.shown(".hit .context .context-text", "neighbouring passages")
            .await;
        assert_eq!(
            b.attr(".hit .context-toggle", "aria-expanded").await,
            "true"
        );

        // English on demand, remembered across visits.
        b.click("#ui-lang").await;
        assert_eq!(b.attr("html", "lang").await, "en");
        assert!(b.text("#status").await.contains("found"));
        b.client.refresh().await.expect("reload");
        b.rendered(QUERY).await;
        assert_eq!(b.attr("html", "lang").await, "en");
        assert_eq!(
            b.attr(".hit .context-toggle", "aria-expanded").await,
            "false"
        );
        assert_eq!(b.text(".hit .context-toggle").await, "Show context");
        b.close().await;
    });
}

/// Result update latency as the page sees it: from the debounced search firing to the
/// results rendered (fetch + JSON + DOM), over a set of queries. Prints the median; the
/// assertion only guards against a page that stopped rendering.
#[test]
fn result_update_latency_is_reported() {
    run(|| async {
        let Some(b) = Browser::start("result_update_latency_is_reported").await else {
            return;
        };
        b.open("/").await;
        let queries = [
            "taux de féminisation",
            "13600 étudiants",
            "écoles partenaires",
            "mission statement",
            "raison d'être",
            "apprentissage",
            "38 %",
            "Télécom Paris",
            "innovation",
            "recherche partenariale",
            "international",
            "doctorants",
        ];
        for _round in 0..3 {
            for q in queries {
                let script = "const i = document.querySelector('#q'); i.value = arguments[0]; \
                              i.dispatchEvent(new Event('input'));";
                b.client
                    .execute(script, vec![json!(q)])
                    .await
                    .expect("typing");
                b.rendered(q).await;
            }
        }
        let timings = b.js("return window.sourcierTimings").await;
        let timings = timings.as_array().expect("timings");
        assert!(timings.len() >= 36, "{} searches timed", timings.len());
        let column = |key: &str| median(timings.iter().filter_map(|t| t[key].as_f64()).collect());
        // Baseline: the same API call from the page with nothing else going on.
        let bare = b
            .js("return (async () => { const out = []; for (let i = 0; i < 36; i++) { \
                 const t = performance.now(); \
                 await (await fetch('/api/search?limit=20&q=' + encodeURIComponent('taux de féminisation'))).json(); \
                 out.push(performance.now() - t); } return out; })()")
            .await;
        let bare: Vec<f64> = serde_json::from_value(bare).expect("bare timings");
        let _ = writeln!(
            std::io::stderr(),
            "browser result update, medians of {} searches: server {:.2} ms, fetch {:.1} ms, \
             fetch + render {:.1} ms (plus the {DEBOUNCE} ms typing debounce); a bare fetch \
             from the page: {:.1} ms",
            timings.len(),
            column("server"),
            column("fetch"),
            column("total"),
            median(bare),
        );
        b.close().await;
    });
}

/// A question gets the answer box (the answering sentence and its citation) above the results;
/// a figure gets the figures box with every place it is stated.
#[test]
fn questions_get_an_answer_and_figures_their_places() {
    run(|| async {
        let Some(b) = Browser::start("questions_get_an_answer_and_figures_their_places").await
        else {
            return;
        };
        let question = "Combien d'étudiants compte l'IMT ?";
        b.open(&format!(
            "/?q={}",
            question
                .replace(' ', "+")
                .replace('\'', "%27")
                .replace('?', "%3F")
        ))
        .await;
        b.rendered(question).await;
        b.shown(
            "#answer:not([hidden]) .answer-text",
            "the answer box appears",
        )
        .await;
        let answer = b.text("#answer .answer-text").await;
        assert!(answer.starts_with("13 600 étudiants"), "{answer}");
        let cited = b.attr("#answer a.citation", "href").await;
        assert!(cited.ends_with("/file#page=3"), "{cited}");
        b.screenshot("answer.png").await;

        // Switching the interface language redraws the results and keeps the answer.
        b.click("#ui-lang").await;
        b.shown(
            "#answer:not([hidden]) .answer-text",
            "the answer box is back after the language switch",
        )
        .await;
        assert!(b
            .text("#answer .answer-text")
            .await
            .starts_with("13 600 étudiants"));
        b.click("#ui-lang").await;

        let figure = "38 %";
        b.open("/?q=38+%25").await;
        b.rendered(figure).await;
        b.shown("#figures:not([hidden]) li", "the figures box appears")
            .await;
        let places = b.text("#figures").await;
        assert!(
            places.contains("38% du budget global provenant de ressources propres"),
            "{places}"
        );
        b.close().await;
    });
}
