// webvh-dirs.mjs -- didwebvh-ts 2.8.0 resolves every ROOT/<scid>/did.jsonl with its
// did-witness.json (test tooling for tests/integration/pipeline.sh; never the product).
//   node webvh-dirs.mjs ROOT   prints "<ok> <total>" and one line per failure; exit 0 all ok, 1 not.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { resolveDIDFromLog } from 'didwebvh-ts';

const SPKI = Buffer.from('302a300506032b6570032100', 'hex');
const verifier = {
  async verify(signature, message, publicKey) {
    const key = crypto.createPublicKey({ key: Buffer.concat([SPKI, Buffer.from(publicKey)]), format: 'der', type: 'spki' });
    return crypto.verify(null, Buffer.from(message), key, Buffer.from(signature));
  },
};

const root = process.argv[2];
let ok = 0, total = 0;
for (const d of fs.readdirSync(root)) {
  const log = path.join(root, d, 'did.jsonl');
  if (!fs.existsSync(log)) continue;
  total++;
  const entries = fs.readFileSync(log, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
  const wf = path.join(root, d, 'did-witness.json');
  const witnessProofs = fs.existsSync(wf) ? JSON.parse(fs.readFileSync(wf, 'utf8')) : [];
  try {
    const r = await resolveDIDFromLog(entries, { verifier, witnessProofs });
    if (r.meta?.error) console.log(`FAIL ${d}: ${r.meta.error} ${r.meta.problemDetails?.detail ?? ''}`);
    else if (r.meta.versionId !== entries[entries.length - 1].versionId) console.log(`FAIL ${d}: resolved ${r.meta.versionId}`);
    else ok++;
  } catch (e) {
    console.log(`FAIL ${d}: ${e.message || e}`);
  }
}
console.log(`${ok} ${total}`);
process.exit(ok === total && total > 0 ? 0 : 1);
