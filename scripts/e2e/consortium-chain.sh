#!/usr/bin/env bash
# End-to-end on a chain that is not Hardhat's: starts anvil as a stand-in consortium chain with
# zero gas price and its own chain id, deploys the registry with Ignition through the `consortium`
# network (URL, chain id and deployer key from the environment, as an operator would configure
# them), then admits a member and rotates a key with the operator tasks. Each new operating key
# signs its own proof of key (`prove-account`, run with that key as the network's key, as its
# holder would on its own machine) before it is bound.
set -euo pipefail
cd "$(dirname "$0")/../.."

# Reads all of its input before matching, so the command piped into it never writes to a closed pipe.
contains() { local out; out=$(cat); grep -q "$@" <<<"$out"; }
# Nodes on free loopback ports (another process may hold 8545 or any fixed port).
source scripts/e2e/nodes.sh
CHAIN_ID=7077
# anvil's first well-known development key (never use it on a real chain)
export CONSORTIUM_DEPLOYER_KEY=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
export CONSORTIUM_CHAIN_ID=$CHAIN_ID
DEPLOYER=0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266
HOSPITAL=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
SPARE=0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC
FOURTH=0x90F79bf6EB2c4f870365E785982E1f101E93b906
# anvil's second and third development keys: the hospital's and its spare key's holders
HOSPITAL_KEY=0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d
SPARE_KEY=0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a

work=$(mktemp -d)
# The session leaders to stop on exit: anvil, the gateway, the hardhat node.
started=()
trap 'for p in "${started[@]}" ${STARTED_PID:-}; do kill -- "-$p" 2>/dev/null || true; done; rm -rf "$work" "ignition/deployments/chain-$CHAIN_ID"' EXIT
start_node "$work/anvil.log" "$CHAIN_ID" npx anvil --chain-id "$CHAIN_ID" --gas-price 0 --base-fee 0 --silent
started+=("$STARTED_PID")
export CONSORTIUM_RPC_URL="http://127.0.0.1:${STARTED_PORT}"

# A one-operator consortium: the deployer is certifier and sole governor (1-of-1).
cat > "$work/params.json" <<JSON
{ "Consortium": { "certifier": "$DEPLOYER", "governors": ["$DEPLOYER"], "threshold": 1, "votingPeriod": 86400 } }
JSON
rm -rf "ignition/deployments/chain-$CHAIN_ID"
# Non-interactive: an operator script confirms the deployment explicitly.
HARDHAT_IGNITION_CONFIRM_DEPLOYMENT=true npx hardhat ignition deploy ignition/modules/Consortium.ts \
  --network consortium --parameters "$work/params.json" < /dev/null
test -f "ignition/deployments/chain-$CHAIN_ID/deployed_addresses.json"

echo "registration documents of an invented hospital" > "$work/docs.txt"
N="--network consortium"
# The applicant's key agrees to operate for E2E-HOSP; the certifier submits its proof.
CONSORTIUM_DEPLOYER_KEY=$HOSPITAL_KEY npx hardhat consortium prove-account --member E2E-HOSP --out "$work/hospital.proof.json" $N
npx hardhat consortium certify --code E2E-HOSP --kinds Hospital --account "$HOSPITAL" --until 2099-01-01 --documents "$work/docs.txt" --proof "$work/hospital.proof.json" $N
npx hardhat consortium vote --proposal 1 $N
npx hardhat consortium execute --proposal 1 $N
# Key rotation: the spare key proves itself for E2E-HOSP; the hospital adds it with that proof.
CONSORTIUM_DEPLOYER_KEY=$SPARE_KEY npx hardhat consortium prove-account --member E2E-HOSP --out "$work/spare.proof.json" $N
CONSORTIUM_DEPLOYER_KEY=$HOSPITAL_KEY npx hardhat consortium account --add "$SPARE" --proof "$work/spare.proof.json" $N
members=$(npx hardhat consortium members $N)
echo "$members"
echo "$members" | contains -E "Hospital +Active" || { echo "e2e: the hospital was not admitted"; exit 1; }
echo "$members" | contains "$SPARE" || { echo "e2e: the rotated key was not added"; exit 1; }

