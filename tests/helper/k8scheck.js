// k8scheck.js -- structural and semantic check of cron/k8s.yaml (parsed with js-yaml), so
// that the manifest works as written. Structure: every object and field the manifest uses
// is checked against a schema of the Kubernetes API types it belongs to (batch/v1 CronJob,
// apps/v1 Deployment, v1 ConfigMap/Service, core PodSpec, Container, Probe, Volume, ...):
// required fields present, types and enums right, quantities and names well-formed, and
// no unknown field (a typo like `concurencyPolicy` is an error, as `kubectl apply
// --validate=strict` makes it). Semantics: references resolve (volumes, ports, selectors,
// ConfigMap), the image is the one `make image` builds and its user, key files reach
// anchord as 0600 copies of Secrets (never raw secrets in env), probes on /health, and the
// resources and deadlines fit the figures in docs/load.md.
// Usage: node k8scheck.js ROOT; prints "ok NAME" / "FAIL NAME: why" lines.
'use strict';
const fs = require('fs');
const path = require('path');
const yaml = require(path.join(__dirname, '../node/node_modules/js-yaml'));
const root = process.argv[2];
const out = [];
const check = (n, c, why) => out.push(c ? `ok ${n}` : `FAIL ${n}: ${why || 'false'}`);

// ---- the schema: a type is a predicate name, {enum}, {re}, {obj, req}, {arr}, or {map}
const DNS1123 = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const QTY = /^([0-9]+(\.[0-9]+)?)(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/;
const T = {
  string: (v) => typeof v === 'string',
  int: (v) => Number.isInteger(v),
  posint: (v) => Number.isInteger(v) && v > 0,
  bool: (v) => typeof v === 'boolean',
  name: (v) => typeof v === 'string' && DNS1123.test(v),
  quantity: (v) => typeof v === 'string' && QTY.test(v),
  port: (v) => Number.isInteger(v) && v > 0 && v < 65536,
  intOrName: (v) => (Number.isInteger(v) && v > 0 && v < 65536) || (typeof v === 'string' && /^[a-z0-9-]{1,15}$/.test(v)),
  mode: (v) => Number.isInteger(v) && v >= 0 && v <= 0o777,
  absPath: (v) => typeof v === 'string' && v.startsWith('/'),
  envName: (v) => typeof v === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(v),
};
const obj = (props, req = []) => ({ obj: props, req });
const arr = (items) => ({ arr: items });
const map = { map: 'string' };
const meta = obj({ name: 'name', labels: map, annotations: map }, ['name']);
const resources = obj({ requests: obj({ cpu: 'quantity', memory: 'quantity' }), limits: obj({ cpu: 'quantity', memory: 'quantity' }) });
const secCtx = obj({ allowPrivilegeEscalation: 'bool', readOnlyRootFilesystem: 'bool', runAsNonRoot: 'bool', runAsUser: 'int',
  capabilities: obj({ drop: arr('string'), add: arr('string') }) });
const podSecCtx = obj({ runAsNonRoot: 'bool', runAsUser: 'int', runAsGroup: 'int', fsGroup: 'int',
  seccompProfile: obj({ type: { enum: ['RuntimeDefault', 'Localhost', 'Unconfined'] } }, ['type']) });
const probe = obj({ httpGet: obj({ path: 'absPath', port: 'intOrName', scheme: { enum: ['HTTP', 'HTTPS'] } }, ['port']),
  initialDelaySeconds: 'int', periodSeconds: 'posint', timeoutSeconds: 'posint', failureThreshold: 'posint', successThreshold: 'posint' });
const envVar = obj({ name: 'envName', value: 'string',
  valueFrom: obj({ secretKeyRef: obj({ name: 'name', key: 'string' }, ['name', 'key']), configMapKeyRef: obj({ name: 'name', key: 'string' }, ['name', 'key']) }) }, ['name']);
const envFrom = obj({ configMapRef: obj({ name: 'name' }, ['name']), secretRef: obj({ name: 'name' }, ['name']), prefix: 'string' });
const container = obj({
  name: 'name', image: 'string', imagePullPolicy: { enum: ['Always', 'IfNotPresent', 'Never'] },
  command: arr('string'), args: arr('string'), env: arr(envVar), envFrom: arr(envFrom),
  ports: arr(obj({ containerPort: 'port', name: { re: /^[a-z0-9-]{1,15}$/ }, protocol: { enum: ['TCP', 'UDP', 'SCTP'] } }, ['containerPort'])),
  readinessProbe: probe, livenessProbe: probe, startupProbe: probe, resources, securityContext: secCtx,
  volumeMounts: arr(obj({ name: 'name', mountPath: 'absPath', readOnly: 'bool', subPath: 'string' }, ['name', 'mountPath'])),
}, ['name', 'image']);
const volume = obj({ name: 'name',
  secret: obj({ secretName: 'name', defaultMode: 'mode', optional: 'bool', items: arr(obj({ key: 'string', path: 'string', mode: 'mode' }, ['key', 'path'])) }, ['secretName']),
  emptyDir: obj({ medium: { enum: ['', 'Memory'] }, sizeLimit: 'quantity' }),
  configMap: obj({ name: 'name', defaultMode: 'mode' }, ['name']) }, ['name']);
const podSpec = obj({ restartPolicy: { enum: ['Always', 'OnFailure', 'Never'] }, terminationGracePeriodSeconds: 'int',
  automountServiceAccountToken: 'bool', securityContext: podSecCtx, initContainers: arr(container), containers: arr(container),
  volumes: arr(volume), serviceAccountName: 'name' }, ['containers']);
const podTemplate = obj({ metadata: obj({ labels: map, annotations: map }), spec: podSpec }, ['spec']);
const kinds = {
  'v1/ConfigMap': obj({ apiVersion: 'string', kind: 'string', metadata: meta, data: map }, ['metadata']),
  'batch/v1/CronJob': obj({ apiVersion: 'string', kind: 'string', metadata: meta, spec: obj({
    schedule: 'string', concurrencyPolicy: { enum: ['Allow', 'Forbid', 'Replace'] }, startingDeadlineSeconds: 'posint',
    successfulJobsHistoryLimit: 'int', failedJobsHistoryLimit: 'int', suspend: 'bool',
    jobTemplate: obj({ spec: obj({ backoffLimit: 'int', activeDeadlineSeconds: 'posint', ttlSecondsAfterFinished: 'int', template: podTemplate }, ['template']) }, ['spec']),
  }, ['schedule', 'jobTemplate']) }, ['metadata', 'spec']),
  'apps/v1/Deployment': obj({ apiVersion: 'string', kind: 'string', metadata: meta, spec: obj({
    replicas: 'int', selector: obj({ matchLabels: map }, ['matchLabels']), template: podTemplate,
    strategy: obj({ type: { enum: ['RollingUpdate', 'Recreate'] } }) }, ['selector', 'template']) }, ['metadata', 'spec']),
  'v1/Service': obj({ apiVersion: 'string', kind: 'string', metadata: meta, spec: obj({ selector: map, type: { enum: ['ClusterIP', 'NodePort', 'LoadBalancer'] },
    ports: arr(obj({ port: 'port', targetPort: 'intOrName', name: 'name', protocol: { enum: ['TCP', 'UDP'] } }, ['port'])) }, ['ports']) }, ['metadata', 'spec']),
};

// validate: schema errors of v against t at path p (strings)
function validate(v, t, p, errs) {
  if (typeof t === 'string') { if (!T[t](v)) errs.push(`${p}: ${JSON.stringify(v)} is not ${t}`); return; }
  if (t.enum) { if (!t.enum.includes(v)) errs.push(`${p}: ${JSON.stringify(v)} not one of ${t.enum.join('|')}`); return; }
  if (t.re) { if (typeof v !== 'string' || !t.re.test(v)) errs.push(`${p}: ${JSON.stringify(v)} malformed`); return; }
  if (t.map) {
    if (!v || typeof v !== 'object' || Array.isArray(v)) { errs.push(`${p}: not a map`); return; }
    for (const [k, x] of Object.entries(v)) if (typeof x !== 'string') errs.push(`${p}.${k}: ${JSON.stringify(x)} is not a string (quote it)`);
    return;
  }
  if (t.arr) {
    if (!Array.isArray(v)) { errs.push(`${p}: not a list`); return; }
    v.forEach((x, i) => validate(x, t.arr, `${p}[${i}]`, errs));
    return;
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) { errs.push(`${p}: not an object`); return; }
  for (const k of Object.keys(v)) if (!(k in t.obj)) errs.push(`${p}.${k}: unknown field`);
  for (const k of t.req) if (!(k in v)) errs.push(`${p}.${k}: required`);
  for (const [k, x] of Object.entries(v)) if (k in t.obj) validate(x, t.obj[k], `${p}.${k}`, errs);
}

const docs = yaml.loadAll(fs.readFileSync(path.join(root, 'cron/k8s.yaml'), 'utf8')).filter(Boolean);
for (const d of docs) {
  const id = `${d.apiVersion}/${d.kind}`, t = kinds[id], errs = [];
  if (!t) { check(`k8s schema: ${id} is a known kind`, false, id); continue; }
  validate(d, t, `${d.kind}/${d.metadata && d.metadata.name}`, errs);
  check(`k8s schema: ${d.kind} ${d.metadata && d.metadata.name}`, errs.length === 0, errs.slice(0, 5).join('; '));
}
// The checker itself must be able to fail: a typo and a wrong type are caught.
{
  const e1 = [], e2 = [];
  validate({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'x' }, spec: { schedule: '* * * * *', concurencyPolicy: 'Forbid', jobTemplate: { spec: { template: { spec: { containers: [] } } } } } }, kinds['batch/v1/CronJob'], 'x', e1);
  validate({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { WA_CHAIN_ID: 11155111 } }, kinds['v1/ConfigMap'], 'x', e2);
  check('k8s schema: a misspelt field is an error', e1.some((e) => e.includes('concurencyPolicy: unknown field')), e1.join(';'));
  check('k8s schema: an unquoted number in a ConfigMap is an error', e2.some((e) => e.includes('not a string')), e2.join(';'));
}

