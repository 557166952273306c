// api-validate.mjs -- test tooling only: checks documents against docs/openapi.yaml and
// docs/schemas/*.json with validators nobody here wrote (@apidevtools/swagger-parser for
// the OpenAPI 3.1 description, ajv's JSON Schema 2020-12 with ajv-formats for the data).
//
//   node api-validate.mjs spec DOCS                      the OpenAPI document is valid
//   node api-validate.mjs schema DOCS NAME FILE...       each FILE (a .jsonl: each line)
//                                                        is valid against schemas/NAME.json
//   node api-validate.mjs request DOCS OPID FILE         FILE is a valid JSON request body
//   node api-validate.mjs response DOCS OPID STATUS CTYPE FILE
//                                                        FILE is a valid response of OPID
//                                                        with that status and Content-Type
// Exit 0 valid; 1 invalid (the errors on stderr); 2 usage or a tool error.
import fs from 'node:fs';
import path from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const [cmd, docs, ...rest] = process.argv.slice(2);
const die = (code, msg) => { console.error(`api-validate: ${msg}`); process.exit(code); };
if (!cmd || !docs) die(2, 'usage: api-validate.mjs spec|schema|request|response DOCS ...');

function ajv() {
  const a = new Ajv2020({strict: false, allErrors: true});
  addFormats(a);
  for (const f of fs.readdirSync(path.join(docs, 'schemas')))
    a.addSchema(JSON.parse(fs.readFileSync(path.join(docs, 'schemas', f), 'utf8')));
  return a;
}
function check(validate, doc, what) {
  if (validate(doc)) return true;
  console.error(`${what}: ${JSON.stringify(validate.errors.slice(0, 5))}`);
  return false;
}
async function operation(opId) {
  const api = await SwaggerParser.dereference(path.join(docs, 'openapi.yaml'));
  for (const item of Object.values(api.paths))
    for (const op of Object.values(item))
      if (op && op.operationId === opId) return op;
  die(2, `no operation ${opId}`);
}
function compile(schema) {   // a dereferenced sub-schema: its nested $ids are the schemas' own
  const a = new Ajv2020({strict: false, allErrors: true, addUsedSchema: false});
  addFormats(a);
  return a.compile(schema);
}

try {
  if (cmd === 'spec') {
    await SwaggerParser.validate(path.join(docs, 'openapi.yaml'));
    const api = await SwaggerParser.parse(path.join(docs, 'openapi.yaml'));
    if (!String(api.openapi).startsWith('3.1')) die(1, `openapi ${api.openapi}, want 3.1`);
    console.log('valid OpenAPI', api.openapi);
  } else if (cmd === 'schema') {
    const [name, ...files] = rest;
    const v = ajv().getSchema(`https://witness-anchor.example/schemas/${name}.json`);
    if (!v) die(2, `no schema ${name}`);
    let ok = true, n = 0;
    for (const f of files) {
      const text = fs.readFileSync(f, 'utf8');
      const docsIn = f.endsWith('.jsonl') ? text.split('\n').filter(Boolean).map(l => JSON.parse(l)) : [JSON.parse(text)];
      for (const d of docsIn) { ok = check(v, d, `${f} (${name})`) && ok; n++; }
    }
    if (!ok) process.exit(1);
    console.log(`${n} valid ${name}`);
  } else if (cmd === 'request') {
    const [opId, file] = rest;
    const op = await operation(opId);
    const schema = op.requestBody?.content?.['application/json']?.schema;
    if (!schema) die(2, `${opId} takes no application/json body`);
    if (!check(compile(schema), JSON.parse(fs.readFileSync(file, 'utf8')), `${file} (${opId} request)`)) process.exit(1);
    console.log(`valid ${opId} request`);
  } else if (cmd === 'response') {
    const [opId, status, ctype, file] = rest;
    const op = await operation(opId);
    const resp = op.responses?.[status];
    if (!resp) die(1, `${opId} does not document status ${status}`);
    const media = ctype.split(';')[0].trim();
    const c = resp.content?.[media];
    if (!c) die(1, `${opId} ${status} does not document Content-Type ${media}`);
    const body = fs.readFileSync(file, 'utf8');
    const doc = media.endsWith('json') ? JSON.parse(body) : body;
    if (!check(compile(c.schema), doc, `${file} (${opId} ${status})`)) process.exit(1);
    console.log(`valid ${opId} ${status} response`);
  } else die(2, `unknown command ${cmd}`);
} catch (e) { die(2, e.message); }
