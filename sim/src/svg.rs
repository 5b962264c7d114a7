//! The plots `--svg-dir` writes: per policy the monthly share of assignments per network
//! (grouped bars), the latency CDF of every policy in one chart, and for `sweep` the cost per
//! validated batch against the fallback rate (one line per policy, points labelled by value).

use std::path::{Path, PathBuf};

use plotters::prelude::*;

use crate::error::{Error, Result};
use crate::metrics::Summary;
use crate::report::Comparison;
use crate::sweep::Sweep;

const COLORS: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
];

fn fail(path: &Path) -> impl Fn(String) -> Error + '_ {
    move |message| Error::Write {
        file: path.to_path_buf(),
        message,
    }
}

fn text<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

/// The month's share of each network under one policy.
fn share_chart(summary: &Summary, path: &Path) -> std::result::Result<(), String> {
    let mut months: Vec<&str> = summary.months.iter().map(|m| m.month.as_str()).collect();
    months.dedup();
    let mut networks: Vec<&str> = Vec::new();
    for m in &summary.months {
        if !networks.contains(&m.network.as_str()) {
            networks.push(&m.network);
        }
    }
    let width = 220 + 110 * months.len().max(3) as u32;
    let root = SVGBackend::new(path, (width, 480)).into_drawing_area();
    root.fill(&WHITE).map_err(text)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("Share of assignments per month: {}", summary.policy),
            ("sans-serif", 20),
        )
        .margin(14)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .build_cartesian_2d(-0.5..(months.len() as f64 - 0.5), 0.0..105.0)
        .map_err(text)?;
    let labels = months.clone();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(months.len().max(1))
        .x_label_formatter(&|x| {
            let i = x.round();
            if (x - i).abs() > 1e-6 || i < 0.0 {
                return String::new();
            }
            labels
                .get(i as usize)
                .map_or(String::new(), |m| m.to_string())
        })
        .y_desc("share of the month's assignments")
        .y_label_formatter(&|y| format!("{y:.0}%"))
        .draw()
        .map_err(text)?;
    let bar = 0.8 / networks.len().max(1) as f64;
    for (k, network) in networks.iter().enumerate() {
        let color = COLORS[k % COLORS.len()];
        let bars = months.iter().enumerate().filter_map(|(i, month)| {
            let m = summary
                .months
                .iter()
                .find(|m| m.month == *month && m.network == *network)?;
            let x0 = i as f64 - 0.4 + k as f64 * bar;
            Some(Rectangle::new(
                [(x0, 0.0), (x0 + bar * 0.92, m.share * 100.0)],
                color.filled(),
            ))
        });
        chart
            .draw_series(bars)
            .map_err(text)?
            .label(network.to_string())
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], color.filled()));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(text)?;
    root.present().map_err(text)
}

/// Every policy's submit→validated latency CDF.
fn cdf_chart(c: &Comparison, path: &Path) -> std::result::Result<(), String> {
    let max_min = c
        .policies
        .iter()
        .filter_map(|s| s.latency_cdf.last().map(|(ms, _)| *ms as f64 / 60_000.0))
        .fold(1.0f64, f64::max);
    let root = SVGBackend::new(path, (860, 520)).into_drawing_area();
    root.fill(&WHITE).map_err(text)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!(
                "Batch submit → validated latency, {} ({} days)",
                c.scenario, c.days
            ),
            ("sans-serif", 20),
        )
        .margin(14)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d(0.0..max_min * 1.05, 0.0..100.0)
        .map_err(text)?;
    chart
        .configure_mesh()
        .x_desc("minutes (network proof validated, or fallback proof done)")
        .y_desc("batches done within")
        .y_label_formatter(&|y| format!("{y:.0}%"))
        .draw()
        .map_err(text)?;
    for (k, s) in c.policies.iter().enumerate() {
        let color = COLORS[k % COLORS.len()];
        let points = s
            .latency_cdf
            .iter()
            .map(|(ms, f)| (*ms as f64 / 60_000.0, f * 100.0));
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(2)))
            .map_err(text)?
            .label(format!("{} ({})", s.policy, s.engine))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .position(SeriesLabelPosition::LowerRight)
        .draw()
        .map_err(text)?;
    root.present().map_err(text)
}

fn sweep_chart(s: &Sweep, path: &Path) -> std::result::Result<(), String> {
    let points = s.points.iter().flat_map(|p| &p.comparison.policies);
    let (mut max_x, mut max_y) = (0.01f64, 0.01f64);
    for p in points {
        max_x = max_x.max(p.fallback_rate * 100.0);
        max_y = max_y.max(p.cost_per_validated_batch / 1e6);
    }
    let root = SVGBackend::new(path, (860, 540)).into_drawing_area();
    root.fill(&WHITE).map_err(text)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!(
                "Cost against fallback rate, sweeping {} ({})",
                s.param, s.scenario
            ),
            ("sans-serif", 20),
        )
        .margin(14)
        .x_label_area_size(40)
        .y_label_area_size(64)
        .build_cartesian_2d(0.0..max_x * 1.15, 0.0..max_y * 1.15)
        .map_err(text)?;
    chart
        .configure_mesh()
        .x_desc("fallback rate")
        .x_label_formatter(&|x| format!("{x:.0}%"))
        .y_desc("cost per validated batch (tokens)")
        .draw()
        .map_err(text)?;
    let policies: Vec<String> = s
        .points
        .first()
        .map(|p| {
            p.comparison
                .policies
                .iter()
                .map(|x| x.policy.clone())
                .collect()
        })
        .unwrap_or_default();
    for (k, policy) in policies.iter().enumerate() {
        let color = COLORS[k % COLORS.len()];
        let series: Vec<(f64, f64, String)> = s
            .points
            .iter()
            .filter_map(|p| {
                let x = p.comparison.policies.iter().find(|x| &x.policy == policy)?;
                Some((
                    x.fallback_rate * 100.0,
                    x.cost_per_validated_batch / 1e6,
                    p.value.clone(),
                ))
            })
            .collect();
        chart
            .draw_series(LineSeries::new(
                series.iter().map(|(x, y, _)| (*x, *y)),
                color.stroke_width(2),
            ))
            .map_err(text)?
            .label(policy.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
            });
        chart
            .draw_series(series.iter().map(|(x, y, value)| {
                EmptyElement::at((*x, *y))
                    + Circle::new((0, 0), 4, color.filled())
                    + plotters::element::Text::new(value.clone(), (6, -14), ("sans-serif", 13))
            }))
            .map_err(text)?;
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperLeft)
        .draw()
        .map_err(text)?;
    root.present().map_err(text)
}

/// The files of a comparison: `share-<policy>.svg` each, `latency-cdf.svg`.
pub fn comparison(c: &Comparison, dir: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|e| fail(dir)(e.to_string()))?;
    let mut written = Vec::new();
    for s in &c.policies {
        let path = dir.join(format!("share-{}.svg", s.policy));
        share_chart(s, &path).map_err(fail(&path))?;
        written.push(path);
    }
    let path = dir.join("latency-cdf.svg");
    cdf_chart(c, &path).map_err(fail(&path))?;
    written.push(path);
    Ok(written)
}

/// The sweep's `sweep-cost-vs-fallback.svg`.
pub fn sweep(s: &Sweep, dir: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|e| fail(dir)(e.to_string()))?;
    let path = dir.join("sweep-cost-vs-fallback.svg");
    sweep_chart(s, &path).map_err(fail(&path))?;
    Ok(vec![path])
}
