// merkle_js.js -- the reference for bench_merkle.sh: npm merkletreejs 0.6.0 builds the
// same N-leaf tree as bench/merkle_bench.c and fetches every proof with getProof(leaf, i).
//
// Configured to compute exactly the RFC 6962 tree (so the roots can be compared):
// leaves are hashed here as SHA-256(0x00 || input) (merkletreejs's hashLeaves would
// hash without the 0x00 prefix), nodes through a concatenator that prepends 0x01, and
// its default duplicateOdd: false promotes an odd last node, the RFC 6962 shape.
// Each proof is folded into a checksum as it is fetched, never kept.
// usage: node bench/merkle_js.js N NODE_MODULES_DIR
const crypto = require('crypto');
const { MerkleTree } = require(require('path').resolve(process.argv[3], 'merkletreejs'));

const n = Number(process.argv[2] || 100000);
const sha = (b) => crypto.createHash('sha256').update(b).digest();
const ONE = Buffer.from([1]);
const t0 = process.hrtime.bigint();
const leaves = new Array(n);
const input = Buffer.alloc(65);   // 0x00 || 8 copies of the 8-byte LE index
for (let i = 0; i < n; i++) {
  for (let k = 0; k < 8; k++) input.writeBigUInt64LE(BigInt(i), 1 + 8 * k);
  leaves[i] = sha(input);
}
const tree = new MerkleTree(leaves, sha, { concatenator: (bs) => Buffer.concat([ONE, ...bs]) });
const t1 = process.hrtime.bigint();
let sum = 0, elems = 0;
for (let i = 0; i < n; i++) {
  const p = tree.getProof(leaves[i], i);
  for (const e of p) sum = (sum ^ e.data.readUInt32LE(0)) >>> 0;
  elems += p.length;
}
const t2 = process.hrtime.bigint();
const s = (a, b) => (Number(b - a) / 1e9).toFixed(6);
console.log(`leaves=${n} build_s=${s(t0, t1)} proofs_s=${s(t1, t2)} total_s=${s(t0, t2)} ` +
  `hashes=${2 * n - 1} proof_hashes=${elems} peak_rss_mb=${(process.resourceUsage().maxRSS / 1024).toFixed(1)} ` +
  `root=${tree.getRoot().toString('hex')} checksum=${sum.toString(16)}`);