// ---- semantics
const kind = (k) => docs.filter((d) => d.kind === k);
const cm = kind('ConfigMap')[0], cj = kind('CronJob')[0], dep = kind('Deployment')[0], svc = kind('Service')[0];
const bytes = (q) => { const m = QTY.exec(q); const u = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, k: 1e3, M: 1e6, G: 1e9 }; return m ? parseFloat(m[1]) * (u[m[3]] || 1) : NaN; };
const cpu = (q) => { const m = QTY.exec(q); return m ? parseFloat(m[1]) / (m[3] === 'm' ? 1000 : 1) : NaN; };
const mk = fs.readFileSync(path.join(root, 'Makefile'), 'utf8');
const imageName = (/^IMAGE\s*\?=\s*(\S+)/m.exec(mk) || [])[1];
const imageUid = parseInt((/UID_=(\d+)/.exec(fs.readFileSync(path.join(root, 'scripts/image.sh'), 'utf8')) || [])[1], 10);

function pod(name, spec) {
  const vols = Object.fromEntries((spec.volumes || []).map((v) => [v.name, v]));
  const all = [...(spec.initContainers || []), ...spec.containers];
  for (const c of all) {
    check(`k8s ${name}/${c.name}: image is the one make image builds (${imageName}:latest)`, c.image === `${imageName}:latest`, c.image);
    check(`k8s ${name}/${c.name}: imagePullPolicy IfNotPresent (a loaded image is used)`, c.imagePullPolicy === 'IfNotPresent', c.imagePullPolicy);
    for (const m of c.volumeMounts || []) check(`k8s ${name}/${c.name}: mount ${m.name} names a volume`, m.name in vols);
    const sc = c.securityContext || {};
    check(`k8s ${name}/${c.name}: no privilege escalation, read-only root, no capabilities`,
      sc.allowPrivilegeEscalation === false && sc.readOnlyRootFilesystem === true && JSON.stringify((sc.capabilities || {}).drop) === '["ALL"]');
    const r = c.resources || {};
    check(`k8s ${name}/${c.name}: memory request and limit, request <= limit`,
      r.requests && r.limits && bytes(r.requests.memory) <= bytes(r.limits.memory), JSON.stringify(r));
    if (r.limits && r.limits.cpu) check(`k8s ${name}/${c.name}: cpu request <= limit`, cpu(r.requests.cpu) <= cpu(r.limits.cpu));
    for (const e of c.env || []) check(`k8s ${name}/${c.name}: ${e.name} is not a raw secret in the environment`,
      !/^WA_.*_KEY$/.test(e.name) && !e.valueFrom, 'use a 0600 key file');
  }
  for (const v of Object.keys(vols)) check(`k8s ${name}: volume ${v} is mounted`, all.some((c) => (c.volumeMounts || []).some((m) => m.name === v)));
  const ps = spec.securityContext || {};
  check(`k8s ${name}: runs as non-root ${imageUid}, the image's user`, ps.runAsNonRoot === true && ps.runAsUser === imageUid && ps.runAsGroup === imageUid);
  check(`k8s ${name}: no fsGroup (it would make key files group-readable)`, !('fsGroup' in ps));
  check(`k8s ${name}: no service account token`, spec.automountServiceAccountToken === false);
  // Secrets as 0600 files: secret volumes only in init containers, copied with install -m 0600
  // into an in-memory emptyDir that the main container mounts read-only.
  const main = spec.containers[0];
  for (const [vn, v] of Object.entries(vols)) {
    if (!v.secret) continue;
    check(`k8s ${name}: secret volume ${vn} not mounted by the main container`, !(main.volumeMounts || []).some((m) => m.name === vn));
    const init = (spec.initContainers || []).find((c) => (c.volumeMounts || []).some((m) => m.name === vn));
    check(`k8s ${name}: an init container copies secret volume ${vn}`, !!init);
    if (!init) continue;
    const src = init.volumeMounts.find((m) => m.name === vn), cmd = (init.command || []).join(' ');
    const m = /install -m 0600 (.*) (\/\S+)\/$/.exec(cmd);
    check(`k8s ${name}: init copies with install -m 0600 into a directory`, !!m, cmd);
    if (!m) continue;
    const files = m[1].split(' '), dst = init.volumeMounts.find((x) => x.mountPath === m[2]);
    check(`k8s ${name}: init copies exactly the secret's items`, JSON.stringify(files) === JSON.stringify(v.secret.items.map((i) => `${src.mountPath}/${i.path}`)), `${files} vs items`);
    check(`k8s ${name}: the copy is an in-memory emptyDir`, dst && vols[dst.name].emptyDir && vols[dst.name].emptyDir.medium === 'Memory');
    const mm = dst && (main.volumeMounts || []).find((x) => x.name === dst.name);
    check(`k8s ${name}: the main container mounts the copy read-only`, mm && mm.readOnly === true);
    for (const i of v.secret.items) {
      const want = mm ? `${mm.mountPath}/${i.path}` : '?';
      check(`k8s ${name}: anchord reads ${i.key} from ${want} (a *_KEY_FILE setting)`,
        (main.env || []).some((e) => /^WA_[A-Z_]*KEY_FILE$/.test(e.name) && e.value === want));
    }
  }
  // every envFrom ConfigMap exists
  for (const c of all) for (const f of c.envFrom || []) if (f.configMapRef) check(`k8s ${name}/${c.name}: ConfigMap ${f.configMapRef.name} exists`, f.configMapRef.name === cm.metadata.name);
  return spec;
}

