//! The agents on the embedded drink chain: a day of batches (and the same day killed at every
//! kind of step), every fault a live chain produces, and each promise the README makes about
//! the agents' behaviour.

mod day;
mod faults;
mod health;
mod lagging;
mod metrics;
mod promises;
mod sending;
mod support;
