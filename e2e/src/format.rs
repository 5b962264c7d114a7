//! How the demo and the benchmark print amounts and costs.

use crate::fixtures::TOKEN;

/// `amount` of the payment token in whole tokens with all 6 decimals.
pub fn tokens(amount: u128) -> String {
    format!("{}.{:06}", amount / TOKEN, amount % TOKEN)
}

/// Digits grouped by thousands, so costs of different magnitudes compare at a glance.
pub fn grouped(value: i128) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut out = String::from(if value < 0 { "-" } else { "" });
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}