# A refused call must print one line naming the problem and fail.
if out=$(npx hardhat consortium vote --proposal 1 $N 2>&1); then echo "e2e: a second vote was accepted"; exit 1; fi
echo "$out" | contains "ConsortiumProposalAlreadyExecuted" || { echo "e2e: unexpected error: $out"; exit 1; }
# Wrong address, unknown member, insufficient rights: one line each, naming the problem, non-zero exit.
expect_error() {
  local pattern=$1; shift
  local out
  if out=$("$@" 2>&1); then echo "e2e: accepted: $*"; exit 1; fi
  [ "$(printf '%s\n' "$out" | grep -c .)" -eq 1 ] || { echo "e2e: not one line: $out"; exit 1; }
  printf '%s\n' "$out" | grep -qF -- "$pattern" || { echo "e2e: expected $pattern, got: $out"; exit 1; }
  echo "refused as expected: $out"
}
expect_error '--account: "0x12" is not an address' \
  npx hardhat consortium certify --code X --kinds Hospital --account 0x12 --until 2099-01-01 --documents "$work/docs.txt" --proof "$work/hospital.proof.json" $N
expect_error 'ConsortiumUnknownMember' npx hardhat consortium renew --member NO-SUCH-CODE --until 2099-01-01 $N
expect_error 'needs its proof of key' npx hardhat consortium account --add "$SPARE" $N
# A proof is for the member it names: certifying another applicant with it is refused before sending.
expect_error 'memberId: the proof binds the account to member' \
  npx hardhat consortium certify --code E2E-OTHER --kinds Hospital --until 2099-01-01 --documents "$work/docs.txt" --proof "$work/hospital.proof.json" $N
# On chain, a member cannot bind a key it does not hold: the hospital's spare key forges the proof
# of a fourth, unused key (signing that key's binding itself); the registry refuses it.
node --input-type=module -e "
  import { readFileSync, writeFileSync } from 'node:fs';
  import { ethers } from 'ethers';
  const p = JSON.parse(readFileSync('$work/spare.proof.json', 'utf8'));
  const forger = new ethers.Wallet('$SPARE_KEY');
  const domain = { name: 'MedChain ConsortiumRegistry', version: '1', chainId: BigInt(p.chainId), verifyingContract: p.registry };
  const types = { AccountBinding: [['memberId', 'bytes32'], ['account', 'address'], ['nonce', 'uint256'], ['deadline', 'uint256']].map(([name, type]) => ({ name, type })) };
  const forged = { memberId: p.memberId, account: '$FOURTH', nonce: 0n, deadline: BigInt(p.deadline) };
  const signature = await forger.signTypedData(domain, types, forged);
  writeFileSync('$work/forged.proof.json', JSON.stringify({ ...p, account: '$FOURTH', nonce: '0', signature }));
"
(
  export CONSORTIUM_DEPLOYER_KEY=$SPARE_KEY
  expect_error "ConsortiumInvalidAccountProof(account=$FOURTH" \
    npx hardhat consortium account --add "$FOURTH" --proof "$work/forged.proof.json" $N
) || exit 1
echo "e2e: the consortium chain (anvil, chain $CHAIN_ID, zero gas price) runs the registry and its tasks"

# The rest of the suite on the same chain, reusing the registry deployment: records, provenance and
# claims (settling in the test token). The deployer then joins as a hospital and manufacturer.
HARDHAT_IGNITION_CONFIRM_DEPLOYMENT=true npx hardhat ignition deploy ignition/modules/TestStablecoin.ts --network consortium < /dev/null
token=$(node -e "console.log(require('./ignition/deployments/chain-$CHAIN_ID/deployed_addresses.json')['TestStablecoin#TestStablecoin'])")
cat > "$work/params.json" <<JSON
{
  "Consortium": { "certifier": "$DEPLOYER", "governors": ["$DEPLOYER"], "threshold": 1, "votingPeriod": 86400 },
  "Claims": { "token": "$token" }
}
JSON
HARDHAT_IGNITION_CONFIRM_DEPLOYMENT=true npx hardhat ignition deploy ignition/modules/MedChain.ts \
  --network consortium --parameters "$work/params.json" < /dev/null