const job = pod('CronJob', cj.spec.jobTemplate.spec.template.spec);
check('k8s CronJob: concurrencyPolicy Forbid', cj.spec.concurrencyPolicy === 'Forbid');
check('k8s CronJob: schedule has 5 fields', cj.spec.schedule.trim().split(/\s+/).length === 5, cj.spec.schedule);
const every = (/^\*\/(\d+) \* \* \* \*$/.exec(cj.spec.schedule) || [])[1] * 60;
const ad = cj.spec.jobTemplate.spec.activeDeadlineSeconds, sd = cj.spec.startingDeadlineSeconds;
check('k8s CronJob: startingDeadlineSeconds set, below the schedule interval', sd > 0 && sd < every, `${sd} vs ${every}`);
// docs/load.md: seconds per full batch (max of the row) and the worker's peak RSS (KB)
const load = fs.readFileSync(path.join(root, 'docs/load.md'), 'utf8').split('\n');
const nums = (row) => (row || '').replace(/\[[^\]]*\]/g, '').replace(/,(?=\d{3})/g, '').match(/\d+(\.\d+)?/g).map(Number);
const batchSec = Math.max(...nums(load.find((l) => l.startsWith('| seconds per full batch'))).filter((x) => x < 1000 && x !== 2));
const workerKb = Math.max(...nums(load.find((l) => l.startsWith('| worker maxRssKb, batches over growing logs'))));
const serveKb = Math.max(...nums(load.find((l) => l.startsWith('| serve RSS (KB)'))).filter((x) => x > 1000));
check(`k8s CronJob: activeDeadlineSeconds ${ad} covers a batch (${batchSec} s of work + confirmations) and ends before the next run (${every} s)`,
  ad >= batchSec + 300 && ad < every, `${ad}`);
