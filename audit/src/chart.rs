//! The SVG chart: per month, each network's share of the month's requests and its fulfilment
//! rate.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
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
    let width = 160 + 150 * points.len().max(4) as u32;
    let root = SVGBackend::new(path, (width, 760)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| fail(&e))?;
    let (head, body) = root.split_vertically(56);
    let title = head
        .titled(
            "Proving networks per month (UTC, by submission time)",
            ("sans-serif", 22),
        )
        .map_err(|e| fail(&e))?;
    let any_unassigned = points.iter().any(|p| p.unassigned_share > 0.0);
    let mut legend: Vec<(&str, RGBColor)> = ProvingNetwork::ALL
        .iter()
        .map(|&n| (name(n), COLORS[n as usize]))
        .collect();
    if any_unassigned {
        legend.push(("no assignee (no preferred network set)", UNASSIGNED));
    }
    // One legend for both panels, above them, where it cannot cover a bar or a point.
    let mut x = 70;
    for (label, color) in legend {
        title
            .draw(&Rectangle::new([(x, 8), (x + 16, 22)], color.filled()))
            .map_err(|e| fail(&e))?;
        title
            .draw(&Text::new(label, (x + 22, 8), ("sans-serif", 15)))
            .map_err(|e| fail(&e))?;
        x += 40 + 8 * label.len() as i32;
    }
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
    let bars = if any_unassigned { 3.0 } else { 2.0 };
    let bar_width = 0.8 / bars;

    let mut share = ChartBuilder::on(&upper)
        .caption("Share of the month's requests", ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(60)
        .build_cartesian_2d(x_range.clone(), 0.0..110.0)
        .map_err(|e| fail(&e))?;
    share
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(months)
        .x_label_formatter(&label)
        .y_labels(12)
        .y_label_formatter(&|y| {
            if *y > 100.0 {
                String::new()
            } else {
                format!("{y:.0}%")
            }
        })
        .y_desc("share")
        .draw()
        .map_err(|e| fail(&e))?;
    let mut series: Vec<(RGBColor, Vec<f64>)> = ProvingNetwork::ALL
        .iter()
        .map(|&n| {
            (
                COLORS[n as usize],
                points.iter().map(|p| p.share[n as usize]).collect(),
            )
        })
        .collect();
    if any_unassigned {
        series.push((
            UNASSIGNED,
            points.iter().map(|p| p.unassigned_share).collect(),
        ));
    }
    for (k, (color, values)) in series.into_iter().enumerate() {
        let offset = -0.4 + k as f64 * bar_width;
        share
            .draw_series(values.iter().enumerate().map(|(i, &v)| {
                let left = i as f64 + offset;
                Rectangle::new([(left, 0.0), (left + bar_width * 0.92, v)], color.filled())
            }))
            .map_err(|e| fail(&e))?;
        share
            .draw_series(values.iter().enumerate().map(|(i, &v)| {
                let center = i as f64 + offset + bar_width * 0.46;
                Text::new(
                    format!("{v:.0}%"),
                    (center, v),
                    ("sans-serif", 13)
                        .into_font()
                        .color(&BLACK)
                        .pos(Pos::new(HPos::Center, VPos::Bottom)),
                )
            }))
            .map_err(|e| fail(&e))?;
    }

    let mut rate = ChartBuilder::on(&lower)
        .caption(
            "Fulfilment rate: validated / (assigned − refused at assignment)",
            ("sans-serif", 18),
        )
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(60)
        .build_cartesian_2d(x_range, 0.0..110.0)
        .map_err(|e| fail(&e))?;
    rate.configure_mesh()
        .disable_x_mesh()
        .x_labels(months)
        .x_label_formatter(&label)
        .y_labels(12)
        .y_label_formatter(&|y| {
            if *y > 100.0 {
                String::new()
            } else {
                format!("{y:.0}%")
            }
        })
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
            .map_err(|e| fail(&e))?;
        rate.draw_series(
            values
                .iter()
                .map(|&(x, y)| Circle::new((x, y), 4, color.filled())),
        )
        .map_err(|e| fail(&e))?;
        // The higher rate of a month is labelled above its point, the lower one below, so two
        // close rates do not print over each other or over the lines.
        rate.draw_series(points.iter().enumerate().filter_map(|(i, p)| {
            let own = p.fulfilment[network as usize]?;
            let other = p.fulfilment[network.other() as usize];
            let above =
                other.is_none_or(|o| own > o || (own == o && network == ProvingNetwork::Fermah));
            let (y, v) = if above {
                (own + 2.5, VPos::Bottom)
            } else {
                (own - 2.5, VPos::Top)
            };
            Some(Text::new(
                format!("{own:.1}%"),
                (i as f64, y),
                ("sans-serif", 13)
                    .into_font()
                    .color(&color)
                    .pos(Pos::new(HPos::Center, v)),
            ))
        }))
        .map_err(|e| fail(&e))?;
    }
    root.present().map_err(|e| fail(&e))?;
    Ok(())
}