for id in Records#RecordRegistry Provenance#DrugProvenance Claims#ClaimsPlans Claims#ClaimsEngine Claims#SettlementVault \
  Genomics#GenomicDatasets Genomics#GenomicQueries Genomics#VariantInterpretations; do
  grep -q "\"$id\"" "ignition/deployments/chain-$CHAIN_ID/deployed_addresses.json" || { echo "e2e: $id not deployed"; exit 1; }
done
npx hardhat consortium prove-account --member E2E-OPS --out "$work/ops.proof.json" $N
npx hardhat consortium certify --code E2E-OPS --kinds Hospital,Manufacturer,Insurer --until 2099-01-01 --documents "$work/docs.txt" --proof "$work/ops.proof.json" $N
npx hardhat consortium vote --proposal 2 $N
npx hardhat consortium execute --proposal 2 $N
# GS1 company prefixes belong to their owners: a product under a prefix nobody holds is refused; the
# governors assign the prefix by vote (a governed call, proposal 3), then the product registers.
expect_error 'no member holds its GS1 company prefix' npx hardhat provenance register-product --gtin 09506000134352 $N
npx hardhat provenance prefix --assign 9506000 --member E2E-OPS $N
npx hardhat consortium vote --proposal 3 $N
npx hardhat consortium execute --proposal 3 $N
npx hardhat provenance register-product --gtin 09506000134352 $N
# A lot of two packs packed at the line into two cases (one root each); a pack's id is derived from
# its lot. The operator (also a hospital) verifies and dispenses the first pack, and a shipment's
# sender cannot report it stolen on the road (only its receiver or a regulator can).
P="$work/provenance"
printf 'serial\nE2E1\nE2E2\n' > "$work/serials.csv"
npx hardhat provenance commission --gtin 09506000134352 --lot E2E-1 --expiry 301231 --serials "$work/serials.csv" \
  --data "$P" --no-labels $N
sscc() { node -e "const b='39506000'+String($1).padStart(9,'0');let s=0;[...b].reverse().forEach((d,i)=>s+=d*(i%2?1:3));console.log(b+(10-s%10)%10)"; }
for i in 1 2; do
  npx hardhat provenance pack --sscc "$(sscc $i)" --items "(01)09506000134352(10)E2E-1(21)E2E$i" --data "$P" $N
done
code=$(node -e "console.log(require('$P/private/09506000134352-E2E-1.bundle.json').packs[0].code)")
label="(01)09506000134352(10)E2E-1(21)E2E1"
npx hardhat provenance verify "$label" --code "$code" --data "$P" $N | contains "^verdict: GENUINE" \
  || { echo "e2e: the commissioned pack did not verify GENUINE"; exit 1; }
npx hardhat provenance dispense "$label" --code "$code" --data "$P" $N | contains "^pack dispensed" \
  || { echo "e2e: the pack was not dispensed"; exit 1; }
# A verdict other than GENUINE is an answer of no: exit code 2.
rc=0; out=$(npx hardhat provenance verify "$label" --code "$code" --data "$P" $N) || rc=$?
{ [ "$rc" -eq 2 ] && contains "^verdict: DISPENSED" <<<"$out"; } \
  || { echo "e2e: the dispensed pack did not verify DISPENSED with exit code 2 (exit $rc): $out"; exit 1; }
npx hardhat provenance ship "(00)$(sscc 2)" --to E2E-HOSP --data "$P" $N
expect_error 'ProvenanceNotReceiver' npx hardhat provenance report-stolen "(00)$(sscc 2)" --data "$P" $N

