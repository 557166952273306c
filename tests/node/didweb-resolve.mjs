// didweb-resolve.mjs -- test tooling only: resolve a did:web DID with a did:web-only
// resolver nobody here wrote (npm web-did-resolver + did-resolver, by the DIF/uPort
// authors) and print {didDocument, didResolutionMetadata} as JSON; exit 0 resolved, 1 not.
//   node didweb-resolve.mjs DID [BASE]
// BASE (http://127.0.0.1:PORT) replaces the https://host[:port] the resolver derives from
// the DID (the tests serve the store on 127.0.0.1 without TLS); the resolver's own
// DID-to-URL transformation and document checks (id must equal the DID) are unchanged.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const [did, base] = process.argv.slice(2);
if (!did) {
  console.error('usage: node didweb-resolve.mjs DID [BASE]');
  process.exit(2);
}
const fetched = [];
const mapped = (url, opts) => {
  const u = new URL(url);
  const to = base ? new URL(u.pathname + u.search, base).toString() : url;
  fetched.push(url);
  return fetch(to, { redirect: 'error', ...(opts && opts.headers ? { headers: opts.headers } : {}) });
};
// web-did-resolver fetches with cross-fetch: its CommonJS build takes this one instead.
const cf = require.resolve('cross-fetch', { paths: [require.resolve('web-did-resolver')] });
require.cache[cf] = { id: cf, filename: cf, loaded: true, exports: Object.assign(mapped, { default: mapped }) };
const { Resolver } = require('did-resolver');
const { getResolver } = require('web-did-resolver');
const res = await new Resolver(getResolver()).resolve(did);
console.log(JSON.stringify({ fetched, didDocument: res.didDocument, didResolutionMetadata: res.didResolutionMetadata }));
process.exit(res.didResolutionMetadata && res.didResolutionMetadata.error ? 1 : 0);