check('k8s CronJob: restartPolicy Never (the next run resumes a failed one)', job.restartPolicy === 'Never');
check('k8s CronJob: runs `anchord run`', JSON.stringify(job.containers[0].args) === '["run"]');
const jr = job.containers[0].resources;
check(`k8s CronJob: memory limit >= 1.25 x the worker's peak in docs/load.md (${workerKb} KB)`, bytes(jr.limits.memory) >= 1.25 * workerKb * 1024, jr.limits.memory);
check(`k8s CronJob: memory request >= that peak`, bytes(jr.requests.memory) >= workerKb * 1024, jr.requests.memory);
check('k8s CronJob: WA_BUILD_THREADS = the CPU limit', String(cpu(jr.limits.cpu)) === cm.data.WA_BUILD_THREADS, `${jr.limits.cpu} vs ${cm.data.WA_BUILD_THREADS}`);

const ing = pod('Deployment', dep.spec.template.spec).containers[0];
check('k8s Deployment: selector matches the pod labels', Object.entries(dep.spec.selector.matchLabels).every(([k, v]) => dep.spec.template.metadata.labels[k] === v));
check('k8s Deployment: runs `anchord serve` on 0.0.0.0', JSON.stringify(ing.args) === '["serve"]' && ing.env.some((e) => e.name === 'WA_LISTEN' && e.value.startsWith('0.0.0.0:')));
const pnames = (ing.ports || []).map((p) => p.name);
for (const pr of ['readinessProbe', 'livenessProbe'])
  check(`k8s Deployment: ${pr} GET /health on a declared port`, ing[pr] && ing[pr].httpGet.path === '/health' && pnames.includes(ing[pr].httpGet.port));
const listen = ing.env.find((e) => e.name === 'WA_LISTEN').value.split(':')[1];
check('k8s Deployment: the container port is WA_LISTEN\'s', ing.ports.some((p) => String(p.containerPort) === listen));
check(`k8s Deployment: memory limit >= 2 x serve's RSS in docs/load.md (${serveKb} KB)`, bytes(ing.resources.limits.memory) >= 2 * serveKb * 1024);
check('k8s Deployment: never the relayer key', !JSON.stringify(dep).includes('relayer'));
check('k8s Service: selects the Deployment', Object.entries(svc.spec.selector).every(([k, v]) => dep.spec.template.metadata.labels[k] === v));
check('k8s Service: targetPort is a declared port', svc.spec.ports.every((p) => pnames.includes(p.targetPort) || ing.ports.some((x) => x.containerPort === p.targetPort)));
console.log(out.join('\n'));