# Claims by the tasks: the insurer (also E2E-OPS here) publishes a plan, funds escrow and enrols an
# invented patient (printing the patient reference of her insurance card). The test token is never
# minted by the task on a chain that is not a test chain (this one is 7077): a plain script mints it.
expect_error "--network: chain $CHAIN_ID is not a test chain" npx hardhat claims mint-test-token --amount 100 $N
node --input-type=module -e "
  import { ethers } from 'ethers';
  const wallet = new ethers.Wallet(process.env.CONSORTIUM_DEPLOYER_KEY, new ethers.JsonRpcProvider(process.env.CONSORTIUM_RPC_URL));
  const token = new ethers.Contract('$token', ['function mint(address,uint256)'], wallet);
  await (await token.mint(wallet.address, 100000n * 10n ** 6n, { gasPrice: 0 })).wait();
"
# The coverage's member secret (from the insurance card) comes from the keystore or the environment.
export MEDCHAIN_MEMBER_SECRET=e2e-member-secret-0001
npx hardhat claims publish-plan --file test/fixtures/claims/plan.json $N
# A fund beyond the balance is refused before anything is sent: no approval is left behind.
expect_error "--amount: 100000 TESTUSD in $DEPLOYER, less than 200000" npx hardhat claims fund --amount 200000 $N
npx hardhat claims fund --amount 20000 $N
npx hardhat claims enrol --plan 1 --patient Patient/invented-patient-0001 --start 2026-01-01 --end 2026-12-31 $N | tee "$work/enrol.txt"
billing_ref=$(grep -oE "patient reference 0x[0-9a-f]{64}" "$work/enrol.txt" | cut -d' ' -f3)
[ -n "$billing_ref" ] || { echo "e2e: enrol printed no patient reference"; exit 1; }

# Records by the tasks: the invented patient's app derives her account at E2E-OPS; the hospital's
# patients file maps her FHIR reference to it (and to her billing reference); the hospital anchors the
# visit (its record leaf and its billing leaf); she consents to E2E-OPS reading it (custodian and
# grantee are the same member here: the chain has one operating key); the access is audited.
export MEDCHAIN_PATIENT_KEY=0x$(printf 'e2e invented patient' | sha256sum | cut -d' ' -f1)
account=$(npx hardhat records patient-accounts E2E-OPS | awk '{print $2}')
cat > "$work/patients.json" <<JSON
{ "format": "medchain.patients.v1",
  "patients": [{ "reference": "Patient/demo-patient-0001", "account": "$account", "billingRef": "$billing_ref" }] }
JSON
cp test/fixtures/records/lakeview-visit-encounter.json "$work/encounter.json"
# A record whose patient the patients file does not map is refused before anything is sent.
echo '{ "format": "medchain.patients.v1", "patients": [] }' > "$work/no-patients.json"
expect_error 'subject: the patient "Patient/demo-patient-0001" is not in the patients file' \
  npx hardhat records anchor "$work/encounter.json" --patients "$work/no-patients.json" --out "$work/refused" $N
npx hardhat records anchor "$work/encounter.json" --patients "$work/patients.json" --out "$work/proofs" $N
proof="$work/proofs/encounter.proof.json"
shared="$work/proofs/share/encounter.proof.json"
npx hardhat records verify "$work/encounter.json" "$shared" $N | tee "$work/verify.txt"
grep -q "^VALID" "$work/verify.txt" || { echo "e2e: the anchored record did not verify"; exit 1; }
npx hardhat records consent-grant --custodian E2E-OPS --grantee E2E-OPS --purpose TREAT --categories encounter \
  --days 30 --out "$work/consent.json" $N
npx hardhat records access "$work/consent.json" "$shared" --purpose TREAT $N
npx hardhat records audit --csv --member E2E-OPS $N | tee "$work/audit.csv"
grep -q "^.*,consent,.*,TREAT," "$work/audit.csv" || { echo "e2e: the access is not in the audit report"; exit 1; }

