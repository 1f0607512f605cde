//! The results as the Markdown table the performance page quotes.

use super::Results;
use super::stats::Spread;

pub(super) fn kb(bytes: u64) -> String {
    format!("{:.1} kB", bytes as f64 / 1000.0)
}

pub(super) fn ms(spread: &Spread) -> String {
    format!(
        "{:.1} ms (p10 {:.1}, p90 {:.1}, n={})",
        spread.median, spread.p10, spread.p90, spread.samples
    )
}

pub(super) fn print_table(r: &Results) {
    println!();
    println!("| measurement | result |");
    println!("|---|---|");
    for f in &r.first_load.files {
        println!(
            "| `{}` raw / gzip / brotli | {} / {} / {} |",
            f.file,
            kb(f.raw),
            kb(f.gzip),
            kb(f.brotli)
        );
    }
    let t = &r.first_load.total;
    println!(
        "| **first load** (html, js, wasm, css, config) raw / gzip / brotli | {} / {} / **{}** |",
        kb(t.raw),
        kb(t.gzip),
        kb(t.brotli)
    );
    let f = &r.first_view;
    println!(
        "| first view, throttled, cold ({} runs): visitor's sign-in button · reader's first post | {} · **{}** |",
        f.runs,
        ms(&f.visitor_ms),
        ms(&f.reader_ms)
    );
    let s = &r.startup;
    println!(
        "| backend: exec to first `/health` 200 | {} |",
        ms(&s.backend_ms)
    );
    println!(
        "| backend: peak memory over {} authenticated requests | {:.1} MiB ({:.0} req/s) |",
        s.burst_requests,
        s.backend_peak_rss_kib as f64 / 1024.0,
        s.burst_requests as f64 / s.burst_seconds
    );
    println!(
        "| Python: exec to boto3 DynamoDB resource | {} |",
        ms(&s.python_boto3_ms)
    );
    println!(
        "| Python: peak memory | {:.1} MiB |",
        s.python_boto3_peak_rss_kib as f64 / 1024.0
    );
    let c = &r.cold_start;
    for (name, runs) in [
        ("backend, `GET /health`", &c.health),
        ("backend, `GET /posts` with a token", &c.posts),
        (
            "Python tutorial handler (awslambdaric), `POST /post`",
            &c.python,
        ),
    ] {
        println!(
            "| cold start via the Runtime API, {name}: exec → event asked · → answered · peak memory | {} · **{}** · {:.1} MiB |",
            ms(&runs.next_ms),
            ms(&runs.response_ms),
            runs.peak_rss_kib.median / 1024.0
        );
    }
    for p in &r.write_cost.points {
        println!(
            "| create at {} posts: app p50 / p95 · baseline p50 / p95 | {:.1} / {:.1} ms · {:.1} / {:.1} ms |",
            p.table_size, p.app_ms.median, p.app_ms.p95, p.baseline_ms.median, p.baseline_ms.p95
        );
    }
    let sizes = &r.write_cost.points;
    if let (Some(first), Some(last)) = (sizes.first(), sizes.last()) {
        println!(
            "| create p50 ratio {} : {} posts, app · baseline | **{:.2}** · {:.2} |",
            last.table_size, first.table_size, r.write_cost.app_ratio, r.write_cost.baseline_ratio
        );
    }
    let c = &r.concurrency;
    for (name, o) in [("app", &c.app), ("baseline", &c.baseline)] {
        println!(
            "| {} writers × {} posts, {name}: stored / lost / duplicate ids | {} / {} / {} |",
            c.writers, c.posts_per_writer, o.stored, o.lost, o.duplicate_ids
        );
    }
    let m = &r.comments;
    for p in &m.points {
        println!(
            "| comments on a post with {}: create p50 / p95 · first page p50 / p95 | {:.1} / {:.1} ms · {:.1} / {:.1} ms |",
            p.thread_size, p.create_ms.median, p.create_ms.p95, p.read_ms.median, p.read_ms.p95
        );
    }
    println!(
        "| comments p50 ratio, largest : smallest thread, create · first page | **{:.2}** · **{:.2}** |",
        m.create_ratio, m.read_ratio
    );
    println!(
        "| {} people commenting on one post at once: stored / counted | {} / {} |",
        m.writers, m.stored, m.counted
    );
    let h = &r.hot_thread;
    for (name, run) in [("calm", &h.calm), ("conflicts", &h.busy)] {
        println!(
            "| hot thread, {} at once, {name} ({} cancelled): stored / counted · p50 / p99 | {} / {} · {:.1} / **{:.1}** ms |",
            h.writers,
            run.cancelled,
            run.stored,
            run.counted,
            run.latency_ms.median,
            run.latency_ms.p99
        );
    }
    println!(
        "| package ({}): binary / zipped | {} / **{}** |",
        r.package.target,
        kb(r.package.binary_bytes),
        kb(r.package.zip_bytes)
    );
    println!(
        "| package ({}): binary / zipped | {} / **{}** |",
        r.package_arm64.target,
        kb(r.package_arm64.binary_bytes),
        kb(r.package_arm64.zip_bytes)
    );
    println!();
}
