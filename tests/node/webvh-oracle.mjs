// webvh-oracle.mjs -- didwebvh-ts 2.8.0 as an independent did:webvh implementation
// for interop tests and the benchmark (test tooling only; never part of the product).
//
//   node webvh-oracle.mjs resolve LOG [WITNESS.json] [--did DID] [--version-number N]
//       resolveDIDFromLog; prints {"ok":bool,"did","versionId","deactivated","error"}; exit 0 ok, 1 not.
//   node webvh-oracle.mjs services LOG [WITNESS.json]
//       the resolved document's service array (the implicit #files / #whois included),
//       relative ids ("#files") made absolute against the DID; exit 1 when it does not resolve.
//   node webvh-oracle.mjs generate OUTDIR
//       writes logs made by didwebvh-ts: OUTDIR/<case>/did.jsonl (+ did-witness.json)
//       for the cases basic, rotate, prerotate, witness, deactivate, v05 (a did:webvh:0.5 log).
//   node webvh-oracle.mjs bench DIR...
//       resolves every DIR/*.jsonl (with DIR/<name>.witness.json when present); prints "<logs> <seconds>" (valid logs only counted).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  createDID, updateDID, deactivateDID, resolveDIDFromLog, prepareDataForSigning,
  multibaseEncode, MultibaseEncoding, deriveNextKeyHash, signWitnessProofEntry,
} from 'didwebvh-ts';

const SPKI = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex');

const verifier = {
  async verify(signature, message, publicKey) {
    const key = crypto.createPublicKey({ key: Buffer.concat([SPKI, Buffer.from(publicKey)]), format: 'der', type: 'spki' });
    return crypto.verify(null, Buffer.from(message), key, Buffer.from(signature));
  },
};

// A key pair from a 32-byte seed: multikey, did:key and a didwebvh-ts Signer.
function keyFromSeed(seedHex) {
  const priv = crypto.createPrivateKey({ key: Buffer.concat([PKCS8, Buffer.from(seedHex, 'hex')]), format: 'der', type: 'pkcs8' });
  const pub = crypto.createPublicKey(priv).export({ format: 'der', type: 'spki' }).subarray(12);
  const multikey = multibaseEncode(new Uint8Array(Buffer.concat([Buffer.from([0xed, 0x01]), pub])), MultibaseEncoding.BASE58_BTC);
  const vm = `did:key:${multikey}#${multikey}`;
  return {
    multikey, didKey: `did:key:${multikey}`,
    signer: {
      getVerificationMethodId: () => vm,
      async sign({ document, proof }) {
        const data = await prepareDataForSigning(document, proof);
        return { proofValue: multibaseEncode(new Uint8Array(crypto.sign(null, Buffer.from(data), priv)), MultibaseEncoding.BASE58_BTC) };
      },
    },
  };
}

function readLog(file) {
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
}

async function resolveOne(file, witnessFile, opts = {}) {
  let log;
  try { log = readLog(file); } catch (e) { return { ok: false, error: `parse: ${e.message}` }; }
  const witnessProofs = witnessFile && fs.existsSync(witnessFile) ? JSON.parse(fs.readFileSync(witnessFile, 'utf8')) : []; // never fetch
  try {
    const r = await resolveDIDFromLog(log, { verifier, witnessProofs, ...opts });
    if (r.meta?.error) return { ok: false, error: r.meta.error, detail: r.meta.problemDetails?.detail };
    return { ok: true, did: r.did, versionId: r.meta.versionId, deactivated: !!r.meta.deactivated, updateKeys: r.meta.updateKeys };
  } catch (e) {
    return { ok: false, error: String(e.message || e) };
  }
}

const writeLog = (dir, log) => fs.writeFileSync(path.join(dir, 'did.jsonl'), log.map((e) => JSON.stringify(e)).join('\n') + '\n');
const day = (n) => new Date(Date.UTC(2024, 0, 1 + n)).toISOString().replace('.000Z', 'Z');
const vmOf = (k) => ({ type: 'Multikey', publicKeyMultibase: k.multikey, purpose: 'assertionMethod' });

