// producer.mjs -- the JavaScript producer of docs/producer.md: signs a lifecycle event
// with Digital Bazaar's Data Integrity libraries (eddsa-jcs-2022) and POSTs it to
// `anchord serve`. Test tooling here; a DPP front end or an IoT gateway does the same.
//
//   node producer.mjs --key KEYFILE --did DID --type TYPE [--data JSON] [--id ID]
//                     [--vm KEYID] [--post URL]
// KEYFILE is a didlog key file ({"publicKeyMultibase","secretKeyMultibase"}); --vm is the
// key's id in the DID document (default #<last 8 characters of its multikey>, as
// `didlog create` names keys). Prints the signed event; with --post, POSTs it to
// URL/events and prints the HTTP status and answer (exit 0 on 202, 1 otherwise).
import fs from 'node:fs';
import crypto from 'node:crypto';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {createSignCryptosuite} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import jsigs from 'jsonld-signatures';

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
if (!args.key || !args.did || !args.type) {
  console.error('usage: node producer.mjs --key KEYFILE --did DID --type TYPE [--data JSON] [--id ID] [--vm KEYID] [--post URL]');
  process.exit(2);
}
const kf = JSON.parse(fs.readFileSync(args.key, 'utf8'));
const vm = args.vm ?? `#${kf.publicKeyMultibase.slice(-8)}`;
// The signer's id is what proof.verificationMethod says: the key's id in the DID
// document, absolute or a #fragment relative to the event's DID (both are accepted).
const key = await Ed25519Multikey.from({
  id: vm, controller: args.did,
  publicKeyMultibase: kf.publicKeyMultibase, secretKeyMultibase: kf.secretKeyMultibase});
const event = {
  id: args.id ?? `evt-${crypto.randomBytes(8).toString('hex')}`,
  did: args.did, type: args.type,
  time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  data: JSON.parse(args.data ?? '{}'),
};
// The event carries no JSON-LD @context: createProof signs it as it is (eddsa-jcs-2022
// hashes the JCS form of the proof options and of the document), where jsigs.sign would
// first add a data-integrity @context, a seventh field the API refuses.
const suite = new DataIntegrityProof({signer: key.signer(), cryptosuite: createSignCryptosuite()});
const proof = await suite.createProof({
  document: event, purpose: new jsigs.purposes.AssertionProofPurpose(), proofSet: [],
  documentLoader: async url => { throw new Error(`no documents are loaded (${url})`); }});
const signed = {...event, proof};
console.log(JSON.stringify(signed));
if (args.post) {
  const r = await fetch(`${args.post}/events`, {method: 'POST', headers: {'Content-Type': 'application/json'},
                                                 body: JSON.stringify(signed)});
  console.log(r.status, await r.text());
  process.exit(r.status === 202 ? 0 : 1);
}
