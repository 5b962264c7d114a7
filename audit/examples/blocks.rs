//! Grows a dev node's chain by a number of blocks, for measuring `scan` over many blocks: a dev
//! substrate-contracts-node seals one block per transaction, so this submits one
//! `System::remark` from Alice at a time and waits for its block before the next.
//!
//! ```sh
//! target/release/examples/blocks --url ws://127.0.0.1:9944 --blocks 2000
//! ```

use std::time::Instant;

use clap::Parser;
use subxt::backend::legacy::LegacyRpcMethods;
use subxt::backend::rpc::RpcClient;
use subxt::config::DefaultExtrinsicParamsBuilder;
use subxt::dynamic::Value;
use subxt::tx::TxStatus;
use subxt::{OnlineClient, SubstrateConfig};
use subxt_signer::sr25519::dev;

#[derive(Parser)]
struct Args {
    /// The node's WebSocket RPC endpoint.
    #[arg(long, default_value = "ws://127.0.0.1:9944")]
    url: String,
    /// How many blocks to add.
    #[arg(long, default_value_t = 2_000)]
    blocks: u64,
}

type Failure = Box<dyn std::error::Error>;

async fn grow(args: &Args) -> Result<(), Failure> {
    let rpc = RpcClient::from_insecure_url(&args.url).await?;
    let api = OnlineClient::<SubstrateConfig>::from_rpc_client(rpc.clone()).await?;
    let alice = dev::alice();
    // subxt would read the nonce at the last finalized block, which trails the best block the
    // previous remark went into: the node's next index counts that remark already.
    let first_nonce = LegacyRpcMethods::<SubstrateConfig>::new(rpc)
        .system_account_next_index(&alice.public_key().to_account_id())
        .await?;
    let started = Instant::now();
    for i in 0..args.blocks {
        let remark =
            subxt::dynamic::tx("System", "remark", vec![Value::from_bytes(i.to_le_bytes())]);
        let params = DefaultExtrinsicParamsBuilder::<SubstrateConfig>::new()
            .nonce(first_nonce + i)
            .build();
        let mut progress = api
            .tx()
            .sign_and_submit_then_watch(&remark, &alice, params)
            .await?;
        loop {
            match progress.next().await {
                Some(Ok(TxStatus::InBestBlock(_))) => break,
                Some(Ok(
                    TxStatus::Error { message }
                    | TxStatus::Invalid { message }
                    | TxStatus::Dropped { message },
                )) => return Err(format!("remark {i}: {message}").into()),
                Some(Ok(_)) => {}
                Some(Err(error)) => return Err(error.into()),
                None => return Err(format!("remark {i}: the node stopped reporting").into()),
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "added {} blocks in {seconds:.1} s ({:.0} blocks/s)",
        args.blocks,
        args.blocks as f64 / seconds.max(1e-9)
    );
    Ok(())
}

fn main() -> Result<(), Failure> {
    let args = Args::parse();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(grow(&args))
}
