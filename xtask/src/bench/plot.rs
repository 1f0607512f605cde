//! `bench/results.svg`: write latency against table size (app and baseline), start-up
//! time (backend and Python with boto3), the first view on a throttled network, and the
//! cold start through the Runtime API stand-in (backend and the tutorial's handler), and
//! comment writes and thread reads on a short and a long thread.

use std::path::Path;

use anyhow::{Result, anyhow};
use plotters::prelude::*;

use super::Results;

const APP: RGBColor = RGBColor(31, 95, 191);
const BASELINE: RGBColor = RGBColor(179, 38, 30);

pub fn draw(path: &Path, results: &Results) -> Result<()> {
    let root = SVGBackend::new(path, (1400, 1260)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| anyhow!("{e}"))?;
    let (top, rest) = root.split_vertically(420);
    let (bottom, comments) = rest.split_vertically(420);
    let (left, middle) = top.split_horizontally(800);
    let (right, cold) = bottom.split_horizontally(600);
    write_latency(&left, results).map_err(|e| anyhow!("plotting write latency: {e}"))?;
    let s = &results.startup;
    bars(
        &middle,
        "Exec to ready (median, bars p10 to p90)",
        &[
            ("backend (Rust)", &s.backend_ms, APP),
            ("Python + boto3", &s.python_boto3_ms, BASELINE),
        ],
    )
    .map_err(|e| anyhow!("plotting start-up: {e}"))?;
    let f = &results.first_view;
    bars(
        &right,
        "First view, throttled (median, p10 to p90)",
        &[
            ("sign-in button", &f.visitor_ms, APP),
            ("first post", &f.reader_ms, APP),
        ],
    )
    .map_err(|e| anyhow!("plotting the first view: {e}"))?;
    let c = &results.cold_start;
    bars(
        &cold,
        "Cold start via the Runtime API: exec to answer (median, p10 to p90)",
        &[
            ("GET /health", &c.health.response_ms, APP),
            ("GET /posts, token", &c.posts.response_ms, APP),
            ("Python tutorial", &c.python.response_ms, BASELINE),
        ],
    )
    .map_err(|e| anyhow!("plotting the cold start: {e}"))?;
    let labels: Vec<(String, &super::stats::Spread)> = results
        .comments
        .points
        .iter()
        .flat_map(|p| {
            [
                (
                    format!("create, {} on the post", p.thread_size),
                    &p.create_ms,
                ),
                (
                    format!("first page, {} on the post", p.thread_size),
                    &p.read_ms,
                ),
            ]
        })
        .collect();
    let comment_bars: Vec<(&str, &super::stats::Spread, RGBColor)> = labels
        .iter()
        .map(|(name, spread)| (name.as_str(), *spread, APP))
        .collect();
    bars(
        &comments,
        "Comments: write and thread page against thread size (median, p10 to p90)",
        &comment_bars,
    )
    .map_err(|e| anyhow!("plotting comments: {e}"))?;
    root.present().map_err(|e| anyhow!("{e}"))?;
    Ok(())
}

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;

fn write_latency(area: &Area, results: &Results) -> Result<(), Box<dyn std::error::Error>> {
    let points = &results.write_cost.points;
    let max_size = points.iter().map(|p| p.table_size).max().unwrap_or(1) as f64;
    let min_size = points.iter().map(|p| p.table_size).min().unwrap_or(1) as f64;
    let max_ms = points
        .iter()
        .map(|p| p.baseline_ms.p95.max(p.app_ms.p95))
        .fold(1.0, f64::max);
    let mut chart = ChartBuilder::on(area)
        .caption(
            "Create latency against table size (p50, bars to p95)",
            ("sans-serif", 18),
        )
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d(
            (min_size * 0.7..max_size * 1.4).log_scale(),
            (0.3f64..max_ms * 1.5).log_scale(),
        )?;
    chart
        .configure_mesh()
        .x_desc("posts in the table")
        .y_desc("ms")
        .light_line_style(WHITE)
        .draw()?;
    for (name, color, pick) in [
        (
            "app: counter + conditional put",
            APP,
            (|p: &super::WritePoint| &p.app_ms) as fn(&super::WritePoint) -> &super::stats::Spread,
        ),
        (
            "baseline: Scan COUNT + put",
            BASELINE,
            |p: &super::WritePoint| &p.baseline_ms,
        ),
    ] {
        let series: Vec<(f64, f64)> = points
            .iter()
            .map(|p| (p.table_size as f64, pick(p).median))
            .collect();
        chart
            .draw_series(LineSeries::new(series.clone(), color.stroke_width(2)))?
            .label(name)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
        chart.draw_series(
            series
                .iter()
                .map(|&(x, y)| Circle::new((x, y), 4, color.filled())),
        )?;
        chart.draw_series(points.iter().map(|p| {
            let s = pick(p);
            PathElement::new(
                vec![
                    (p.table_size as f64, s.median),
                    (p.table_size as f64, s.p95),
                ],
                color.stroke_width(1),
            )
        }))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .border_style(BLACK)
        .background_style(WHITE)
        .draw()?;
    Ok(())
}

/// One bar per measurement: its median, with a whisker from p10 to p90.
fn bars(
    area: &Area,
    caption: &str,
    bars: &[(&str, &super::stats::Spread, RGBColor)],
) -> Result<(), Box<dyn std::error::Error>> {
    let max = bars
        .iter()
        .map(|(_, spread, _)| spread.p90)
        .fold(1.0, f64::max)
        * 1.25;
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 18))
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d(0f64..bars.len() as f64, 0f64..max)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_labels(6)
        .y_desc("ms")
        .draw()?;
    for (i, (name, spread, color)) in bars.iter().enumerate() {
        let x = i as f64;
        let bar = Rectangle::new(
            [(x + 0.2, 0.0), (x + 0.8, spread.median)],
            color.mix(0.8).filled(),
        );
        chart.draw_series(std::iter::once(bar))?;
        let whisker = PathElement::new(
            vec![(x + 0.5, spread.p10), (x + 0.5, spread.p90)],
            BLACK.stroke_width(2),
        );
        chart.draw_series(std::iter::once(whisker))?;
        let label = format!("{name}: {:.1} ms", spread.median);
        let y = spread.p90.max(spread.median) + max * 0.06;
        chart.draw_series(std::iter::once(Text::new(
            label,
            (x + 0.05, y),
            ("sans-serif", 13),
        )))?;
    }
    Ok(())
}
