//! Medians and spreads of repeated measurements.

use serde::Serialize;

/// A distribution of samples (milliseconds or bytes): median with the 10th and 90th
/// percentiles as its spread.
#[derive(Debug, Clone, Serialize)]
pub struct Spread {
    pub samples: usize,
    pub median: f64,
    pub p10: f64,
    pub p90: f64,
    pub p95: f64,
    pub p99: f64,
    pub min: f64,
    pub max: f64,
}

impl Spread {
    pub fn of(mut samples: Vec<f64>) -> Self {
        samples.sort_by(f64::total_cmp);
        let pick = |q: f64| percentile(&samples, q);
        Self {
            samples: samples.len(),
            median: pick(0.5),
            p10: pick(0.1),
            p90: pick(0.9),
            p95: pick(0.95),
            p99: pick(0.99),
            min: samples.first().copied().unwrap_or(f64::NAN),
            max: samples.last().copied().unwrap_or(f64::NAN),
        }
    }
}

/// Linear interpolation between closest ranks, on sorted samples.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        n => {
            let rank = q * (n - 1) as f64;
            let (lo, hi) = (rank.floor() as usize, rank.ceil() as usize);
            sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo as f64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_percentiles_interpolate() {
        let s = Spread::of(vec![4.0, 1.0, 3.0, 2.0, 5.0]);
        assert_eq!((s.median, s.min, s.max, s.samples), (3.0, 1.0, 5.0, 5));
        assert!((s.p10 - 1.4).abs() < 1e-9);
        assert!((s.p90 - 4.6).abs() < 1e-9);
        assert_eq!(Spread::of(vec![7.0]).median, 7.0);
    }
}
