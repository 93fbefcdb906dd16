fn main() {
    let path = std::env::args().nth(1).expect("path");
    let bytes = std::fs::read(&path).expect("read");
    let e = sourcier::extract::extract(std::path::Path::new(&path), &bytes).expect("extract");
    println!("title={:?} warnings={:?}", e.title, e.warnings);
    for p in &e.pages {
        println!("=== page {}", p.number);
        for b in &p.blocks {
            println!("[{:?}] {}", b.kind, p.block_text(b));
        }
    }
}
