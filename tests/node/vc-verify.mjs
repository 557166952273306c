// vc-verify.mjs -- test tooling only: checks credential-form events (docs/formats.md "Events
// as Verifiable Credentials") with an implementation nobody here wrote: Digital Bazaar's
// @digitalbazaar/vc (VCDM 2.0 checks, issuer = the assertionMethod's controller) with the
// eddsa-jcs-2022 cryptosuite over @digitalbazaar/data-integrity. No network: a static
// document loader holds the VCDM 2.0 context (from @digitalbazaar/credentials-context) and the
// verification methods and controller documents read from the did:webvh logs under KEYDIR.
//
//   node vc-verify.mjs KEYDIR events FILE   every credential line of a JSONL file (seed's output)
//   node vc-verify.mjs KEYDIR logs          every credential that a did.jsonl under KEYDIR embeds
//                                           (state.event), checked as of its validFrom
// Prints "verified N of M credentials (K plain events skipped)"; exit 0 when all verify and
// M > 0, 1 otherwise (the first failures on stderr), 2 on usage.
import fs from 'node:fs';
import path from 'node:path';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {createVerifyCryptosuite} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import * as credentialsContext from '@digitalbazaar/credentials-context';

const [keyDir, mode, file] = process.argv.slice(2);
if (!keyDir || !['events', 'logs'].includes(mode) || (mode === 'events' && !file)) {
  console.error('usage: node vc-verify.mjs KEYDIR events FILE | KEYDIR logs');
  process.exit(2);
}

function* logsUnder(dir) {
  for (const e of fs.readdirSync(dir, {withFileTypes: true})) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* logsUnder(p);
    else if (e.name === 'did.jsonl') yield p;
  }
}
const lines = (p) => fs.readFileSync(p, 'utf8').split('\n').filter((l) => l.trim());

// Every verification method any version of any log lists, and its DID's assertion methods.
const methods = new Map(), assertion = new Map(), logs = [];
for (const p of logsUnder(keyDir)) {
  const entries = lines(p).map((l) => JSON.parse(l));
  logs.push(entries);
  for (const e of entries) {
    const st = e.state || {};
    const abs = (id) => (id.startsWith('#') ? st.id + id : id);
    for (const m of st.verificationMethod || []) methods.set(abs(m.id), {...m, id: abs(m.id)});
    const set = assertion.get(st.id) || new Set();
    for (const a of st.assertionMethod || []) set.add(abs(typeof a === 'string' ? a : a.id));
    assertion.set(st.id, set);
  }
}

const MULTIKEY_V1 = 'https://w3id.org/security/multikey/v1';
const DID_V1 = 'https://www.w3.org/ns/did/v1';
const documentLoader = async (url) => {
  const ctx = credentialsContext.contexts.get(url);
  if (ctx) return {contextUrl: null, documentUrl: url, document: ctx};
  const [base] = url.split('#');
  if (methods.has(url)) {
    const m = methods.get(url);
    return {contextUrl: null, documentUrl: url,
      document: {'@context': MULTIKEY_V1, id: m.id, type: 'Multikey', controller: m.controller || base,
        publicKeyMultibase: m.publicKeyMultibase}};
  }
  if (assertion.has(base)) {
    return {contextUrl: null, documentUrl: url,
      document: {'@context': [DID_V1, MULTIKEY_V1], id: base, assertionMethod: [...assertion.get(base)]}};
  }
  throw new Error(`static document loader: ${url} is not here (no network)`);
};

const creds = [];
let plain = 0;
if (mode === 'events') {
  for (const l of lines(file)) {
    const d = JSON.parse(l);
    if (d['@context']) creds.push(d); else plain++;
  }
} else {
  for (const entries of logs) {
    let prev = null;
    for (const e of entries) {
      const ev = e.state && e.state.event;
      const same = prev && ev && JSON.stringify(prev) === JSON.stringify(ev);   // maintenance: the same event again
      if (ev && !same) { if (ev['@context']) creds.push(ev); else plain++; }
      prev = ev || null;
    }
  }
}

const suite = new DataIntegrityProof({cryptosuite: createVerifyCryptosuite()});
let ok = 0, shown = 0;
for (const credential of creds) {
  const now = mode === 'logs' ? new Date(credential.validFrom) : undefined;
  const r = await vc.verifyCredential({credential, suite, documentLoader, ...(now ? {now} : {})});
  if (r.verified) ok++;
  else if (shown++ < 5) {
    const err = r.error || (r.results && r.results[0] && r.results[0].error);
    console.error(`${credential.id}: ${err && (err.errors ? err.errors.map((x) => x.message).join('; ') : err.message)}`);
  }
}
console.log(`verified ${ok} of ${creds.length} credentials (${plain} plain events skipped)`);
process.exit(ok === creds.length && creds.length > 0 ? 0 : 1);
