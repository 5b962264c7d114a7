//! The engines that execute the contract's policy: `model` (the reference model, fast) and
//! `drink` (the release bundles and the agents, every action a real contract call).

pub mod drink;
pub mod model;