# The record travels over HTTP: the custodian's gateway serves its anchored visit, and the grantee
# (the same member here) fetches what the consent covers, verified and audited on chain; once the
# patient revokes, the gateway refuses.
GW_PORT=$(free_port)
setsid npx hardhat records gateway --export "$work/encounter.json" --proofs "$work/proofs" --port "$GW_PORT" \
  --state "$work/gateway-state" $N > "$work/gateway.log" 2>&1 &
gw_pid=$!
started+=("$gw_pid")
for _ in $(seq 1 150); do
  curl -sf "http://127.0.0.1:${GW_PORT}/fhir/metadata" >/dev/null && break
  sleep 0.2
done
npx hardhat records fetch --gateway "http://127.0.0.1:${GW_PORT}/fhir" --consent "$work/consent.json" --out "$work/fetched" $N \
  | tee "$work/fetch.txt"
grep -q "^VALID *Encounter/enc-demo-lakeview-0001" "$work/fetch.txt" || { echo "e2e: the fetched record did not verify"; exit 1; }
test -f "$work/fetched/records/Encounter-enc-demo-lakeview-0001.json" || { echo "e2e: the fetched record was not written"; exit 1; }
npx hardhat records consent-revoke "$work/consent.json" $N
expect_error 'RecordsConsentRevoked' \
  npx hardhat records fetch --gateway "http://127.0.0.1:${GW_PORT}/fhir" --consent "$work/consent.json" --out "$work/refused-fetch" $N
kill -- -$gw_pid 2>/dev/null || true
grep -q "audited in" "$work/gateway.log" || { echo "e2e: the gateway logged no audited read"; cat "$work/gateway.log"; exit 1; }

# The hospital bills the visit documented by the billing leaf it anchored above.
npx hardhat claims submit --fhir test/fixtures/claims/visit-claim.json --plan 1 --record "$proof" $N | tee "$work/submit.txt"
grep -q "^claim 1: Approved" "$work/submit.txt" || { echo "e2e: the documented claim was not approved"; exit 1; }
# The duplicate is stored and rejected with CARC 18: a negative verdict, exit code 2.
rc=0; npx hardhat claims submit --fhir test/fixtures/claims/visit-claim.json --plan 1 --record "$proof" --json $N > "$work/duplicate.json" || rc=$?
[ "$rc" -eq 2 ] || { echo "e2e: a rejected claim exited $rc, not 2"; exit 1; }
node -e "const d=require('$work/duplicate.json'); if (d.verdict!=='negative'||d.result.status!=='Rejected'||d.result.reason!==18) process.exit(1)" \
  || { echo "e2e: the duplicate claim was not rejected with CARC 18"; exit 1; }
npx hardhat claims settle --claims 1 --journal "$work/settle.journal" $N
npx hardhat claims withdraw $N
# without --out it writes nothing, run from any folder (the project's hardhat with its config)
root=$(pwd)
(cd "$work" && PATH="$root/node_modules/.bin:$PATH" hardhat --config "$root/hardhat.config.ts" claims eob 1 $N > /dev/null)
[ -z "$(ls "$work"/eob* 2>/dev/null)" ] || { echo "e2e: claims eob wrote a file it was not told to"; exit 1; }
npx hardhat claims eob 1 --out "$work/eob.json" $N
node -e "const b=require('$work/eob.json'); const t=JSON.stringify(b); if(!t.includes('ExplanationOfBenefit')) process.exit(1)" \
  || { echo "e2e: claims eob wrote no ExplanationOfBenefit"; exit 1; }
# Governance by vote through the tasks: suspend the first hospital (proposal 4). The certifier alone
# cannot shorten its certification: that takes a SetCertification vote.
expect_error 'ConsortiumRenewalNeedsVote' npx hardhat consortium renew --member E2E-HOSP --until 2098-01-01 $N
npx hardhat consortium propose --action Suspend --member E2E-HOSP $N
npx hardhat consortium vote --proposal 4 $N
npx hardhat consortium execute --proposal 4 $N
npx hardhat consortium members $N | contains -E "Hospital +Suspended" || { echo "e2e: the voted suspension did not take"; exit 1; }
echo "e2e: records, provenance and claims deploy and run on the consortium chain"