async function generate(out) {
  const k = [1, 2, 3, 4].map((i) => keyFromSeed(i.toString(16).padStart(64, '0')));
  const w = [0x10, 0x11].map((i) => keyFromSeed(i.toString(16).padStart(64, '0')));
  const mk = (name) => { const d = path.join(out, name); fs.mkdirSync(d, { recursive: true }); return d; };
  const base = { domain: 'example.com', signer: k[0].signer, updateKeys: [k[0].multikey], verificationMethods: [vmOf(k[0])], created: day(0), verifier };

  // basic: create, then three updates (keys, alsoKnownAs, controller)
  let r = await createDID({ ...base, portable: false });
  let log = r.log;
  for (let i = 1; i <= 3; i++) {
    r = await updateDID({ log, signer: k[0].signer, verificationMethods: [vmOf(k[0]), vmOf(k[i])], updated: day(i), verifier });
    log = r.log;
  }
  writeLog(mk('basic'), log);

  // rotate: plain rotation to k1 (signed by k0), then an update signed by k1
  r = await createDID({ ...base, paths: ['users', 'alice'] });
  log = r.log;
  r = await updateDID({ log, signer: k[0].signer, updateKeys: [k[1].multikey], updated: day(1), verifier });
  log = r.log;
  r = await updateDID({ log, signer: k[1].signer, verificationMethods: [vmOf(k[1])], updated: day(2), verifier });
  writeLog(mk('rotate'), r.log);

  // prerotate: commit to k1, rotate to k1 committing k2, rotate to k2 and stop pre-rotation
  r = await createDID({ ...base, nextKeyHashes: [await deriveNextKeyHash(k[1].multikey)] });
  log = r.log;
  r = await updateDID({ log, signer: k[1].signer, updateKeys: [k[1].multikey], nextKeyHashes: [await deriveNextKeyHash(k[2].multikey)], updated: day(1), verifier });
  log = r.log;
  r = await updateDID({ log, signer: k[2].signer, updateKeys: [k[2].multikey], nextKeyHashes: [], updated: day(2), verifier });
  writeLog(mk('prerotate'), r.log);

  // witness: 2-of-2 witnesses, two entries, proofs for both
  const witness = { threshold: 2, witnesses: [{ id: w[0].didKey }, { id: w[1].didKey }] };
  const signers = { [w[0].didKey]: w[0].signer, [w[1].didKey]: w[1].signer };
  const proofs = [];
  const first = await createDID({ ...base, witness });
  // createDID needs no proofs to return; sign version 1, then update with them available.
  proofs.push(await signWitnessProofEntry({ versionId: first.log[0].versionId, witnesses: witness.witnesses, witnessSignersByDid: signers, created: day(0) }));
  r = await updateDID({ log: first.log, signer: k[0].signer, verificationMethods: [vmOf(k[0]), vmOf(k[3])], updated: day(1), verifier, witnessProofs: proofs });
  proofs.push(await signWitnessProofEntry({ versionId: r.log[1].versionId, witnesses: witness.witnesses, witnessSignersByDid: signers, created: day(1) }));
  const wd = mk('witness');
  writeLog(wd, r.log);
  fs.writeFileSync(path.join(wd, 'did-witness.json'), JSON.stringify(proofs, null, 2));

  // deactivate
  r = await createDID({ ...base });
  r = await updateDID({ log: r.log, signer: k[0].signer, verificationMethods: [vmOf(k[0]), vmOf(k[1])], updated: day(1), verifier });
  r = await deactivateDID({ log: r.log, signer: k[0].signer, verifier });
  writeLog(mk('deactivate'), r.log);

  // v05: a did:webvh:0.5 log, as didwebvh-ts 2.8 still writes when asked for that method
  r = await createDID({ ...base, method: 'did:webvh:0.5' });
  writeLog(mk('v05'), r.log);
}

async function main() {
  const [cmd, ...a] = process.argv.slice(2);
  if (cmd === 'resolve') {
    const opts = {};
    const pos = [];
    for (let i = 0; i < a.length; i++) {
      if (a[i] === '--did') opts.requestedDid = a[++i];
      else if (a[i] === '--version-number') opts.versionNumber = Number(a[++i]);
      else pos.push(a[i]);
    }
    const r = await resolveOne(pos[0], pos[1], opts);
    console.log(JSON.stringify(r));
    process.exit(r.ok ? 0 : 1);
  } else if (cmd === 'services') {
    const log = readLog(a[0]);
    const witnessProofs = a[1] && fs.existsSync(a[1]) ? JSON.parse(fs.readFileSync(a[1], 'utf8')) : [];
    const r = await resolveDIDFromLog(log, { verifier, witnessProofs });
    if (!r.doc) process.exit(1);
    const abs = (id) => (typeof id === 'string' && id.startsWith('#') ? r.did + id : id);
    console.log(JSON.stringify((r.doc.service || []).map((s) => ({ ...s, id: abs(s.id) }))));
  } else if (cmd === 'generate') {
    await generate(a[0]);
  } else if (cmd === 'bench') {
    const files = a.flatMap((d) => fs.readdirSync(d).filter((f) => f.endsWith('.jsonl')).map((f) => path.join(d, f)));
    const t0 = process.hrtime.bigint();
    let ok = 0;
    for (const f of files) if ((await resolveOne(f, f.replace(/\.jsonl$/, '.witness.json'))).ok) ok++;  // <name>.witness.json when present
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    console.log(`${ok} ${s.toFixed(3)}`);
    if (ok !== files.length) process.exit(1);
  } else {
    console.error('usage: webvh-oracle.mjs resolve LOG [WITNESS] | generate OUTDIR | bench DIR...');
    process.exit(2);
  }
}
main().catch((e) => { console.error(e); process.exit(2); });
