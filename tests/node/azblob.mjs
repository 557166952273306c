// azblob.mjs -- test tooling: an independent Azure Blob client (node:crypto HMAC, fetch) for
// what the store itself does not do: create containers (optionally public-read), mint an
// account SAS, and send one signed request to look at raw answers. Its Shared Key signer is
// a second implementation written from the REST documentation ("Authorize with Shared Key"),
// so a test that passes through both agrees with the spec, not only with itself.
// Never part of the product. Credentials from AZURE_STORAGE_CONNECTION_STRING only.
//
//   node azblob.mjs container NAME [blob|container]   create (201, or 409 if it exists: ok)
//   node azblob.mjs sas [PERMS] [HOURS]               print an account SAS (blob service)
//   node azblob.mjs req METHOD PATH [Name:Value ...] [--body FILE]
//                                                     one signed request; prints the status,
//                                                     the headers and the body
// Exit: 0 ok, 1 the server refused, 2 usage.
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";

const VERSION = "2024-11-04";

function conn() {
    const cs = process.env.AZURE_STORAGE_CONNECTION_STRING || "";
    const kv = {};
    for (const part of cs.split(";")) {
        const i = part.indexOf("=");
        if (i > 0) kv[part.slice(0, i).toLowerCase()] = part.slice(i + 1);
    }
    if (!kv.accountname || !kv.accountkey || !kv.blobendpoint) {
        console.error("azblob.mjs: AZURE_STORAGE_CONNECTION_STRING needs AccountName, AccountKey, BlobEndpoint");
        process.exit(2);
    }
    return { account: kv.accountname, key: Buffer.from(kv.accountkey, "base64"), endpoint: kv.blobendpoint.replace(/\/+$/, "") };
}

const hmac = (key, s) => createHmac("sha256", key).update(s, "utf8").digest("base64");

// sign: the Authorization header of one request (Shared Key for the Blob service).
function sign(c, method, url, headers, length) {
    const h = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
    const std = ["content-encoding", "content-language", "", "content-md5", "content-type", "date",
                 "if-modified-since", "if-match", "if-none-match", "if-unmodified-since", "range"]
        .map((n) => (n === "" ? (length ? String(length) : "") : h[n] || ""));
    const xms = Object.keys(h).filter((n) => n.startsWith("x-ms-")).sort()
        .map((n) => `${n}:${h[n].replace(/\s+/g, " ").trim()}\n`).join("");
    const u = new URL(url);
    let res = `/${c.account}${u.pathname}`;
    const q = {};
    for (const [k, v] of u.searchParams) (q[k.toLowerCase()] ||= []).push(v);
    for (const k of Object.keys(q).sort()) res += `\n${k}:${q[k].sort().join(",")}`;
    const sts = [method, ...std].join("\n") + "\n" + xms + res;
    return `SharedKey ${c.account}:${hmac(c.key, sts)}`;
}

async function request(c, method, path, headers = {}, body) {
    const url = c.endpoint + path;
    const h = { "x-ms-date": new Date().toUTCString(), "x-ms-version": VERSION, ...headers };
    const len = body ? body.length : 0;
    h.Authorization = sign(c, method, url, h, len);
    if (body) h["Content-Length"] = String(len);
    return fetch(url, { method, headers: h, body });
}

function accountSas(c, perms, hours) {
    const se = new Date(Date.now() + hours * 3600e3).toISOString().replace(/\.\d+Z$/, "Z");
    const v = { sv: VERSION, ss: "b", srt: "sco", sp: perms, se, spr: "https,http" };
    const sts = [c.account, v.sp, v.ss, v.srt, "", v.se, "", v.spr, v.sv, "", ""].join("\n");
    v.sig = hmac(c.key, sts);
    return new URLSearchParams(v).toString();
}

const [cmd, ...args] = process.argv.slice(2);
const c = conn();
if (cmd === "container" && args.length >= 1) {
    const h = args[1] ? { "x-ms-blob-public-access": args[1] } : {};
    const r = await request(c, "PUT", `/${args[0]}?restype=container`, h);
    if (r.status !== 201 && r.status !== 409) {
        console.error(`azblob.mjs: create container ${args[0]}: HTTP ${r.status} ${await r.text()}`);
        process.exit(1);
    }
} else if (cmd === "sas") {
    console.log(accountSas(c, args[0] || "racwdl", Number(args[1] || 24)));
} else if (cmd === "req" && args.length >= 2) {
    const h = {};
    let body;
    for (let i = 2; i < args.length; i++) {
        if (args[i] === "--body") body = readFileSync(args[++i]);
        else { const j = args[i].indexOf(":"); h[args[i].slice(0, j)] = args[i].slice(j + 1).trim(); }
    }
    const r = await request(c, args[0], args[1], h, body);
    console.log(`HTTP ${r.status}`);
    for (const [k, v] of r.headers) console.log(`${k}: ${v}`);
    console.log("");
    console.log(await r.text());
    process.exit(r.status < 300 ? 0 : 1);
} else {
    console.error("usage: azblob.mjs container NAME [blob|container] | sas [PERMS] [HOURS] | req METHOD PATH [H:V ...] [--body FILE]");
    process.exit(2);
}
