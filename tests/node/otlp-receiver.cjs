// otlp-receiver.cjs -- test tooling: an OTLP/HTTP trace receiver (POST /v1/traces) that
// decodes what it gets with the official OTLP protobuf definitions, as shipped by npm
// @opentelemetry/otlp-transformer (opentelemetry.proto.collector.trace.v1.
// ExportTraceServiceRequest), so a field the definitions do not know, a wrong type or a
// malformed id fails the request instead of passing unnoticed.
//
//   node otlp-receiver.cjs PORT OUT [STATUS]
//
// OTLP/JSON bodies (application/json: ids in hex, 64-bit integers as strings, the
// lowerCamelCase field names) are converted to the protobuf message (ids to bytes),
// encoded, decoded again and compared with what was sent: anything dropped or changed on
// the way (an unknown field, a bad enum, an id that is not 16/8 bytes) answers 400 and
// writes a line {"error": ...} to OUT. Protobuf bodies (application/x-protobuf) are
// decoded as they are. Every span received is one JSON line of OUT:
//   {"service","traceId","spanId","parentSpanId","name","kind","start","end",
//    "attributes":{key: value},"links":[{"traceId","spanId"}],"status":{"code","message"}}
// STATUS (optional): answer every request with this HTTP status instead of 200 (a
// collector that refuses); 0: never answer (a collector that hangs). Never part of the product.
"use strict";
const http = require("http");
const fs = require("fs");
const root = require("@opentelemetry/otlp-transformer/build/src/generated/root.js");
const Req = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

const [port, out] = [Number(process.argv[2]), process.argv[3]];
const status = process.argv[4] === undefined ? 200 : Number(process.argv[4]);
const ID_FIELDS = new Set(["traceId", "spanId", "parentSpanId"]);
const ID_LEN = { traceId: 16, spanId: 8, parentSpanId: 8 };

// toProto: OTLP/JSON -> the object protobufjs' fromObject takes (hex ids -> bytes).
function toProto(v, key) {
    if (Array.isArray(v)) return v.map((x) => toProto(x));
    if (v && typeof v === "object") {
        const o = {};
        for (const [k, x] of Object.entries(v)) o[k] = toProto(x, k);
        return o;
    }
    if (ID_FIELDS.has(key)) {
        if (typeof v !== "string" || !/^[0-9a-f]*$/.test(v) || v.length !== 2 * ID_LEN[key])
            throw new Error(`${key} ${JSON.stringify(v)} is not ${ID_LEN[key]} bytes of lowercase hex`);
        return Buffer.from(v, "hex");
    }
    return v;
}

// fromProto: a decoded message as plain JSON (ids hex, 64-bit integers strings).
function fromProto(msg) {
    const o = Req.toObject(msg, { longs: String, enums: Number, bytes: Buffer });
    const walk = (v) => {
        if (Buffer.isBuffer(v)) return v.toString("hex");
        if (Array.isArray(v)) return v.map(walk);
        if (v && typeof v === "object") {
            const r = {};
            for (const [k, x] of Object.entries(v)) r[k] = walk(x);
            return r;
        }
        return v;
    };
    return walk(o);
}

// canon: JSON without empty arrays/objects and with sorted keys (what protobuf keeps).
function canon(v) {
    if (Array.isArray(v)) return v.map(canon);
    if (v && typeof v === "object") {
        const r = {};
        for (const k of Object.keys(v).sort()) {
            const x = canon(v[k]);
            if ((Array.isArray(x) && !x.length) || (x && typeof x === "object" && !Array.isArray(x) && !Object.keys(x).length)) continue;
            r[k] = x;
        }
        return r;
    }
    return v;
}

function attrValue(v) {
    if ("stringValue" in v) return v.stringValue;
    if ("intValue" in v) return String(v.intValue);
    if ("boolValue" in v) return v.boolValue;
    if ("doubleValue" in v) return v.doubleValue;
    return v;
}

function attrs(list) {
    const o = {};
    for (const a of list || []) o[a.key] = attrValue(a.value || {});
    return o;
}

function record(req) {
    const lines = [];
    for (const rs of req.resourceSpans || []) {
        const res = attrs(rs.resource && rs.resource.attributes);
        for (const ss of rs.scopeSpans || [])
            for (const s of ss.spans || [])
                lines.push(JSON.stringify({
                    service: res["service.name"], resource: res, scope: ss.scope && ss.scope.name,
                    traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId || "", name: s.name,
                    kind: s.kind || 0, start: s.startTimeUnixNano, end: s.endTimeUnixNano,
                    attributes: attrs(s.attributes), links: (s.links || []).map((l) => ({ traceId: l.traceId, spanId: l.spanId })),
                    status: s.status || {},
                }));
    }
    if (lines.length) fs.appendFileSync(out, lines.join("\n") + "\n");
}

function decode(body, ctype) {
    if (/^application\/x-protobuf/.test(ctype)) return fromProto(Req.decode(body));
    if (!/^application\/json/.test(ctype)) throw new Error(`Content-Type ${ctype} is not OTLP/HTTP`);
    const sent = JSON.parse(body.toString("utf8"));
    const msg = Req.fromObject(toProto(sent));
    const err = Req.verify(msg);
    if (err) throw new Error(`not an ExportTraceServiceRequest: ${err}`);
    const got = fromProto(Req.decode(Req.encode(msg).finish()));
    const a = JSON.stringify(canon(sent)), b = JSON.stringify(canon(got));
    if (a !== b) throw new Error(`the OTLP definitions do not keep what was sent:\n sent ${a}\n kept ${b}`);
    return got;
}

http.createServer((rq, rs) => {
    const chunks = [];
    rq.on("data", (c) => chunks.push(c));
    rq.on("end", () => {
        if (rq.method !== "POST" || rq.url !== "/v1/traces") {
            rs.writeHead(404).end();
            return;
        }
        fs.appendFileSync(out + ".requests", JSON.stringify({ headers: rq.headers }) + "\n");
        if (status === 0) return;   // hold the request: the client's timeout must end it
        if (status !== 200) {
            rs.writeHead(status, { "Content-Type": "application/json" }).end("{}");
            return;
        }
        try {
            record(decode(Buffer.concat(chunks), rq.headers["content-type"] || ""));
            rs.writeHead(200, { "Content-Type": "application/json" }).end("{}");
        } catch (e) {
            fs.appendFileSync(out, JSON.stringify({ error: String(e.message) }) + "\n");
            rs.writeHead(400, { "Content-Type": "application/json" }).end(JSON.stringify({ message: String(e.message) }));
        }
    });
}).listen(port, "127.0.0.1");