# Genomics by the tasks: the operator's member becomes a Laboratory too (proposal 5), registers a
# dataset from a VCF (signed root; the counts stay in its private file) and anyone verifies the file.
npx hardhat consortium propose --action SetKinds --member E2E-OPS --kinds Hospital,Manufacturer,Insurer,Laboratory $N
npx hardhat consortium vote --proposal 5 $N
npx hardhat consortium execute --proposal 5 $N
printf '##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n17\t100\t.\tCA\tCAA\t.\t.\t.\tGT\t0/1\n' > "$work/bad.vcf"
expect_error 'bad.vcf:3: 17:100 REF=CA ALT=CAA: not left-aligned' \
  npx hardhat genomics register --vcf "$work/bad.vcf" --name e2e-panel --uses DUO:0000006 --out "$work/genomics" $N
npx hardhat genomics register --vcf test/fixtures/genomics/lab-a.vcf --name e2e-panel --uses DUO:0000006,DUO:0000042 \
  --out "$work/genomics" $N | tee "$work/register.txt"
grep -q "^registered e2e-panel version 1" "$work/register.txt" || { echo "e2e: the dataset was not registered"; exit 1; }
npx hardhat genomics verify-dataset "$work/genomics/e2e-panel-v1.dataset.json" $N | tee "$work/verify-dataset.txt"
grep -q "^VALID" "$work/verify-dataset.txt" || { echo "e2e: the registered dataset did not verify"; exit 1; }
npx hardhat genomics propose-rule --rule release --min-cell-count 5 --min-labs 2 $N
npx hardhat consortium vote --proposal 6 $N
npx hardhat consortium execute --proposal 6 $N
npx hardhat genomics rules $N | contains "counts below 5 suppressed; at least 2 contributing labs" \
  || { echo "e2e: the voted genomics rule did not take"; exit 1; }
echo "e2e: genomics registers and verifies a dataset and takes a voted rule on the consortium chain"

# `--network localhost`: a `hardhat node` in another process, deployed with the committed parameters.
start_node "$work/node.log" 31337 npx hardhat node
started+=("$STARTED_PID")
# `--network localhost` reads its URL from here (hardhat.config.ts), so the node can run on a free port.
export MEDCHAIN_LOCALHOST_URL="http://127.0.0.1:${STARTED_PORT}"
rm -rf ignition/deployments/chain-31337
# The README's order: the test token first (the committed parameters name its address on a fresh
# node), then the whole suite.
L="--network localhost"
npx hardhat ignition deploy ignition/modules/TestStablecoin.ts $L < /dev/null
npx hardhat ignition deploy ignition/modules/MedChain.ts $L --parameters ignition/parameters/localhost.json < /dev/null
test -f ignition/deployments/chain-31337/deployed_addresses.json
npx hardhat consortium members $L | contains "no members yet"
# On a test chain the task mints the test token; the insurer (not admitted here) is refused by the
# vault before anything is approved.
npx hardhat claims mint-test-token --amount 1000 --as insurer $L | contains "^minted 1000 TESTUSD (test token, no value)"
expect_error 'the contract refused' npx hardhat claims fund --amount 10 --as insurer $L
node --input-type=module -e "
  import { ethers } from 'ethers';
  const a = JSON.parse(await (await import('node:fs/promises')).readFile('ignition/deployments/chain-31337/deployed_addresses.json', 'utf8'));
  const token = new ethers.Contract(a['TestStablecoin#TestStablecoin'], ['function allowance(address,address) view returns (uint256)'], new ethers.JsonRpcProvider('$MEDCHAIN_LOCALHOST_URL'));
  if ((await token.allowance('0xBcd4042DE499D14e55001CcbB24a551F3b954096', a['Claims#SettlementVault'])) !== 0n) process.exit(1);
" || { echo "e2e: a refused fund left an approval behind"; exit 1; }
echo "e2e: --network localhost deploys the suite, writes ignition/deployments/chain-31337/ and mints the test token"
