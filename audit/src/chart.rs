//! The SVG chart: per month, each network's share of the month's requests and its fulfilment
//! rate.

use std::path::Path;

use plotters::prelude::*;
use proof_manager::ProvingNetwork;

use crate::error::{Error, Result};
use crate::month::Month;
use crate::report::{name, network_months};
use crate::timeline::History;

/// One month's figures, in percent.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthPoint {
    pub month: Month,
    pub requests: u64,
    /// Share of the month's requests assigned to Fermah and to Lagrange.
    pub share: [f64; 2],
    /// Share submitted with no assignee.
    pub unassigned_share: f64,
    /// Fulfilment rate, `None` for a network with no eligible request.
    pub fulfilment: [Option<f64>; 2],
}

/// The chart's data: every month from the first submission's to the last's.
pub fn points(history: &History) -> Vec<MonthPoint> {
    let window_end = history.window.map_or(0, |w| w.last.block_time_ms);
    crate::report::months_with_requests(history)
        .into_iter()
        .map(|month| {
            let (networks, unassigned) = network_months(history, month, window_end);
            let requests = networks.fermah.assigned + networks.lagrange.assigned + unassigned;
            let percent = |n: u64| {
                if requests == 0 {
                    0.0
                } else {
                    100.0 * n as f64 / requests as f64
                }
            };
            let of = |n: ProvingNetwork| networks.get(n);
            MonthPoint {
                month,
                requests,
                share: ProvingNetwork::ALL.map(|n| percent(of(n).assigned)),
                unassigned_share: percent(unassigned),
                fulfilment: ProvingNetwork::ALL.map(|n| of(n).fulfilment_rate.map(|r| 100.0 * r)),
            }
        })
        .collect()
}

const COLORS: [RGBColor; 2] = [RGBColor(0x1f, 0x77, 0xb4), RGBColor(0xe6, 0x7e, 0x22)];
const UNASSIGNED: RGBColor = RGBColor(0x99, 0x99, 0x99);

fn chart_error(path: &Path) -> impl Fn(String) -> Error + '_ {
    move |reason| Error::Chart {
        path: path.to_path_buf(),
        reason,
    }
}

/// Draws `points` to an SVG file at `path`.
pub fn draw(points: &[MonthPoint], path: &Path) -> Result<()> {
    draw_inner(points, path).map_err(chart_error(path))
}

fn draw_inner(points: &[MonthPoint], path: &Path) -> Result<(), String> {
    let fail = |e: &dyn std::fmt::Display| e.to_string();
    let width = 160 + 110 * points.len().max(3) as u32;
    let root = SVGBackend::new(path, (width, 720)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| fail(&e))?;
    let (title, body) = root.split_vertically(40);
    title
        .titled(
            "Proving networks per month (UTC, by submission time)",
            ("sans-serif", 22),
        )
        .map_err(|e| fail(&e))?;
    let (upper, lower) = body.split_vertically(340);
    let months = points.len().max(1);
    let x_range = -0.5..(months as f64 - 0.5);
    let label = |x: &f64| {
        let i = x.round();
        if (x - i).abs() > 1e-6 || i < 0.0 {
            return String::new();
        }
        points
            .get(i as usize)
            .map(|p| format!("{} ({} req.)", p.month, p.requests))
            .unwrap_or_default()
    };
    let any_unassigned = points.iter().any(|p| p.unassigned_share > 0.0);
    let bars = if any_unassigned { 3.0 } else { 2.0 };
    let bar_width = 0.8 / bars;

    let mut share = ChartBuilder::on(&upper)
        .caption("Share of the month's requests", ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(60)
        .build_cartesian_2d(x_range.clone(), 0.0..100.0)
        .map_err(|e| fail(&e))?;
    share
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(months)
        .x_label_formatter(&label)
        .y_labels(6)
        .y_label_formatter(&|y| format!("{y:.0}%"))
        .y_desc("share")
        .draw()
        .map_err(|e| fail(&e))?;
    let mut series: Vec<(&str, RGBColor, Vec<f64>)> = ProvingNetwork::ALL
        .iter()
        .map(|&n| {
            (
                name(n),
                COLORS[n as usize],
                points.iter().map(|p| p.share[n as usize]).collect(),
            )
        })
        .collect();
    if any_unassigned {
        series.push((
            "no assignee",
            UNASSIGNED,
            points.iter().map(|p| p.unassigned_share).collect(),
        ));
    }
    for (k, (label, color, values)) in series.into_iter().enumerate() {
        let offset = -0.4 + k as f64 * bar_width;
        share
            .draw_series(values.iter().enumerate().map(|(i, &v)| {
                let left = i as f64 + offset;
                Rectangle::new([(left, 0.0), (left + bar_width * 0.92, v)], color.filled())
            }))
            .map_err(|e| fail(&e))?
            .label(label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], color.filled()));
    }
    share
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
        .map_err(|e| fail(&e))?;

    let mut rate = ChartBuilder::on(&lower)
        .caption(
            "Fulfilment rate: validated / (assigned − refused at assignment)",
            ("sans-serif", 18),
        )
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(60)
        .build_cartesian_2d(x_range, 0.0..100.0)
        .map_err(|e| fail(&e))?;
    rate.configure_mesh()
        .disable_x_mesh()
        .x_labels(months)
        .x_label_formatter(&label)
        .y_labels(6)
        .y_label_formatter(&|y| format!("{y:.0}%"))
        .y_desc("fulfilment")
        .draw()
        .map_err(|e| fail(&e))?;
    for network in ProvingNetwork::ALL {
        let color = COLORS[network as usize];
        let values: Vec<(f64, f64)> = points
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.fulfilment[network as usize].map(|r| (i as f64, r)))
            .collect();
        rate.draw_series(LineSeries::new(values.clone(), color.stroke_width(2)))
            .map_err(|e| fail(&e))?
            .label(name(network))
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 14, y)], color.stroke_width(2)));
        rate.draw_series(
            values
                .iter()
                .map(|&(x, y)| Circle::new((x, y), 4, color.filled())),
        )
        .map_err(|e| fail(&e))?;
    }
    rate.configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
        .map_err(|e| fail(&e))?;
    root.present().map_err(|e| fail(&e))?;
    Ok(())
}
