#!/usr/bin/env bash
# The SDK as an integrator gets it: start anvil on a free port as a zero-gas chain and deploy the
# suite with Ignition, then `npm pack`, install the tarball into a fresh folder (offline from the npm
# cache where it can), and run a plain Node script (scripts/package/consumer.mjs) that imports
# `medchain/...` with no Hardhat and no tsx installed next to it. Ignition deploys and `npm pack`
# (build:sdk: contracts only) build with Hardhat's production profile, which hardhat.config.ts makes
# the same compilation as the default one, so after `npx hardhat build` neither recompiles.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

source scripts/e2e/nodes.sh
CHAIN_ID=$((20000 + RANDOM % 10000))
work=$(mktemp -d)
consumer="$work/consumer"
mkdir -p "$consumer"

anvil_pid=""
trap 'for p in $anvil_pid ${STARTED_PID:-}; do kill -- "-$p" 2>/dev/null; done; rm -rf "$work" "$root/ignition/deployments/chain-$CHAIN_ID"' EXIT

step() { printf '[package %3ss] %s\n' "$SECONDS" "$*"; }

start_node "$work/anvil.log" "$CHAIN_ID" npx anvil --chain-id "$CHAIN_ID" --gas-price 0 --base-fee 0 --silent
anvil_pid=$STARTED_PID
step "deploy the suite on anvil (port $STARTED_PORT, chain $CHAIN_ID)"
export CONSORTIUM_DEPLOYER_KEY=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
export CONSORTIUM_RPC_URL="http://127.0.0.1:${STARTED_PORT}"
export CONSORTIUM_CHAIN_ID=$CHAIN_ID
DEPLOYER=0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266
# The claims vault settles in a token: the test token first, then the suite (as an operator deploys it).
deploy() { HARDHAT_IGNITION_CONFIRM_DEPLOYMENT=true npx hardhat ignition deploy "$@" --network consortium < /dev/null > "$work/deploy.log" || { cat "$work/deploy.log"; exit 1; }; }
deploy ignition/modules/TestStablecoin.ts
token=$(node -e "console.log(require('./ignition/deployments/chain-$CHAIN_ID/deployed_addresses.json')['TestStablecoin#TestStablecoin'])")
step "test token deployed at $token; now the suite"
cat > "$work/params.json" <<JSON
{
  "Consortium": { "certifier": "$DEPLOYER", "governors": ["$DEPLOYER"], "threshold": 1, "votingPeriod": 86400 },
  "Claims": { "token": "$token" }
}
JSON
deploy ignition/modules/MedChain.ts --parameters "$work/params.json"

step "npm pack (builds dist/ first)"
tarball=$(npm pack --silent --pack-destination "$work" | tail -1)
step "packed $tarball: $(du -h "$work/$tarball" | cut -f1)"
if tar -tzf "$work/$tarball" | grep -qE '^package/(src|test|tasks|contracts)/'; then
  echo "package: the tarball ships sources it should not"; exit 1
fi

step "install the tarball into a fresh folder"
cat > "$consumer/package.json" <<JSON
{ "name": "medchain-consumer", "version": "1.0.0", "private": true, "type": "module" }
JSON
(cd "$consumer" && npm install --prefer-offline --no-audit --no-fund --loglevel=error "$work/$tarball")
for dev in hardhat tsx typescript; do
  if [ -e "$consumer/node_modules/$dev" ]; then echo "package: $dev was installed with the SDK"; exit 1; fi
done

step "run the plain Node consumer"
cp scripts/package/consumer.mjs "$consumer/"
cp test/fixtures/records/lakeview-visit-encounter.json "$work/encounter.json"
# The insurer signs with anvil's second dev key (a member's account is one member's only).
(cd "$consumer" && RPC_URL="$CONSORTIUM_RPC_URL" PRIVATE_KEY="$CONSORTIUM_DEPLOYER_KEY" \
  INSURER_KEY=0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d \
  PLAN="$root/test/fixtures/claims/plan.json" CLAIM="$root/test/fixtures/claims/visit-claim.json" \
  DEPLOYMENTS="$root/ignition/deployments" RECORD="$work/encounter.json" WORK="$work" node consumer.mjs)
step "done"
