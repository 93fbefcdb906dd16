//! Speed of the two hot paths on the default corpus, in one process:
//! - ingest (extract → segment → index) of `corpus/` into a temporary index;
//! - search through `Engine::search`, the function the HTTP API and the CLI call.
//!
//! Run: `cargo bench --bench speed` (release profile). Prints medians and p90s; the machine is
//! shared, so compare medians and the ratios printed, not single runs. As a reference in the
//! same process, each search is compared with a bare tantivy term lookup on the same index.
//!
//! With `SOURCIER_BENCH_QUERIES` (evaluation files, comma-separated, e.g.
//! `tests/eval/queries.jsonl,tests/eval/heldout.jsonl`), it instead runs every query of those
//! files `SOURCIER_BENCH_ROUNDS` times (default 20) after one ingest, and prints the median and
//! p99 per query: the realistic mix, in one process, for A/B comparisons and for profiling.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use sourcier::eval::{load_jsonl, EvalQuery};
use sourcier::ingest::{ingest, Quiet};
use sourcier::search::{Engine, SearchRequest};

/// The allocator the `sourcier` binary runs with, so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The page policy the `sourcier` binary runs with (transparent huge pages off; see its
/// `main.rs`), so the figures are the binary's.
fn disable_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: plain integers; changes only this process's page policy.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort_unstable();
    samples[samples.len() / 2]
}

fn percentile(mut samples: Vec<Duration>, p: f64) -> Duration {
    samples.sort_unstable();
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[i]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

const QUERIES: &[&str] = &[
    "taux de féminisation",
    "feminisation",
    "écoles partenaires",
    "13600 étudiants",
    "38 %",
    "\"innover et entreprendre\"",
    "When did the board adopt IMT's mission statement?",
    "Quels sont les objectifs de l'IMT en matière d'apprentissage ?",
    // a quantity question: its best 30 passages are scored again
    "Combien de doctorants Télécom Paris prévoit-elle d'accueillir en 2027 ?",
];

/// Every query of the evaluation files, `rounds` times each, as the evaluation asks them.
fn eval_queries(engine: &Engine, files: &str, rounds: usize) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut queries: Vec<EvalQuery> = Vec::new();
    for file in files.split(',').filter(|f| !f.is_empty()) {
        queries.extend(load_jsonl::<EvalQuery>(&root.join(file)).expect("evaluation file"));
    }
    let requests: Vec<SearchRequest> = queries
        .iter()
        .map(|q| SearchRequest {
            limit: 10,
            ..SearchRequest::new(q.query.clone())
        })
        .collect();
    let mut samples = Vec::with_capacity(requests.len() * rounds);
    for _ in 0..rounds {
        for request in &requests {
            let t = Instant::now();
            std::hint::black_box(engine.search(request).expect("search"));
            samples.push(t.elapsed());
        }
    }
    let total: Duration = samples.iter().sum();
    println!(
        "{} queries x {rounds}: median {:.3} ms, p99 {:.3} ms, mean {:.3} ms",
        requests.len(),
        ms(median(samples.clone())),
        ms(percentile(samples.clone(), 0.99)),
        ms(total) / samples.len() as f64
    );
}

fn main() {
    disable_transparent_huge_pages();
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus");
    if let Ok(files) = std::env::var("SOURCIER_BENCH_QUERIES") {
        let rounds: usize = std::env::var("SOURCIER_BENCH_ROUNDS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(20);
        let dir = tempfile::tempdir().expect("temp dir");
        ingest(&corpus, dir.path(), &Quiet).expect("ingest");
        let engine = Engine::open(dir.path()).expect("open");
        eval_queries(&engine, &files, rounds);
        return;
    }
    let runs: usize = std::env::var("SOURCIER_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7);
    let dir = tempfile::tempdir().expect("temp dir");
    let mut ingest_times = Vec::new();
    let mut passages = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let report = ingest(&corpus, dir.path(), &Quiet).expect("ingest");
        ingest_times.push(t.elapsed());
        passages = report.passages;
    }
    println!(
        "ingest corpus/ ({passages} passages): median {:.1} ms, min {:.1} ms over {runs} runs",
        ms(median(ingest_times.clone())),
        ms(*ingest_times.iter().min().expect("runs"))
    );

    let engine = Engine::open(dir.path()).expect("open");
    let iterations = 300;
    let mut all = Vec::new();
    println!(
        "\n{:<66} {:>10} {:>10}",
        "search (in process)", "median", "p90"
    );
    for q in QUERIES {
        let request = SearchRequest::new(*q);
        engine.search(&request).expect("warm-up");
        let mut samples = Vec::with_capacity(iterations);
        for _ in 0..iterations {
            let t = Instant::now();
            let response = engine.search(&request).expect("search");
            samples.push(t.elapsed());
            std::hint::black_box(response);
        }
        println!(
            "{:<66} {:>8.3}ms {:>8.3}ms",
            q,
            ms(median(samples.clone())),
            ms(percentile(samples.clone(), 0.9))
        );
        all.extend(samples);
    }
    println!(
        "{:<66} {:>8.3}ms {:>8.3}ms",
        "all queries",
        ms(median(all.clone())),
        ms(percentile(all.clone(), 0.9))
    );

    // Reference: the cheapest possible lookup (one exact term, top 10, no highlighting).
    let reference = SearchRequest::new("IMT");
    let mut samples = Vec::new();
    for _ in 0..iterations {
        let t = Instant::now();
        std::hint::black_box(engine.search(&reference).expect("search"));
        samples.push(t.elapsed());
    }
    let reference_median = median(samples);
    println!(
        "\nreference one-word search `IMT`: median {:.3} ms; full query set / reference = {:.2}",
        ms(reference_median),
        median(all).as_secs_f64() / reference_median.as_secs_f64()
    );
}
