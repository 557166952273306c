// opsfiles.js -- checks the operations files against the code: cron/k8s.yaml (CronJob
// concurrencyPolicy Forbid, ingest Deployment, probes), docs/alerts.yml (Prometheus rule
// shape), docs/grafana-dashboard.json (valid JSON, panels), and that every metric they
// name is one anchord registers (names given on stdin, one per line).
// Usage: node opsfiles.js ROOT <metric-names ; prints "ok NAME" / "FAIL NAME: why" lines
// and, with --configmap, the k8s ConfigMap's WA_* settings as KEY=VALUE lines.
'use strict';
const fs = require('fs');
const path = require('path');
const yaml = require(path.join(__dirname, '../node/node_modules/js-yaml'));
const root = process.argv[2];
const out = [];
const ok = (n) => out.push(`ok ${n}`);
const check = (n, c, why) => out.push(c ? `ok ${n}` : `FAIL ${n}: ${why || 'false'}`);

const docs = yaml.loadAll(fs.readFileSync(path.join(root, 'cron/k8s.yaml'), 'utf8'));
const kind = (k) => docs.filter((d) => d && d.kind === k);
if (process.argv.includes('--configmap')) {
  for (const [k, v] of Object.entries(kind('ConfigMap')[0].data)) if (k.startsWith('WA_')) console.log(`${k}=${v}`);
  process.exit(0);
}
const cj = kind('CronJob');
check('k8s: one CronJob', cj.length === 1, `found ${cj.length}`);
check('k8s: CronJob concurrencyPolicy Forbid', cj[0] && cj[0].spec.concurrencyPolicy === 'Forbid', cj[0] && cj[0].spec.concurrencyPolicy);
const job = cj[0].spec.jobTemplate.spec.template.spec;
check('k8s: CronJob runs `anchord run`', JSON.stringify(job.containers[0].args) === '["run"]');
check('k8s: CronJob restartPolicy Never (a failed run is resumed by the next)', job.restartPolicy === 'Never');
const dep = kind('Deployment');
check('k8s: ingest Deployment runs `anchord serve`', dep.length === 1 && JSON.stringify(dep[0].spec.template.spec.containers[0].args) === '["serve"]');
const ing = dep[0].spec.template.spec.containers[0];
check('k8s: readiness probe is /health', ing.readinessProbe && ing.readinessProbe.httpGet.path === '/health');
check('k8s: Service selects the Deployment', kind('Service').some((s) => s.spec.selector.app === dep[0].spec.template.metadata.labels.app));
// Keys: never both env and *_FILE (tests/helper/k8scheck.js checks the 0600 key files).
const cm = kind('ConfigMap')[0].data;
for (const c of [job.containers[0], ing]) {
  const envNames = (c.env || []).map((e) => e.name);
  for (const k of ['WA_RELAYER_KEY', 'WA_PUBLISHER_KEY'])
    if (envNames.includes(k)) check(`k8s: ${c.args[0]}: ${k} not also given as ${k}_FILE`, !(`${k}_FILE` in cm));
  for (const e of c.env || []) if (e.valueFrom) check(`k8s: ${c.args[0]}: ${e.name} from a Secret`, !!e.valueFrom.secretKeyRef);
}
check('k8s: ingest gets the publisher key (POST /dids checks)', (ing.env || []).some((e) => /^WA_PUBLISHER_KEY(_FILE)?$/.test(e.name)));
check('k8s: ingest does not get the relayer key', !(ing.env || []).some((e) => /^WA_RELAYER_KEY(_FILE)?$/.test(e.name)));

const metrics = new Set(fs.readFileSync(0, 'utf8').split('\n').filter(Boolean));
const external = new Set(['up', 'node_textfile_mtime_seconds']);
const promFns = new Set(['max', 'min', 'sum', 'rate', 'increase', 'time', 'clamp_min', 'histogram_quantile', 'by', 'and', 'or', 'le']);
function metricNames(expr) {
  const noStr = expr.replace(/"[^"]*"/g, '""').replace(/\{[^}]*\}/g, '').replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without)\s*\([^)]*\)/g, '').replace(/\b\d+(\.\d+)?e[-+]?\d+/g, '');
  return (noStr.match(/[a-z_][a-z0-9_]*/g) || []).filter((w) => !promFns.has(w) && !/^\d/.test(w));
}
function known(name) {
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return metrics.has(name) || metrics.has(base) || external.has(name);
}

const al = yaml.load(fs.readFileSync(path.join(root, 'docs/alerts.yml'), 'utf8'));
const rules = (al.groups || []).flatMap((g) => g.rules || []);
check('alerts: parses, has rules', rules.length >= 8, `${rules.length} rules`);
const want = ['WitnessAnchorNotAnchoring', 'WitnessAnchorBatchStuck', 'WitnessAnchorQueueDeep', 'WitnessAnchorIngest5xx', 'WitnessAnchorRpcErrors'];
for (const w of want) check(`alerts: ${w} present`, rules.some((r) => r.alert === w));
for (const r of rules) {
  check(`alerts: ${r.alert} shape`, r.alert && typeof r.expr === 'string' && ['warning', 'critical'].includes(r.labels && r.labels.severity) &&
        r.annotations && r.annotations.summary, JSON.stringify(r).slice(0, 200));
  const unknown = metricNames(r.expr).filter((m) => !known(m));
  check(`alerts: ${r.alert} names only real metrics`, unknown.length === 0, unknown.join(','));
}

let dash;
try { dash = JSON.parse(fs.readFileSync(path.join(root, 'docs/grafana-dashboard.json'), 'utf8')); ok('dashboard: valid JSON'); }
catch (e) { check('dashboard: valid JSON', false, e.message); }
if (dash) {
  check('dashboard: has panels', Array.isArray(dash.panels) && dash.panels.length >= 8);
  const ids = dash.panels.map((p) => p.id);
  check('dashboard: panel ids unique', new Set(ids).size === ids.length);
  for (const p of dash.panels) for (const t of p.targets || []) {
    const unknown = metricNames(t.expr).filter((m) => !known(m));
    check(`dashboard: "${p.title}" names only real metrics`, unknown.length === 0, unknown.join(','));
  }
  for (const m of ['events_received_total', 'batches_anchored_total', 'anchor_latency_seconds_bucket', 'queue_depth', 'events_rejected_total', 's3_conflicts_total', 'rpc_errors_total'])
    check(`dashboard: shows ${m}`, dash.panels.some((p) => (p.targets || []).some((t) => t.expr.includes(m))));
}
console.log(out.join('\n'));
