// vc-issue.mjs -- test tooling only: a credential-form event (docs/formats.md "Events as
// Verifiable Credentials") issued by Digital Bazaar's @digitalbazaar/vc (vc.issue, eddsa-jcs-2022
// over @digitalbazaar/data-integrity), not by our signer: the other direction of vc-verify.mjs.
//
//   node vc-issue.mjs LABEL DID UUID
// The key is the test subject's (tests/helper/test-ident.c identKey: Ed25519 seed =
// SHA-256(LABEL), e.g. "wa-test-subject-2"), verification method DID#key-1. The credential:
// an ObjectEvent (commissioning) about DID, validFrom a minute ago. Prints it as one line.
import crypto from 'node:crypto';
import * as vc from '@digitalbazaar/vc';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {createSignCryptosuite} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import * as credentialsContext from '@digitalbazaar/credentials-context';

const [label, did, uuid] = process.argv.slice(2);
if (!label || !did || !uuid) {
  console.error('usage: node vc-issue.mjs LABEL DID UUID');
  process.exit(2);
}
const seed = crypto.createHash('sha256').update(label).digest();
const key = await Ed25519Multikey.generate({id: `${did}#key-1`, controller: did, seed});
const suite = new DataIntegrityProof({signer: key.signer(), cryptosuite: createSignCryptosuite()});
const t = new Date(Date.now() - 60000).toISOString().replace(/\.\d{3}Z$/, 'Z');
const credential = {
  '@context': ['https://www.w3.org/ns/credentials/v2'], id: `urn:uuid:${uuid}`,
  type: ['VerifiableCredential', 'DigitalTraceabilityEvent'], issuer: did, validFrom: t,
  credentialSubject: {type: 'ObjectEvent', eventTime: t, eventTimeZoneOffset: '+00:00', action: 'ADD',
    bizStep: 'commissioning', disposition: 'active', epcList: [did], details: {issuedBy: '@digitalbazaar/vc'}},
};
const documentLoader = async (url) => {
  const document = credentialsContext.contexts.get(url);
  if (!document) throw new Error(`static document loader: ${url} is not here (no network)`);
  return {contextUrl: null, documentUrl: url, document};
};
console.log(JSON.stringify(await vc.issue({credential, suite, documentLoader})));
